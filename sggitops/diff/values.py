"""Big Bang values diffs by dotted key, from deepdiff: `addons.gitlab.enabled: true -> false`.

A ConfigMap feeds a HelmRelease when a Flux HelmRelease of the same render lists it in `valuesFrom`;
its values key (`valuesKey`, default `values.yaml`) is parsed as YAML on both sides and compared as
data, so a reordered or re-commented values file is no change. Only ConfigMaps are read: a Secret's
values stay redacted (see sggitops.redact). Added or removed subtrees are flattened to their leaf keys.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from deepdiff import DeepDiff

from sggitops import yamlio
from sggitops.bigbang.values import helm_releases
from sggitops.diff.model import ValueChange
from sggitops.errors import InputError


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()
"""The side of a ValueChange where the key does not exist."""


def values_keys(objects: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], set[str]]:
    """(namespace, ConfigMap name) -> the data keys HelmReleases of this render read values from."""
    out: dict[tuple[str, str], set[str]] = {}
    for release in helm_releases(objects):
        namespace = str((release.get("metadata") or {}).get("namespace") or "")
        for ref in (release.get("spec") or {}).get("valuesFrom") or []:
            if isinstance(ref, Mapping) and ref.get("kind") == "ConfigMap":
                key = str(ref.get("valuesKey") or "values.yaml")
                out.setdefault((namespace, str(ref.get("name") or "")), set()).add(key)
    return out


def parse_values(text: Any) -> Mapping[str, Any] | None:
    """A values text as data; None when it is not a YAML mapping (then it is diffed as text)."""
    if not isinstance(text, str):
        return None
    try:
        doc = yamlio.to_plain(yamlio.load_one(text, "values"))
    except InputError:
        return None
    if doc is None:
        return {}
    return doc if isinstance(doc, Mapping) else None


def diff_values(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[ValueChange]:
    """Every leaf key that differs, sorted by key."""
    changes: list[ValueChange] = []
    tree = DeepDiff(before, after, view="tree", verbose_level=2)
    for report, levels in tree.items():
        for level in levels:
            path = level.path(output_format="list")
            if report in {"dictionary_item_added", "iterable_item_added"}:
                changes.extend(ValueChange(k, MISSING, v, "added") for k, v in flatten(level.t2, path))
            elif report in {"dictionary_item_removed", "iterable_item_removed"}:
                changes.extend(ValueChange(k, v, MISSING, "removed") for k, v in flatten(level.t1, path))
            elif report in {"values_changed", "type_changes"}:
                changes.append(ValueChange(dotted(path), level.t1, level.t2, "changed"))
    return sorted(changes, key=lambda c: c.key)


def flatten(value: Any, path: list[Any]) -> Iterator[tuple[str, Any]]:
    """(dotted key, leaf value) of a subtree; an empty mapping or list is a leaf."""
    if isinstance(value, Mapping) and value:
        for key, child in value.items():
            yield from flatten(child, [*path, key])
    elif isinstance(value, list) and value:
        for index, child in enumerate(value):
            yield from flatten(child, [*path, index])
    else:
        yield dotted(path), value


def dotted(path: Iterable[Any]) -> str:
    """`['addons', 'gitlab', 'enabled']` -> `addons.gitlab.enabled`; list indexes as `[i]`; keys with a
    dot are quoted (`annotations."a.b/c"`)."""
    out = ""
    for step in path:
        if isinstance(step, int) and not isinstance(step, bool):
            out += f"[{step}]"
        else:
            text = str(step)
            part = json.dumps(text) if "." in text or not text else text
            out += f".{part}" if out else part
    return out


def scalar(value: Any) -> str:
    """A value as it reads in YAML, on one line."""
    if value is MISSING:
        return "(unset)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value) if (not value or value != value.strip() or "\n" in value) else value
    return json.dumps(value, sort_keys=True, default=str)


def format_change(change: ValueChange) -> str:
    """One diff line: `+ key: v`, `- key: v` or `~ key: old -> new`."""
    if change.status == "added":
        return f"+ {change.key}: {scalar(change.after)}"
    if change.status == "removed":
        return f"- {change.key}: {scalar(change.before)}"
    return f"~ {change.key}: {scalar(change.before)} -> {scalar(change.after)}"
