"""The repo as Flux and Argo CD walk it, shared by the argocd, flux, bigbang and secrets families.

`Sources` reads each repo file once (plain data fast; positions only when a finding needs them) and
places rendered objects at their source document; `RepoPaths` says whether a repo path exists, builds,
or holds plain manifests (a plain folder read as Flux generates its kustomization); `Fleet` is what
`sggitops.model.fleet` builds from them: every cluster and the units of objects deployed to it.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from sggitops import fsguard, yamlio
from sggitops.checks.context import RepoContext
from sggitops.errors import InputError
from sggitops.findings import Finding, Severity
from sggitops.render import Render, Renderer
from sggitops.render.graph import RepoGraph
from sggitops.render.ignore import ignored
from sggitops.render.kustomization import KUSTOMIZATION_FILES, RefKind, find_file
from sggitops.resource import ResourceId

KUSTOMIZE_GROUP = "kustomize.toolkit.fluxcd.io"
HELM_GROUP = "helm.toolkit.fluxcd.io"
ARGO_GROUP = "argoproj.io"
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
SKIP_DIRS = frozenset({".git", ".sggitops-cache", ".venv", "node_modules", "__pycache__"})

# --- shared pieces ------------------------------------------------------------------------------


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def seq(value: Any) -> list[Any]:
    """A YAML sequence, or [] for anything else (a hostile or mistyped field)."""
    return value if isinstance(value, list) else []


def text(value: Any) -> str:
    return "" if value is None else str(value)


def group_of(obj: Mapping[str, Any]) -> str:
    return text(obj.get("apiVersion")).rpartition("/")[0]


def is_kind(obj: Mapping[str, Any], group: str, kind: str) -> bool:
    return obj.get("kind") == kind and group_of(obj) == group


def same_namespace(a: str, b: str) -> bool:
    return not a or not b or a == b


@dataclass(eq=False)
class Placed:
    """An object and where its source is: the file, the document's line/col, and (parsed with positions
    only when a finding needs a field's line) the document node."""

    obj: Mapping[str, Any]
    unit: str
    file: str
    line: int
    col: int
    sources: Sources | None = None
    _node: Any = None

    @property
    def node(self) -> Any:
        if self._node is None and self.sources is not None:
            self._node = self.sources.node_at(self.file, self.line, self.col)
        return self._node

    @property
    def rid(self) -> ResourceId:
        return ResourceId.of(self.obj)

    @property
    def namespace(self) -> str:
        return self.rid.namespace

    def at(self, *path: str | int) -> tuple[str, int, int]:
        """(file, line, col) of the field at `path` in the source document, else of the document."""
        if self.node is None:
            return (self.file, self.line, self.col)
        return (self.file, *yamlio.locate(self.node, path))


class Sources:
    """Repo files read once: YAML documents with positions, and the source document of rendered objects."""

    def __init__(self, ctx: RepoContext) -> None:
        self.ctx = ctx
        self._docs: dict[str, list[Any] | None] = {}
        self._plain: dict[str, list[tuple[int, int, Any]]] = {}

    def documents(self, rel: str) -> list[Any] | None:
        """The documents of a repo file, or None when it cannot be read or parsed."""
        if rel not in self._docs:
            try:
                text_ = fsguard.read_text(self.ctx.repo / rel, self.ctx.repo)
                self._docs[rel] = yamlio.load_all(text_, rel)
            except (InputError, OSError, UnicodeDecodeError):
                self._docs[rel] = None
        return self._docs[rel]

    def node_at(self, file: str, line: int, col: int) -> Any:
        """The round-trip document of `file` starting at (line, col), or None."""
        docs = self.documents(file) if file.endswith((".yaml", ".yml", ".json")) else None
        for doc in docs or ():
            if isinstance(doc, Mapping) and yamlio.position(doc) == (line, col):
                return doc
        return None

    def place(self, obj: Mapping[str, Any], root: str) -> Placed:
        """A rendered object of `root` with the source document it came from (when found)."""
        file, line, col = self.ctx.locate(ResourceId.of(obj), root)
        return Placed(obj, root, file, line, col, self)

    def load(self, rel: str, unit: str) -> list[Placed]:
        """Every object (a mapping with a kind) of a repo file; an unparseable file has none."""
        if rel not in self._plain:
            try:
                text_ = fsguard.read_text(self.ctx.repo / rel, self.ctx.repo)
                self._plain[rel] = yamlio.load_plain_all(text_, rel)
            except (InputError, OSError, UnicodeDecodeError):
                self._plain[rel] = []
        return [
            Placed(doc, unit, rel, line, col, self)
            for line, col, doc in self._plain[rel]
            if isinstance(doc, Mapping) and doc.get("kind")
        ]


