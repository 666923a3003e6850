"""One kustomization file parsed into the paths it names, each with its position in the file.

Every field kustomize reads a path from is covered: resources, bases, components, crds, configurations,
patches (all three forms), replacements, openapi, config/secret generators (files, envs, env),
transformers/generators/validators and helmCharts values files. A path is classified against the
file system the way kustomize does: a local path that exists is local, otherwise a URL-looking entry
is remote.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Any

from sggitops import fsguard, yamlio, yamlpos, yamlstore
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
    """Parse one kustomization file; a YAML error is recorded in `error` (the build reports it).

    Two steps: what the text says (`_Raw`: the kind, each path with its position, the generated
    objects), which depends on the text alone and is kept by digest in the run's `yamlstore`; then each
    path classified against the file system (local directory, local file, or remote), every run."""
    directory = file.parent
    rel_dir = _rel(repo, directory)
    rel_file = _rel(repo, file)
    try:
        text = fsguard.read_text(file, repo)
    except (OSError, UnicodeDecodeError) as err:
        return Kustomization(rel_dir, rel_file, "Kustomization", error=str(err))
    store = yamlstore.active()
    key = "kustomization:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    raw = _Raw.from_json(store.lookup(key)) if store is not None else None
    if raw is None:
        raw = _Raw.of_text(text, rel_file)
        if store is not None:
            store.keep(key, raw.to_json())
    if raw.error or raw.empty:
        return Kustomization(rel_dir, rel_file, "Kustomization", error=raw.error)
    classify = _Classifier(repo, directory, rel_dir)
    return Kustomization(
        rel_dir,
        rel_file,
        raw.kind,
        refs=tuple(classify.ref(*entry) for entry in raw.refs),
        generated=raw.generated,
        helm_charts=raw.helm_charts,
    )


RawRef = tuple[str, str, int, int, int]
"""(field, value, line, col, mode): mode DIR_OR_FILE, DIR_OR_FILE | FILES_OK, or FILE_ONLY."""

DIR_OR_FILE, FILES_OK, FILE_ONLY = 0, 1, 2


@dataclass(frozen=True)
class _Raw:
    """What a kustomization's text names, before the file system is asked about any path."""

    kind: str = "Kustomization"
    refs: tuple[RawRef, ...] = ()
    generated: tuple[Generated, ...] = ()
    helm_charts: tuple[tuple[str, int, int], ...] = ()
    error: str = ""
    empty: bool = False

    @classmethod
    def of_text(cls, text: str, rel_file: str) -> _Raw:
        try:
            doc = yamlpos.load_one(text, rel_file, rule="build/failed", keep=False)
        except InputError as err:
            return cls(error=err.message)
        if doc is None:
            return cls(empty=True)
        if not isinstance(doc, Mapping):
            return cls(error="not a YAML mapping")
        return cls(
            str(doc.get("kind") or "Kustomization"),
            tuple(_raw_refs(doc)),
            tuple(_generated(doc)),
            tuple(_helm_charts(doc)),
        )

    def to_json(self) -> list[Any]:
        generated = [[g.kind, g.name, g.namespace, g.line, g.col] for g in self.generated]
        return [
            self.kind,
            [list(r) for r in self.refs],
            generated,
            [list(h) for h in self.helm_charts],
            self.error,
            self.empty,
        ]

    @classmethod
    def from_json(cls, data: Any) -> _Raw | None:
        """The stored form back, or None when it is not exactly that shape (then the text is parsed)."""
        try:
            kind, refs, generated, helm, error, empty = data
            out = cls(
                kind,
                tuple((f, v, ln, c, m) for f, v, ln, c, m in refs),
                tuple(Generated(k, n, ns, ln, c) for k, n, ns, ln, c in generated),
                tuple((n, ln, c) for n, ln, c in helm),
                error,
                empty,
            )
        except (TypeError, ValueError):
            return None
        shapes = (
            isinstance(out.kind, str)
            and isinstance(out.error, str)
            and isinstance(out.empty, bool)
            and all(_is_raw_ref(r) for r in out.refs)
            and all(isinstance(g.line, int) and isinstance(g.name, str) for g in out.generated)
        )
        return out if shapes else None


def _is_raw_ref(ref: tuple[Any, ...]) -> bool:
    field, value, line, col, mode = ref
    return (
        isinstance(field, str)
        and isinstance(value, str)
        and isinstance(line, int)
        and isinstance(col, int)
        and mode in (0, 1, 2)
    )


