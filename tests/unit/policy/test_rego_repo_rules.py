"""Conftest-style repo rules: built-in Argo CD rules (PASS and FAIL each) and user rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sggitops.policy.rego.errors import RegoUnsupported
from sggitops.policy.rego.repo_rules import RepoRules, builtin_modules


def app(project: str | None = "mission-a", automated: bool = True) -> dict[str, Any]:
    spec: dict[str, Any] = {"destination": {"namespace": "web"}}
    if project is not None:
        spec["project"] = project
    if automated:
        spec["syncPolicy"] = {"automated": {}}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "web", "namespace": "argocd"},
        "spec": spec,
    }


def run(objects: list[dict[str, Any]], role: str = "run") -> list[str]:
    rules = RepoRules.load()
    doc = {"objects": objects, "cluster": {"name": "run-dev", "role": role}, "spec": {}}
    return [m.message for m in rules.evaluate(doc) if m.severity == "error"]


def test_builtin_rules_ship_as_package_data() -> None:
    assert "builtin/argocd.rego" in builtin_modules()


def test_default_project_pass() -> None:
    assert run([app("mission-a")]) == []


@pytest.mark.parametrize("project", ["default", None])
def test_default_project_fail(project: str | None) -> None:
    (message,) = run([app(project)])
    assert "argocd/web uses the default AppProject" in message


def test_automated_sync_pass_on_run_and_not_required_on_build() -> None:
    assert run([app(automated=True)], role="run") == []
    assert run([app(automated=False)], role="build") == []


def test_automated_sync_fail_on_run_cluster() -> None:
    (message,) = run([app(automated=False)], role="run")
    assert "has no automated sync" in message and "run-dev" in message


def test_user_rules_deny_and_warn_with_objects(tmp_path: Path) -> None:
    (tmp_path / "labels.rego").write_text(
        "package repo.labels\n\n"
        'deny contains {"msg": sprintf("%s has no team label", [obj.metadata.name])} if {\n'
        "  some obj in input.objects\n  not obj.metadata.labels.team\n}\n\n"
        'warn contains "consider an owner annotation" if { count(input.objects) > 0 }\n'
    )
    rules = RepoRules.load(tmp_path, builtin=False)
    got = rules.evaluate({"objects": [{"metadata": {"name": "cm"}}], "cluster": {}, "spec": {}})
    assert [(m.severity, m.rule, m.message) for m in got] == [
        ("error", "deny", "cm has no team label"),
        ("warning", "warn", "consider an owner annotation"),
    ]
    assert got[0].source.endswith("labels.rego")


def test_v0_repo_rules_are_refused(tmp_path: Path) -> None:
    (tmp_path / "old.rego").write_text('package old\ndeny[msg] { msg := "x" }\n')
    with pytest.raises(RegoUnsupported):
        RepoRules.load(tmp_path, builtin=False)