@dataclass(frozen=True)
class PathState:
    """A repo path as a controller sees it: `problem` is empty when it exists and yields objects."""

    key: str
    problem: str = ""
    unbuildable: bool = False
    objects: tuple[Placed, ...] = ()
    recursive: bool = False  # plain manifests read from subdirectories too
    covers: frozenset[str] = frozenset()  # repo files and render roots these objects come from

    @property
    def uid(self) -> str:
        return f"{self.key}/**" if self.recursive else self.key


class RepoPaths:
    """Repo paths named by Applications and Flux Kustomizations: resolved, rendered, loaded (cached).

    A directory with a kustomization file is built (the context's render, else the renderer, whose
    cache makes a repeat cheap; `ctx.options["renderer"]` may hold one to share); a directory with a
    `Chart.yaml` is a Helm chart (not rendered here); any other directory is plain manifests.
    """

    def __init__(self, ctx: RepoContext, sources: Sources) -> None:
        self.ctx = ctx
        self.sources = sources
        self._states: dict[tuple[str, bool], PathState] = {}
        self._renderer: Renderer | None = None
        self.transform: Callable[[PathState], PathState] | None = None  # e.g. Flux substitution

    def resolve(self, path: str, *, absolute_ok: bool) -> str | None:
        """Repo-relative key of a controller path (`.` for the root), or None when it leaves the repo."""
        raw = path.strip() or "."
        if raw.startswith("/"):
            if not absolute_ok:
                return None
            raw = raw.lstrip("/") or "."
        key = posixpath.normpath(raw)
        if key == ".." or key.startswith("../"):
            return None
        repo = self.ctx.repo.resolve()
        real = Path(os.path.realpath(repo / key))
        if real != repo and repo not in real.parents:
            return None
        return key

    def render(self, key: str) -> Render:
        render = self.ctx.renders.get(key)
        if render is not None:
            return render
        if self._renderer is None:
            shared = self.ctx.options.get("renderer")
            self._renderer = (
                shared if isinstance(shared, Renderer) else Renderer(self.ctx.repo, graph=self.ctx.graph)
            )
        return self._renderer.render(key)

    def state(self, key: str, *, recurse: bool) -> PathState:
        directory = self.ctx.repo / key
        if find_file(directory) is not None:
            recurse = False
        if (key, recurse) not in self._states:
            state = self._state(key, directory, recurse)
            self._states[key, recurse] = self.transform(state) if self.transform is not None else state
        return self._states[key, recurse]

    def _state(self, key: str, directory: Path, recurse: bool) -> PathState:
        if not directory.is_dir():
            what = "is a file, not a directory" if directory.exists() else "does not exist in the repo"
            return PathState(key, f"`{key}` {what}")
        if find_file(directory) is not None:
            render = self.render(key)
            if not render.ok:
                cause = next((f for f in render.findings if f.severity is Severity.ERROR), None)
                detail = f": {cause.message} (at {cause.file}:{cause.line})" if cause else ""
                return PathState(key, f"`{key}` does not build{detail}", unbuildable=True)
            graph = self.ctx.graph
            covers = frozenset({key, *(graph.closure(key) if key in graph.kustomizations else ())})
            objects = tuple(self.sources.place(o, key) for o in render.objects)
            return PathState(key, objects=objects, covers=covers)
        if (directory / "Chart.yaml").is_file():
            return PathState(key)
        return self._plain(key, recurse)

    def _plain(self, key: str, recurse: bool) -> PathState:
        """A folder without kustomization, as Flux generates one for it: its manifests, and (with
        `recurse`) those of its subfolders, a subfolder with a kustomization being built as a whole."""
        files = manifest_files(self.ctx.repo, key, recurse=recurse)
        subdirs = kustomization_subdirs(self.ctx.repo, key) if recurse else []
        if not files and not subdirs:
            return PathState(key, f"`{key}` has no kustomization and no manifests", unbuildable=True)
        objects: list[Placed] = []
        covers = {key, *files}
        for rel in files:
            if self.sources.documents(rel) is None:
                return PathState(key, f"`{key}` holds `{rel}`, which is not valid YAML", unbuildable=True)
            objects.extend(self.sources.load(rel, key))
        for sub in subdirs:
            state = self.state(sub, recurse=False)
            if state.problem:
                return PathState(key, state.problem, unbuildable=state.unbuildable)
            objects.extend(state.objects)
            covers |= state.covers
        return PathState(key, objects=tuple(objects), recursive=recurse, covers=frozenset(covers))


