"""How the Big Bang values family reads values: stale keys, schema errors, and where a values key sits
(the spec line, or the overlay values file)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match

from sggitops import yamlio
from sggitops.bigbang.catalog import load_catalog
from sggitops.bigbang.values import ValuesSource
from sggitops.bigbang.version import VersionError
from sggitops.checks.context import RepoContext
from sggitops.checks.walk import Sources, mapping, text
from sggitops.resource import ResourceId

KeyPath = tuple[str | int, ...]
MAX_MESSAGE = 300


@dataclass
class Release:
    """One Big Bang HelmRelease in one render, with what its check needs."""

    root: str
    cluster: str
    obj: Mapping[str, Any]
    objects: Sequence[Mapping[str, Any]]
    version: str
    source: str | None  # None: nothing names a Big Bang repo (cache only)
    git_repository: Mapping[str, Any] | None


def _stale_keys(layers: Sequence[ValuesSource], version: str) -> Iterator[tuple[ValuesSource, KeyPath, str]]:
    """(layer, path, hint) for every top-level or addons.* key (or restricted sub-key) gone in `version`."""
    catalog = load_catalog()
    try:
        catalog.check_version(version)
    except VersionError:
        return  # a version the catalog does not know: the schema alone decides
    for layer in layers:
        gone: list[KeyPath] = []
        for path in _candidate_paths(layer.values):
            if any(path[: len(g)] == g for g in gone):
                continue  # below a key already reported
            status = catalog.key_status(".".join(str(p) for p in path), version)
            if status is None or status.exists:
                continue
            gone.append(path)
            hint = status.hint
            if status.replaced_by and not any(r in hint for r in status.replaced_by):
                hint = f"{hint}; use {', '.join(status.replaced_by)}" if hint else f"use {status.replaced_by}"
            yield layer, path, hint or f"{status.key} does not exist in Big Bang {version}"


def _candidate_paths(values: Mapping[str, Any]) -> Iterator[KeyPath]:
    """Top-level keys, addons.* keys, and one level below each (for keys that only allow some children)."""
    for key, value in values.items():
        if value is None:
            continue  # a null deletes the key: harmless
        if key == "addons" and isinstance(value, Mapping):
            for name, sub in value.items():
                if sub is not None:
                    yield from _with_children(("addons", str(name)), sub)
        else:
            yield from _with_children((str(key),), value)


def _with_children(path: KeyPath, value: Any) -> Iterator[KeyPath]:
    yield path
    if isinstance(value, Mapping):
        for child, sub in value.items():
            if sub is not None:
                yield (*path, str(child))


def _schema_errors(validator: Any, values: Mapping[str, Any]) -> Iterator[tuple[KeyPath, str]]:
    """(values path, message) per schema error; an additionalProperties error gives one per unknown key."""
    errors = sorted(validator.iter_errors(values), key=lambda e: [str(p) for p in e.absolute_path])
    for error in errors:
        path: KeyPath = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
            for extra in _extras(error):
                yield (*path, extra), f"unknown key {extra!r} (additional properties are not allowed here)"
            continue
        best = _best(error)
        yield tuple(best.absolute_path), _short(best.message)


def _extras(error: ValidationError) -> list[str]:
    schema = mapping(error.schema)
    known = set(mapping(schema.get("properties")))
    patterns = [re.compile(p) for p in mapping(schema.get("patternProperties"))]
    return [
        str(k)
        for k in mapping(error.instance)
        if k not in known and not any(p.search(str(k)) for p in patterns)
    ]


def _best(error: ValidationError) -> ValidationError:
    """For anyOf/oneOf, the most relevant sub-error (its message names the real problem)."""
    if error.context:
        found: ValidationError | None = best_match(error.context)
        if found is not None:
            return found
    return error


def _short(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 3] + "..."


def _dotted(path: KeyPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# --- positions ------------------------------------------------------------------------------------


class _Locator:
    """Where a values key is written: the values file a generator reads, else the generator or release."""

    def __init__(self, ctx: RepoContext, sources: Sources, release: Release, layers: list[ValuesSource]):
        self.ctx = ctx
        self.sources = sources
        self.release = release
        self.layers = layers
        self._docs: dict[int, tuple[Any, tuple[str, int, int]]] = {}

    def key_position(self, path: KeyPath, layer: ValuesSource | None = None) -> tuple[str, int, int]:
        """The line of `path` in `layer` (or in the last layer defining most of the path)."""
        candidates = [layer] if layer is not None else list(reversed(self.layers))
        best: tuple[int, ValuesSource] | None = None
        for item in candidates:
            depth = _depth(item.values, path)
            if depth and (best is None or depth > best[0]):
                best = (depth, item)
        if best is None:
            return self.sources.place(self.release.obj, self.release.root).at("spec", "valuesFrom")
        node, where = self._document(best[1])
        if node is None:
            return where
        prefix = ("spec", "values") if best[1].kind == "inline" else ()
        return (where[0], *yamlio.locate(node, (*prefix, *path[: best[0]])))

    def layer_position(self, layer: ValuesSource) -> tuple[str, int, int]:
        return self._document(layer)[1]

    def _document(self, layer: ValuesSource) -> tuple[Any, tuple[str, int, int]]:
        """(YAML node holding the layer's values, or None; position of the file or its generator)."""
        key = id(layer)
        if key not in self._docs:
            self._docs[key] = self._find(layer)
        return self._docs[key]

    def _find(self, layer: ValuesSource) -> tuple[Any, tuple[str, int, int]]:
        if layer.kind == "inline":
            placed = self.sources.place(self.release.obj, self.release.root)
            return placed.node, (placed.file, placed.line, placed.col)
        namespace = mapping(self.release.obj.get("metadata")).get("namespace")
        rid = ResourceId("", layer.kind, text(namespace), layer.name)
        where = self.ctx.locate(rid, self.release.root)
        file = self._generator_file(where, layer)
        if file is None:
            return None, where
        docs = self.sources.documents(file)
        if not docs or len(docs) != 1 or not isinstance(docs[0], Mapping):
            return None, (file, 1, 1)
        return docs[0], (file, 1, 1)

    def _generator_file(self, where: tuple[str, int, int], layer: ValuesSource) -> str | None:
        """The repo file of the generator entry at `where` that provides `layer.key`."""
        kfile, line, col = where
        docs = self.sources.documents(kfile) if kfile else None
        doc = docs[0] if docs and isinstance(docs[0], Mapping) else None
        field = "configMapGenerator" if layer.kind == "ConfigMap" else "secretGenerator"
        seq = doc.get(field) if doc is not None else None
        if not isinstance(seq, list):
            return None
        for i, item in enumerate(seq):
            if yamlio.position(seq, i) != (line, col) or not isinstance(item, Mapping):
                continue
            for entry in item.get("files") or ():
                name, _, rel = str(entry).rpartition("=")
                if (name or Path(rel).name) == layer.key:
                    base = Path(kfile).parent
                    return (base / rel).as_posix() if base != Path(".") else rel
        return None


def _depth(values: Mapping[str, Any], path: KeyPath) -> int:
    """How many leading steps of `path` exist in `values`."""
    node: Any = values
    for i, step in enumerate(path):
        if isinstance(node, Mapping) and step in node:
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            return i
    return len(path)


# --- version skew (from the spec) -----------------------------------------------------------------
