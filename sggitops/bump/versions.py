"""`sggitops versions`: the fleet matrix (cluster x environment x Big Bang x Kubernetes), and with
`--packages` each enabled Big Bang package's version per cluster (Big Bang's chart at the cluster's tag
rendered with the cluster's resolved values: sggitops.bigbang.render).

The skew warnings printed under it are `validate`'s own `bigbang/version-skew` findings
(sggitops.checks.skew.skew_findings): waves out of order, clusters far behind, mixed environments.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sggitops.bigbang.chart import ChartUnavailable
from sggitops.bigbang.packages import kebab
from sggitops.bigbang.render import ChartRef, chart_ref, job, packages_of
from sggitops.bigbang.resolve import resolve_cluster
from sggitops.findings import Finding
from sggitops.render.helm import HelmJob, HelmRenderer, HelmUnavailable, find_helm
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


def render_matrix_json(
    rows: Sequence[Row],
    warnings: Sequence[Finding] = (),
    packages: Sequence[PackageRow] | None = None,
    notes: Sequence[str] = (),
) -> str:
    """`{"version": 1, "clusters": [{"cluster", "environment", "bigbang", "kubernetes", "pinnedBy"}],
    "findings": [...]}` (findings in `validate -o json`'s shape); with `--packages` also
    `"packages": [{"package", "version", "clusters"}]` and `"notes"` (what could not be rendered)."""
    doc: dict[str, Any] = {
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
    if packages is not None:
        doc["packages"] = [
            {"package": p.package, "version": p.version, "clusters": list(p.clusters)} for p in packages
        ]
        doc["notes"] = list(notes)
    return json.dumps(doc, indent=2) + "\n"


# --- package versions (`versions --packages`) -------------------------------------------------------


@dataclass(frozen=True)
class PackageRow:
    """One version of one enabled Big Bang package and the clusters that run it."""

    package: str
    version: str
    clusters: tuple[str, ...]


def package_matrix(
    platform: Platform,
    *,
    source: str | None,
    cache_dir: Path,
    helm: str | None = None,
    jobs: int | None = None,
) -> tuple[list[PackageRow], list[str]]:
    """(rows, warnings): each cluster's enabled packages from Big Bang's chart rendered with its values.

    Raises HelmUnavailable when `helm` names no executable; a missing renderer otherwise, a chart that
    cannot be read or a render that fails is a warning naming the clusters left out."""
    try:
        renderer = HelmRenderer(find_helm(helm), cache_dir=cache_dir, jobs=jobs)
    except HelmUnavailable as err:
        if helm:
            raise
        return [], [f"package versions not shown: {err.message} ({err.hint})"]
    warnings: list[str] = []
    planned: list[tuple[str, ChartRef, HelmJob]] = []
    charts: dict[str, ChartRef | None] = {}
    for cluster in platform.clusters:
        resolved = resolve_cluster(platform, cluster.name)
        version = resolved.bigbang_version
        if version not in charts:
            try:
                charts[version] = chart_ref(source, version, cache_dir=cache_dir)
            except ChartUnavailable as err:
                charts[version] = None
                warnings.append(f"Big Bang {version}: package versions not shown: {err.reason}")
        chart = charts[version]
        if chart is not None:
            planned.append((cluster.name, chart, job(chart, resolved.values, kube_version="")))
    found: dict[tuple[str, str], set[str]] = {}
    for (name, chart, helm_job), result in zip(
        planned, renderer.render_many([j for *_x, j in planned]), strict=True
    ):
        if not result.ok:
            warnings.append(f"{name}: Big Bang {chart.version} does not render: {result.error.strip()}")
            continue
        for package in packages_of(chart, helm_job.values, result):
            if package.enabled:
                ident = (
                    package.package
                    if package.name == _kebab_name(package.package)
                    else f"{package.package}/{package.name}"
                )
                found.setdefault((ident, package.version), set()).add(name)
    ordered = sorted(found.items(), key=lambda item: (item[0][0], _natural(item[0][1])))
    rows = [PackageRow(p, v, tuple(sorted(c))) for (p, v), c in ordered]
    return rows, warnings


def _natural(version: str) -> tuple[tuple[int, int | str], ...]:
    """`9.7.0` before `10.1.4`: digit runs compare as numbers."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", version) if p)


def _kebab_name(key: str) -> str:
    return kebab(key.rpartition(".")[2])


def render_packages_text(rows: Sequence[PackageRow], warnings: Sequence[str] = ()) -> str:
    """`PACKAGE  VERSION  CLUSTERS`; a package on several versions gets one line per version."""
    header = ("PACKAGE", "VERSION", "CLUSTERS")
    table = [header, *((r.package, r.version, ", ".join(r.clusters)) for r in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(2)]
    lines = [f"{a.ljust(widths[0])}  {b.ljust(widths[1])}  {c}".rstrip() for a, b, c in table]
    lines.extend(f"warning: {w}" for w in warnings)
    return "\n".join(lines) + "\n"
