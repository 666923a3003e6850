"""One kustomization file parsed into the paths it names, each with its position in the file.

Every field kustomize reads a path from is covered: resources, bases, components, crds, configurations,
patches (all three forms), replacements, openapi, config/secret generators (files, envs, env),
transformers/generators/validators and helmCharts values files. A path is classified against the
file system the way kustomize does: a local path that exists is local, otherwise a URL-looking entry
is remote.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sggitops import fsguard, yamlio, yamlpos
from sggitops.errors import InputError

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_HOST = re.compile(r"^[\w-]+(\.[\w-]+)+(:\d+)?/")
_REMOTE_HINTS = ("?ref=", "?version=", "?timeout=", "?submodules=", ".git//", "_git/")


class RefKind(StrEnum):
    """How a kustomization uses a path."""

    DIR = "dir"  # another kustomization or component it includes
    FILE = "file"  # a file it reads
    REMOTE = "remote"  # a URL or git reference: fetched over the network


@dataclass(frozen=True)
class Ref:
    """One path a kustomization names; `path` is repo-relative posix, normalized (may start with `..`)."""

    field: str
    value: str
    kind: RefKind
    path: str
    line: int
    col: int


@dataclass(frozen=True)
class Generated:
    """A ConfigMap or Secret a generator entry makes; its position is the entry in the kustomization."""

    kind: str
    name: str
    namespace: str
    line: int
    col: int


@dataclass(frozen=True)
class Kustomization:
    """A kustomization directory: `dir` and `file` repo-relative posix (`dir` is `.` at the repo root)."""

    dir: str
    file: str
    kind: str
    refs: tuple[Ref, ...] = ()
    generated: tuple[Generated, ...] = ()
    helm_charts: tuple[tuple[str, int, int], ...] = ()
    error: str = ""


def find_file(directory: Path) -> Path | None:
    """The kustomization file of a directory, in kustomize's order of preference."""
    for name in KUSTOMIZATION_FILES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def is_remote(value: str) -> bool:
    """A URL, a git reference (`git@`, `ssh://`, `github.com/x/y//path?ref=`) or an HTTP file."""
    v = value.strip()
    if _SCHEME.match(v) and not v.startswith("file://"):
        return True
    if v.startswith(("git@", "git::", "github.com/", "gitlab.com/", "bitbucket.org/")):
        return True
    if any(h in v for h in _REMOTE_HINTS):
        return True
    return bool(_HOST.match(v))


def _is_inline(value: str) -> bool:
    """A patch or transformer config written inline instead of a path."""
    return "\n" in value or ": " in value or value.lstrip().startswith(("{", "["))


def parse(repo: Path, file: Path) -> Kustomization:
    """Parse one kustomization file; a YAML error is recorded in `error` (the build reports it)."""
    directory = file.parent
    rel_dir = _rel(repo, directory)
    rel_file = _rel(repo, file)
    try:
        doc = yamlpos.load_one(fsguard.read_text(file, repo), rel_file, rule="build/failed")
    except (InputError, OSError, UnicodeDecodeError) as err:
        message = err.message if isinstance(err, InputError) else str(err)
        return Kustomization(rel_dir, rel_file, "Kustomization", error=message)
    if doc is None:
        return Kustomization(rel_dir, rel_file, "Kustomization")
    if not isinstance(doc, Mapping):
        return Kustomization(rel_dir, rel_file, "Kustomization", error="not a YAML mapping")
    parser = _Parser(repo, directory)
    refs = tuple(parser.refs(doc))
    return Kustomization(
        rel_dir,
        rel_file,
        str(doc.get("kind") or "Kustomization"),
        refs=refs,
        generated=tuple(_generated(doc)),
        helm_charts=tuple(_helm_charts(doc)),
    )


