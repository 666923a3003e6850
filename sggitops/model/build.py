"""Build the RepoModel (see the package docstring) from a validate run's context."""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sggitops.context.repo import RepoContext
from sggitops.context.walk import (
    HELM_GROUP,
    KUSTOMIZE_GROUP,
    Edge,
    PathState,
    Placed,
    RepoPaths,
    Unit,
    bootstrap_files,
    index_placed,
    is_kind,
    mapping,
    same_namespace,
    seq,
    shared_sources,
    text,
)
from sggitops.model.appsets import Context as AppSetContext
from sggitops.model.appsets import expand as expand_appset
from sggitops.model.appsets import unresolved
from sggitops.model.fleet import build_clusters
from sggitops.model.identity import DEFAULT_BRANCHES, Identity, canonical_url
from sggitops.model.sources import CHECKOUT, Declared, Origin, SourceIndex
from sggitops.model.substitute import UNRESOLVED, substitute_object, values_of
from sggitops.render.kustomization import find_file

ARGO_GROUP = "argoproj.io"
FieldPath = tuple[str | int, ...]


@dataclass(eq=False)
class FluxKustomization:
    """A Flux Kustomization of one cluster and what it applies."""

    placed: Placed
    cluster: str
    origin: Origin
    path: str | None
    objects: tuple[Placed, ...]

    obj = property(lambda self: self.placed.obj)
    file = property(lambda self: self.placed.file)
    line = property(lambda self: self.placed.line)
    col = property(lambda self: self.placed.col)
    name = property(lambda self: self.placed.rid.name)
    namespace = property(lambda self: self.placed.namespace)

    @property
    def spec(self) -> Mapping[str, Any]:
        return mapping(self.obj.get("spec"))

    @property
    def depends_on(self) -> list[tuple[str, str]]:
        """(namespace, name) of each dependsOn entry (namespace defaults to this Kustomization's)."""
        entries = self.spec.get("dependsOn")
        out = []
        for entry in entries if isinstance(entries, list) else []:
            entry = mapping(entry)
            if entry.get("name"):
                out.append((text(entry.get("namespace")) or self.namespace, text(entry.get("name"))))
        return out

    @property
    def health_checks(self) -> list[Mapping[str, Any]]:
        checks = self.spec.get("healthChecks")
        return [mapping(c) for c in checks] if isinstance(checks, list) else []

    @property
    def wait(self) -> bool:
        return self.spec.get("wait") is True

    @property
    def decryption(self) -> Mapping[str, Any]:
        return mapping(self.spec.get("decryption"))

    @property
    def post_build(self) -> Mapping[str, Any]:
        return mapping(self.spec.get("postBuild"))


@dataclass(eq=False)
class Application:
    """An Argo CD Application of one cluster and what its sources of this repo deploy."""

    placed: Placed
    cluster: str
    paths: tuple[str, ...]
    objects: tuple[Placed, ...]

    obj = property(lambda self: self.placed.obj)
    file = property(lambda self: self.placed.file)
    line = property(lambda self: self.placed.line)
    col = property(lambda self: self.placed.col)

    @property
    def sync_wave(self) -> int:
        notes = mapping(mapping(self.obj.get("metadata")).get("annotations"))
        try:
            return int(str(notes.get("argocd.argoproj.io/sync-wave", "0")).strip() or 0)
        except ValueError:
            return 0


@dataclass(eq=False)
class HelmRelease:
    """A HelmRelease of one cluster and, for each `valuesFrom` entry, the object it reads (the
    ConfigMap/Secret as rendered, or the ExternalSecret that makes the Secret; None when not found)."""

    placed: Placed
    cluster: str
    values_from: tuple[tuple[Mapping[str, Any], Placed | None], ...]

    obj = property(lambda self: self.placed.obj)
    file = property(lambda self: self.placed.file)
    line = property(lambda self: self.placed.line)
    col = property(lambda self: self.placed.col)


def values_source(
    index: Mapping[tuple[str, str], list[Placed]], kind: str, name: str, namespace: str
) -> Placed | None:
    """The ConfigMap/Secret `name` among a cluster's objects, as rendered (a generator's hash suffix
    reaches the HelmRelease only through a nameReference configuration, as on the cluster), or (a
    Secret) the ExternalSecret whose target it is."""
    for p in index.get((kind, name), []):
        if same_namespace(p.namespace, namespace):
            return p
    if kind == "Secret":
        for (k, _n), found in index.items():
            for p in found if k == "ExternalSecret" else ():
                target = text(mapping(mapping(p.obj.get("spec")).get("target")).get("name")) or p.rid.name
                if target == name and same_namespace(p.namespace, namespace):
                    return p
    return None


