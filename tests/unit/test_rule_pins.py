"""Rules only `sggitops policy test` emits: no `validate` golden case can reach them, so these tests pin
them (their Rule declarations name these tests in `pinned_by`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sggitops.errors import InputError
from sggitops.policy.gator_suite import run_gator_suite
from sggitops.policy.kyverno_suite import run_kyverno_test


def test_an_unreadable_gator_suite_is_policy_suite(tmp_path: Path) -> None:
    suite = tmp_path / "suite.yaml"
    suite.write_text("kind: Suite\ntests: [\n", "utf-8")
    with pytest.raises(InputError) as caught:
        run_gator_suite(suite, tmp_path)
    assert caught.value.rule == "policy/suite"
    assert caught.value.location.line == 3


def test_a_kyverno_test_without_results_is_policy_test_file(tmp_path: Path) -> None:
    test = tmp_path / "kyverno-test.yaml"
    test.write_text("name: t\nresults: {}\n", "utf-8")
    with pytest.raises(InputError) as caught:
        run_kyverno_test(test)
    assert caught.value.rule == "policy/test-file"
