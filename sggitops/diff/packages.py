"""The "Big Bang packages" table of a diff: per changed cluster, what each package becomes.

For every cluster of a diff whose render holds the Big Bang HelmRelease (`bigbang`, Flux) on both or
either side, Big Bang's chart at that side's tag is rendered with that side's values (as bigbang/render
does: sggitops.bigbang.render) and the package sets are compared: a row per package whose version,
enabled state or values differ (values by dotted key, only for a package enabled on both sides).

Package values come from Secrets Big Bang renders, so every value is redacted when its key looks like a
credential (password, secret, token, key, cert, license, ...) or when it equals or contains a string
held by any Secret of either side (the repo's own Secrets, decoded, and the Secrets Big Bang renders
besides the package values: registry pull secrets, git credentials, SSO client secrets). Redacted
values print as sggitops.redact's placeholders. When the packages cannot be computed (no Helm, no
full chart, a render that fails) the diff carries a note saying so: never a silently missing table.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sggitops import yamlio
from sggitops.bigbang.chart import ChartUnavailable, chart_source
from sggitops.bigbang.packages import PackageRelease
from sggitops.bigbang.render import ChartRef, chart_ref, job, packages_of, release_identity, user_values
from sggitops.bigbang.values import helm_releases, value_sources
from sggitops.diff.model import ClusterDiff, PackageChange, ValueChange
from sggitops.diff.values import MISSING, diff_values, format_change
from sggitops.errors import InputError
from sggitops.redact import CHANGED, REDACTED, is_credential_key
from sggitops.redact import is_secret_object as is_secret
from sggitops.render.helm import HelmJob, HelmRenderer, HelmUnavailable, find_helm

PULL_SECRETS = re.compile(r"pull.?secrets?$", re.IGNORECASE)
"""`imagePullSecrets`, `image_pull_secrets`: lists of Secret names, not credentials."""
MIN_SECRET = 4  # shorter strings (true, 443) are not treated as secrets
MAX_ROWS_VALUES = 25  # value lines shown per package in text and markdown (json has them all)
Sides = tuple[Mapping[str, Sequence[Mapping[str, Any]]], Mapping[str, Sequence[Mapping[str, Any]]]]


@dataclass(frozen=True)
class BigBangInput:
    """One side of one cluster: the Big Bang version, where its chart comes from, and its values."""

    version: str
    url: str
    values: dict[str, Any]
    release: tuple[str, str]


def bigbang_input(objects: Sequence[Mapping[str, Any]]) -> BigBangInput | None:
    """The Big Bang HelmRelease of a cluster's render, or None when it has none (or no tag)."""
    for release in helm_releases(objects):
        if (release.get("metadata") or {}).get("name") != "bigbang":
            continue
        ref = ((release.get("spec") or {}).get("chart") or {}).get("spec", {}).get("sourceRef") or {}
        repo = next(
            (
                o
                for o in objects
                if o.get("kind") == "GitRepository"
                and (o.get("metadata") or {}).get("name") == ref.get("name")
            ),
            None,
        )
        spec = (repo or {}).get("spec") or {}
        version = str((spec.get("ref") or {}).get("tag") or "")
        if not version:
            return None
        layers = [
            layer.values for layer in value_sources(release, objects) if layer.found and not layer.problem
        ]
        return BigBangInput(
            version, str(spec.get("url") or ""), user_values(layers), release_identity(release)
        )
    return None


def secret_strings(objects: Iterable[Mapping[str, Any]]) -> set[str]:
    """Every string a Secret of these objects holds: whole values, decoded, and their YAML/JSON leaves."""
    found: set[str] = set()
    for obj in objects:
        if not is_secret(obj):
            continue
        for field in ("stringData", "data"):
            block = obj.get(field)
            if not isinstance(block, Mapping):
                continue
            for value in block.values():
                text = _decoded(value) if field == "data" else str(value)
                found.update(_leaves_of_text(text))
    return {s for s in found if len(s) >= MIN_SECRET}