def app_sources(obj: Mapping[str, Any]) -> list[tuple[FieldPath, Mapping[str, Any]]]:
    """The sources Argo CD uses: `spec.sources` when non-empty, else `spec.source`."""
    spec = mapping(obj.get("spec"))
    many = spec.get("sources")
    if isinstance(many, list) and many:
        return [(("spec", "sources", i), mapping(s)) for i, s in enumerate(many)]
    if isinstance(spec.get("source"), Mapping):
        return [(("spec", "source"), spec["source"])]
    return []


def has_path(src: Mapping[str, Any]) -> bool:
    """A git directory source (a Helm repo `chart` or a `ref`-only source has no path)."""
    return not src.get("chart") and not (src.get("ref") and not src.get("path"))


def identity_of(ctx: RepoContext) -> Identity:
    found = ctx.settings.identity
    if found is not None:
        return found
    return Identity(frozenset(canonical_url(u) for u in ctx.repo_urls), DEFAULT_BRANCHES)


class RepoModel:
    """The repo as the controllers see it (built by `repo_model`, once per run)."""

    def __init__(self, ctx: RepoContext) -> None:
        self.ctx = ctx
        self.files = shared_sources(ctx)
        self.paths = RepoPaths(ctx, self.files)
        self.identity = identity_of(ctx)
        declared = [Declared(*d) for d in ctx.settings.config.sources]
        self._all = self._everything()
        self.sources = SourceIndex(ctx.repo, self.identity, self._all, declared, ctx.graph.kustomizations)
        self.substituted = self._substitute()
        self.unexpanded: dict[int, tuple[Placed, list[str]]] = {}
        self.fleet = build_clusters(
            ctx, self.files, self.paths, self.follow, self.sources.synthesized, expand=self._expand
        )
        self._rename(ctx.settings.config.clusters)
        self.flux_kustomizations: list[FluxKustomization] = []
        self.applications: list[Application] = []
        self.helm_releases: list[HelmRelease] = []
        self._collect()

    def _everything(self) -> list[Placed]:
        """Every object of every render, entry file and entry folder (to index sources repo-wide)."""
        out = [self.files.place(o, root) for root in sorted(self.ctx.renders) for o in self.ctx.objects(root)]
        for rel in bootstrap_files(self.ctx):
            out += self.files.load(rel, rel)
            directory = posixpath.dirname(rel)
            if directory and find_file(self.ctx.repo / directory) is None:
                out += self.paths.state(directory, recurse=True).objects
        return out

    def _substitute(self) -> set[str]:
        """Apply each Kustomization's postBuild variables to the path it builds (the first wins)."""
        variables: dict[str, dict[str, str]] = {}
        extra = {str(k): str(v) for k, v in self.ctx.settings.config.variables.items()}
        for p in self._all:
            post = mapping(mapping(p.obj.get("spec")).get("postBuild"))
            if not post or not is_kind(p.obj, KUSTOMIZE_GROUP, "Kustomization"):
                continue
            key = self._ks_path(p)
            if key is None or key in variables:
                continue
            values = dict(extra)
            for ref in seq(post.get("substituteFrom")):
                ref = mapping(ref)
                for found in self.sources.find(
                    text(ref.get("kind")), text(ref.get("name")), p.namespace, p.file
                )[:1]:
                    values.update(values_of(found.obj))
            values.update(
                {str(k): "" if v is None else str(v) for k, v in mapping(post.get("substitute")).items()}
            )
            variables[key] = values
        for key, values in variables.items():
            render = self.ctx.renders.get(key)
            if render is not None:
                objects = tuple(substitute_object(o, values) for o in render.objects)
                self.ctx.renders[key] = dataclasses.replace(render, objects=objects)
        self._variables = variables
        self.paths.transform = self._transform
        return set(variables)

    def _transform(self, state: PathState) -> PathState:
        values = self._variables.get(state.key)
        if values is None or not state.objects:
            return state
        objects = tuple(
            dataclasses.replace(p, obj=substitute_object(dict(p.obj), values), _node=None)
            for p in state.objects
        )
        return dataclasses.replace(state, objects=objects)

    def _ks_path(self, p: Placed) -> str | None:
        spec = mapping(p.obj.get("spec"))
        origin = self.sources.origin(p, mapping(spec.get("sourceRef")))
        if origin.kind != CHECKOUT:
            return None
        raw = text(spec.get("path"))
        if UNRESOLVED.search(raw):
            return None  # a path only the cluster's variables complete
        key = self.sources.repo_path(origin, raw)
        return None if key is None else self.paths.resolve(key, absolute_ok=True)

    def follow(self, unit: Unit) -> Iterator[Edge]:
        """What the Flux Kustomizations and Argo CD Applications of a unit deploy from this repo."""
        for p in unit.objects:
            if is_kind(p.obj, KUSTOMIZE_GROUP, "Kustomization"):
                key = self._ks_path(p)
                if key is not None:
                    yield Edge(p, key, True, ("spec", "path"))
            elif is_kind(p.obj, ARGO_GROUP, "Application"):
                for where, src in app_sources(p.obj):
                    if not self.identity.is_this_repo(text(src.get("repoURL"))) or not has_path(src):
                        continue
                    if unresolved(text(src.get("path"))):
                        continue  # an ApplicationSet field the expansion could not fill
                    key = self.paths.resolve(text(src.get("path")), absolute_ok=False)
                    if key is not None:
                        recurse = mapping(src.get("directory")).get("recurse") is True
                        yield Edge(p, key, recurse, (*where, "path"))

    def _rename(self, entries: Iterable[Any]) -> None:
        """Clusters named in `.sggitops.yaml` by their entry point (`clusters: [{path, name}]`)."""
        names = {str(e.path).strip("./").rstrip("/"): e.name for e in entries if e.name}
        for old in list(self.fleet.clusters):
            new = names.get(old)
            if new and new not in self.fleet.clusters:
                self.fleet.clusters[new] = self.fleet.clusters.pop(old)
                if old in self.fleet.rooted:
                    self.fleet.rooted.discard(old)
                    self.fleet.rooted.add(new)

    def _expand(self, unit: Unit) -> Unit:
        """The unit with the Applications its ApplicationSets generate (placed at the ApplicationSet)."""
        sets = [p for p in unit.objects if is_kind(p.obj, ARGO_GROUP, "ApplicationSet")]
        if not sets:
            return unit
        declared = tuple((c.name, c.server) for c in self.ctx.settings.config.clusters if c.name)
        context = AppSetContext(self.ctx.repo, self.identity, declared)
        generated: list[Placed] = []
        for p in sets:
            expansion = expand_appset(p.obj, context)
            if expansion.unexpanded:
                self.unexpanded[id(p)] = (p, expansion.unexpanded)
            generated += [dataclasses.replace(p, obj=app, _node=None) for app in expansion.applications]
        return dataclasses.replace(unit, objects=unit.objects + tuple(generated))

    def _collect(self) -> None:
        for cluster, units in self.fleet.clusters.items():
            index = index_placed(p for u in units for p in u.objects)
            for unit in units:
                for p in unit.objects:
                    if is_kind(p.obj, HELM_GROUP, "HelmRelease"):
                        entries = [mapping(e) for e in seq(mapping(p.obj.get("spec")).get("valuesFrom"))]
                        resolved = tuple(
                            (e, values_source(index, text(e.get("kind")), text(e.get("name")), p.namespace))
                            for e in entries
                        )
                        self.helm_releases.append(HelmRelease(p, cluster, resolved))
                    if is_kind(p.obj, KUSTOMIZE_GROUP, "Kustomization"):
                        self.flux_kustomizations.append(self._flux(p, cluster))
                    elif is_kind(p.obj, ARGO_GROUP, "Application"):
                        edges = [e for e in self.follow(Unit(unit.key, (p,))) if e.source is p]
                        objects = tuple(o for e in edges for o in self._objects(e.key, e.recurse))
                        self.applications.append(
                            Application(p, cluster, tuple(e.key for e in edges), objects)
                        )

    def _flux(self, p: Placed, cluster: str) -> FluxKustomization:
        spec = mapping(p.obj.get("spec"))
        origin = self.sources.origin(p, mapping(spec.get("sourceRef")))
        key = self._ks_path(p)
        return FluxKustomization(p, cluster, origin, key, self._objects(key, True) if key else ())

    def _objects(self, key: str, recurse: bool) -> tuple[Placed, ...]:
        state = self.paths.state(key, recurse=recurse)
        return () if state.problem else state.objects

    def cluster_of(self, key: str) -> list[str]:
        """The clusters whose walk reaches a unit (render root, plain folder or file)."""
        return sorted(
            name
            for name, units in self.fleet.clusters.items()
            if any(u.key == key or key in u.covers for u in units)
        )

    def is_rooted(self, cluster: str) -> bool:
        return cluster in self.fleet.rooted


def repo_model(ctx: RepoContext) -> RepoModel:
    """The run's model (built on first use, then shared by every family)."""
    found = ctx.memo.model
    if found is None or found.ctx is not ctx:
        found = RepoModel(ctx)
        ctx.memo.model = found
    return found
