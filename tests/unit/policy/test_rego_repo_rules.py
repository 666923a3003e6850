"""Conftest-style repo rules: the built-in Argo CD rule (Python, PASS and FAIL) and user rules (Rego)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sggitops.policy.rego.errors import RegoUnsupported
from sggitops.policy.rego.repo_rules import RepoRules, input_keys
from sggitops.policy.repo_builtin import builtin_messages


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
    messages = builtin_messages(objects, {"name": "run-dev", "role": role})
    return [m.message for m in messages if m.severity == "error"]


@pytest.mark.parametrize("project", ["default", None, "mission-a"])
def test_default_project_is_left_to_argocd_default_project(project: str | None) -> None:
    # one problem, one rule: argocd/default-project reports it (tests/cases/argocd-default-project)
    assert run([app(project)]) == []


def test_automated_sync_pass_on_run_and_not_required_on_build() -> None:
    assert run([app(automated=True)], role="run") == []
    assert run([app(automated=False)], role="build") == []


def test_automated_sync_fail_on_run_cluster() -> None:
    (message,) = run([app(automated=False)], role="run")
    assert message == (
        "Application argocd/web on run cluster run-dev has no automated sync; set spec.syncPolicy.automated"
    )


@pytest.mark.parametrize(("automated", "fires"), [(False, True), (None, False), ({}, False)])
def test_automated_sync_keeps_rego_truth(automated: Any, fires: bool) -> None:
    # Rego `not x`: fires when x is undefined or false, not when it is null or an object
    obj = app()
    obj["spec"]["syncPolicy"]["automated"] = automated
    assert bool(run([obj])) is fires


def test_automated_sync_ignores_other_kinds_and_unnamed_apps() -> None:
    other = {**app(automated=False), "apiVersion": "example.com/v1"}
    unnamed = app(automated=False)
    del unnamed["metadata"]["name"]
    assert run([other, unnamed]) == []


def test_no_rules_without_a_directory(tmp_path: Path) -> None:
    assert RepoRules.load(None).policy is None
    assert RepoRules.load(tmp_path / "absent").policy is None


def test_input_keys_are_the_fields_rules_name() -> None:
    assert input_keys(['package p\ndeny contains "x" if { input.cluster.role == input["spec"].a }\n']) == {
        "cluster",
        "spec",
    }
    assert input_keys(["package p\ndeny contains m if { x := input; m := x.spec.a }\n"]) is None
    assert input_keys(["package p\nf(x) := x.input\n"]) == set()


def test_user_rules_deny_and_warn_with_objects(tmp_path: Path) -> None:
    rules_dir = tmp_path / "policies" / "repo"
    rules_dir.mkdir(parents=True)
    (rules_dir / "labels.rego").write_text(
        "package repo.labels\n\n"
        'deny contains {"msg": sprintf("%s has no team label", [obj.metadata.name])} if {\n'
        "  some obj in input.objects\n  not obj.metadata.labels.team\n}\n\n"
        'warn contains "consider an owner annotation" if { count(input.objects) > 0 }\n'
    )
    rules = RepoRules.load(rules_dir, tmp_path)
    got = rules.evaluate({"objects": [{"metadata": {"name": "cm"}}], "cluster": {}, "spec": {}})
    assert [(m.severity, m.rule, m.message) for m in got] == [
        ("error", "deny", "cm has no team label"),
        ("warning", "warn", "consider an owner annotation"),
    ]
    assert got[0].source == "policies/repo/labels.rego"  # the hint names the repo file, not a local path
    assert rules.input_keys == {"objects"} and rules.reads("objects") and not rules.reads("spec")


def test_v0_repo_rules_are_refused(tmp_path: Path) -> None:
    (tmp_path / "old.rego").write_text('package old\ndeny[msg] { msg := "x" }\n')
    with pytest.raises(RegoUnsupported):
        RepoRules.load(tmp_path)
