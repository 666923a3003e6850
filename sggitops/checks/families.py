"""The check families `validate` runs, in order. Each is `check(ctx: RepoContext) -> Iterator[Finding]`.

The shard rule: a finding with a `cluster` belongs to that cluster and is reported by the shard that
checks it; a finding without `cluster` is repo-level and is reported only on shard 1
(`ctx.settings.repo_level`; `validate` drops the others), so the shards together equal a full run
and no shard repeats a repo-level finding (tests/cli/test_shard_rule.py).
"""

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
