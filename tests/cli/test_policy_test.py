"""`sggitops policy test DIR` on the upstream suites and on sggitops' own policy examples."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]


def _json(directory: Path) -> dict[str, object]:
    result = run_cli(ROOT, "policy", "test", str(directory), "-o", "json")
    doc: dict[str, object] = json.loads(result.stdout)
    doc["exit"] = result.exit_code
    return doc


def test_own_policy_examples_pass_in_both_engines() -> None:
    doc = _json(ROOT / "tests" / "policy_examples")
    summary = doc["summary"]
    assert isinstance(summary, dict)
    assert summary["mismatch"] == 0 and summary["unsupported"] == 0
    assert summary["match"] >= 100
    cases = doc["cases"]
    assert isinstance(cases, list)
    suites = {c["suite"].split("/")[0] for c in cases}
    assert suites == {"kyverno", "kyverno-cel", "gatekeeper"}
    assert doc["exit"] == 0


def test_upstream_kyverno_suites(reference: Path) -> None:
    doc = _json(reference / "kyverno-policies")
    summary = doc["summary"]
    assert isinstance(summary, dict)
    supported = summary["match"] + summary["mismatch"]
    assert supported > 900
    assert summary["match"] / supported >= 0.99
    assert summary["unsupported"] > 0, "podSecurity subrules must be counted apart, not passed"


def test_upstream_gatekeeper_suites(reference: Path) -> None:
    doc = _json(reference / "gatekeeper-library" / "general")
    summary = doc["summary"]
    assert isinstance(summary, dict)
    total = summary["match"] + summary["mismatch"] + summary["unsupported"]
    assert total > 100
    assert summary["match"] / total >= 0.95


def test_empty_directory_is_a_failure(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "policy", "test", str(tmp_path))
    assert result.exit_code == 1
    assert "no kyverno-test.yaml or suite.yaml found" in result.stdout


def test_a_wrong_expectation_is_a_mismatch(tmp_path: Path) -> None:
    suite = tmp_path / "kyverno"
    suite.mkdir()
    (suite / "policy.yaml").write_text(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: no-priv}\nspec:\n"
        "  validationFailureAction: Enforce\n  rules:\n  - name: no-priv\n"
        "    match: {any: [{resources: {kinds: [Pod]}}]}\n"
        "    validate:\n      message: no privileged\n      pattern:\n        spec:\n          containers:\n"
        "          - =(securityContext): {=(privileged): 'false'}\n"
    )
    (suite / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  containers:\n"
        "  - {name: c, image: x, securityContext: {privileged: true}}\n"
    )
    (suite / "kyverno-test.yaml").write_text(
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\npolicies: [policy.yaml]\n"
        "resources: [pod.yaml]\nresults:\n- {policy: no-priv, rule: no-priv, resources: [bad], kind: Pod, result: pass}\n"
    )
    result = run_cli(tmp_path, "policy", "test", str(tmp_path))
    assert result.exit_code == 1
    assert "1 mismatch" in result.stdout
