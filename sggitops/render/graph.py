"""The repo graph: every kustomization, what each includes, and every file a build reads.

`scan_repo(repo)` finds every directory with a kustomization file (hidden directories skipped), parses
each, and answers: which roots can be built (`roots`, Components excluded), which no other kustomization
includes (`leaves`: the overlays Argo CD or Flux point at), the *input closure* of a root (every file
its build reads, through included directories and components; the cache key and `--changed-since`
are computed from it), static findings (`build/remote-base`, `build/load-restrictor`,
`build/helm-chart`) and the source index that maps rendered objects back to their files.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path

from sggitops import fsguard
from sggitops.findings import Finding, Severity
from sggitops.render.ignore import ignored
from sggitops.render.kustomization import KUSTOMIZATION_FILES, Kustomization, Ref, RefKind, find_file, parse
from sggitops.render.sources import Source, SourceIndex, build_index, file_sources, generator_sources
from sggitops.resource import ResourceId
from sggitops.rules import Rule

SKIP_DIRS = frozenset({"node_modules", "__pycache__"})


RULES = (
    Rule(
        id="build/remote-base",
        severity=Severity.ERROR,
        summary="a remote base or resource: not hermetic, fails air-gapped",
    ),
    Rule(
        id="build/load-restrictor",
        severity=Severity.ERROR,
        summary="a file outside the kustomization root (refused by the default load restrictor)",
    ),
    Rule(
        id="build/helm-chart",
        severity=Severity.ERROR,
        summary="helmCharts need --enable-helm, which Argo CD does not pass by default and Flux does not offer",
    ),
)


class RepoGraph:
    """The kustomizations of one repo, keyed by repo-relative directory (`.` for the repo root)."""

    def __init__(self, repo: Path, kustomizations: Iterable[Kustomization]) -> None:
        self.repo = repo.resolve()
        self.kustomizations = {k.dir: k for k in sorted(kustomizations, key=lambda k: k.dir)}
        self._closures: dict[str, tuple[str, ...]] = {}
        self._indexes: dict[str, SourceIndex] = {}  # by root: the sources of its closure
        self._file_sources: dict[str, list[Source]] = {}

    @property
    def roots(self) -> list[str]:
        """Every buildable kustomization directory (Components are only built through an overlay)."""
        return [d for d, k in self.kustomizations.items() if k.kind != "Component"]

    @cached_property
    def leaves(self) -> list[str]:
        """Roots no other kustomization includes: the overlays something deploys."""
        included = {r.path for k in self.kustomizations.values() for r in k.refs if r.kind is RefKind.DIR}
        return [d for d in self.roots if d not in included]

    def includes(self, root: str) -> list[str]:
        """The kustomization directories `root` includes directly (resources, bases, components...)."""
        k = self.kustomizations[root]
        return [r.path for r in k.refs if r.kind is RefKind.DIR and r.path in self.kustomizations]

    def closure(self, root: str) -> tuple[str, ...]:
        """Every repo-relative file the build of `root` reads, nearest first (the root's own file first).

        Paths that do not exist yet are included (creating them changes the build); a directory that has
        no kustomization contributes the `kustomization.yaml` it would need.
        """
        if root not in self._closures:
            files: dict[str, None] = {}
            self._walk(root, files, set())
            self._closures[root] = tuple(files)
        return self._closures[root]

    def _walk(self, directory: str, files: dict[str, None], seen: set[str]) -> None:
        if directory in seen:
            return
        seen.add(directory)
        k = self.kustomizations.get(directory)
        if k is None:
            files[_join(directory, "kustomization.yaml")] = None
            return
        files[k.file] = None
        for ref in k.refs:
            if ref.kind is RefKind.FILE:
                files[ref.path] = None
        for ref in k.refs:
            if ref.kind is RefKind.DIR:
                self._walk(ref.path, files, seen)

    def remote_refs(self, root: str) -> list[Ref]:
        """Remote entries anywhere in the build of `root` (such a build is not hermetic: never cached)."""
        out: list[Ref] = []
        seen: set[str] = set()
        stack = [root]
        while stack:
            directory = stack.pop()
            if directory in seen or directory not in self.kustomizations:
                continue
            seen.add(directory)
            k = self.kustomizations[directory]
            out.extend(r for r in k.refs if r.kind is RefKind.REMOTE)
            stack.extend(r.path for r in k.refs if r.kind is RefKind.DIR)
        return out

    def normalize(self, root: str | Path) -> str:
        """A root given as an absolute path, a relative path or a repo-relative key -> the key."""
        path = Path(root)
        if not path.is_absolute():
            path = self.repo / path
        return Path(os.path.relpath(path.resolve(), self.repo)).as_posix()

    @cached_property
    def findings(self) -> list[Finding]:
        """Static problems: remote bases, files beyond the load restrictor, helm charts."""
        listed = {r.path for k in self.kustomizations.values() for r in k.refs}  # builds report those
        listed |= {_join(k.dir, n) for k in self.kustomizations.values() for n in KUSTOMIZATION_FILES}
        unsafe = fsguard.scan_tree(self.repo, skip=lambda rel: ignored(self.repo, rel))
        out = fsguard.findings(r for r in unsafe if r.path not in listed)
        for k in self.kustomizations.values():
            out.extend(self._ref_findings(k))
            for name, line, col in k.helm_charts:
                out.append(
                    Finding(
                        k.file,
                        line,
                        col,
                        "build/helm-chart",
                        Severity.ERROR,
                        f"helmCharts entry `{name}` needs `kustomize build --enable-helm`, which the default "
                        "build (as Argo CD runs it) does not pass and Flux's kustomize-controller does not offer",
                        hint="render the chart with a Flux HelmRelease, or commit the rendered manifests",
                    )
                )
        return sorted(out)

    def _ref_findings(self, k: Kustomization) -> list[Finding]:
        out: list[Finding] = []
        base = Path(fsguard.realpath(os.path.join(self.repo, k.dir)))
        for ref in k.refs:
            if ref.kind is RefKind.REMOTE:
                out.append(
                    Finding(
                        k.file,
                        ref.line,
                        ref.col,
                        "build/remote-base",
                        Severity.ERROR,
                        f"`{ref.field}` entry `{ref.value}` is remote: the build fetches it from the network",
                        hint="vendor it into this repo so builds are hermetic and work air-gapped",
                    )
                )
            elif ref.kind is RefKind.FILE and _outside_root(
                Path(fsguard.realpath(os.path.join(self.repo, ref.path))), base, self.repo
            ):
                out.append(
                    Finding(
                        k.file,
                        ref.line,
                        ref.col,
                        "build/load-restrictor",
                        Severity.ERROR,
                        f"`{ref.field}` file `{ref.value}` is outside the kustomization root `{k.dir}`: "
                        "kustomize's default load restrictor (as Argo CD runs it) refuses it",
                        hint=f"move the file under {k.dir}/, or list a directory with its own "
                        "kustomization (or a component) instead",
                    )
                )
        return out

    @cached_property
    def sources(self) -> SourceIndex:
        """The source index (built on first use: it reads every resource file once)."""
        return build_index(self.repo, self.kustomizations.values())

    def locate(self, rid: ResourceId, root: str | None = None) -> tuple[str, int, int] | None:
        """Where `rid` comes from: `(file, line, col)` repo-relative, searched in `root`'s closure if given
        (then only the files of that closure are read: a one-cluster run does not index the fleet)."""
        if root is None:
            return self.sources.locate(rid, None)
        within = self.closure(root)
        index = self._indexes.get(root)
        if index is None:
            index = self._indexes[root] = SourceIndex(self._closure_sources(within))
        return index.locate(rid, within)

    def _closure_sources(self, closure: Sequence[str]) -> list[Source]:
        """The sources the whole index holds for files of `closure`: generator entries of its
        kustomization files, and the documents of its files some kustomization lists as resources."""
        by_file = self._by_file
        out: list[Source] = []
        for rel in closure:
            k = by_file.get(rel)
            if k is not None:
                out += generator_sources(k)
            if rel in self._resource_files:
                if rel not in self._file_sources:
                    self._file_sources[rel] = file_sources(self.repo, rel)
                out += self._file_sources[rel]
        return out

    @cached_property
    def _by_file(self) -> dict[str, Kustomization]:
        return {k.file: k for k in self.kustomizations.values()}

    @cached_property
    def _resource_files(self) -> frozenset[str]:
        return frozenset(
            r.path
            for k in self.kustomizations.values()
            for r in k.refs
            if r.field == "resources" and r.kind is RefKind.FILE
        )


def scan_repo(repo: Path) -> RepoGraph:
    """Find and parse every kustomization under `repo` (hidden and tool directories skipped)."""
    repo = repo.resolve()
    found = []
    for current, dirs, _files in os.walk(repo):
        here = Path(current).relative_to(repo).as_posix()
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and d not in SKIP_DIRS and not ignored(repo, f"{here}/{d}")
        )
        file = find_file(Path(current))
        if file is not None:
            found.append(parse(repo, file))
    return RepoGraph(repo, found)


def _outside_root(path: Path, base: Path, repo: Path) -> bool:
    """Outside the kustomization root but inside the repo (outside the repo is build/unsafe-path)."""
    return not _below(path, base) and _below(path, repo)


def _below(path: Path, base: Path) -> bool:
    return path == base or base in path.parents


def _join(directory: str, name: str) -> str:
    return name if directory == "." else f"{directory}/{name}"