def kustomization_subdirs(repo: Path, key: str) -> list[str]:
    """Subfolders of `key` (at any depth) with a kustomization file, not below another such one."""
    out: list[str] = []
    for current, dirs, _files in os.walk(repo / key):
        keep = []
        for d in sorted(dirs):
            rel = Path(os.path.relpath(Path(current) / d, repo)).as_posix()
            if d in SKIP_DIRS or d.startswith(".") or ignored(repo, rel):
                continue
            if find_file(Path(current) / d) is not None:
                out.append(rel)
            else:
                keep.append(d)
        dirs[:] = keep
    return out


def manifest_files(repo: Path, key: str, *, recurse: bool, every: bool = False) -> list[str]:
    """Repo-relative YAML/JSON files of a directory (below it too with `recurse`, except in subfolders
    with their own kustomization, which Flux builds as a whole, unless `every`), sorted."""
    base = repo / key
    out: list[str] = []
    for current, dirs, files in os.walk(base):
        dirs[:] = sorted(
            d
            for d in dirs
            if recurse
            and d not in SKIP_DIRS
            and not d.startswith(".")
            and (every or find_file(Path(current) / d) is None)
            and not ignored(repo, Path(os.path.relpath(Path(current) / d, repo)).as_posix())
        )
        for name in sorted(files):
            if name.endswith(MANIFEST_SUFFIXES) and name not in KUSTOMIZATION_FILES:
                out.append(Path(os.path.relpath(Path(current) / name, repo)).as_posix())
    return out


@dataclass
class Unit:
    """Objects applied together: one render, one plain directory, or one bootstrap file (`key`)."""

    key: str
    objects: tuple[Placed, ...]
    covers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Edge:
    """`source` (an Application or Flux Kustomization) deploys repo path `key`; `field` locates it."""

    source: Placed
    key: str
    recurse: bool
    field: tuple[str | int, ...]


Follow = Callable[[Unit], Iterable[Edge]]


@dataclass
class Fleet:
    """cluster -> its units in walk order; the units and the edges between them."""

    clusters: dict[str, list[Unit]] = field(default_factory=dict)
    edges: dict[str, list[Edge]] = field(default_factory=dict)
    rooted: set[str] = field(default_factory=set)  # clusters whose object set is complete