class _Parser:
    def __init__(self, repo: Path, directory: Path) -> None:
        self.repo = repo
        self.directory = directory

    def refs(self, doc: Mapping[str, Any]) -> Iterator[Ref]:
        for field in ("resources", "bases", "components"):
            for seq, i, value in _strings(doc.get(field)):
                yield self._dir_or_file(field, value, seq, i, files_ok=field == "resources")
        for field in ("crds", "configurations"):
            for seq, i, value in _strings(doc.get(field)):
                yield self._file(field, value, *yamlio.position(seq, i))
        for seq, i, value in _strings(doc.get("patchesStrategicMerge")):
            if not _is_inline(value):
                yield self._file("patchesStrategicMerge", value, *yamlio.position(seq, i))
        for field in ("patches", "patchesJson6902", "replacements"):
            for item in _mappings(doc.get(field)):
                if isinstance(item.get("path"), str):
                    yield self._file(field, item["path"], *yamlio.value_position(item, "path"))
        openapi = doc.get("openapi")
        if isinstance(openapi, Mapping) and isinstance(openapi.get("path"), str):
            yield self._file("openapi", openapi["path"], *yamlio.value_position(openapi, "path"))
        for field in ("transformers", "generators", "validators"):
            for seq, i, value in _strings(doc.get(field)):
                if not _is_inline(value):
                    yield self._dir_or_file(field, value, seq, i, files_ok=True)
        for field in ("configMapGenerator", "secretGenerator"):
            for item in _mappings(doc.get(field)):
                yield from self._generator_refs(field, item)
        for item in _mappings(doc.get("helmCharts")):
            if isinstance(item.get("valuesFile"), str):
                yield self._file("helmCharts", item["valuesFile"], *yamlio.value_position(item, "valuesFile"))
            for seq, i, value in _strings(item.get("additionalValuesFiles")):
                yield self._file("helmCharts", value, *yamlio.position(seq, i))

    def _generator_refs(self, field: str, item: Mapping[str, Any]) -> Iterator[Ref]:
        for seq, i, value in _strings(item.get("files")):
            path = value.split("=", 1)[1] if "=" in value else value
            yield self._file(f"{field}.files", path, *yamlio.position(seq, i))
        for seq, i, value in _strings(item.get("envs")):
            yield self._file(f"{field}.envs", value, *yamlio.position(seq, i))
        if isinstance(item.get("env"), str):
            yield self._file(f"{field}.env", item["env"], *yamlio.value_position(item, "env"))

    def _dir_or_file(self, field: str, value: str, seq: Any, i: int, *, files_ok: bool) -> Ref:
        line, col = yamlio.position(seq, i)
        target = self.directory / value
        if target.is_dir():
            return Ref(field, value, RefKind.DIR, self._path(value), line, col)
        if target.exists() and files_ok:
            return self._file(field, value, line, col)
        if is_remote(value):
            return Ref(field, value, RefKind.REMOTE, value, line, col)
        kind = RefKind.FILE if files_ok and Path(value).suffix else RefKind.DIR
        return Ref(field, value, kind, self._path(value), line, col)

    def _file(self, field: str, value: str, line: int, col: int) -> Ref:
        if is_remote(value) and not (self.directory / value).exists():
            return Ref(field, value, RefKind.REMOTE, value, line, col)
        return Ref(field, value, RefKind.FILE, self._path(value), line, col)

    def _path(self, value: str) -> str:
        return _rel(self.repo, Path(os.path.normpath(self.directory / value)))


def _rel(repo: Path, path: Path) -> str:
    return Path(os.path.relpath(path, repo)).as_posix()


def _strings(node: Any) -> Iterator[tuple[Any, int, str]]:
    if isinstance(node, list):
        for i, value in enumerate(node):
            if isinstance(value, str):
                yield node, i, value


def _mappings(node: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(node, list):
        for value in node:
            if isinstance(value, Mapping):
                yield value


def _generated(doc: Mapping[str, Any]) -> Iterator[Generated]:
    default_ns = str(doc.get("namespace") or "")
    for field, kind in (("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")):
        seq = doc.get(field)
        if not isinstance(seq, list):
            continue
        for i, item in enumerate(seq):
            if isinstance(item, Mapping) and item.get("name"):
                line, col = yamlio.position(seq, i)
                namespace = str(item.get("namespace") or default_ns)
                yield Generated(kind, str(item["name"]), namespace, line, col)


def _helm_charts(doc: Mapping[str, Any]) -> Iterator[tuple[str, int, int]]:
    seq = doc.get("helmCharts")
    if isinstance(seq, list):
        for i, item in enumerate(seq):
            name = item.get("name") if isinstance(item, Mapping) else None
            yield (str(name or "?"), *yamlio.position(seq, i))
