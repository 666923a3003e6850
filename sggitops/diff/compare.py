"""Two sets of rendered objects of one cluster -> added, removed and changed resources.

Matching is by `ResourceId`, except that a ConfigMap or Secret whose name ends in a kustomize generator
hash (`-` + 10 characters of kustomize's hash alphabet) is matched by its base name, and every string in
the render equal to such a hashed name (the name itself, a HelmRelease `valuesFrom` entry, a volume) is
replaced by `<base>-<hash>` before comparing: a new hash alone is no change, the content behind it is.

Both sides are redacted (sggitops.redact) before deepdiff compares them, so paths, diffs and values never hold
a Secret value. A ConfigMap that feeds a HelmRelease shows its values as a diff by dotted key.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from deepdiff import DeepDiff

from sggitops import yamlio
from sggitops.diff.model import ResourceChange, ValueChange
from sggitops.diff.values import diff_values, dotted, format_change, parse_values, values_keys
from sggitops.redact import redact_pair
from sggitops.resource import ResourceId

HASHED = re.compile(r"^(?P<base>.+)-[2456789bcdfghkmt]{10}$")
GENERATED_KINDS = frozenset({"ConfigMap", "Secret"})
Objects = Mapping[ResourceId, dict[str, Any]]


def base_name(obj: Mapping[str, Any]) -> str | None:
    """The generator's base name of a hash-suffixed ConfigMap or Secret, else None."""
    if obj.get("kind") not in GENERATED_KINDS:
        return None
    name = str((obj.get("metadata") or {}).get("name") or "")
    match = HASHED.match(name)
    return match.group("base") if match else None


def index(
    objects: Iterable[Mapping[str, Any]],
) -> tuple[dict[ResourceId, dict[str, Any]], dict[ResourceId, str]]:
    """Objects keyed by matching id (hashed names normalized), and each key's real `Kind/ns/name`."""
    objects = [o for o in objects if isinstance(o, Mapping)]
    renames: dict[str, str] = {}
    for obj in objects:
        base = base_name(obj)
        if base is not None:
            renames[str(obj["metadata"]["name"])] = f"{base}-<hash>"
    keyed: dict[ResourceId, dict[str, Any]] = {}
    names: dict[ResourceId, str] = {}
    for obj in objects:
        normalized = _rename(obj, renames) if renames else dict(obj)
        rid = ResourceId.of(normalized)
        keyed.setdefault(rid, normalized)
        names.setdefault(rid, str(ResourceId.of(obj)))
    return keyed, names


def _rename(node: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(node, Mapping):
        return {k: _rename(v, renames) for k, v in node.items()}
    if isinstance(node, list):
        return [_rename(v, renames) for v in node]
    if isinstance(node, str):
        return renames.get(node, node)
    return node


def compare(
    rid: ResourceId,
    before: dict[str, Any],
    after: dict[str, Any],
    values_refs: Mapping[tuple[str, str], set[str]],
    name: str,
) -> ResourceChange | None:
    """The change of one resource present on both sides, None when equal after redaction."""
    old, new = redact_pair(before, after)
    assert old is not None and new is not None
    if old == new:
        return None
    paths = _paths(old, new)
    values: list[ValueChange] = []
    chunks: list[str] = []
    keys = values_refs.get((rid.namespace, rid.name), set()) if rid.kind == "ConfigMap" else set()
    for key in sorted(keys):
        old_text = (old.get("data") or {}).get(key)
        new_text = (new.get("data") or {}).get(key)
        old_values, new_values = parse_values(old_text), parse_values(new_text)
        if old_values is None or new_values is None:
            continue  # not YAML mappings: left in the unified diff
        changes = diff_values(old_values, new_values)
        if changes:
            values.extend(changes)
            chunks.append(
                f"@@ Big Bang values: data.{key} @@\n" + "".join(format_change(c) + "\n" for c in changes)
            )
        old["data"] = {k: v for k, v in old["data"].items() if k != key}
        new["data"] = {k: v for k, v in new["data"].items() if k != key}
    if old != new:
        chunks.insert(0, unified(old, new, name))
    if not chunks:
        return None  # only the formatting of values files differs
    return ResourceChange(name, "".join(chunks), paths, tuple(values))


def _paths(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[str, ...]:
    tree = DeepDiff(old, new, view="tree")
    return tuple(
        sorted({dotted(level.path(output_format="list")) for levels in tree.values() for level in levels})
    )


def unified(old: Mapping[str, Any], new: Mapping[str, Any], name: str, *, context: int = 3) -> str:
    """A unified diff of the YAML of two (already redacted) objects."""
    lines = difflib.unified_diff(
        yamlio.dump(old).splitlines(keepends=True),
        yamlio.dump(new).splitlines(keepends=True),
        fromfile=f"a/{name}",
        tofile=f"b/{name}",
        n=context,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def compare_cluster(
    base: Iterable[Mapping[str, Any]], head: Iterable[Mapping[str, Any]]
) -> tuple[list[str], list[str], list[ResourceChange], Objects, Objects]:
    """added, removed, changed of one cluster, and both sides keyed by matching id (not redacted)."""
    old, old_names = index(base)
    new, new_names = index(head)
    refs = values_keys(old.values())
    for key, names in values_keys(new.values()).items():
        refs.setdefault(key, set()).update(names)
    added = [new_names[r] for r in sorted(set(new) - set(old))]
    removed = [old_names[r] for r in sorted(set(old) - set(new))]
    changed = []
    for rid in sorted(set(old) & set(new)):
        change = compare(rid, old[rid], new[rid], refs, new_names[rid])
        if change is not None:
            changed.append(change)
    return added, removed, changed, old, new
