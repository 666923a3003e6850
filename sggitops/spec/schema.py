"""JSON Schema validation of the raw spec, with every problem mapped to file:line:col and a hint."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from sggitops import yamlio
from sggitops.errors import Location, SpecError
from sggitops.findings import Severity
from sggitops.rules import Rule

RULES = (
    Rule(
        id="spec/schema",
        severity=Severity.ERROR,
        summary="platform.yaml does not match schemas/platform.schema.json",
    ),
    Rule(
        id="spec/unknown-key",
        severity=Severity.ERROR,
        summary="a key platform.yaml does not know (typos are errors)",
    ),
    Rule(
        id="spec/name",
        severity=Severity.ERROR,
        summary="a name that is not a DNS-1123 label",
    ),
)


@cache
def platform_schema() -> dict[str, Any]:
    """The spec's JSON Schema as shipped in the wheel (schemas/platform.schema.json)."""
    text = resources.files("sggitops.schemas").joinpath("platform.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(platform_schema())


def schema_errors(doc: Any, plain: Any, filename: str) -> list[SpecError]:
    """Every schema problem of the spec, in document order, each with a position and a hint."""
    errors = sorted(_validator().iter_errors(plain), key=lambda e: [str(p) for p in e.absolute_path])
    problems = [p for err in errors for p in _explain(err, doc, filename)]
    problems.sort(key=lambda p: (p.location.line, p.location.col, p.message))
    return problems


def _dotted(path: list[Any]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "(top level)"


def _explain(err: ValidationError, doc: Any, filename: str) -> Iterator[SpecError]:
    path = list(err.absolute_path)
    line, col = yamlio.locate(doc, path)
    loc = Location(filename, line, col)
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        yield from _unknown_keys(err, doc, filename, path)
        return
    explain = _EXPLAIN.get(str(err.validator))
    if explain is not None:
        yield from explain(err, path, loc)
        return
    where = _dotted(path)
    yield SpecError(
        f"{where}: {err.message}", location=loc, rule="spec/schema", hint="see schemas/platform.schema.json"
    )


def _unknown_keys(err: ValidationError, doc: Any, filename: str, path: list[Any]) -> Iterator[SpecError]:
    allowed = sorted((err.schema.get("properties") or {}).keys()) if isinstance(err.schema, dict) else []
    known = set(allowed)
    instance = err.instance if isinstance(err.instance, dict) else {}
    for key in sorted(k for k in instance if k not in known):
        kline, kcol = yamlio.locate(doc, [*path, key])
        close = difflib.get_close_matches(str(key), allowed, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"allowed keys here: {', '.join(allowed)}"
        yield SpecError(
            f"unknown key '{key}' in {_dotted(path)}",
            location=Location(filename, kline, kcol),
            rule="spec/unknown-key",
            hint=hint,
        )


def _required(err: ValidationError, path: list[Any], loc: Location) -> Iterator[SpecError]:
    missing = err.message.split("'")[1] if "'" in err.message else err.message
    if _misspelt(err.instance, err.schema, missing):
        return  # one problem, one finding: the unknown key's "did you mean" names it
    where = _dotted(path)
    yield SpecError(
        f"{where}: missing required key '{missing}'",
        location=loc,
        rule="spec/schema",
        hint=f"add '{missing}:' to {where}",
    )


def _enum(err: ValidationError, path: list[Any], loc: Location) -> Iterator[SpecError]:
    options = [str(o) for o in err.validator_value] if isinstance(err.validator_value, list) else []
    close = difflib.get_close_matches(str(err.instance), options, n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"one of: {', '.join(options)}"
    yield SpecError(
        f"{_dotted(path)}: {_shown(err.instance)} is not one of: {', '.join(options)}",
        location=loc,
        rule="spec/schema",
        hint=hint,
    )


def _const(err: ValidationError, path: list[Any], loc: Location) -> Iterator[SpecError]:
    where = _dotted(path)
    yield SpecError(
        f"{where}: must be {_shown(err.validator_value)}, found {_shown(err.instance)}",
        location=loc,
        rule="spec/schema",
        hint=f"set {where}: {err.validator_value}",
    )


def _pattern(err: ValidationError, path: list[Any], loc: Location) -> Iterator[SpecError]:
    description = err.schema.get("description") if isinstance(err.schema, dict) else None
    rule, hint = _pattern_hint(path, description)
    yield SpecError(
        f"{_dotted(path)}: {_shown(err.instance)} is not valid", location=loc, rule=rule, hint=hint
    )


def _type(err: ValidationError, path: list[Any], loc: Location) -> Iterator[SpecError]:
    where = _dotted(path)
    expected = err.validator_value
    expected_text = " or ".join(expected) if isinstance(expected, list) else str(expected)
    found = _type_name(err.instance)
    yield SpecError(
        f"{where}: expected {expected_text}, found {found}",
        location=loc,
        rule="spec/schema",
        hint='quote a version like "3.31.0" or "1.34"'
        if expected_text == "string" and found == "number"
        else f"write {where} as {expected_text}",
    )


def _one_of(err: ValidationError, path: list[Any], loc: Location) -> Iterator[SpecError]:
    where = _dotted(path)
    if len(path) >= 2 and path[-2] == "apps":
        yield SpecError(
            f"{where}: an app names exactly one of 'clusters' or 'environments'",
            location=loc,
            rule="spec/schema",
            hint="keep one of the two lists",
        )
        return
    yield SpecError(
        f"{where}: {err.message}", location=loc, rule="spec/schema", hint="see schemas/platform.schema.json"
    )


def _unique(err: ValidationError, path: list[Any], loc: Location) -> Iterator[SpecError]:
    yield SpecError(
        f"{_dotted(path)}: has duplicate items",
        location=loc,
        rule="spec/duplicate",
        hint="list each item once",
    )


def _shown(value: Any) -> str:
    """A value as a user wrote it in YAML (quoted strings, YAML lists), never a Python repr."""
    if isinstance(value, str):
        return f"'{value}'"
    return json.dumps(value, default=str)


_EXPLAIN = {
    "required": _required,
    "enum": _enum,
    "const": _const,
    "pattern": _pattern,
    "type": _type,
    "oneOf": _one_of,
    "uniqueItems": _unique,
}


def _misspelt(instance: Any, schema: Any, missing: str) -> bool:
    """True when an unknown key present is a close misspelling of the missing required key (`domian`)."""
    if not isinstance(instance, dict) or not isinstance(schema, dict):
        return False
    known = set(schema.get("properties") or {})
    unknown = [str(k) for k in instance if k not in known]
    return bool(difflib.get_close_matches(missing, unknown, n=1))


def _pattern_hint(path: list[Any], description: str | None) -> tuple[str, str]:
    last = str(path[-1]) if path else ""
    if last in {"version"} or (len(path) >= 2 and path[-2] == "bigbang"):
        return "spec/version", 'a Big Bang version is semver x.y.z, e.g. "3.31.0"'
    if last == "kubernetesVersion":
        return "spec/version", 'a Kubernetes minor version from 1.25 to 1.37, e.g. "1.34"'
    if last == "expires":
        return "spec/schema", 'an ISO date, e.g. "2027-03-31"'
    if description and "DNS-1123" in description:
        return (
            "spec/name",
            "names are DNS-1123 labels: lower-case letters, digits and '-', at most 63, no '/' or '..'",
        )
    if description:
        return "spec/schema", description
    return "spec/schema", "see schemas/platform.schema.json for the expected form"


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return type(value).__name__
