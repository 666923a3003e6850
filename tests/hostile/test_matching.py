"""Policy matching in linear time, as Kyverno (Go's RE2, a linear wildcard matcher) does it: ReDoS
regexes and many-star wildcards against long labels finish at once; Go-invalid syntax is an error."""

from __future__ import annotations

import fnmatch
import json
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sggitops.checks.globs import glob_match
from sggitops.policy import budget
from sggitops.policy.budget import ENGINE_FAILED
from sggitops.policy.kyverno import engine
from sggitops.policy.kyverno.functions import FunctionError, _regex_match, _regex_replace_all
from sggitops.policy.kyverno.model import KyvernoPolicy
from sggitops.policy.kyverno.values import wildcard_match
from sggitops.policy.results import Outcome
from tests.helpers import run_cli

REDOS = [
    r"^(a+)+$",
    r"(a|aa)+$",
    r"(a|a?)+$",
    r"^(\w+\s?)*$",
    r"(.*a){12}",
    r"(x+x+)+y",
    r"^(([a-z])+.)+[A-Z]([a-z])+$",
    r"(\d+)*$",
    r"^(a|b|ab)*c$",
    r"^([a-zA-Z0-9])(([\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$",
]
LONG = {"a-bang": "a" * 30000 + "!", "x-run": "x" * 30000, "digits": "1" * 30000 + "x"}


@pytest.mark.parametrize("subject", sorted(LONG))
@pytest.mark.parametrize("pattern", REDOS)
def test_redos_regex_is_linear(pattern: str, subject: str) -> None:
    start = time.monotonic()
    _regex_match(pattern, LONG[subject])
    _regex_replace_all(pattern, LONG[subject][:2000], "y")
    assert time.monotonic() - start < 1.0


@pytest.mark.parametrize("pattern", [r"(?=a)b", r"(a)\1", r"(?<=x)y", r"a++"])
def test_regex_outside_go_syntax_is_an_error_as_in_kyverno(pattern: str) -> None:
    with pytest.raises(FunctionError, match="invalid regular expression"):
        _regex_match(pattern, "ab")


def test_go_syntax_specifics() -> None:
    assert _regex_match(r"^\Qa.b\E$", "a.b")  # Go's quoted literal; Python re has no \Q
    assert not _regex_match(r"^a.b$", "a\nb")  # `.` does not match a newline, as in Go
    assert _regex_replace_all(r"(\w+)-(\d+)", "web-12", "$2:$1") == "12:web"


@pytest.mark.parametrize("length", [1000, 20000])
@pytest.mark.parametrize("stars", [5, 10, 20, 40])
def test_many_star_wildcard_is_linear(stars: int, length: int) -> None:
    pattern = "*a" * stars + "*b"
    start = time.monotonic()
    assert not wildcard_match(pattern, "a" * length)
    assert wildcard_match(pattern, "a" * length + "b")
    assert time.monotonic() - start < 2.0


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("*", "", True),
        ("a*", "abc", True),
        ("?b*", "ab", True),
        ("*.mil", "repo1.dso.mil", True),
        ("a*b*c", "aXbYc", True),
        ("a*b", "ab", True),
        ("a?c", "ac", False),
        ("*a*a*b", "aab", True),
        ("*a*a*b", "ab", False),
        ("registry1.dso.mil/*", "docker.io/x", False),
    ],
)
def test_wildcard_semantics(pattern: str, text: str, expected: bool) -> None:
    assert wildcard_match(pattern, text) is expected


@settings(max_examples=300, deadline=None)
@given(st.text("ab*?", max_size=8), st.text("ab", max_size=10))
def test_wildcard_agrees_with_fnmatch(pattern: str, text: str) -> None:
    assert wildcard_match(pattern, text) == fnmatch.fnmatchcase(text, pattern)


def _policy(name: str, rule: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "kyverno.io/v1",
        "kind": "ClusterPolicy",
        "metadata": {"name": name},
        "spec": {"validationFailureAction": "Enforce", "rules": [rule]},
    }


REGEX_RULE = {
    "name": "app-label",
    "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
    "validate": {
        "message": "bad app label",
        "deny": {
            "conditions": {
                "any": [
                    {
                        "key": "{{ regex_match('^(a+)+$', '{{request.object.metadata.labels.app}}') }}",
                        "operator": "Equals",
                        "value": False,
                    }
                ]
            }
        },
    },
}
WILDCARD_RULE = {
    "name": "app-pattern",
    "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
    "validate": {"message": "bad", "pattern": {"metadata": {"labels": {"app": "*a" * 30 + "*b"}}}},
}


def _pod(label: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "x", "labels": {"app": label}},
        "spec": {"containers": [{"name": "c", "image": "i"}]},
    }


@pytest.mark.parametrize("rule", ["regex", "wildcard"])
def test_cluster_policy_redos_against_a_long_label(rule: str) -> None:
    raw = REGEX_RULE if rule == "regex" else WILDCARD_RULE
    policy = KyvernoPolicy.from_manifest(_policy(f"redos-{rule}", raw))
    start = time.monotonic()
    results = engine.evaluate_many([policy], [_pod("a" * 20000 + "!")])
    assert time.monotonic() - start < 5.0
    assert [r.outcome for r in results] == [Outcome.FAIL]


def test_a_policy_past_its_budget_is_engine_failed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budget, "POLICY_BUDGET", 0.0)
    policy = KyvernoPolicy.from_manifest(_policy("slow", WILDCARD_RULE))
    results = engine.evaluate_many([policy], [_pod(f"a{i}") for i in range(5)])
    failed = [r for r in results if r.feature == ENGINE_FAILED]
    assert len(failed) == 1 and failed[0].outcome is Outcome.ERROR
    assert "time budget" in failed[0].message
    assert len(results) == 2  # the first evaluation, then the refusal; the rest not evaluated


def test_validate_with_redos_policies_in_the_merge_request(tmp_path: Any) -> None:
    repo = tmp_path / "repo"
    (repo / "overlays/dev").mkdir(parents=True)
    docs = [
        _policy("redos-regex", REGEX_RULE),
        _policy("redos-wildcard", WILDCARD_RULE),
        _pod("a" * 20000 + "!"),
    ]
    for i, doc in enumerate(docs):
        (repo / f"overlays/dev/d{i}.json").write_text(json.dumps(doc), "utf-8")
    (repo / "overlays/dev/kustomization.yaml").write_text(
        "resources:\n" + "".join(f"  - d{i}.json\n" for i in range(len(docs))), "utf-8"
    )
    start = time.monotonic()
    result = run_cli(repo, "validate", "-o", "text")
    assert time.monotonic() - start < 60
    assert result.exit_code == 1, result.output
    assert result.output.count("[policy/violation]") == 2


@pytest.mark.parametrize("stars", [10, 40])
def test_appproject_glob_is_linear_as_gobwas(stars: int) -> None:
    start = time.monotonic()
    assert not glob_match("*a" * stars + "*b", "https://gitlab.mil/" + "a" * 20000)
    assert glob_match("https://gitlab.mil/*", "https://gitlab.mil/team/x.git")
    assert not glob_match("https://gitlab.mil/*", "https://gitlab.mil/team/x.git", "/")
    assert time.monotonic() - start < 1.0
