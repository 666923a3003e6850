"""Flux postBuild substitution as kustomize-controller applies it (fluxcd.io/flux/components/kustomize/
kustomizations/#post-build-variable-substitution): `${var}`, `${var:=default}`, `$${var}` escapes,
`$var` untouched, values read back as YAML, and the `substitute: disabled` opt-out."""

from __future__ import annotations

import base64

from sggitops.model.substitute import substitute_object, substitute_text, unresolved_paths, values_of


def test_forms() -> None:
    values = {"A": "a", "EMPTY": ""}
    assert substitute_text("${A}", values) == "a"
    assert substitute_text("${B:=dflt}", values) == "dflt"
    assert substitute_text("${B:-dflt}", values) == "dflt"
    assert substitute_text("${EMPTY:=dflt}", values) == "dflt"  # `:` also replaces an empty value
    assert substitute_text("${EMPTY=dflt}", values) == ""
    assert substitute_text("$${A}", values) == "${A}"  # escaped
    assert substitute_text("$A and ${B}", values) == "$A and ${B}"  # no braces; unknown kept


def test_a_whole_field_variable_is_read_back_as_yaml() -> None:
    obj = {"kind": "Deployment", "spec": {"replicas": "${REPLICAS:=1}", "name": "app-${REPLICAS}"}}
    out = substitute_object(obj, {"REPLICAS": "2"})
    assert out["spec"] == {"replicas": 2, "name": "app-2"}
    assert substitute_object(obj, {})["spec"]["replicas"] == 1


def test_disabled_objects_are_left_alone() -> None:
    obj = {
        "kind": "ConfigMap",
        "metadata": {"labels": {"kustomize.toolkit.fluxcd.io/substitute": "disabled"}},
        "data": {"x": "${A}"},
    }
    assert substitute_object(obj, {"A": "a"}) is obj


def test_values_of_configmap_and_secret() -> None:
    assert values_of({"kind": "ConfigMap", "data": {"A": "1"}}) == {"A": "1"}
    secret = {"kind": "Secret", "data": {"B": base64.b64encode(b"two").decode()}, "stringData": {"C": "3"}}
    assert values_of(secret) == {"B": "two", "C": "3"}


def test_unresolved_paths() -> None:
    obj = {"spec": {"replicas": "${R}", "list": ["ok", "${X}"]}}
    assert unresolved_paths(obj) == [("spec", "replicas"), ("spec", "list", 1)]
