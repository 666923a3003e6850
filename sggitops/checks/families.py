"""The check families `validate` runs, in order. Each is `check(ctx: RepoContext) -> Iterator[Finding]`."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sggitops.checks import argocd, bigbang, drift, flux, kube, policy, reconcile, secrets
from sggitops.checks.context import RepoContext
from sggitops.findings import Finding

Family = Callable[[RepoContext], Iterator[Finding]]

FAMILIES: list[tuple[str, Family]] = [
    ("objects", kube.check),
    ("argocd", argocd.check),
    ("flux", flux.check),
    ("bigbang", bigbang.check),
    ("secrets", secrets.check),
    ("policy", policy.check),
    ("drift", drift.check),
    ("reconcile", reconcile.check),
]
