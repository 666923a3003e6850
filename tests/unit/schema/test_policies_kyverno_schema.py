"""The project's own JSON schemas for policies.kyverno.io, checked against the real CRD's schema.

Every field path the project's schema allows must exist in the CRD's schema (converted in
`../shared/reference/crd-json-schemas`), and Kyverno's own ValidatingPolicies must validate.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from sggitops.yamlio import load_all, to_plain

ROOT = Path(__file__).resolve().parents[3]
OURS = ROOT / "schemas" / "policies.kyverno.io"
REFERENCE = ROOT.parent / "shared" / "reference"
UPSTREAM = REFERENCE / "crd-json-schemas" / "policies.kyverno.io"


def _paths(schema: Any, defs: dict[str, Any], prefix: str = "") -> Iterator[str]:
    if not isinstance(schema, dict):
        return
    if "$ref" in schema:
        yield from _paths(defs[schema["$ref"].rsplit("/", 1)[1]], defs, prefix)
        return
    for key, sub in (schema.get("properties") or {}).items():
        yield f"{prefix}.{key}"
        yield from _paths(sub, defs, f"{prefix}.{key}")
    if isinstance(schema.get("items"), dict):
        yield from _paths(schema["items"], defs, f"{prefix}[]")


def _upstream_has(schema: Any, path: str) -> bool:
    node = schema
    for part in path.strip(".").replace("[]", ".[]").split("."):
        if part == "[]":
            node = node.get("items") or {}
        else:
            props = node.get("properties")
            if props is None:  # an open object (e.g. status, labels): anything below it exists
                return bool(
                    node.get("x-kubernetes-preserve-unknown-fields")
                    or node.get("additionalProperties") is not None
                    or node.get("type") == "object"
                )
            if part not in props:
                return False
            node = props[part]
    return True


@pytest.mark.parametrize("name", sorted(p.name for p in OURS.glob("*.json")))
def test_every_field_exists_in_the_real_crd(name: str) -> None:
    if not UPSTREAM.is_dir():
        pytest.skip(f"reference CRD schemas absent: {UPSTREAM}")
    upstream_file = UPSTREAM / name
    if not upstream_file.is_file():
        pytest.skip(f"the reference has no {name}")
    ours = json.loads((OURS / name).read_text())
    upstream = json.loads(upstream_file.read_text())
    Draft202012Validator.check_schema(ours)
    missing = [p for p in _paths(ours, ours.get("$defs", {})) if not _upstream_has(upstream, p)]
    assert not missing, missing


def _vpols() -> list[Path]:
    base = REFERENCE / "kyverno-policies"
    return sorted(
        p
        for p in base.glob("*-vpol/**/*.yaml")
        if not {".kyverno-test", ".chainsaw-test"} & set(p.parts) and "artifacthub" not in p.name
    )


def test_kyverno_validating_policies_validate() -> None:
    files = _vpols()
    if not files:
        pytest.skip("reference kyverno-policies absent")
    checked = 0
    for path in files:
        for doc in load_all(path.read_text(encoding="utf-8"), str(path)):
            obj = to_plain(doc)
            if not isinstance(obj, dict) or obj.get("kind") != "ValidatingPolicy":
                continue
            version = str(obj["apiVersion"]).rpartition("/")[2]
            schema = json.loads((OURS / f"validatingpolicy_{version}.json").read_text())
            errors = [e.message for e in Draft202012Validator(schema).iter_errors(obj)]
            assert not errors, (path, errors)
            checked += 1
    assert checked >= 30  # every ValidatingPolicy of best-practices-vpol and pod-security-vpol
