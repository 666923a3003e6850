"""What every check family reads: the repo, its kustomization graph, the renders, and the spec if any.

A check is a function `check(ctx: RepoContext) -> Iterator[Finding]`; the validator runs them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sggitops.context.settings import RunMemo, RunSettings
from sggitops.render.graph import RepoGraph
from sggitops.render.kustomize import Render
from sggitops.resource import ResourceId
from sggitops.spec.model import Platform

DEFAULT_KUBERNETES_VERSION = "1.34"


@dataclass(frozen=True)
class Target:
    """One rendered root and the cluster it is for (overlays/<cluster> of a generated repo)."""

    root: str  # repo-relative POSIX dir, e.g. "overlays/run-dev" or "overlays/run-dev/argocd/apps"
    cluster: str  # the cluster name, or the root itself when the repo has no spec
    kubernetes_version: str
    role: str = ""  # build | run | "" when unknown
    environment: str = ""


@dataclass
class RepoContext:
    """The validator's view of a repo."""

    repo: Path
    graph: RepoGraph
    targets: dict[str, Target]  # root -> target (every root that was rendered)
    renders: dict[str, Render]  # root -> render (failed builds have no objects and carry findings)
    platform: Platform | None = None
    repo_urls: tuple[str, ...] = ()  # URLs by which Argo CD / Flux refer to this repo (normalized)
    strict: bool = False
    settings: RunSettings = field(default_factory=RunSettings)
    memo: RunMemo = field(default_factory=RunMemo)

    def objects(self, root: str) -> tuple[dict[str, Any], ...]:
        render = self.renders.get(root)
        return render.objects if render is not None else ()

    def locate(self, rid: ResourceId, root: str | None = None) -> tuple[str, int, int]:
        """(file, line, col) of the source of a rendered object; the root's kustomization.yaml if unknown."""
        plain = self.memo.plain_locations
        if root is not None and (root, rid) in plain:
            return plain[(root, rid)]
        where = self.graph.locate(rid, root)
        if where is not None:
            return where
        if root is not None:
            k = self.graph.kustomizations.get(root)
            if k is not None:
                return (k.file, 1, 1)
            if root.endswith((".yaml", ".yml")):
                return (root, 1, 1)  # an entry file the model checks as a unit
            return (f"{root.removesuffix('/**')}/kustomization.yaml", 1, 1)
        return ("", 0, 0)


def normalize_repo_url(url: str) -> str:
    """Compare git URLs the way users mean them: no scheme case, no trailing `/` or `.git`."""
    out = url.strip().rstrip("/")
    if out.endswith(".git"):
        out = out[:-4]
    if "://" in out:
        scheme, rest = out.split("://", 1)
        out = scheme.lower() + "://" + rest
    return out
