"""CRD openAPIV3Schema -> JSON Schema: each Kubernetes extension, and real CRDs from the reference data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from sggitops.schema.crd import convert, crd_schemas, is_crd


def valid(schema: dict[str, Any], instance: Any) -> bool:
    return Draft202012Validator(schema).is_valid(instance)


def widget_crd(**extra: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget", "plural": "widgets"},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "apiVersion": {"type": "string"},
                                "kind": {"type": "string"},
                                "metadata": {"type": "object"},
                                "spec": {
                                    "type": "object",
                                    "required": ["size"],
                                    "properties": {
                                        "size": {"type": "integer", "minimum": 1},
                                        "port": {"x-kubernetes-int-or-string": True},
                                        "note": {"type": "string", "nullable": True},
                                        "values": {
                                            "type": "object",
                                            "x-kubernetes-preserve-unknown-fields": True,
                                        },
                                    },
                                },
                            },
                        }
                    },
                },
                {
                    "name": "v0",
                    "served": False,
                    "storage": False,
                    "schema": {"openAPIV3Schema": {"type": "object"}},
                },
            ],
            **extra,
        },
    }


def widget(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": spec}


def test_only_served_versions_are_converted() -> None:
    (only,) = crd_schemas(widget_crd())
    assert (only.api_version, only.kind, only.crd_name) == ("example.com/v1", "Widget", "widgets.example.com")


def test_valid_object_passes_and_typo_is_rejected() -> None:
    (version,) = crd_schemas(widget_crd())
    assert valid(version.schema, widget(size=2, port=8080, values={"any": {"thing": 1}}))
    assert not valid(version.schema, widget(size=2, sise=3))
    assert not valid(version.schema, widget(size=0))
    assert not valid(version.schema, {**widget(size=1), "extra": 1})


def test_root_pins_api_version_kind_and_closes_metadata() -> None:
    (version,) = crd_schemas(widget_crd())
    assert not valid(version.schema, {**widget(size=1), "apiVersion": "example.com/v2"})
    assert not valid(version.schema, {**widget(size=1), "kind": "Gadget"})
    assert not valid(version.schema, {**widget(size=1), "metadata": {"name": "w", "lables": {}}})
    assert valid(version.schema, {**widget(size=1), "metadata": {"name": "w", "labels": {"a": "b"}}})


def test_int_or_string() -> None:
    schema = convert({"x-kubernetes-int-or-string": True, "anyOf": [{"type": "integer"}, {"type": "string"}]})
    assert valid(schema, 80) and valid(schema, "80%")
    assert not valid(schema, 1.5) and not valid(schema, True) and not valid(schema, None)


def test_nullable_allows_null_in_type_and_enum() -> None:
    schema = convert({"type": "string", "enum": ["a", "b"], "nullable": True})
    assert valid(schema, None) and valid(schema, "a")
    assert not valid(schema, "c")
    assert not valid(convert({"type": "string"}), None)


def test_preserve_unknown_fields_keeps_object_open() -> None:
    schema = convert(
        {
            "type": "object",
            "x-kubernetes-preserve-unknown-fields": True,
            "properties": {"a": {"type": "string"}},
        }
    )
    assert valid(schema, {"a": "x", "b": 1})
    assert not valid(schema, {"a": 1})


def test_object_with_properties_is_closed_and_map_is_not() -> None:
    closed = convert({"type": "object", "properties": {"a": {"type": "string"}}})
    assert not valid(closed, {"b": "x"})
    as_map = convert({"type": "object", "additionalProperties": {"type": "string"}})
    assert valid(as_map, {"anything": "x"}) and not valid(as_map, {"anything": 1})


def test_embedded_resource_allows_type_meta() -> None:
    schema = convert(
        {"type": "object", "x-kubernetes-embedded-resource": True, "properties": {"spec": {"type": "object"}}}
    )
    assert valid(schema, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "spec": {}})
    assert not valid(schema, {"spek": {}})


def test_exclusive_minimum_boolean_is_translated() -> None:
    schema = convert({"type": "integer", "minimum": 0, "exclusiveMinimum": True})
    assert valid(schema, 1) and not valid(schema, 0)


def test_list_type_set_requires_unique_items() -> None:
    schema = convert({"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}})
    assert valid(schema, ["a", "b"]) and not valid(schema, ["a", "a"])


def test_combinator_branches_do_not_close_the_object() -> None:
    schema = convert(
        {
            "type": "object",
            "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
            "oneOf": [{"required": ["a"]}, {"required": ["b"]}],
        }
    )
    assert valid(schema, {"a": "x"}) and valid(schema, {"b": "y"})
    assert not valid(schema, {"a": "x", "b": "y"})


def test_is_crd() -> None:
    assert is_crd(widget_crd())
    assert not is_crd(widget(size=1))


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.load_all(path.read_text(), Loader=yaml.CSafeLoader) if isinstance(d, dict)]


@pytest.mark.parametrize(
    ("crd_file", "example"),
    [
        ("flux-source.toolkit.fluxcd.io_gitrepositories.yaml", "bigbang/base-3.31.0/gitrepository.yaml"),
        ("flux-helm.toolkit.fluxcd.io_helmreleases.yaml", "bigbang/base-3.31.0/helmrelease.yaml"),
        (
            "flux-helm.toolkit.fluxcd.io_helmreleases.yaml",
            "bigbang/customer-template/helmRepo/base/helmrelease.yaml",
        ),
    ],
)
def test_reference_crds_accept_big_bang_objects_and_reject_typos(
    reference: Path, crd_file: str, example: str
) -> None:
    (crd,) = _docs(reference / "crds" / crd_file)
    schemas = {(v.api_version, v.kind): v.schema for v in crd_schemas(crd)}
    for obj in _docs(reference / example):
        schema = schemas[(obj["apiVersion"], obj["kind"])]
        Draft202012Validator.check_schema(schema)
        assert valid(schema, obj)
        assert not valid(schema, {**obj, "spec": {**obj["spec"], "intervall": "5m"}})


def test_every_reference_crd_converts_to_a_valid_schema(reference: Path) -> None:
    count = 0
    for path in sorted((reference / "crds").glob("*.yaml")):
        if "applicationset" in path.name:  # 1.4 MB; not a kind sggitops writes, and slow to meta-validate
            continue
        for crd in _docs(path):
            for version in crd_schemas(crd):
                Draft202012Validator.check_schema(version.schema)
                count += 1
    assert count >= 7
