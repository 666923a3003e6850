"""`bigbang/render`: Big Bang's chart at each cluster's tag rendered with the cluster's values.

Called by sggitops.checks.bigbang for the Big Bang HelmReleases whose chart schema could be read. For
each, `chart/` at the tag comes from the same Big Bang repo (extracted once, cached), the values are the
readable `valuesFrom` layers merged as helm-controller does (SOPS-encrypted or absent Secrets are left
out and the finding says so), and Helm renders it (sggitops.render.helm: cached, in parallel).

The rule, with PASS/FAIL examples, is declared in `RULES` below.

The packages of every successful render are kept in `ctx.memo.bigbang_packages` (root ->
list of PackageRelease) for later checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sggitops import fsguard, yamlio
from sggitops.bigbang.catalog import CatalogError, load_catalog
from sggitops.bigbang.chart import DEFAULT_TIMEOUT, ChartUnavailable
from sggitops.bigbang.render import (
    ChartRef,
    KeyPath,
    chart_ref,
    failure_paths,
    job,
    packages_of,
    parse_failure,
    release_identity,
    user_values,
)
from sggitops.bigbang.values import ValuesSource, value_sources
from sggitops.bigbang.version import VersionError
from sggitops.checks.context import RepoContext
from sggitops.errors import InputError
from sggitops.findings import Finding, Severity
from sggitops.render.helm import HelmJob, HelmRenderer, HelmResult, HelmUnavailable, find_helm
from sggitops.rules import Rule
from sggitops.spec.load import SPEC_FILE
from sggitops.spec.model import Platform

RULE = "bigbang/render"
Where = tuple[str, int, int]


RULES = (
    Rule(
        id="bigbang/render",
        severity=Severity.ERROR,
        summary="Big Bang's chart at the cluster's tag refuses its values at template time, or cannot be rendered",
        details=(
            "error: a template-time check of the chart (`fail`, `required`) refuses the values; reported at the "
            "platform.yaml line that set the value it tests (generated repos), else at the values file line, with "
            "Helm's message. warning: the chart could not be rendered (no Helm renderer, no full chart in the Big "
            "Bang repo, Helm timed out or crashed): one warning per version, never a silent pass."
        ),
        passing="# 3.30.0\nistiod: {enabled: true}\nistioCRDs: {enabled: true}",
        failing="# 3.30.0\nistiod: {enabled: true}\nistioCRDs: {enabled: false}\n# istiod requires istioCRDs to be enabled",
    ),
)


@dataclass(frozen=True)
class RenderTarget:
    """What the check needs of one Big Bang HelmRelease (a view of checks.bigbang.Release)."""

    root: str
    cluster: str
    obj: Mapping[str, Any]
    objects: Sequence[Mapping[str, Any]]
    version: str
    source: str | None
    resource: str


def render_findings(
    ctx: RepoContext,
    targets: Sequence[RenderTarget],
    *,
    place: Callable[[RenderTarget], Where],
    locate: Callable[[RenderTarget, KeyPath], Where | None],
) -> Iterator[Finding]:
    """Every bigbang/render finding; `place` is where a version-wide warning goes, `locate` a key."""
    if not targets:
        return
    explicit = ctx.settings.helm
    try:
        helm = find_helm(explicit)
    except HelmUnavailable as err:
        if explicit:
            raise  # asked for by name: exit 4
        yield from _per_version(targets, place, f"{err.message}", err.hint)
        return
    cache_dir = ctx.settings.cache_dir_of(ctx.repo)
    timeout = ctx.settings.timeout
    charts: dict[tuple[str, str | None], ChartRef | ChartUnavailable] = {}
    ready: list[RenderTarget] = []
    for target in targets:
        key = (target.version, target.source)
        if key not in charts:
            charts[key] = _chart(target, cache_dir)
        loaded = charts[key]
        if isinstance(loaded, ChartUnavailable):
            continue
        ready.append(target)
    for (version, _source), loaded in sorted(charts.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        if isinstance(loaded, ChartUnavailable):
            affected = [t for t in targets if t.version == version]
            yield from _per_version(affected, place, loaded.reason, loaded.hint)
    jobs, skipped = _jobs(ctx, ready, charts)
    renderer = HelmRenderer(helm, cache_dir=cache_dir, timeout=timeout, jobs=ctx.settings.jobs)
    results = renderer.render_many(jobs)
    ctx.memo.bigbang_render_count = renderer.rendered
    packages = ctx.memo.bigbang_packages
    grouped: dict[tuple[Where, str], list[tuple[RenderTarget, Finding]]] = {}
    for target, helm_job, result in zip(ready, jobs, results, strict=True):
        chart = charts[(target.version, target.source)]
        assert isinstance(chart, ChartRef)
        if result.ok:
            packages[target.root] = packages_of(chart, helm_job.values, result)
            if skipped[target.root]:
                yield _info(place(target), target, skipped[target.root])
            continue
        finding = _failure(ctx, target, chart, result, skipped[target.root], place, locate)
        grouped.setdefault(((finding.file, finding.line, finding.col), finding.message), []).append(
            (target, finding)
        )
    for items in grouped.values():
        yield _merged(items)


def _chart(target: RenderTarget, cache_dir: Path) -> ChartRef | ChartUnavailable:
    try:
        return chart_ref(target.source, target.version, cache_dir=cache_dir, timeout=DEFAULT_TIMEOUT)
    except ChartUnavailable as err:
        return err


def _jobs(
    ctx: RepoContext, ready: Sequence[RenderTarget], charts: Mapping[tuple[str, str | None], Any]
) -> tuple[list[HelmJob], dict[str, list[ValuesSource]]]:
    jobs: list[HelmJob] = []
    skipped: dict[str, list[ValuesSource]] = {}
    for target in ready:
        layers = value_sources(target.obj, target.objects)
        readable = [layer for layer in layers if layer.found and not layer.problem]
        skipped[target.root] = [layer for layer in layers if not layer.found or layer.problem]
        values = user_values([layer.values for layer in readable])
        site = ctx.targets.get(target.root)
        kube = site.kubernetes_version if site is not None else ""
        chart = charts[(target.version, target.source)]
        jobs.append(job(chart, values, release=release_identity(target.obj), kube_version=kube))
    return jobs, skipped


def _skipped_note(skipped: Sequence[ValuesSource]) -> str:
    """`; rendered without Secret common-bb (absent from the repo), Secret env-bb (SOPS-encrypted)`."""
    if not skipped:
        return ""
    groups: dict[str, list[str]] = {}
    for layer in skipped:
        why = (
            "absent from the repo"
            if not layer.found
            else "SOPS-encrypted"
            if "SOPS" in layer.problem
            else "unreadable"
        )
        groups.setdefault(why, []).append(f"{layer.kind} {layer.name}")
    return "; rendered without " + "; ".join(f"{', '.join(names)} ({why})" for why, names in groups.items())


def _info(where: Where, target: RenderTarget, skipped: Sequence[ValuesSource]) -> Finding:
    return Finding(
        *where,
        RULE,
        Severity.INFO,
        f"Big Bang {target.version} rendered for cluster {target.cluster}{_skipped_note(skipped)}",
        hint="values only those Secrets set were not part of the render",
        cluster=target.cluster,
        resource=target.resource,
    )


def _per_version(
    targets: Sequence[RenderTarget], place: Callable[[RenderTarget], Where], reason: str, hint: str
) -> Iterator[Finding]:
    by_version: dict[str, list[RenderTarget]] = {}
    for target in targets:
        by_version.setdefault(target.version, []).append(target)
    for version, items in sorted(by_version.items()):
        clusters = sorted({t.cluster for t in items})
        named = ", ".join(clusters[:5]) + (f" and {len(clusters) - 5} more" if len(clusters) > 5 else "")
        yield Finding(
            *place(items[0]),
            RULE,
            Severity.WARNING,
            f"cannot render Big Bang {version}: {reason}; the chart's template-time checks did not run "
            f"for {named}",
            hint=hint,
            cluster=clusters[0],
            resource=items[0].resource,
        )


def _failure(
    ctx: RepoContext,
    target: RenderTarget,
    chart: ChartRef,
    result: HelmResult,
    skipped: Sequence[ValuesSource],
    place: Callable[[RenderTarget], Where],
    locate: Callable[[RenderTarget, KeyPath], Where | None],
) -> Finding:
    note = _skipped_note(skipped)
    if result.kind == "values":
        return Finding(
            *place(target),
            RULE,
            Severity.INFO,
            f"Big Bang {target.version} not rendered for cluster {target.cluster}: Helm rejects the values "
            f"against values.schema.json (see bigbang/values-schema){note}",
            hint="fix the schema errors first; the template-time checks run after them",
            cluster=target.cluster,
            resource=target.resource,
        )
    failure = parse_failure(result.error) if result.kind == "render" else None
    if failure is None:
        return Finding(
            *place(target),
            RULE,
            Severity.WARNING if result.kind in {"timeout", "panic", "load"} else Severity.ERROR,
            f"Big Bang {target.version} could not be rendered for cluster {target.cluster}: {result.error}{note}",
            hint="raise --timeout, or run `helm template` on the chart to see why"
            if result.kind == "timeout"
            else "run `helm template` on the chart with these values to see why",
            cluster=target.cluster,
            resource=target.resource,
        )
    paths = failure_paths(chart, failure)
    where = _spec_position(ctx, target, paths) or _first(locate, target, paths) or place(target)
    generated = where[0] == SPEC_FILE
    return Finding(
        *where,
        RULE,
        Severity.ERROR,
        f"Big Bang {target.version} refuses these values: {failure.text} "
        f"(chart/{failure.template}:{failure.line}, cluster {target.cluster}){note}",
        hint="change this value or enable what the message asks for"
        + (", then run `sggitops generate`" if generated else ""),
        cluster=target.cluster,
        resource=target.resource,
    )


def _first(
    locate: Callable[[RenderTarget, KeyPath], Where | None], target: RenderTarget, paths: Sequence[KeyPath]
) -> Where | None:
    for path in paths:
        found = locate(target, path)
        if found is not None:
            return found
    return None


def _merged(items: list[tuple[RenderTarget, Finding]]) -> Finding:
    """One finding for a problem shared by several clusters (same line, same message)."""
    first = items[0][1]
    clusters = sorted({t.cluster for t, _ in items})
    if len(clusters) == 1:
        return first
    message = first.message.replace(f"cluster {items[0][0].cluster}", f"clusters {', '.join(clusters)}")
    return Finding(
        first.file,
        first.line,
        first.col,
        first.rule,
        first.severity,
        message,
        hint=first.hint,
        cluster=clusters[0],
        resource=first.resource,
    )


# --- platform.yaml positions -----------------------------------------------------------------------


def _spec_position(ctx: RepoContext, target: RenderTarget, paths: Sequence[KeyPath]) -> Where | None:
    """The platform.yaml line that set one of `paths` for this cluster (None: not a generated cluster)."""
    platform = ctx.platform
    if platform is None or not any(c.name == target.cluster for c in platform.clusters):
        return None
    doc = _spec_doc(ctx)
    if doc is None:
        return None
    clusters = (doc.get("spec") or {}).get("clusters") or []
    index = next(
        (i for i, c in enumerate(clusters) if isinstance(c, Mapping) and c.get("name") == target.cluster),
        None,
    )
    if index is None:
        return None
    node = clusters[index]
    env = platform.cluster(target.cluster).environment
    layers: list[tuple[KeyPath, Any]] = [
        (("spec", "clusters", index, "values"), node.get("values")),
        (
            ("spec", "environments", env, "values"),
            ((doc["spec"].get("environments") or {}).get(env) or {}).get("values"),
        ),
        (("spec", "bigbang", "values"), (doc["spec"].get("bigbang") or {}).get("values")),
    ]
    for prefix, values in layers:
        for path in paths:
            if isinstance(values, Mapping) and _depth(values, path) == len(path):
                return (SPEC_FILE, *yamlio.locate(doc, (*prefix, *path)))
    toggle = _toggle(platform, target, node, paths)
    if toggle is not None:
        return (SPEC_FILE, *yamlio.locate(doc, ("spec", "clusters", index, "packages", toggle)))
    for prefix, values in layers:
        for path in paths:
            if isinstance(values, Mapping) and _depth(values, path) >= (2 if path[0] == "addons" else 1):
                return (SPEC_FILE, *yamlio.locate(doc, (*prefix, *path)))
    return (SPEC_FILE, *yamlio.locate(doc, ("spec", "clusters", index)))


def _toggle(
    platform: Platform, target: RenderTarget, node: Mapping[str, Any], paths: Sequence[KeyPath]
) -> str | None:
    """The cluster's `packages` toggle whose values keys cover one of `paths`."""
    catalog = load_catalog()
    for name in node.get("packages") or {}:
        try:
            mapping = catalog.mapping(str(name), target.version, platform.choices)
        except (CatalogError, VersionError):
            continue
        for key in mapping.keys if mapping is not None else ():
            parts = tuple(key.split("."))
            if any(path[: len(parts)] == parts for path in paths):
                return str(name)
    return None


def _spec_doc(ctx: RepoContext) -> Any:
    memo = ctx.memo
    if not memo.spec_doc_read:
        memo.spec_doc_read = True
        try:
            text = fsguard.read_text(ctx.repo / SPEC_FILE, ctx.repo)
            memo.spec_doc = yamlio.load_one(text, SPEC_FILE)
        except (OSError, UnicodeDecodeError, InputError):
            memo.spec_doc = None
    doc = memo.spec_doc
    return doc if isinstance(doc, Mapping) and isinstance(doc.get("spec"), Mapping) else None


def _depth(values: Mapping[str, Any], path: KeyPath) -> int:
    node: Any = values
    for i, step in enumerate(path):
        if isinstance(node, Mapping) and step in node:
            node = node[step]
        else:
            return i
    return len(path)
