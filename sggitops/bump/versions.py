"""`sggitops versions`: the fleet matrix (cluster x environment x Big Bang x Kubernetes) and skew warnings.

Rollout waves go dev -> staging -> prod: an environment must not run ahead of the one before it, prod
must not fall more than N minor releases behind the newest cluster, and the clusters of one
environment should run one version.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from sggitops.bigbang.catalog import load_catalog
from sggitops.bigbang.version import Version
from sggitops.spec.model import Platform
from sggitops.spec.resolve import cluster_version

WAVES = ("dev", "staging", "prod")
DEFAULT_MAX_PROD_LAG = 2


@dataclass(frozen=True)
class Row:
    cluster: str
    environment: str
    bigbang: str
    kubernetes: str
    pinned_by: str = "fleet"  # fleet | environment | cluster: where the effective version comes from


@dataclass(frozen=True)
class SkewWarning:
    rule: str  # bigbang/wave-ahead | bigbang/prod-behind | bigbang/environment-mixed
    message: str
    clusters: tuple[str, ...]

    def __str__(self) -> str:
        return f"warning [{self.rule}] {self.message}"


def _rank(environment: str) -> tuple[int, str]:
    return (WAVES.index(environment) if environment in WAVES else len(WAVES), environment)


def fleet_matrix(platform: Platform) -> list[Row]:
    """One row per cluster, in wave order (dev, staging, prod, then other environments), then by name."""
    rows: list[Row] = []
    for c in platform.clusters:
        env = platform.environments.get(c.environment)
        pinned = "cluster" if c.bigbang_version else "environment" if env and env.bigbang_version else "fleet"
        rows.append(
            Row(c.name, c.environment, cluster_version(platform, c.name), c.kubernetes_version, pinned)
        )
    return sorted(rows, key=lambda r: (_rank(r.environment), r.cluster))


def minor_distance(older: str, newer: str) -> int:
    """How many minor releases `older` trails `newer` (0 on the same minor line)."""
    a, b = Version.parse(older), Version.parse(newer)
    if a.minor_release >= b.minor_release:
        return 0
    return len(load_catalog().minors_between(a, b)) + 1


def skew_warnings(rows: Sequence[Row], *, max_prod_lag: int = DEFAULT_MAX_PROD_LAG) -> list[SkewWarning]:
    """Wave order violations, prod lag and mixed versions inside an environment."""
    by_env: dict[str, list[Row]] = {}
    for row in rows:
        by_env.setdefault(row.environment, []).append(row)
    newest = {env: max(Version.parse(r.bigbang) for r in rs) for env, rs in by_env.items()}
    warnings: list[SkewWarning] = []
    for env, env_rows in sorted(by_env.items(), key=lambda item: _rank(item[0])):
        versions = sorted({Version.parse(r.bigbang) for r in env_rows})
        if len(versions) > 1:
            listed = ", ".join(f"{r.cluster} {r.bigbang}" for r in env_rows)
            warnings.append(
                SkewWarning(
                    "bigbang/environment-mixed",
                    f"environment {env} runs {len(versions)} Big Bang versions ({listed})",
                    tuple(r.cluster for r in env_rows),
                )
            )
    present = [w for w in WAVES if w in by_env]
    for before, after in itertools.pairwise(present):
        if newest[after] > newest[before]:
            ahead = [r.cluster for r in by_env[after] if Version.parse(r.bigbang) > newest[before]]
            warnings.append(
                SkewWarning(
                    "bigbang/wave-ahead",
                    f"{after} runs Big Bang {newest[after]}, ahead of {before} ({newest[before]}): "
                    f"bump {before} first",
                    tuple(ahead),
                )
            )
    if "prod" in by_env and rows:
        fleet_newest = str(max(Version.parse(r.bigbang) for r in rows))
        for row in by_env["prod"]:
            lag = minor_distance(row.bigbang, fleet_newest)
            if lag > max_prod_lag:
                warnings.append(
                    SkewWarning(
                        "bigbang/prod-behind",
                        f"prod cluster {row.cluster} runs Big Bang {row.bigbang}, {lag} minor releases "
                        f"behind the newest ({fleet_newest}; at most {max_prod_lag} expected)",
                        (row.cluster,),
                    )
                )
    return warnings


def render_matrix_text(rows: Sequence[Row], warnings: Sequence[SkewWarning] = ()) -> str:
    """An aligned text table, then one line per warning."""
    header = ("CLUSTER", "ENVIRONMENT", "BIG BANG", "KUBERNETES", "PINNED BY")
    table = [header, *((r.cluster, r.environment, r.bigbang, r.kubernetes, r.pinned_by) for r in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() for line in table
    ]
    lines.extend(str(w) for w in warnings)
    return "\n".join(lines) + "\n"
