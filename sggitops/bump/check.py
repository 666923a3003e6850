"""After a bump is written: each moved cluster's merged values against the target chart's real schema,
and the rendered diff of the working tree against HEAD."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, Draft202012Validator

from sggitops.bigbang.chart import ChartUnavailable, load_chart
from sggitops.bigbang.values import helm_releases, merged_values, value_sources
from sggitops.diff.engine import diff_refs
from sggitops.errors import ToolError
from sggitops.render import Renderer

MAX_ERRORS = 20


def schema_validator(schema: Mapping[str, Any]) -> Draft7Validator | Draft202012Validator:
    """The validator the chart's `$schema` asks for (Big Bang's is draft-07)."""
    if "draft-07" in str(schema.get("$schema", "")):
        return Draft7Validator(schema)
    return Draft202012Validator(schema)


def values_errors(values: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """`path: message` for every schema error of merged values (at most MAX_ERRORS)."""
    errors = sorted(schema_validator(schema).iter_errors(values), key=lambda e: list(map(str, e.path)))
    out = [f"{'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:300]}" for e in errors]
    return out[:MAX_ERRORS] + ([f"... and {len(out) - MAX_ERRORS} more"] if len(out) > MAX_ERRORS else [])


def cluster_values(
    objects: Sequence[Mapping[str, Any]], defaults: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The merged values of the `bigbang` HelmRelease of one rendered overlay (None when it has none)."""
    releases = [r for r in helm_releases(objects) if (r.get("metadata") or {}).get("name") == "bigbang"]
    if not releases:
        return None
    return merged_values(defaults, value_sources(releases[0], objects))


def check_values(
    root: Path, clusters: Sequence[str], version: str, *, source: str, cache_dir: Path
) -> tuple[dict[str, list[str]], list[str]]:
    """(cluster -> schema problems, warnings). When the chart cannot be read the values are not checked
    and a warning says why; a missing kustomize is a warning too (the files are already written)."""
    try:
        chart = load_chart(version, source=source, cache_dir=cache_dir)
    except ChartUnavailable as err:
        hint = f" ({err.hint})" if err.hint else ""
        return {}, [
            f"merged values not checked against the Big Bang {version} chart schema: {err.message}{hint}"
        ]
    try:
        renderer = Renderer(root, cache_dir=cache_dir / "render")
    except ToolError as err:
        return {}, [f"merged values not checked: {err.message}"]
    problems: dict[str, list[str]] = {}
    for cluster in clusters:
        render = renderer.render(f"overlays/{cluster}")
        if not render.ok:
            problems[cluster] = [f.message for f in render.findings]
            continue
        values = cluster_values(render.objects, chart.values)
        if values is None:
            problems[cluster] = [f"overlays/{cluster} renders no HelmRelease bigbang"]
            continue
        found = values_errors(values, chart.schema)
        if found:
            problems[cluster] = found
    return problems, []


def rendered_diff(
    root: Path,
    *,
    cache_dir: Path,
    jobs: int | None = None,
    bigbang_repo: str | None = None,
    helm: str | None = None,
) -> tuple[Any, list[str]]:
    """The rendered diff of the working tree against HEAD (sggitops.diff), with the Big Bang packages
    table of each moved cluster (Big Bang's chart from `bigbang_repo`), or None and a warning."""
    try:
        result = diff_refs(
            root,
            "HEAD",
            None,
            cache_dir=cache_dir,
            jobs=jobs or os.cpu_count() or 1,
            bigbang_repo=bigbang_repo,
            helm=helm,
        )
    except ToolError as err:
        return None, [f"no rendered diff: {err.message}"]
    return result, []
