"""bigbang/version-skew: Big Bang versions across the fleet's rollout waves (from the spec alone).

Waves go dev -> staging -> prod (other environments after, by name): a later wave must not run ahead
of an earlier one, no cluster should fall more than N minor releases behind the fleet's newest, and the
clusters of one environment should run one version. `validate` reports these as warnings at each
cluster's line in platform.yaml; `sggitops versions` prints them under the fleet matrix.

    PASS: dev 3.31.0, staging 3.31.0, prod 3.30.0     FAIL: dev 3.30.0, prod 3.31.0 (prod ahead of dev)
"""

from __future__ import annotations

from collections.abc import Iterator

from sggitops.bigbang.catalog import load_catalog
from sggitops.bigbang.version import Version, VersionError, minors_between
from sggitops.findings import Finding, Severity
from sggitops.spec.model import Cluster, Platform
from sggitops.spec.resolve import cluster_version

WAVES = ("dev", "staging", "prod")
MAX_MINORS_BEHIND = 2


def skew_findings(platform: Platform, *, max_behind: int = MAX_MINORS_BEHIND) -> Iterator[Finding]:
    """bigbang/version-skew: waves out of order, clusters far behind, one environment on several versions."""
    versions: dict[str, Version] = {}
    for cluster in platform.clusters:
        try:
            versions[cluster.name] = Version.parse(cluster_version(platform, cluster.name))
        except VersionError:
            continue  # spec/version reports it
    if not versions:
        return
    by_env: dict[str, list[Cluster]] = {}
    for cluster in platform.clusters:
        if cluster.name in versions:
            by_env.setdefault(cluster.environment, []).append(cluster)
    yield from _wave_order(platform, by_env, versions)
    yield from _behind(platform, versions, max_behind)
    yield from _mixed(platform, by_env, versions)


def _wave_rank(environment: str) -> tuple[int, str]:
    return (WAVES.index(environment), "") if environment in WAVES else (len(WAVES), environment)


def _skew(platform: Platform, cluster: Cluster, message: str, hint: str) -> Finding:
    loc = cluster.location
    file, line, col = (loc.file, loc.line, loc.col) if loc is not None else (platform.source, 1, 1)
    return Finding(
        file, line, col, "bigbang/version-skew", Severity.WARNING, message, hint=hint, cluster=cluster.name
    )


def _wave_order(
    platform: Platform, by_env: dict[str, list[Cluster]], versions: dict[str, Version]
) -> Iterator[Finding]:
    order = sorted(by_env, key=_wave_rank)
    newest = {env: max(versions[c.name] for c in by_env[env]) for env in order}
    for i, env in enumerate(order):
        behind = [e for e in order[:i] if newest[e] < newest[env]]
        if not behind:
            continue
        ahead = next(c for c in by_env[env] if versions[c.name] == newest[env])
        earlier = ", ".join(f"{e} ({newest[e]})" for e in behind)
        yield _skew(
            platform,
            ahead,
            f"environment {env} runs Big Bang {newest[env]}, ahead of the earlier wave(s) {earlier}",
            f"roll out {' -> '.join(WAVES)}: bump the earlier environments first, or pin {env} back",
        )


def _behind(platform: Platform, versions: dict[str, Version], max_behind: int) -> Iterator[Finding]:
    newest = max(versions.values())
    last_minor = load_catalog().last_minor
    for cluster in platform.clusters:
        version = versions.get(cluster.name)
        if version is None or version.minor_release >= newest.minor_release:
            continue
        try:
            gap = len(minors_between(version, newest, last_minor=last_minor)) + 1
        except VersionError:
            continue
        if gap > max_behind:
            yield _skew(
                platform,
                cluster,
                f"cluster {cluster.name} runs Big Bang {version}, {gap} minor releases behind the "
                f"fleet's newest {newest}",
                f"bump it (sggitops bump bigbang {newest} --cluster {cluster.name}); Big Bang supports "
                "upgrades across few minor releases at a time",
            )


def _mixed(
    platform: Platform, by_env: dict[str, list[Cluster]], versions: dict[str, Version]
) -> Iterator[Finding]:
    for env in sorted(by_env, key=_wave_rank):
        clusters = by_env[env]
        found = sorted({versions[c.name] for c in clusters})
        if len(found) < 2:
            continue
        listing = "; ".join(
            f"{v}: {', '.join(c.name for c in clusters if versions[c.name] == v)}" for v in found
        )
        odd = next(c for c in clusters if versions[c.name] != found[-1])
        yield _skew(
            platform,
            odd,
            f"environment {env} runs several Big Bang versions ({listing})",
            f"pin the version on the environment (environments.{env}.bigbang.version) so a wave moves together",
        )