def _decoded(value: Any) -> str:
    try:
        return base64.b64decode(str(value), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return str(value)


def _leaves_of_text(text: str) -> Iterator[str]:
    yield text.strip()
    try:
        doc = json.loads(text)
    except ValueError:
        try:
            doc = yamlio.to_plain(yamlio.load_one(text, "secret"))
        except InputError:
            return
    yield from _leaves(doc)


def _leaves(value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, str):
        yield value.strip()
        if value.strip() and ":" not in value:
            decoded = _decoded(value)
            if decoded != value:
                yield decoded.strip()
                yield from (part.strip() for part in decoded.split(":"))


def is_secret_value(key: str, value: Any, secrets: set[str]) -> bool:
    """A value to redact: its key looks like a credential, or it holds a known Secret string."""
    if value is MISSING:
        return False
    if any(is_credential_key(part.strip('"')) and not PULL_SECRETS.search(part) for part in _segments(key)):
        return True
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return any(s in text for s in secrets)


def _segments(key: str) -> list[str]:
    """`a."b.c".d[0]` -> [a, b.c, d]."""
    return [p for p in re.findall(r'"(?:[^"\\]|\\.)*"|[^.\[\]]+', key) if not p.isdigit()]


def redact_change(change: ValueChange, secrets: set[str]) -> ValueChange:
    if not (
        is_secret_value(change.key, change.before, secrets)
        or is_secret_value(change.key, change.after, secrets)
    ):
        return change
    before = change.before if change.before is MISSING else REDACTED
    after = change.after if change.after is MISSING else (CHANGED if change.status == "changed" else REDACTED)
    return ValueChange(change.key, before, after, change.status)


def compare_packages(
    before: Sequence[PackageRelease] | None,
    after: Sequence[PackageRelease] | None,
    secrets: set[str],
    volatile: set[tuple[str, str]] | None = None,
) -> tuple[PackageChange, ...]:
    """Rows for the packages that differ between two package sets (None: that side has no Big Bang);
    `volatile` (package, key) pairs are values the chart generates at random: not compared."""
    skip = volatile or set()
    old, new = _index(before or ()), _index(after or ())
    rows: list[PackageChange] = []
    for ident in sorted(set(old) | set(new)):
        a, b = old.get(ident), new.get(ident)
        values: tuple[ValueChange, ...] = ()
        if a is not None and b is not None and a.enabled and b.enabled:
            values = tuple(
                redact_change(c, secrets)
                for c in diff_values(a.values, b.values)
                if (ident, c.key) not in skip
            )
        row = PackageChange(
            ident,
            a.version if a else "",
            b.version if b else "",
            a.enabled if a else None,
            b.enabled if b else None,
            values,
        )
        if not (row.enabled_before or row.enabled_after):
            continue  # disabled (or absent) on both sides: the cluster runs neither version
        if row.before != row.after or row.enabled_before != row.enabled_after or row.values:
            rows.append(row)
    return tuple(rows)


def _index(packages: Iterable[PackageRelease]) -> dict[str, PackageRelease]:
    items = list(packages)
    counts: dict[str, int] = {}
    for p in items:
        counts[p.package] = counts.get(p.package, 0) + 1
    return {(f"{p.package}/{p.name}" if counts[p.package] > 1 else p.package): p for p in items}


def package_tables(
    clusters: Mapping[str, ClusterDiff],
    objects: Sides,
    *,
    cache_dir: Path,
    bigbang_repo: str | None = None,
    helm: str | None = None,
    jobs: int | None = None,
) -> tuple[dict[str, ClusterDiff], list[str]]:
    """`clusters` with their `packages` rows filled in, and notes for what could not be computed."""
    inputs: dict[tuple[str, int], BigBangInput] = {}
    for cluster in clusters:
        for side in (0, 1):
            found = bigbang_input(objects[side].get(cluster, ()))
            if found is not None:
                inputs[(cluster, side)] = found
    if not inputs:
        return dict(clusters), []
    try:
        renderer = HelmRenderer(find_helm(helm), cache_dir=cache_dir, timeout=120.0, jobs=jobs)
    except HelmUnavailable as err:
        if helm:
            raise
        return dict(clusters), [f"Big Bang packages are not shown: {err.message} ({err.hint})"]
    planned, notes = _plan(inputs, bigbang_repo, cache_dir)
    twins = [replace(j, salt="twin") for _k, _c, j in planned]
    results = renderer.render_many([j for _k, _c, j in planned] + twins)
    sets: dict[tuple[str, int], list[PackageRelease]] = {}
    volatile: dict[tuple[str, int], set[tuple[str, str]]] = {}
    for (key, chart, helm_job), result, twin in zip(
        planned, results[: len(planned)], results[len(planned) :], strict=True
    ):
        if result.ok:
            sets[key] = packages_of(chart, helm_job.values, result)
            if twin.ok:
                volatile[key] = _volatile(sets[key], packages_of(chart, helm_job.values, twin))
        else:
            side_name = ("base", "head")[key[1]]
            secrets = secret_strings(objects[key[1]].get(key[0], ()))
            error = result.error.strip()
            for secret in sorted(secrets, key=len, reverse=True):
                error = error.replace(secret, REDACTED)
            notes.append(f"Big Bang packages of {key[0]} ({side_name}) are not shown: Helm: {error}")
    filled = _filled(clusters, objects, inputs, sets, volatile)
    if any(volatile.values()):
        notes.append(
            "values Big Bang's chart generates at random on every render (e.g. generated passwords) "
            "are left out of the Big Bang packages table"
        )
    return filled, notes


def _plan(
    inputs: Mapping[tuple[str, int], BigBangInput], bigbang_repo: str | None, cache_dir: Path
) -> tuple[list[tuple[tuple[str, int], ChartRef, HelmJob]], list[str]]:
    """One render job per (cluster, side) whose chart can be read; a note per version that cannot."""
    notes: list[str] = []
    charts: dict[tuple[str, str], ChartRef | ChartUnavailable] = {}
    planned: list[tuple[tuple[str, int], ChartRef, HelmJob]] = []
    for key, found in sorted(inputs.items()):
        source = chart_source(bigbang_repo, render_url=found.url or None)
        location = source.location if source else ""
        if (found.version, location) not in charts:
            try:
                charts[(found.version, location)] = chart_ref(
                    location or None, found.version, cache_dir=cache_dir
                )
            except ChartUnavailable as err:
                charts[(found.version, location)] = err
                notes.append(f"Big Bang {found.version} packages are not shown: {err.reason}")
        chart = charts[(found.version, location)]
        if isinstance(chart, ChartRef):
            planned.append((key, chart, job(chart, found.values, release=found.release)))
    return planned, notes


def _volatile(first: Sequence[PackageRelease], second: Sequence[PackageRelease]) -> set[tuple[str, str]]:
    """(package ident, dotted key) of values that differ between two renders of the same inputs."""
    out: set[tuple[str, str]] = set()
    again = _index(second)
    for ident, package in _index(first).items():
        other = again.get(ident)
        if other is not None:
            out.update((ident, c.key) for c in diff_values(package.values, other.values))
    return out


def _filled(
    clusters: Mapping[str, ClusterDiff],
    objects: Sides,
    inputs: Mapping[tuple[str, int], BigBangInput],
    sets: Mapping[tuple[str, int], list[PackageRelease]],
    volatile: Mapping[tuple[str, int], set[tuple[str, str]]],
) -> dict[str, ClusterDiff]:
    out = dict(clusters)
    for name, diff in clusters.items():
        wanted = [side for side in (0, 1) if (name, side) in inputs]
        if not wanted or any((name, side) not in sets for side in wanted):
            continue
        secrets = secret_strings(objects[0].get(name, ())) | secret_strings(objects[1].get(name, ()))
        for side in wanted:
            secrets |= _rendered_secrets(sets[(name, side)], inputs[(name, side)])
        skip = volatile.get((name, 0), set()) | volatile.get((name, 1), set())
        rows = compare_packages(sets.get((name, 0)), sets.get((name, 1)), secrets, skip)
        versions = tuple(inputs[(name, s)].version if (name, s) in inputs else "" for s in (0, 1))
        out[name] = ClusterDiff(
            diff.cluster, diff.added, diff.removed, diff.changed, diff.roots, rows, (versions[0], versions[1])
        )
    return out


def _rendered_secrets(packages: Sequence[PackageRelease], found: BigBangInput) -> set[str]:
    """Strings of credential-like keys in the values Big Bang was given (SSO secrets, registry logins)."""
    out: set[str] = set()

    def walk(value: Any, path: str) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(v, f"{path}.{k}" if path else str(k))
        elif isinstance(value, list):
            for v in value:
                walk(v, path)
        elif (
            isinstance(value, str) and len(value) >= MIN_SECRET and is_credential_key(path.rpartition(".")[2])
        ):
            out.add(value)

    walk(found.values, "")
    return out


# --- formatting -------------------------------------------------------------------------------------


def _version(version: str, enabled: bool | None) -> str:
    if enabled is None:
        return "(absent)"
    return f"{version or '?'}" + ("" if enabled else " (disabled)")


def _state(row: PackageChange) -> str:
    if row.enabled_before == row.enabled_after:
        return ""
    if row.enabled_after:
        return "enabled"
    return "disabled" if row.enabled_after is False else "removed"


def text_lines(diff: ClusterDiff) -> list[str]:
    """The table for the terminal (indented under the cluster's line)."""
    if not diff.packages:
        return []
    before, after = diff.bigbang
    lines = [f"  Big Bang packages ({before or '-'} -> {after or '-'}):"]
    for row in diff.packages:
        state = _state(row)
        lines.append(
            f"    {row.package}: {_version(row.before, row.enabled_before)} -> {_version(row.after, row.enabled_after)}"
            + (f" [{state}]" if state else "")
            + (f", {len(row.values)} value(s) changed" if row.values else "")
        )
        lines += [f"        {format_change(c)}" for c in row.values[:MAX_ROWS_VALUES]]
        if len(row.values) > MAX_ROWS_VALUES:
            lines.append(f"        ... {len(row.values) - MAX_ROWS_VALUES} more (see -o json)")
    return lines


def markdown_table(diff: ClusterDiff) -> str:
    """A "Big Bang packages" table (package | before | after | enabled | values) for the MR note."""
    if not diff.packages:
        return ""
    before, after = diff.bigbang
    lines = [
        f"**Big Bang packages** ({before or '-'} -> {after or '-'})",
        "",
        "| package | before | after | enabled | values changed |",
        "|---|---|---|---|---|",
    ]
    for row in diff.packages:
        keys = ", ".join(f"`{c.key}`" for c in row.values[:MAX_ROWS_VALUES])
        if len(row.values) > MAX_ROWS_VALUES:
            keys += f" and {len(row.values) - MAX_ROWS_VALUES} more"
        lines.append(
            f"| {row.package} | {_version(row.before, row.enabled_before)} | "
            f"{_version(row.after, row.enabled_after)} | {_state(row)} | {keys.replace('|', chr(92) + '|')} |"
        )
    return "\n".join(lines) + "\n\n"
