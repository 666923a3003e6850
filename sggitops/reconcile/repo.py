"""The reconcile graph of a repo on disk: render what Flux and Argo CD would apply, then collect it.

Used by `sggitops rollout`, which needs the graph without running every check.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sggitops.checks.context import RepoContext
from sggitops.checks.walk import flux_entry_files
from sggitops.reconcile.graph import build_graph
from sggitops.reconcile.providers import collect
from sggitops.reconcile.rollout import ClusterRollout, plan_rollout
from sggitops.render import Renderer, find_kustomize, scan_repo
from sggitops.validate import ValidateOptions, Validator, load_platform, make_target, repo_urls


def repo_context(root: Path, *, kustomize: str | None = None) -> RepoContext:
    """Render the repo's roots and every path its bootstrap files and appliers name, as validate does."""
    root = root.resolve()
    options = ValidateOptions(kustomize=kustomize)
    validator = Validator(root, options)
    platform = load_platform(root)
    graph = scan_repo(root)
    urls = repo_urls(root, platform)
    renderer = Renderer(root, graph=graph, kustomize=find_kustomize(kustomize))
    validator.entry_files = flux_entry_files(root, graph)
    roots = validator._select_roots(graph, platform)
    renders = validator._render_closure(renderer, roots, urls, platform)
    return RepoContext(
        repo=root,
        graph=graph,
        targets={r: make_target(r, platform, options) for r in renders},
        renders=renders,
        platform=platform,
        repo_urls=urls,
        options={
            "renderer": renderer,
            "entry_files": validator.entry_files,
            "plain_locations": validator.plain_locations,
        },
    )


def repo_rollout(
    root: Path, clusters: Iterable[str] = (), *, kustomize: str | None = None
) -> list[ClusterRollout]:
    """The predicted bootstrap order of each cluster of the repo at `root`."""
    ctx = repo_context(root, kustomize=kustomize)
    graph = build_graph(ctx)
    providers = {name: collect(cluster, ctx.repo) for name, cluster in graph.clusters.items()}
    return plan_rollout(graph, providers, clusters)
