"""Helpers for Big Bang tests: the real chart defaults and schema from the reference data, Helm's merge."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from ruamel.yaml import YAML


def merge(base: Any, overlay: Any) -> Any:
    """Helm's values merge: maps merge recursively, everything else is replaced."""
    if isinstance(base, dict) and isinstance(overlay, dict):
        out = dict(base)
        for key, value in overlay.items():
            out[key] = merge(base.get(key), value)
        return out
    return copy.deepcopy(overlay)


def chart(reference: Path, version: str) -> tuple[dict[str, Any], Draft202012Validator]:
    """The chart's values.yaml defaults and a validator for its values.schema.json."""
    folder = reference / "bigbang" / f"chart-{version}"
    defaults = YAML(typ="safe").load((folder / "values.yaml").read_text(encoding="utf-8"))
    schema = json.loads((folder / "values.schema.json").read_text(encoding="utf-8"))
    # the charts declare no $schema; read them as draft 2020-12
    return defaults, Draft202012Validator(schema)


def errors(validator: Draft202012Validator, values: dict[str, Any]) -> list[str]:
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(values)]
