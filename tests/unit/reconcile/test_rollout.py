"""`sggitops rollout` on the reference fleet: a snapshot of each format, and the order it predicts."""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path

import pytest

from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[3]
SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("SGGITOPS_UPDATE_SNAPSHOTS") == "1"  # after a reviewed change of the output


def _check(name: str, actual: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), name, "actual"))
    assert not diff, f"rollout output changed (SGGITOPS_UPDATE_SNAPSHOTS=1 to accept):\n{diff}"


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("text", "rollout-reference.txt"),
        ("json", "rollout-reference.json"),
        ("mermaid", "rollout-reference.mmd"),
    ],
)
def test_rollout_snapshot_of_the_reference_fleet(fmt: str, name: str) -> None:
    result = run_cli(ROOT, "rollout", "-o", fmt)
    assert result.exit_code == 0, result.output
    _check(name, result.output)


def test_rollout_orders_policies_after_the_engine_and_apps_after_argocd() -> None:
    result = run_cli(ROOT, "rollout", "--cluster", "run-dev", "-o", "json")
    assert result.exit_code == 0, result.output
    stages = json.loads(result.output)["clusters"]["run-dev"]["stages"]
    where = {step["name"]: number for number, stage in enumerate(stages) for step in stage}
    assert where["bigbang"] < where["policies"] and where["bigbang"] < where["argocd-apps"]
    first = next(s for s in stages[where["bigbang"]] if s["name"] == "bigbang")
    assert {"bigbang/kyverno", "bigbang/argocd"} <= set(first["helm_releases"])
    assert "kyverno.io" in first["crd_groups"]
    assert where["argocd-apps"] < where["apps"] < where["web"]


def test_rollout_unknown_cluster_is_a_usage_error() -> None:
    result = run_cli(ROOT, "rollout", "--cluster", "nope")
    assert result.exit_code == 2
    assert "no such cluster: nope" in result.output
