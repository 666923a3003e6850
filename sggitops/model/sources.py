"""Flux sources as the controllers resolve them: in the repo, made by another object, declared in
`.sggitops.yaml`, or this checkout.

A `sourceRef` names (kind, name, namespace defaulting to the referring object's). It resolves to:

- an object of the repo (the nearest by path when several clusters define the same name);
- a source another object makes: `ArtifactGenerator` -> `ExternalArtifact`s; flux-operator's
  `FluxInstance.spec.sync` -> the `flux-system` GitRepository/OCIRepository and Kustomization; and
  the `flux bootstrap` layout (`<dir>/flux-system/gotk-*.yaml`), whose `gotk-sync.yaml` defines (or,
  in example repos, only promises) GitRepository and Kustomization `flux-system` applying `<dir>`;
- a source declared in `.sggitops.yaml` (`sources:`), for what exists only on the cluster.

A GitRepository is *this checkout* when it is the bootstrap one (its Kustomization applies the folder
holding it), or its URL is one of the checkout's (any form, see `identity`) on no branch or a branch of
this revision; the same URL on another branch is another revision (its paths are not checked here).
When a bootstrap Kustomization's path ends with its own folder but starts with more (`./tests/testdata/
cluster/clusters/prod` for `cluster/clusters/prod`), the checkout is a subtree of the synced repo and
that prefix is stripped from the paths of every source of this checkout.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sggitops.context.walk import (
    KUSTOMIZE_GROUP,
    Placed,
    group_of,
    is_kind,
    mapping,
    same_namespace,
    seq,
    text,
)
from sggitops.model.identity import Identity

SOURCE_GROUP = "source.toolkit.fluxcd.io"
ARTIFACT_GROUP = "source.extensions.fluxcd.io"
OPERATOR_GROUP = "fluxcd.controlplane.io"
CHECKOUT, OTHER_REVISION, EXTERNAL = "checkout", "other-revision", "external"


@dataclass(frozen=True)
class Origin:
    """Where the content of a Kustomization's source comes from; `mapping` turns a path of the source
    into a repo path (an ExternalArtifact copied from this checkout: (artifact dir, repo dir) pairs)."""

    kind: str
    source: Placed | None = None
    mapping: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Declared:
    """A source that exists only on the cluster (`.sggitops.yaml` `sources:`)."""

    kind: str
    name: str
    namespace: str = ""


def _synth(kind: str, api: str, name: str, namespace: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": api,
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace},
        "spec": dict(spec),
    }


def _common(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a.split("/"), b.split("/"), strict=False):
        if x != y:
            break
        n += 1
    return n


class SourceIndex:
    """Every Flux source the repo defines, makes or declares, and which of them are this checkout."""

    def __init__(
        self,
        repo: Path,
        identity: Identity,
        objects: Iterable[Placed],
        declared: Iterable[Declared],
        folders: Iterable[str] = (),
    ) -> None:
        self.repo = repo
        self.folders = tuple(folders)  # kustomization folders (a bootstrap's flux-system among them)
        self.identity = identity
        self.declared = tuple(declared)
        self._by_name: dict[tuple[str, str], list[Placed]] = {}
        self.bootstrap: set[int] = set()  # id() of GitRepositories that bootstrap this checkout
        self.prefixes: set[str] = set()
        self.synthesized: list[Placed] = []  # objects a bootstrap layout or FluxInstance promises
        self.generators: list[Placed] = []
        placed = list(objects)
        for p in placed:
            self._add(p)
        self._bootstrap_pairs(placed)
        self._placeholders(placed)
        self._flux_instances(placed)
        self._assume_bootstrap()

    def _add(self, p: Placed) -> None:
        self._by_name.setdefault((text(p.obj.get("kind")), p.rid.name), []).append(p)
        if is_kind(p.obj, ARTIFACT_GROUP, "ArtifactGenerator"):
            self.generators.append(p)

    # --- what a repo promises without defining -------------------------------------------------

    def _bootstrap_pairs(self, placed: list[Placed]) -> None:
        """A Kustomization that applies a folder holding its own file marks its GitRepository as this
        checkout, and its path's extra leading part as the prefix of this checkout in the synced repo."""
        for p in placed:
            if not is_kind(p.obj, KUSTOMIZE_GROUP, "Kustomization"):
                continue
            spec = mapping(p.obj.get("spec"))
            ref = mapping(spec.get("sourceRef"))
            path = posixpath.normpath(text(spec.get("path")).strip().lstrip("/") or ".")
            folder = posixpath.dirname(p.file)
            ancestors = []
            while folder:
                ancestors.append(folder)
                folder = posixpath.dirname(folder)
            match = next((a for a in ancestors if path == a or path.endswith("/" + a)), None)
            if match is None or ref.get("kind") != "GitRepository":
                continue
            prefix = path[: len(path) - len(match)]
            if prefix and (self.repo / path).is_dir():
                continue  # the path exists as written: no subtree
            if prefix:
                self.prefixes.add(prefix)
            namespace = text(ref.get("namespace")) or p.namespace
            for repo in self.find("GitRepository", text(ref.get("name")), namespace, p.file):
                if repo.file == p.file:
                    self.bootstrap.add(id(repo))

    def _placeholders(self, placed: list[Placed]) -> None:
        """`flux bootstrap` writes `<dir>/flux-system/gotk-sync.yaml`; example repos ship it empty."""
        folders = {
            posixpath.dirname(p.file)
            for p in placed
            if posixpath.basename(posixpath.dirname(p.file)) == "flux-system"
        }
        folders |= {f for f in self.folders if posixpath.basename(f) == "flux-system"}
        for folder in sorted(folders):
            if (
                not (self.repo / folder / "gotk-sync.yaml").is_file()
                and not (self.repo / folder / "gotk-components.yaml").is_file()
            ):
                continue
            if any(
                posixpath.dirname(r.file) == folder
                for r in self._by_name.get(("GitRepository", "flux-system"), [])
            ):
                continue
            parent = posixpath.dirname(folder) or "."
            self._promise(f"{folder}/gotk-sync.yaml", "GitRepository", "flux-system", parent, url="")

    def _flux_instances(self, placed: list[Placed]) -> None:
        for p in placed:
            if not is_kind(p.obj, OPERATOR_GROUP, "FluxInstance"):
                continue
            sync = mapping(mapping(p.obj.get("spec")).get("sync"))
            if not sync:
                continue
            kind = text(sync.get("kind")) or "GitRepository"
            name = text(sync.get("name")) or "flux-system"
            path = text(sync.get("path")) or "."
            self._promise(
                p.file, kind, name, path, url=text(sync.get("url")), namespace=p.namespace or "flux-system"
            )

    def _assume_bootstrap(self) -> None:
        """A repo that defines no source of this checkout was bootstrapped from outside (flux bootstrap
        run elsewhere, a FluxInstance in a Helm values file): `flux-system/flux-system` is then the
        GitRepository (this checkout) or OCIRepository (built from it) that Flux syncs from."""
        git_repos = [p for (kind, _n), ps in self._by_name.items() if kind == "GitRepository" for p in ps]
        if any(self.git_origin(p) == CHECKOUT for p in git_repos):
            return
        for kind in ("GitRepository", "OCIRepository"):
            if self.find(kind, "flux-system", "flux-system"):
                continue
            spec = {"url": ""}
            source = Placed(
                _synth(kind, f"{SOURCE_GROUP}/v1", "flux-system", "flux-system", spec), "", "", 0, 0
            )
            if kind == "GitRepository":
                self.bootstrap.add(id(source))
            self._add(source)

    def _promise(
        self, file: str, kind: str, name: str, path: str, *, url: str, namespace: str = "flux-system"
    ) -> None:
        source = Placed(_synth(kind, f"{SOURCE_GROUP}/v1", name, namespace, {"url": url}), file, file, 1, 1)
        ks = Placed(
            _synth(
                "Kustomization",
                f"{KUSTOMIZE_GROUP}/v1",
                name,
                namespace,
                {"path": path, "sourceRef": {"kind": kind, "name": name}, "interval": "10m", "prune": True},
            ),
            file,
            file,
            1,
            1,
        )
        if kind == "GitRepository" and (not url or self.identity.is_this_repo(url)):
            self.bootstrap.add(id(source))
        self._add(source)
        self.synthesized += [source, ks]

    # --- lookups ---------------------------------------------------------------------------------

    def find(self, kind: str, name: str, namespace: str, near: str = "") -> list[Placed]:
        """Objects (kind, name) in `namespace` (an empty one matches any), nearest to file `near` first."""
        found = [p for p in self._by_name.get((kind, name), []) if same_namespace(p.namespace, namespace)]
        return sorted(found, key=lambda p: (-_common(p.file, near), p.file, p.line))

    def generated(self, kind: str, name: str, namespace: str, near: str = "") -> Placed | None:
        """The ArtifactGenerator that makes ExternalArtifact `name` (the nearest to file `near`), if any."""
        if kind != "ExternalArtifact":
            return None
        for gen in sorted(self.generators, key=lambda g: (-_common(g.file, near), g.file, g.line)):
            if not same_namespace(gen.namespace, namespace):
                continue
            for artifact in seq(mapping(gen.obj.get("spec")).get("artifacts")):
                if text(mapping(artifact).get("name")) == name:
                    return gen
        return None

    def is_declared(self, kind: str, name: str, namespace: str) -> bool:
        return any(
            d.kind == kind and d.name == name and same_namespace(d.namespace, namespace)
            for d in self.declared
        )

    def exists(self, kind: str, name: str, namespace: str) -> bool:
        """Defined in the repo, made by a generator, promised by a bootstrap layout, or declared."""
        return bool(
            self.find(kind, name, namespace)
            or self.generated(kind, name, namespace)
            or self.is_declared(kind, name, namespace)
        )

    def git_origin(self, repo: Placed) -> str:
        if id(repo) in self.bootstrap:
            return CHECKOUT
        spec = mapping(repo.obj.get("spec"))
        if not self.identity.is_this_repo(text(spec.get("url"))):
            return EXTERNAL
        branch = text(mapping(spec.get("ref")).get("branch"))
        return CHECKOUT if self.identity.is_this_revision(branch) else OTHER_REVISION

    def origin(self, placed: Placed, ref: Mapping[str, Any]) -> Origin:
        """Where the source named by `ref` (a sourceRef of `placed`) takes its content from."""
        kind, name = text(ref.get("kind")), text(ref.get("name"))
        namespace = text(ref.get("namespace")) or placed.namespace
        if kind == "GitRepository":
            for repo in self.find(kind, name, namespace, placed.file):
                return Origin(self.git_origin(repo), repo)
            return Origin(EXTERNAL)
        gen = self.generated(kind, name, namespace, placed.file)
        if gen is not None:
            pairs = tuple(self._copies(gen, name))
            return Origin(CHECKOUT if pairs else EXTERNAL, gen, pairs)
        return Origin(EXTERNAL)

    def _copies(self, gen: Placed, artifact_name: str) -> Iterator[tuple[str, str]]:
        """(artifact dir, repo dir) for each `copy` of the artifact from an alias of this checkout."""
        spec = mapping(gen.obj.get("spec"))
        aliases = {}
        for src in seq(spec.get("sources")):
            src = mapping(src)
            if src.get("kind") == "GitRepository":
                repos = self.find(
                    "GitRepository",
                    text(src.get("name")),
                    text(src.get("namespace")) or gen.namespace,
                    gen.file,
                )
                if repos and self.git_origin(repos[0]) == CHECKOUT:
                    aliases[text(src.get("alias"))] = True
        for artifact in seq(spec.get("artifacts")):
            artifact = mapping(artifact)
            if text(artifact.get("name")) != artifact_name:
                continue
            for copy in seq(artifact.get("copy")):
                copy = mapping(copy)
                frm, to = text(copy.get("from")), text(copy.get("to"))
                alias, _, rest = frm.lstrip("@").partition("/")
                if not aliases.get(alias) or not to.startswith("@artifact"):
                    continue
                if not rest.endswith("/**"):
                    continue
                repo_dir = posixpath.normpath(rest[: -len("/**")] or ".")
                art_dir = posixpath.normpath(to[len("@artifact") :].strip("/") or ".")
                yield art_dir, repo_dir

    def repo_path(self, origin: Origin, path: str) -> str | None:
        """The repo path a Kustomization of this checkout builds (prefix stripped, artifact mapped)."""
        raw = path.strip().lstrip("/") or "."
        key = posixpath.normpath(raw)
        if key == ".." or key.startswith("../"):
            return None
        if origin.mapping:
            for art_dir, repo_dir in origin.mapping:
                if art_dir == "." or key == art_dir or key.startswith(art_dir + "/"):
                    rest = key if art_dir == "." else key[len(art_dir) :].lstrip("/")
                    return posixpath.normpath(posixpath.join(repo_dir, rest or "."))
            return None
        if not (self.repo / key).exists():
            for prefix in sorted(self.prefixes, key=len, reverse=True):
                if key.startswith(prefix):
                    return posixpath.normpath(key[len(prefix) :] or ".")
        return key


def flux_kind(obj: Mapping[str, Any]) -> bool:
    return group_of(obj).endswith(".fluxcd.io")
