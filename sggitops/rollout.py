"""The reconcile graph of a repo on disk: render what Flux and Argo CD would apply, then collect it.

Used by `sggitops rollout`, which needs the graph without running every check.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sggitops.context.repo import RepoContext
from sggitops.reconcile.graph import build_graph
from sggitops.reconcile.providers import collect
from sggitops.reconcile.rollout import ClusterRollout, plan_rollout
from sggitops.render import find_kustomize
from sggitops.validate import ValidateOptions, Validator


def repo_context(root: Path, *, kustomize: str | None = None) -> RepoContext:
    """Render the repo's roots and every path its bootstrap files and appliers name, as validate does."""
    validator = Validator(root.resolve(), ValidateOptions(kustomize=kustomize))
    ctx, _model, _config = validator.context(find_kustomize(kustomize))
    return ctx


def repo_rollout(
    root: Path, clusters: Iterable[str] = (), *, kustomize: str | None = None
) -> list[ClusterRollout]:
    """The predicted bootstrap order of each cluster of the repo at `root`."""
    ctx = repo_context(root, kustomize=kustomize)
    graph = build_graph(ctx)
    providers = {name: collect(cluster, ctx.repo) for name, cluster in graph.clusters.items()}
    return plan_rollout(graph, providers, clusters)
