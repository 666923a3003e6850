"""bigbang/* rules: the values of every Big Bang HelmRelease, checked against the real chart of its version.

A render is checked when it holds a `helm.toolkit.fluxcd.io` HelmRelease named `bigbang`. Its version is
the `spec.ref.tag` of the GitRepository the release's chart comes from (else the spec's pin for the
cluster). The chart (`chart/values.yaml` defaults and `chart/values.schema.json`) is read from the Big
Bang repo at that tag (`--bigbang-repo`, `SGGITOPS_BIGBANG_REPO`, the spec's `bigbang.repo`, the
GitRepository URL), cached per version (see sggitops.bigbang.chart). Values are merged as Helm does:
chart defaults, then `valuesFrom` in order, then `spec.values`. Findings point at the line of the key in
the values file a ConfigMap/Secret generator reads, else at the generator entry or the HelmRelease.

The rules, with PASS/FAIL examples, are declared in `RULES` below.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.validators import validator_for

from sggitops.bigbang.chart import (
    DEFAULT_TIMEOUT,
    SOURCE_HINT,
    Chart,
    ChartUnavailable,
    chart_source,
    load_chart,
)
from sggitops.bigbang.values import ValuesSource, helm_releases, merged_values, value_sources
from sggitops.checks import bigbang_rules
from sggitops.checks.bigbang_render import RenderTarget, render_findings
from sggitops.checks.bigbang_values import (
    KeyPath,
    Release,
    _depth,
    _dotted,
    _Locator,
    _schema_errors,
    _stale_keys,
)
from sggitops.checks.context import RepoContext
from sggitops.checks.skew import skew_findings
from sggitops.checks.walk import Sources, is_kind, mapping, shared_sources, text
from sggitops.findings import Finding, Severity
from sggitops.resource import ResourceId
from sggitops.spec.resolve import cluster_version

SOURCE_GROUP = "source.toolkit.fluxcd.io"


RULES = bigbang_rules.RULES


def check(ctx: RepoContext) -> Iterator[Finding]:
    """Every bigbang/* finding of the repo."""
    sources = shared_sources(ctx)
    releases: list[Release] = []
    for root in sorted(ctx.renders):
        for obj in helm_releases(ctx.objects(root)):
            if mapping(obj.get("metadata")).get("name") != "bigbang":
                continue
            release = _release(ctx, root, obj)
            if release.version:
                releases.append(release)
                continue
            yield _at(
                sources.place(obj, root).at("spec", "chart"),
                "bigbang/chart-unavailable",
                Severity.WARNING,
                "cannot tell the Big Bang version: the chart's GitRepository has no spec.ref.tag and "
                "the spec has no pin for this cluster; its values are not checked",
                "pin Big Bang by tag (spec.ref.tag: 3.31.0)",
                release,
            )
    charts = _load_charts(ctx, releases)
    validators: dict[str, Any] = {}
    for (version, source), loaded in sorted(charts.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        if isinstance(loaded, ChartUnavailable):
            affected = [r for r in releases if (r.version, r.source) == (version, source)]
            yield _unavailable(sources, version, source, loaded, affected)
    for release in releases:
        loaded = charts[(release.version, release.source)]
        if isinstance(loaded, Chart):
            if release.version not in validators:
                cls = validator_for(loaded.schema, default=Draft202012Validator)
                validators[release.version] = cls(loaded.schema)
            yield from _check_values(ctx, sources, release, loaded, validators[release.version])
    rendered = [r for r in releases if isinstance(charts[(r.version, r.source)], Chart)]
    yield from render_findings(
        ctx,
        [
            RenderTarget(r.root, r.cluster, r.obj, r.objects, r.version, r.source, str(ResourceId.of(r.obj)))
            for r in rendered
        ],
        place=lambda t: sources.place(t.obj, t.root).at("spec", "chart"),
        locate=lambda t, path: _render_locator(ctx, sources, rendered, t, path),
    )
    if ctx.platform is not None and ctx.settings.repo_level:
        yield from skew_findings(ctx.platform)


def _render_locator(
    ctx: RepoContext, sources: Sources, releases: list[Release], target: RenderTarget, path: KeyPath
) -> tuple[str, int, int] | None:
    """The values file line that sets `path` for bigbang/render; None when no layer of the repo sets it."""
    release = next(r for r in releases if r.root == target.root and r.obj is target.obj)
    layers = [
        layer for layer in value_sources(release.obj, release.objects) if layer.found and not layer.problem
    ]
    if not any(_depth(layer.values, path) == len(path) for layer in layers):
        return None
    return _Locator(ctx, sources, release, layers).key_position(path)


def _release(ctx: RepoContext, root: str, obj: Mapping[str, Any]) -> Release:
    target = ctx.targets.get(root)
    cluster = target.cluster if target is not None else root
    ref = mapping(mapping(mapping(obj.get("spec")).get("chart")).get("spec")).get("sourceRef")
    repo_name = text(mapping(ref).get("name")) or "bigbang"
    git_repository = next(
        (
            o
            for o in ctx.objects(root)
            if is_kind(o, SOURCE_GROUP, "GitRepository")
            and mapping(o.get("metadata")).get("name") == repo_name
        ),
        None,
    )
    spec = mapping(git_repository.get("spec")) if git_repository is not None else {}
    version = text(mapping(spec.get("ref")).get("tag"))
    if not version and ctx.platform is not None:
        try:
            version = cluster_version(ctx.platform, cluster)
        except KeyError:
            version = ""
    found = chart_source(
        ctx.settings.bigbang_repo,
        spec_repo=ctx.platform.bigbang.repo if ctx.platform is not None else None,
        render_url=text(spec.get("url")) or None,
    )
    return Release(
        root,
        cluster,
        obj,
        ctx.objects(root),
        version,
        found.location if found else None,
        git_repository,
    )


def _load_charts(
    ctx: RepoContext, releases: Sequence[Release]
) -> dict[tuple[str, str | None], Chart | ChartUnavailable]:
    """One load per (version, source), in parallel (remote fetches are slow, the loader is thread-safe)."""
    cache_dir = ctx.settings.cache_dir_of(ctx.repo)
    timeout = DEFAULT_TIMEOUT
    wanted = sorted({(r.version, r.source) for r in releases}, key=lambda k: (k[0], k[1] or ""))

    def one(key: tuple[str, str | None]) -> Chart | ChartUnavailable:
        try:
            return load_chart(key[0], source=key[1], cache_dir=cache_dir, timeout=timeout)
        except ChartUnavailable as err:
            return err

    if not wanted:
        return {}
    with ThreadPoolExecutor(max_workers=min(8, len(wanted))) as pool:
        return dict(zip(wanted, pool.map(one, wanted), strict=True))


def _unavailable(
    sources: Sources, version: str, source: str | None, err: ChartUnavailable, releases: list[Release]
) -> Finding:
    first = releases[0]
    where = (
        sources.place(first.git_repository, first.root).at("spec", "ref", "tag")
        if first.git_repository is not None
        else sources.place(first.obj, first.root).at("spec", "chart")
    )
    clusters = sorted({r.cluster for r in releases})
    named = ", ".join(clusters[:5]) + (f" and {len(clusters) - 5} more" if len(clusters) > 5 else "")
    reason = err.reason if source is None or source in err.reason else f"{source}: {err.reason}"
    hint = err.hint if SOURCE_HINT in err.hint else "; ".join(h for h in (err.hint, SOURCE_HINT) if h)
    return Finding(
        *where,
        "bigbang/chart-unavailable",
        Severity.WARNING,
        f"Big Bang {version} chart could not be read: {reason}; "
        f"the values of {named} are not checked against its schema nor rendered",
        hint=hint,
        cluster=clusters[0],  # a cluster, so every shard that renders it keeps the warning
        resource=str(ResourceId.of(first.obj)),
    )


def _at(
    where: tuple[str, int, int], rule: str, severity: Severity, message: str, hint: str, release: Release
) -> Finding:
    return Finding(
        *where,
        rule,
        severity,
        message,
        hint=hint,
        cluster=release.cluster,
        resource=str(ResourceId.of(release.obj)),
    )


# --- values ---------------------------------------------------------------------------------------


def _check_values(
    ctx: RepoContext, sources: Sources, release: Release, loaded: Chart, validator: Any
) -> Iterator[Finding]:
    layers = value_sources(release.obj, release.objects)
    locator = _Locator(ctx, sources, release, layers)
    readable: list[ValuesSource] = []
    for layer in layers:
        if not layer.found:
            continue  # flux/values-from-missing
        if layer.problem and not _encrypted(release.objects, layer):
            yield _at(
                locator.layer_position(layer),
                "bigbang/values-unreadable",
                Severity.ERROR,
                f"{layer.kind} {layer.name} key {layer.key!r} {layer.problem}",
                "it must hold a YAML mapping of Big Bang values",
                release,
            )
        elif not layer.problem:
            readable.append(layer)
    stale: list[KeyPath] = []
    for layer, path, hint in _stale_keys(readable, release.version):
        if path not in stale:
            stale.append(path)
        yield _at(
            locator.key_position(path, layer),
            "bigbang/stale-key",
            Severity.ERROR,
            f"{_dotted(path)} is not a values key of Big Bang {release.version}",
            hint,
            release,
        )
    merged = merged_values(loaded.values, readable)
    for path, message in _schema_errors(validator, merged):
        if any(path[: len(s)] == s for s in stale):
            continue
        yield _at(
            locator.key_position(path),
            "bigbang/values-schema",
            Severity.ERROR,
            f"{_dotted(path) or '(root)'}: {message} (values.schema.json of Big Bang {release.version})",
            "fix the value, or see the chart's values.schema.json at that tag",
            release,
        )


def _encrypted(objects: Sequence[Mapping[str, Any]], layer: ValuesSource) -> bool:
    return any(
        o.get("kind") == layer.kind and mapping(o.get("metadata")).get("name") == layer.name and "sops" in o
        for o in objects
    )
