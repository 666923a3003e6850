"""argocd/app-cycle: app-of-apps cycles over the model's fleet (see `sggitops.checks.argocd`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from sggitops.checks.walk import Edge, Fleet, Follow, Unit
from sggitops.findings import Finding, Severity


def _finding(edge: Edge, message: str, cluster: str) -> Finding:
    return Finding(
        *edge.source.at(*edge.field),
        "argocd/app-cycle",
        Severity.ERROR,
        message,
        hint="an Application must not deploy a path whose Applications lead back to it",
        cluster=cluster,
        resource=str(edge.source.rid),
    )


def app_cycles(fleet: Fleet, app_edges: Follow) -> Iterator[Finding]:
    """Report each app-of-apps cycle (length >= 2) once, at the Application closing it."""
    graph: dict[str, list[Edge]] = {}
    units: dict[str, Unit] = {}
    owner: dict[str, str] = {}
    for cluster, members in fleet.clusters.items():
        for unit in members:
            units.setdefault(unit.key, unit)
            owner.setdefault(unit.key, cluster)
    for key, unit in units.items():
        graph[key] = list(app_edges(unit))
    reported: set[tuple[str, ...]] = set()
    for start in sorted(graph):
        yield from _dfs(start, graph, [], set(), reported, owner)


def _dfs(
    node: str,
    graph: Mapping[str, list[Edge]],
    stack: list[str],
    done: set[str],
    reported: set[tuple[str, ...]],
    owner: Mapping[str, str],
) -> Iterator[Finding]:
    if node in done:
        return
    stack.append(node)
    for edge in graph.get(node, []):
        if edge.key in stack:
            loop = stack[stack.index(edge.key) :]
            canon = min(tuple(loop[i:] + loop[:i]) for i in range(len(loop)))
            if len(loop) >= 2 and canon not in reported:
                reported.add(canon)
                chain = " -> ".join([*loop, edge.key])
                message = f"app-of-apps cycle: {chain} (Application `{edge.source.rid.name}` closes it)"
                yield _finding(edge, message, owner.get(node, ""))
        elif edge.key in graph:
            yield from _dfs(edge.key, graph, stack, done, reported, owner)
    stack.pop()
    done.add(node)
