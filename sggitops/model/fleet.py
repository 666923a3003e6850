"""Clusters as the controllers see them: every entry point, what it applies (transitively), and which
entry points are one cluster.

Seeds are the rendered roots, the files no kustomization lists that hold a Flux Kustomization (their
folder, built as Flux builds a plain folder, when it has no kustomization), and what a bootstrap
layout or a FluxInstance promises. Each seed is walked along the edges of Flux Kustomizations of this
checkout and Argo CD Applications of this repo. A seed that another seed's walk covers (applies its
objects) is part of that one's cluster; when two cover each other the preferred one names the cluster
(a spec cluster, then a self-managed one, then the shorter path). A cluster is *rooted* when it is a
spec cluster or applies itself (the `flux bootstrap` loop): only then is its object set complete
enough to call a reference missing from it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sggitops.context.repo import RepoContext
from sggitops.context.walk import (
    Edge,
    Fleet,
    Follow,
    Placed,
    RepoPaths,
    Sources,
    Unit,
    bootstrap_files,
)
from sggitops.render.kustomization import find_file


@dataclass
class Seed:
    name: str
    unit: Unit
    named: bool  # a cluster the spec (or the overlays/<cluster> layout) names

    @property
    def base(self) -> str:
        return self.unit.key.split("#", 1)[0].removesuffix("/**")


def _target_seeds(ctx: RepoContext, sources: Sources) -> list[Seed]:
    out = []
    for root in sorted(ctx.targets):
        target = ctx.targets[root]
        graph = ctx.graph
        covers = {root, *(graph.closure(root) if root in graph.kustomizations else ())}
        placed = tuple(sources.place(o, root) for o in ctx.objects(root))
        covers |= {p.file for p in placed}
        out.append(Seed(target.cluster, Unit(root, placed, frozenset(covers)), target.cluster != root))
    return out


def _entry_seeds(ctx: RepoContext, sources: Sources, paths: RepoPaths) -> list[Seed]:
    out: list[Seed] = []
    seen: set[str] = set()
    for rel in bootstrap_files(ctx):
        directory = posixpath.dirname(rel) or "."
        owner = ctx.targets.get(directory)
        if owner is not None and owner.cluster != directory:
            out.append(Seed(owner.cluster, Unit(rel, tuple(sources.load(rel, rel)), frozenset({rel})), True))
            continue
        if directory != "." and find_file(ctx.repo / directory) is None:
            state = paths.state(directory, recurse=True)
            if not state.problem and state.uid not in seen:
                seen.add(state.uid)
                out.append(Seed(directory, Unit(state.uid, state.objects, state.covers), False))
            if not state.problem:
                continue
        out.append(Seed(rel, Unit(rel, tuple(sources.load(rel, rel)), frozenset({rel})), False))
    return out


def _promised_seeds(promised: Iterable[Placed]) -> list[Seed]:
    by_file: dict[str, list[Placed]] = {}
    for p in promised:
        by_file.setdefault(p.file, []).append(p)
    return [
        Seed(file, Unit(f"{file}#promised", tuple(objs), frozenset({f"{file}#promised"})), False)
        for file, objs in sorted(by_file.items())
    ]


def build_clusters(
    ctx: RepoContext,
    sources: Sources,
    paths: RepoPaths,
    follow: Follow,
    promised: Iterable[Placed],
    expand: Callable[[Unit], Unit] = lambda unit: unit,
) -> Fleet:
    """Every cluster's units (see the module docstring); `fleet.rooted` names the rooted clusters.
    `expand` adds what a unit's objects generate (the Applications of its ApplicationSets)."""
    fleet = Fleet()
    seeds = _dedupe(
        _target_seeds(ctx, sources) + _entry_seeds(ctx, sources, paths) + _promised_seeds(promised)
    )
    for seed in seeds:
        seed.unit = expand(seed.unit)
    units: dict[str, Unit] = {s.unit.key: s.unit for s in seeds}

    def reach(start: Unit) -> list[Unit]:
        order, queue, seen = [start], [start], {start.key}
        while queue:
            unit = queue.pop(0)
            out = fleet.edges.setdefault(unit.key, list(follow(unit)))
            for edge in out:
                state = paths.state(edge.key, recurse=edge.recurse)
                if state.uid in seen:
                    continue
                seen.add(state.uid)
                nxt = units.setdefault(state.uid, expand(Unit(state.uid, state.objects, state.covers)))
                order.append(nxt)
                queue.append(nxt)
        return order

    walks = {s.unit.key: reach(s.unit) for s in seeds}
    covered = {key: frozenset(c for u in walk for c in (u.covers | {u.key})) for key, walk in walks.items()}
    rooted = {s.unit.key for s in seeds if s.named or _self_applied(s, walks[s.unit.key], fleet)}

    def rank(s: Seed) -> tuple[int, int, int, str]:
        return (0 if s.named else 1, 0 if s.unit.key in rooted else 1, s.base.count("/"), s.base)

    def covers(t: Seed, s: Seed) -> bool:
        return t is not s and (s.base in covered[t.unit.key] or s.unit.key in covered[t.unit.key])

    for seed in seeds:
        if any(covers(t, seed) and (not covers(seed, t) or rank(t) < rank(seed)) for t in seeds):
            continue
        name = seed.name if seed.named else _name(seed, fleet)
        members = fleet.clusters.setdefault(name, [])
        for member in walks[seed.unit.key]:
            if all(m is not member for m in members):
                members.append(member)
        if seed.unit.key in rooted:
            fleet.rooted.add(name)
    return fleet


def _dedupe(seeds: list[Seed]) -> list[Seed]:
    out: dict[str, Seed] = {}
    for s in seeds:
        if s.unit.key not in out or (s.named and not out[s.unit.key].named):
            out[s.unit.key] = s
    return list(out.values())


def _self_applied(seed: Seed, walk: list[Unit], fleet: Fleet) -> bool:
    """Some Kustomization or Application in the walk applies a path covering the seed itself."""
    covering = {u.key for u in walk if seed.base in u.covers or u.key == seed.unit.key}
    return any(
        edge.key in covering or f"{edge.key}/**" in covering or edge_covers(edge, seed)
        for u in walk
        for edge in fleet.edges.get(u.key, [])
    )


def edge_covers(edge: Edge, seed: Seed) -> bool:
    base = seed.base
    return edge.recurse and (edge.key == "." or base == edge.key or base.startswith(edge.key + "/"))


def _name(seed: Seed, fleet: Fleet) -> str:
    """A bootstrap unit is named by the folder it applies (clusters/prod for clusters/prod/flux-system)."""
    for edge in fleet.edges.get(seed.unit.key, []):
        if edge.key != "." and (seed.base == edge.key or seed.base.startswith(edge.key + "/")):
            return edge.key
    return seed.name
