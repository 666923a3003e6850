"""Schema problems memoised by (schema digest, object digest): the same object checked against the same
schema gives the same problems, so the copies of a generated object in every cluster (policy sets,
workloads, Big Bang's own objects) are validated once per process.

Both digests are SHA-256 over canonical JSON (sorted keys), so a hit can only come from an equal schema
and an equal object. A schema's digest is computed once per compiled validator (kept alive by the memo,
so its `id` is never reused). Nothing is written to disk.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from sggitops.schema.registry import Problem, Validator

LIMIT = 200_000
"""Entries kept before the memo starts over (bounds memory on very large fleets)."""

_SCHEMAS: dict[int, tuple[Any, str]] = {}
_PROBLEMS: dict[tuple[str, str], tuple[Problem, ...]] = {}


def _tagged(value: Any) -> dict[str, str]:
    """A non-JSON value (a YAML timestamp, ...) by its type and text: never equal to a string."""
    return {"\0type": type(value).__name__, "\0text": str(value)}


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=_tagged)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def schema_digest(validator: Validator) -> str:
    """The digest of the validator's schema (its source label included), once per compiled schema."""
    compiled = validator.compiled
    known = _SCHEMAS.get(id(compiled))
    if known is None or known[0] is not compiled:
        schema = getattr(compiled, "schema", None)
        known = (
            compiled,
            _digest([validator.source, schema]) if schema is not None else f"id:{id(compiled)}",
        )
        _SCHEMAS[id(compiled)] = known
    return known[1]


def problems(validator: Validator, obj: Mapping[str, Any]) -> list[Problem]:
    """`validator.problems(obj)`, memoised."""
    try:
        key = (schema_digest(validator), _digest(obj))
    except (TypeError, ValueError):  # not JSON-shaped (cannot happen for YAML input): no memo
        return validator.problems(obj)
    hit = _PROBLEMS.get(key)
    if hit is None:
        if len(_PROBLEMS) >= LIMIT:
            _PROBLEMS.clear()
        hit = tuple(validator.problems(obj))
        _PROBLEMS[key] = hit
    return list(hit)
