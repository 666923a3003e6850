"""A failed kustomize build -> one `build/failed` Finding at the file (and line) that caused it.

kustomize reports a chain: `accumulating resources from '../base'` ... `recursed accumulation of path
'/abs/base'` ... then the cause (`security; file F is not in or below D`, `evalsymlink failure on F`,
`MalformedYAMLError: yaml: line N ... in File: r.yaml`, `invalid Kustomization: yaml: line N`,
`unable to find one of 'kustomization.yaml'... in directory D`). The chain gives the kustomization
directory the cause belongs to; the cause gives the entry (file:line of the list item naming the bad
path) or the broken file itself. Absolute paths in the message are made repo-relative.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sggitops import fsguard, yamlio
from sggitops.errors import InputError
from sggitops.findings import Finding, Severity
from sggitops.render.graph import RepoGraph
from sggitops.render.kustomization import Kustomization, find_file, is_remote

_CHAIN = re.compile(r"(?:recursed accumulation of path|couldn't make target for path) '([^']+)'")
_SECURITY = re.compile(r"security; file '([^']+)' is not in or below '([^']+)'")
_NO_KUSTOMIZATION = re.compile(r"unable to find one of .*? in directory '([^']+)'")
_MISSING = re.compile(r"evalsymlink failure on '([^']+)'")
_MALFORMED = re.compile(r"yaml: line (\d+): (.*?) in File: (\S+)")
_INVALID = re.compile(r"invalid Kustomization: (?:yaml: (?:line (\d+): )?)?(.*)")
_FROM = re.compile(r"(?:accumulating|merging) resources from '([^']+)'")
_UNKNOWN_FIELD = re.compile(r'unknown field "([^"]+)"')
_PATCH = re.compile(r"path\(([^)]+)\)|\[path: \"([^\"]+)\"\]")


@dataclass(frozen=True)
class Cause:
    """What went wrong and where: file repo-relative, line/col 1-based (0 = unknown)."""

    file: str
    line: int
    col: int
    message: str
    hint: str


def explain(graph: RepoGraph, root: str, stderr: str) -> Finding:
    """The `build/failed` finding for a failed build of `root` with kustomize's error text."""
    text = _relativize(graph.repo, stderr.strip().removeprefix("Error: ").removeprefix("error: "))
    cause = _Explainer(graph, root, stderr).cause(text)
    return Finding(
        cause.file,
        cause.line,
        cause.col,
        "build/failed",
        Severity.ERROR,
        f"kustomize build of {root} failed: {cause.message}",
        hint=cause.hint,
    )


def _relativize(repo: Path, text: str) -> str:
    """Absolute paths under the repo -> repo-relative; the message reads the same on every machine."""
    one_line = " ".join(text.split())
    for prefix in sorted({str(repo), os.path.realpath(repo)}, key=len, reverse=True):
        one_line = one_line.replace(prefix + os.sep, "").replace(prefix, ".")
    return one_line


class _Explainer:
    def __init__(self, graph: RepoGraph, root: str, stderr: str) -> None:
        self.graph = graph
        self.root = root
        self.raw = stderr
        self.current = root
        chain = [root, *(self._rel(p) for p in _CHAIN.findall(stderr))]
        self.chain = [d for d in chain if d in graph.kustomizations] or [root]
        self.current = self.chain[-1]

    def cause(self, text: str) -> Cause:
        k = self.graph.kustomizations.get(self.current)
        kfile = k.file if k is not None else self._kfile(self.current)
        if m := _SECURITY.search(self.raw):
            bad, below = self._rel(m[1]), self._rel(m[2])
            file, line, col = self._entry(bad, self.graph.kustomizations.get(below))
            return Cause(
                file,
                line,
                col,
                f"`{bad}` is not in or below the kustomization root `{below}` (load restrictor)",
                "kustomize (as Argo CD runs it) only reads files below the kustomization; move the file "
                "there, or include its directory as a kustomization or component",
            )
        if m := _NO_KUSTOMIZATION.search(self.raw):
            target = self._rel(m[1])
            file, line, col = self._entry(target, k)
            return Cause(
                file,
                line,
                col,
                f"directory `{target}` has no kustomization.yaml",
                "add a kustomization.yaml listing its files, or list the files themselves",
            )
        if m := _MISSING.search(self.raw):
            target = self._rel(m[1])
            file, line, col = self._entry(target, k)
            return Cause(file, line, col, f"`{target}` does not exist", "fix the path or add the file")
        if m := _MALFORMED.search(self.raw):
            file = _join(self.current, m[3])
            return Cause(file, int(m[1]), 0, f"invalid YAML in `{file}`: {m[2]}", "fix the YAML syntax")
        remote = [v for v in _FROM.findall(self.raw) if is_remote(v)]
        if remote:
            file, line, col = self._entry_by_value(k)
            return Cause(
                file,
                line,
                col,
                f"remote `{remote[-1]}` cannot be fetched: builds run offline, as in an air gap",
                "vendor it into this repo so the build is hermetic",
            )
        if m := _INVALID.search(text):
            line = int(m[1]) if m[1] else 0
            col = 0
            if not line and (field := _UNKNOWN_FIELD.search(m[2])):
                line, col = _key_position(self.graph.repo / kfile, field[1])
            return Cause(kfile, line, col, f"invalid kustomization: {m[2]}", "fix the kustomization file")
        file, line, col = self._entry_by_value(k)
        return Cause(file, line, col, text, "run `kubectl kustomize` on the directory to see the full error")

    def _rel(self, path: str) -> str:
        if not os.path.isabs(path):
            return _join(self.current, path)
        for base in (str(self.graph.repo), os.path.realpath(self.graph.repo)):
            if path == base or path.startswith(base + os.sep):
                return Path(os.path.relpath(path, base)).as_posix()
        return Path(os.path.relpath(path, self.graph.repo)).as_posix()

    def _kfile(self, directory: str) -> str:
        found = find_file(self.graph.repo / directory)
        name = found.name if found is not None else "kustomization.yaml"
        return name if directory == "." else f"{directory}/{name}"

    def _entry(self, target: str, k: Kustomization | None) -> tuple[str, int, int]:
        """The list item naming `target`: in `k` first, then anywhere along the chain, nearest first."""
        searched = [k] if k is not None else []
        searched += [
            self.graph.kustomizations[d] for d in reversed(self.chain) if d in self.graph.kustomizations
        ]
        for candidate in searched:
            for ref in candidate.refs:
                if ref.path == target:
                    return (candidate.file, ref.line, ref.col)
        return self._entry_by_value(k)

    def _entry_by_value(self, k: Kustomization | None) -> tuple[str, int, int]:
        """The entry whose written value kustomize quotes (`resources from 'x'`, `path(x)`), else the file."""
        if k is None:
            return (self._kfile(self.current), 0, 0)
        quoted = _FROM.findall(self.raw) + [a or b for a, b in _PATCH.findall(self.raw)]
        for value in reversed(quoted):
            for ref in k.refs:
                if ref.value == value:
                    return (k.file, ref.line, ref.col)
        return (k.file, 0, 0)


def _join(directory: str, name: str) -> str:
    return Path(os.path.normpath(Path(directory) / name)).as_posix()


def _key_position(file: Path, key: str) -> tuple[int, int]:
    """Position of a top-level key of a YAML file, (0, 0) when it cannot be found."""
    try:
        doc = yamlio.load_one(fsguard.read_text(file), str(file))
    except (InputError, OSError, UnicodeDecodeError):
        return (0, 0)
    if isinstance(doc, Mapping) and key in doc:
        return yamlio.position(doc, key)
    return (0, 0)
