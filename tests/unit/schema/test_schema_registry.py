"""SchemaRegistry: lookup order, caching, constraint kinds, and problem messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sggitops.errors import InputError
from sggitops.schema.registry import Problem, SchemaRegistry


def crd(group: str, kind: str, version: str, spec_props: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{kind.lower()}s.{group}"},
        "spec": {
            "group": group,
            "names": {"kind": kind},
            "versions": [
                {
                    "name": version,
                    "served": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {"spec": {"type": "object", "properties": spec_props}},
                        }
                    },
                }
            ],
        },
    }


def widget(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": spec}


def test_builtin_kind_comes_from_kubernetes() -> None:
    registry = SchemaRegistry("1.34")
    validator = registry.validator_for("v1", "ConfigMap")
    assert validator is not None and validator.source == "Kubernetes 1.34"
    assert validator.problems({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}) == []


def test_builtins_win_over_a_repo_crd_claiming_the_same_kind() -> None:
    registry = SchemaRegistry("1.34", crd_objects=[crd("apps", "Deployment", "v1", {})])
    validator = registry.validator_for("apps/v1", "Deployment")
    assert validator is not None and validator.source.startswith("Kubernetes")


def test_project_schema_wins_over_repo_crd() -> None:
    fake = crd("helm.toolkit.fluxcd.io", "HelmRelease", "v2", {"anything": {"type": "string"}})
    validator = SchemaRegistry("1.34", crd_objects=[fake]).validator_for(
        "helm.toolkit.fluxcd.io/v2", "HelmRelease"
    )
    assert validator is not None and validator.source == "schemas/helm.toolkit.fluxcd.io/helmrelease_v2.json"
    without = SchemaRegistry("1.34", project_schemas=False, crd_objects=[fake])
    validator = without.validator_for("helm.toolkit.fluxcd.io/v2", "HelmRelease")
    assert (
        validator is not None
        and validator.source == "CustomResourceDefinition helmreleases.helm.toolkit.fluxcd.io"
    )


def test_repo_crd_wins_over_schema_dir(tmp_path: Path) -> None:
    (tmp_path / "example.com").mkdir()
    (tmp_path / "example.com" / "widget_v1.json").write_text(json.dumps({"type": "object"}))
    registry = SchemaRegistry(
        "1.34",
        crd_objects=[crd("example.com", "Widget", "v1", {"size": {"type": "integer"}})],
        schema_dirs=[tmp_path],
    )
    validator = registry.validator_for("example.com/v1", "Widget")
    assert validator is not None and validator.source == "CustomResourceDefinition widgets.example.com"
    assert [p.where for p in validator.problems(widget(size="big"))] == ["spec.size"]


def test_schema_dir_in_catalog_layout(tmp_path: Path) -> None:
    folder = tmp_path / "example.com"
    folder.mkdir()
    schema = {"type": "object", "properties": {"spec": {"type": "object", "required": ["size"]}}}
    (folder / "widget_v1.json").write_text(json.dumps(schema))
    validator = SchemaRegistry("1.34", schema_dirs=[str(tmp_path)]).validator_for("example.com/v1", "Widget")
    assert validator is not None and validator.source == str(folder / "widget_v1.json")
    assert [str(p) for p in validator.problems(widget())] == ["spec: missing required field 'size'"]


def test_unknown_kind_is_none_and_cached() -> None:
    registry = SchemaRegistry("1.34")
    assert registry.validator_for("example.com/v1", "Widget") is None
    assert registry.validator_for("v9", "Thing") is None
    first = registry.validator_for("v1", "Service")
    assert first is registry.validator_for("v1", "Service")


def test_any_gatekeeper_constraint_kind_uses_the_generic_schema() -> None:
    registry = SchemaRegistry("1.34")
    validator = registry.validator_for("constraints.gatekeeper.sh/v1beta1", "K8sRequiredLabels")
    assert validator is not None and validator.source == "schemas/constraints.gatekeeper.sh/_any_v1beta1.json"
    constraint = {
        "apiVersion": "constraints.gatekeeper.sh/v1beta1",
        "kind": "K8sRequiredLabels",
        "metadata": {"name": "must-have-owner"},
        "spec": {
            "enforcementAction": "deny",
            "match": {"kinds": [{"apiGroups": [""], "kinds": ["Namespace"]}]},
            "parameters": {"labels": [{"key": "owner"}]},
        },
    }
    assert validator.problems(constraint) == []
    constraint["spec"]["match"]["namespace"] = ["x"]
    assert [str(p) for p in validator.problems(constraint)] == [
        "spec.match.namespace: unknown field 'namespace' (did you mean 'namespaces'?)"
    ]


def test_constraint_template_in_repo_defines_its_parameters() -> None:
    template = {
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {"name": "k8srequiredlabels"},
        "spec": {
            "crd": {
                "spec": {
                    "names": {"kind": "K8sRequiredLabels"},
                    "validation": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {"labels": {"type": "array", "items": {"type": "string"}}},
                        }
                    },
                }
            },
            "targets": [{"target": "admission.k8s.gatekeeper.sh", "rego": "package k8srequiredlabels"}],
        },
    }
    registry = SchemaRegistry("1.34", crd_objects=[template])
    validator = registry.validator_for("constraints.gatekeeper.sh/v1beta1", "K8sRequiredLabels")
    assert validator is not None and validator.source == "ConstraintTemplate k8srequiredlabels"
    good = {
        "apiVersion": "constraints.gatekeeper.sh/v1beta1",
        "kind": "K8sRequiredLabels",
        "metadata": {"name": "x"},
        "spec": {"parameters": {"labels": ["owner"]}},
    }
    assert validator.problems(good) == []
    bad = {**good, "spec": {"parameters": {"label": ["owner"]}}}
    assert [p.where for p in validator.problems(bad)] == ["spec.parameters.label"]


def test_version_match_is_exposed() -> None:
    assert SchemaRegistry("1.99").version_match.exact is False
    assert SchemaRegistry("1.34").version_match.used == "1.34"


def test_problem_paths_read_like_json_paths() -> None:
    assert Problem(("spec", "containers", 0, "image"), "x").where == "spec.containers[0].image"
    assert Problem((), "x").where == "<root>"
    assert str(Problem(("a",), "bad")) == "a: bad"


def test_problems_name_each_unknown_field_and_type_errors() -> None:
    registry = SchemaRegistry("1.34")
    validator = registry.validator_for("apps/v1", "Deployment")
    assert validator is not None
    obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicaz": 1,
            "paused": "yes",
            "selector": {"matchLabels": {"a": "b"}},
            "template": {"spec": {"containers": [{"name": "c", "imagePullPolicyy": "Always"}]}},
        },
    }
    assert [str(p) for p in validator.problems(obj)] == [
        "spec.paused: expected boolean or null, got string",
        "spec.replicaz: unknown field 'replicaz' (did you mean 'replicas'?)",
        "spec.template.spec.containers[0].imagePullPolicyy: unknown field 'imagePullPolicyy' "
        "(did you mean 'imagePullPolicy'?)",
    ]


def test_enum_problem_names_the_allowed_values() -> None:
    validator = SchemaRegistry("1.34").validator_for("helm.toolkit.fluxcd.io/v2", "HelmRelease")
    assert validator is not None
    obj = {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": "bigbang"},
        "spec": {"interval": "10m", "upgrade": {"crds": "Sometimes"}},
    }
    (problem,) = validator.problems(obj)
    assert problem.where == "spec.upgrade.crds"
    assert "'Sometimes' is not one of ['Skip', 'Create', 'CreateReplace']" in problem.message


def test_broken_schema_dir_file_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "example.com").mkdir()
    (tmp_path / "example.com" / "widget_v1.json").write_text('{"type": "object",\n  oops}')
    registry = SchemaRegistry("1.34", schema_dirs=[tmp_path])
    with pytest.raises(InputError) as caught:
        registry.validator_for("example.com/v1", "Widget")
    assert caught.value.rule == "schema/bad-schema-file"
    assert caught.value.location.line == 2


def test_broken_crd_schema_is_reported_not_raised() -> None:
    broken = crd("example.com", "Widget", "v1", {"size": {"type": "whole-number"}})
    validator = SchemaRegistry("1.34", crd_objects=[broken]).validator_for("example.com/v1", "Widget")
    assert validator is not None
    (problem,) = validator.problems(widget(size=1))
    assert problem.where == "<root>"
    assert "CustomResourceDefinition widgets.example.com is broken" in problem.message


@settings(max_examples=60, deadline=None)
@given(key=st.text(alphabet=st.characters(categories=["Ll", "Lu", "Nd"]), min_size=1, max_size=12))
def test_any_unknown_spec_field_is_named(key: str) -> None:
    validator = SchemaRegistry("1.34").validator_for("apps/v1", "Deployment")
    assert validator is not None
    known = {"minReadySeconds", "paused", "progressDeadlineSeconds", "replicas", "revisionHistoryLimit"}
    known |= {"selector", "strategy", "template"}
    assume(key not in known)
    obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w"}, "spec": {key: 1}}
    problems = validator.problems(obj)
    assert any(p.path == ("spec", key) and p.message.startswith(f"unknown field {key!r}") for p in problems)
