"""Kyverno mutate rules, applied to an object before validation as admission does.

`patchStrategicMerge` with anchors: a global anchor `<(key)` that no element satisfies skips the rule;
a conditional anchor `(key)` that fails leaves that map (or list element) unpatched; `+(key)` adds only
when absent; lists of maps whose patch items carry anchors patch every element they select, other lists
of maps merge by `name`, other lists are replaced; `null` removes a key. `patchesJson6902` (add,
remove, replace, copy, move, test) and `foreach` (each element's `patchStrategicMerge` or JSON patch,
with `element` variables) are applied in order. Variables (`{{ }}`) are substituted first.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML

from sggitops.policy.kyverno.pattern import Anchor, MatchState, compile_pattern, parse_anchor
from sggitops.policy.kyverno.variables import Queries, VariableError, resolve, substitute


class MutateError(ValueError):
    """A patch cannot be applied (bad JSON patch path, failed `test` op, bad variable)."""


@dataclass(frozen=True)
class Mutation:
    status: str  # pass (applied) | skip | error
    patched: Any
    message: str = ""


def mutate(raw: Mapping[str, Any], resource: Any, context: dict[str, Any], queries: Queries) -> Mutation:
    """Apply one rule's `mutate` block to `resource` (not changed in place)."""
    try:
        current = copy.deepcopy(resource)
        applied = False
        if raw.get("patchStrategicMerge") is not None:
            patch = substitute(raw["patchStrategicMerge"], context, queries)
            if not _global_ok(patch, current):
                return Mutation("skip", resource, "global anchor not satisfied")
            current = _merge(current, patch)
            applied = True
        if raw.get("patchesJson6902"):
            current = json_patch(current, _ops(substitute(raw["patchesJson6902"], context, queries)))
            applied = True
        for item in raw.get("foreach") or []:
            current, did = _foreach(item, current, context, queries)
            applied = applied or did
    except (MutateError, VariableError) as err:
        return Mutation("error", resource, str(err))
    if not applied or current == resource:
        return Mutation("skip", resource, "the patch changes nothing")  # as Kyverno: no patch, skip
    return Mutation("pass", current)


def _foreach(
    item: Mapping[str, Any], resource: Any, context: dict[str, Any], queries: Queries
) -> tuple[Any, bool]:
    local = dict(context)
    local["request"] = {**context.get("request", {}), "object": resource}
    try:
        elements = resolve(str(item.get("list") or ""), local, queries)
    except VariableError:
        return resource, False
    applied = False
    for index, element in enumerate(elements if isinstance(elements, list) else []):
        scope = {
            **local,
            "element": element,
            "elementIndex": index,
            "element0": element,
            "elementIndex0": index,
        }
        done = mutate(
            {k: v for k, v in item.items() if k in ("patchStrategicMerge", "patchesJson6902", "foreach")},
            resource,
            scope,
            queries,
        )
        if done.status == "error":
            raise MutateError(done.message)
        if done.status == "pass":
            resource, applied = done.patched, True
    return resource, applied


def _matches(pattern: Any, value: Any) -> bool:
    return compile_pattern(pattern).match(value, "/", MatchState()) is None


def _global_ok(patch: Any, resource: Any) -> bool:
    if isinstance(patch, Mapping):
        for key, value in patch.items():
            anchor, name = parse_anchor(str(key))
            target = resource.get(name) if isinstance(resource, Mapping) else None
            if anchor is Anchor.GLOBAL:
                if target is None or not _matches(value, target):
                    return False
            elif anchor is Anchor.NONE and not _global_ok(value, target):
                return False
        return True
    if isinstance(patch, list):
        for item in patch:
            if _has_global(item):
                elements = resource if isinstance(resource, list) else []
                if not any(_global_ok(item, element) for element in elements):
                    return False
    return True


def _has_global(patch: Any) -> bool:
    if isinstance(patch, Mapping):
        return any(parse_anchor(str(k))[0] is Anchor.GLOBAL or _has_global(v) for k, v in patch.items())
    if isinstance(patch, list):
        return any(_has_global(i) for i in patch)
    return False


def _has_anchor(patch: Any) -> bool:
    if isinstance(patch, Mapping):
        return any(parse_anchor(str(k))[0] is not Anchor.NONE or _has_anchor(v) for k, v in patch.items())
    if isinstance(patch, list):
        return any(_has_anchor(i) for i in patch)
    return False


