"""CustomResourceDefinitions -> JSON Schema (draft 2020-12), one per served version, at run time.

A CRD's `openAPIV3Schema` is an OpenAPI 3.0 *structural* schema plus Kubernetes extensions. The
conversion keeps the validation keywords and maps the rest the way the API server applies them:

- `nullable: true` -> `null` is also allowed (type and enum);
- `x-kubernetes-int-or-string: true` -> integer or string;
- `x-kubernetes-preserve-unknown-fields: true` -> unknown properties below are kept (allowed);
- an object that declares `properties` without preserve-unknown is closed
  (`additionalProperties: false`): the API server prunes, and strict field validation rejects, fields
  it does not know, so a typo is an error here;
- `x-kubernetes-embedded-resource: true` -> apiVersion/kind/metadata are allowed on that object;
- `x-kubernetes-list-type: set` -> items are unique;
- OpenAPI 3.0 boolean `exclusiveMinimum/Maximum` -> the draft 2020-12 numeric form;
- the root gets `apiVersion` and `kind` pinned to this version and a closed ObjectMeta `metadata`.

CEL rules (`x-kubernetes-validations`), descriptions and defaults are not validation and are dropped.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

_COPIED = (
    "enum",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "uniqueItems",
    "multipleOf",
    "required",
)
_COMBINATORS = ("allOf", "anyOf", "oneOf")

_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
_OWNER_REFERENCE = {
    "type": "object",
    "required": ["apiVersion", "kind", "name", "uid"],
    "properties": {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "name": {"type": "string"},
        "uid": {"type": "string"},
        "controller": {"type": "boolean"},
        "blockOwnerDeletion": {"type": "boolean"},
    },
    "additionalProperties": False,
}
OBJECT_META: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "generateName": {"type": "string"},
        "namespace": {"type": "string"},
        "labels": _STRING_MAP,
        "annotations": _STRING_MAP,
        "finalizers": {"type": "array", "items": {"type": "string"}},
        "ownerReferences": {"type": "array", "items": _OWNER_REFERENCE},
        "creationTimestamp": {"type": ["string", "null"]},
        "deletionTimestamp": {"type": ["string", "null"]},
        "deletionGracePeriodSeconds": {"type": "integer"},
        "generation": {"type": "integer"},
        "resourceVersion": {"type": "string"},
        "selfLink": {"type": "string"},
        "uid": {"type": "string"},
        "managedFields": {"type": "array", "items": {"type": "object"}},
    },
    "additionalProperties": False,
}
"""Kubernetes ObjectMeta as a closed JSON Schema (the fields a manifest may carry)."""


@dataclass(frozen=True)
class CrdVersionSchema:
    """The JSON Schema of one served version of a CRD."""

    api_version: str
    kind: str
    crd_name: str
    schema: dict[str, Any]


def is_crd(obj: Mapping[str, Any]) -> bool:
    """Whether a manifest is an apiextensions.k8s.io/v1 CustomResourceDefinition."""
    return obj.get("kind") == "CustomResourceDefinition" and str(obj.get("apiVersion", "")).startswith(
        "apiextensions.k8s.io/"
    )


def crd_schemas(crd: Mapping[str, Any]) -> Iterator[CrdVersionSchema]:
    """One CrdVersionSchema per served version that carries an `openAPIV3Schema`."""
    spec = crd.get("spec")
    if not isinstance(spec, Mapping):
        return
    group = str(spec.get("group") or "")
    names = spec.get("names")
    kind = str(names.get("kind") or "") if isinstance(names, Mapping) else ""
    crd_name = str((crd.get("metadata") or {}).get("name") or "")
    if not group or not kind:
        return
    versions = spec.get("versions")
    for version in versions if isinstance(versions, list) else []:
        if not isinstance(version, Mapping) or version.get("served") is False:
            continue
        holder = version.get("schema")
        raw = holder.get("openAPIV3Schema") if isinstance(holder, Mapping) else None
        if not isinstance(raw, Mapping):
            continue
        api_version = f"{group}/{version.get('name')}"
        yield CrdVersionSchema(api_version, kind, crd_name, to_json_schema(raw, api_version, kind))


def to_json_schema(open_api: Mapping[str, Any], api_version: str, kind: str) -> dict[str, Any]:
    """A root `openAPIV3Schema` -> a closed draft 2020-12 schema for whole `api_version`/`kind` objects."""
    root = convert(open_api)
    root.setdefault("type", "object")
    props = dict(root.get("properties") or {})
    props["apiVersion"] = {"const": api_version}
    props["kind"] = {"const": kind}
    props["metadata"] = OBJECT_META
    root["properties"] = props
    if not open_api.get("x-kubernetes-preserve-unknown-fields"):
        root["additionalProperties"] = False
    root["required"] = sorted({*root.get("required", []), "apiVersion", "kind"})
    root["$schema"] = DRAFT_2020_12
    return root


def convert(node: Mapping[str, Any]) -> dict[str, Any]:
    """One OpenAPI v3 structural schema node -> JSON Schema (see module docstring)."""
    out: dict[str, Any] = {key: node[key] for key in _COPIED if key in node}
    _convert_bounds(node, out)
    preserve = bool(node.get("x-kubernetes-preserve-unknown-fields"))
    if node.get("x-kubernetes-int-or-string"):
        out["type"] = ["integer", "string"]
    elif "type" in node:
        out["type"] = node["type"]
    if isinstance(node.get("properties"), Mapping):
        out["properties"] = {str(k): convert(v) for k, v in node["properties"].items()}
    if isinstance(node.get("items"), Mapping):
        out["items"] = convert(node["items"])
    if node.get("x-kubernetes-list-type") == "set":
        out["uniqueItems"] = True
    additional = node.get("additionalProperties")
    if isinstance(additional, Mapping):
        out["additionalProperties"] = convert(additional)
    elif isinstance(additional, bool):
        out["additionalProperties"] = additional
    for key in _COMBINATORS:
        if isinstance(node.get(key), list):
            out[key] = [_convert_nested(item) for item in node[key]]
    if isinstance(node.get("not"), Mapping):
        out["not"] = _convert_nested(node["not"])
    if node.get("x-kubernetes-embedded-resource"):
        props = out.setdefault("properties", {})
        props.setdefault("apiVersion", {"type": "string"})
        props.setdefault("kind", {"type": "string"})
        props.setdefault("metadata", {"type": "object"})
    if "properties" in out and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    if node.get("nullable"):
        _allow_null(out)
    return out


def _convert_nested(node: Any) -> dict[str, Any]:
    """Inside allOf/anyOf/oneOf/not a node only adds constraints; it never closes an object."""
    if not isinstance(node, Mapping):
        return {}
    out = convert(node)
    if "additionalProperties" in out and node.get("additionalProperties") is None:
        del out["additionalProperties"]
    return out


def _convert_bounds(node: Mapping[str, Any], out: dict[str, Any]) -> None:
    for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = node.get(flag)
        if isinstance(value, bool):
            if value and bound in node:
                out[flag] = node[bound]
                out.pop(bound, None)
        elif isinstance(value, (int, float)):
            out[flag] = value


def _allow_null(out: dict[str, Any]) -> None:
    kind = out.get("type")
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
    elif isinstance(kind, list) and "null" not in kind:
        out["type"] = [*kind, "null"]
    if isinstance(out.get("enum"), list) and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
