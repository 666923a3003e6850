"""`sggitops versions`: the fleet matrix (cluster x environment x Big Bang x Kubernetes).

The skew warnings printed under it are `validate`'s own `bigbang/version-skew` findings
(sggitops.checks.skew.skew_findings): waves out of order, clusters far behind, mixed environments.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sggitops.findings import Finding
from sggitops.spec.model import Platform
from sggitops.spec.resolve import cluster_version

WAVES = ("dev", "staging", "prod")


@dataclass(frozen=True)
class Row:
    cluster: str
    environment: str
    bigbang: str
    kubernetes: str
    pinned_by: str = "fleet"  # fleet | environment | cluster: where the effective version comes from


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


def render_matrix_text(rows: Sequence[Row], warnings: Sequence[Finding] = ()) -> str:
    """An aligned text table, then the skew findings (sggitops.checks.skew.skew_findings), one a line."""
    header = ("CLUSTER", "ENVIRONMENT", "BIG BANG", "KUBERNETES", "PINNED BY")
    table = [header, *((r.cluster, r.environment, r.bigbang, r.kubernetes, r.pinned_by) for r in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() for line in table
    ]
    lines.extend(w.format() for w in warnings)
    return "\n".join(lines) + "\n"


def render_matrix_json(rows: Sequence[Row], warnings: Sequence[Finding] = ()) -> str:
    """`{"version": 1, "clusters": [{"cluster", "environment", "bigbang", "kubernetes", "pinnedBy"}],
    "findings": [...]}` (findings in `validate -o json`'s shape)."""
    doc = {
        "version": 1,
        "clusters": [
            {
                "cluster": r.cluster,
                "environment": r.environment,
                "bigbang": r.bigbang,
                "kubernetes": r.kubernetes,
                "pinnedBy": r.pinned_by,
            }
            for r in rows
        ],
        "findings": [w.to_json() for w in warnings],
    }
    return json.dumps(doc, indent=2) + "\n"