def _strip(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {parse_anchor(str(k))[1]: _strip(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _merge(target: Any, patch: Any) -> Any:
    if not isinstance(patch, Mapping):
        return _strip(patch)
    if not isinstance(target, dict):
        target = {}
    for key, value in patch.items():
        anchor, name = parse_anchor(str(key))
        if anchor in (Anchor.CONDITION, Anchor.GLOBAL) and (
            name not in target or not _matches(value, target[name])
        ):
            return target  # a failed condition leaves this level unpatched
    for key, value in patch.items():
        anchor, name = parse_anchor(str(key))
        if anchor is Anchor.ADD:
            if name not in target:
                target[name] = _strip(value)
        elif anchor is not Anchor.NONE:
            continue
        elif value is None:
            target.pop(name, None)
        elif isinstance(value, Mapping):
            target[name] = _merge(target.get(name), value)
        elif isinstance(value, list):
            target[name] = _merge_list(target.get(name), value)
        else:
            target[name] = value
    return target


def _merge_list(target: Any, patch: list[Any]) -> list[Any]:
    current = list(target) if isinstance(target, list) else []
    if not all(isinstance(i, Mapping) for i in patch):
        return _strip(patch)  # type: ignore[no-any-return]
    for item in patch:
        if _has_anchor(item):
            current = [_merge(e, item) if isinstance(e, dict) else e for e in current]
            continue
        name = item.get("name")
        found = next(
            (
                i
                for i, e in enumerate(current)
                if isinstance(e, Mapping) and name is not None and e.get("name") == name
            ),
            None,
        )
        if found is None:
            current.append(_strip(item))
        else:
            current[found] = _merge(current[found], item)
    return current


def _ops(raw: Any) -> list[Mapping[str, Any]]:
    ops = YAML(typ="safe").load(raw) if isinstance(raw, str) else raw
    if not isinstance(ops, list) or not all(isinstance(o, Mapping) for o in ops):
        raise MutateError("patchesJson6902 must be a list of operations")
    return ops


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise MutateError(f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc: Any, parts: list[str]) -> tuple[Any, str]:
    node = doc
    for part in parts[:-1]:
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise MutateError(f"path /{'/'.join(parts)} does not exist")
    return node, parts[-1]


def json_patch(doc: Any, ops: list[Mapping[str, Any]]) -> Any:
    """RFC 6902 on a copy of `doc`."""
    doc = copy.deepcopy(doc)
    for op in ops:
        kind, parts = str(op.get("op")), _pointer(str(op.get("path", "")))
        try:
            if kind in ("copy", "move"):
                source_parent, source_key = _parent(doc, _pointer(str(op.get("from", ""))))
                value = copy.deepcopy(_get(source_parent, source_key))
                if kind == "move":
                    _remove(source_parent, source_key)
                doc = _add(doc, parts, value)
            elif kind == "add":
                doc = _add(doc, parts, copy.deepcopy(op.get("value")))
            elif kind == "remove":
                _remove(*_parent(doc, parts))
            elif kind == "replace":
                parent, key = _parent(doc, parts)
                _get(parent, key)
                _set(parent, key, copy.deepcopy(op.get("value")))
            elif kind == "test":
                if json.dumps(_get(*_parent(doc, parts)), sort_keys=True) != json.dumps(
                    op.get("value"), sort_keys=True
                ):
                    raise MutateError(f"test failed at {op.get('path')}")
            else:
                raise MutateError(f"unknown JSON patch op {kind!r}")
        except (IndexError, KeyError, ValueError, TypeError) as err:
            raise MutateError(f"{kind} {op.get('path')}: {err}") from None
    return doc


def _get(parent: Any, key: str) -> Any:
    return parent[int(key)] if isinstance(parent, list) else parent[key]


def _set(parent: Any, key: str, value: Any) -> None:
    if isinstance(parent, list):
        parent[int(key)] = value
    else:
        parent[key] = value


def _remove(parent: Any, key: str) -> None:
    if isinstance(parent, list):
        del parent[int(key)]
    else:
        del parent[key]


def _add(doc: Any, parts: list[str], value: Any) -> Any:
    if not parts:
        return value
    parent, key = _parent(doc, parts)
    if isinstance(parent, list):
        parent.insert(len(parent) if key == "-" else int(key), value)
    elif isinstance(parent, dict):
        parent[key] = value
    else:
        raise MutateError(f"cannot add under /{'/'.join(parts[:-1])}")
    return doc