def flux_entry_files(repo: Path, graph: RepoGraph) -> list[str]:
    """YAML files no kustomization lists that hold a Flux Kustomization (`overlays/*/bootstrap.yaml`), a
    FluxInstance, or an Argo CD Application or ApplicationSet (a standalone root app): where the
    controllers enter the repo. `validate`
    renders what they point at; the model walks from them."""
    listed = {r.path for k in graph.kustomizations.values() for r in k.refs if r.kind is RefKind.FILE}
    out = []
    for rel in manifest_files(repo, ".", recurse=True, every=True):
        if rel in listed or not rel.endswith((".yaml", ".yml")):
            continue
        try:
            content = fsguard.read_text(repo / rel, repo)
            if not any(group in content for group in (KUSTOMIZE_GROUP, ARGO_GROUP, "fluxcd.controlplane.io")):
                continue
            docs = yamlio.load_plain_all(content, rel)
        except InputError:  # it names a Flux or Argo CD group: an entry, whose error validate reports
            if not _in_helm_chart(repo, rel):  # a chart's templates are Go templates, not YAML
                out.append(rel)
            continue
        except (OSError, UnicodeDecodeError):
            continue  # the repo scan reports files it cannot read (build/unsafe-path, build/too-large)
        if any(isinstance(d, Mapping) and _is_entry(d) for _l, _c, d in docs):
            out.append(rel)
    return out


def entry_documents(repo: Path, rels: list[str]) -> tuple[list[dict[str, Any]], list[Finding]]:
    """The mapping documents of the entry files, and a `yaml/syntax` error (at the parser's position)
    for each entry file that is not valid YAML: never a silent pass."""
    docs: list[dict[str, Any]] = []
    errors: list[Finding] = []
    for rel in rels:
        try:
            loaded = yamlio.load_plain_all(fsguard.read_text(repo / rel, repo), rel)
        except InputError as err:
            where = err.location
            errors.append(
                Finding(where.file, where.line, where.col, err.rule, Severity.ERROR, err.message, err.hint)
            )
            continue
        except (OSError, UnicodeDecodeError):
            continue  # the repo scan reports it (build/unsafe-path, build/too-large)
        docs += [doc for _line, _col, doc in loaded if isinstance(doc, dict)]
    return docs, errors


def _in_helm_chart(repo: Path, rel: str) -> bool:
    """True when a folder above `rel` holds a Chart.yaml: Helm renders the file, nobody reads it as is."""
    return any((repo / parent / "Chart.yaml").is_file() for parent in PurePosixPath(rel).parents)


def _is_entry(doc: Mapping[str, Any]) -> bool:
    return (
        is_kind(doc, KUSTOMIZE_GROUP, "Kustomization")
        or is_kind(doc, "fluxcd.controlplane.io", "FluxInstance")
        or (group_of(doc) == ARGO_GROUP and doc.get("kind") in ("Application", "ApplicationSet"))
    )


def bootstrap_files(ctx: RepoContext) -> list[str]:
    """The Flux entry files of this run (found once per run, then scoped to the chosen clusters)."""
    found = ctx.options.get("entry_files")
    if not isinstance(found, list):
        found = flux_entry_files(ctx.repo, ctx.graph)
        ctx.options["entry_files"] = found
    return [rel for rel in found if _in_scope(ctx, rel)]


def _in_scope(ctx: RepoContext, rel: str) -> bool:
    """In a partial run (--shard, --changed-since) only the chosen clusters' bootstrap files count."""
    if not ctx.options.get("partial"):
        return True
    parts = rel.split("/")
    if len(parts) >= 3 and parts[0] == "overlays":
        return parts[1] in set(ctx.options.get("clusters") or ())
    return bool(ctx.options.get("repo_level", True))


def shared_sources(ctx: RepoContext) -> Sources:
    """One Sources per validate run, shared by the families (each repo file is read once)."""
    found = ctx.options.get("_sources")
    if not isinstance(found, Sources):
        found = Sources(ctx)
        ctx.options["_sources"] = found
    return found


def index_placed(placed: Iterable[Placed]) -> dict[tuple[str, str], list[Placed]]:
    out: dict[tuple[str, str], list[Placed]] = {}
    for p in placed:
        out.setdefault((text(p.obj.get("kind")), p.rid.name), []).append(p)
    return out


def has_object(index: Mapping[tuple[str, str], list[Placed]], kind: str, name: str, namespace: str) -> bool:
    return any(same_namespace(p.namespace, namespace) for p in index.get((kind, name), []))