def _raw_refs(doc: Mapping[str, Any]) -> Iterator[RawRef]:
    """Every path the kustomization names, in the order kustomize reads the fields."""
    for field in ("resources", "bases", "components"):
        mode = DIR_OR_FILE | FILES_OK if field == "resources" else DIR_OR_FILE
        for seq, i, value in _strings(doc.get(field)):
            yield (field, value, *yamlio.position(seq, i), mode)
    for field in ("crds", "configurations"):
        for seq, i, value in _strings(doc.get(field)):
            yield (field, value, *yamlio.position(seq, i), FILE_ONLY)
    for seq, i, value in _strings(doc.get("patchesStrategicMerge")):
        if not _is_inline(value):
            yield ("patchesStrategicMerge", value, *yamlio.position(seq, i), FILE_ONLY)
    for field in ("patches", "patchesJson6902", "replacements"):
        for item in _mappings(doc.get(field)):
            if isinstance(item.get("path"), str):
                yield (field, item["path"], *yamlio.value_position(item, "path"), FILE_ONLY)
    openapi = doc.get("openapi")
    if isinstance(openapi, Mapping) and isinstance(openapi.get("path"), str):
        yield ("openapi", openapi["path"], *yamlio.value_position(openapi, "path"), FILE_ONLY)
    for field in ("transformers", "generators", "validators"):
        for seq, i, value in _strings(doc.get(field)):
            if not _is_inline(value):
                yield (field, value, *yamlio.position(seq, i), DIR_OR_FILE | FILES_OK)
    for field in ("configMapGenerator", "secretGenerator"):
        for item in _mappings(doc.get(field)):
            yield from _generator_refs(field, item)
    for item in _mappings(doc.get("helmCharts")):
        if isinstance(item.get("valuesFile"), str):
            yield ("helmCharts", item["valuesFile"], *yamlio.value_position(item, "valuesFile"), FILE_ONLY)
        for seq, i, value in _strings(item.get("additionalValuesFiles")):
            yield ("helmCharts", value, *yamlio.position(seq, i), FILE_ONLY)


def _generator_refs(field: str, item: Mapping[str, Any]) -> Iterator[RawRef]:
    for seq, i, value in _strings(item.get("files")):
        path = value.split("=", 1)[1] if "=" in value else value
        yield (f"{field}.files", path, *yamlio.position(seq, i), FILE_ONLY)
    for seq, i, value in _strings(item.get("envs")):
        yield (f"{field}.envs", value, *yamlio.position(seq, i), FILE_ONLY)
    if isinstance(item.get("env"), str):
        yield (f"{field}.env", item["env"], *yamlio.value_position(item, "env"), FILE_ONLY)


class _Classifier:
    """Each named path against the file system, the way kustomize tells them apart."""

    def __init__(self, repo: Path, directory: Path, rel_dir: str) -> None:
        self.repo = repo
        self.directory = str(directory)
        self.rel_dir = rel_dir

    def ref(self, field: str, value: str, line: int, col: int, mode: int) -> Ref:
        if mode == FILE_ONLY:
            return self._file(field, value, line, col)
        target = os.path.join(self.directory, value)
        if os.path.isdir(target):
            return Ref(field, value, RefKind.DIR, self._path(value), line, col)
        files_ok = bool(mode & FILES_OK)
        if files_ok and os.path.exists(target):
            return self._file(field, value, line, col)
        if is_remote(value):
            return Ref(field, value, RefKind.REMOTE, value, line, col)
        kind = RefKind.FILE if files_ok and PurePosixPath(value).suffix else RefKind.DIR
        return Ref(field, value, kind, self._path(value), line, col)

    def _file(self, field: str, value: str, line: int, col: int) -> Ref:
        if is_remote(value) and not os.path.exists(os.path.join(self.directory, value)):
            return Ref(field, value, RefKind.REMOTE, value, line, col)
        return Ref(field, value, RefKind.FILE, self._path(value), line, col)

    def _path(self, value: str) -> str:
        if os.path.isabs(value):
            return _rel(self.repo, Path(os.path.normpath(os.path.join(self.directory, value))))
        return posixpath.normpath(posixpath.join(self.rel_dir, value))


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
