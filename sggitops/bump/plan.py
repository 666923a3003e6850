"""What a bump moves: the scopes asked for, the clusters they move, and the minors a move skips.

Pure over the model, except `release_tags`, which asks the Big Bang git repo for its tags (gitpython
`ls-remote`; a local path or mirror works the same) and returns None when it is not reachable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from git import GitCommandError
from git.cmd import Git

from sggitops.bigbang.catalog import Catalog
from sggitops.bigbang.chart import chart_source
from sggitops.bigbang.version import Version, VersionError
from sggitops.errors import UsageError
from sggitops.spec.model import Platform
from sggitops.spec.resolve import cluster_version

LS_REMOTE_TIMEOUT = 20.0


class BumpRefused(UsageError):
    """A bump that needs a flag (--allow-skip, --allow-downgrade) or names something that does not exist."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(f"{message} ({hint})" if hint else message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Scope:
    """One pin the bump writes: the fleet default, an environment (a wave) or a cluster."""

    kind: str  # fleet | environment | cluster
    name: str  # "" for the fleet
    path: tuple[str | int, ...]  # where the pin lives in platform.yaml

    @property
    def label(self) -> str:
        return "fleet" if self.kind == "fleet" else f"{self.kind} {self.name}"


@dataclass(frozen=True)
class ClusterMove:
    """A cluster whose effective Big Bang version changes (or stays, when already at the target)."""

    cluster: str
    environment: str
    from_version: str
    to_version: str

    @property
    def direction(self) -> int:
        return (Version.parse(self.to_version) > Version.parse(self.from_version)) - (
            Version.parse(self.to_version) < Version.parse(self.from_version)
        )


def resolve_scopes(
    platform: Platform, environments: Sequence[str], clusters: Sequence[str]
) -> tuple[list[Scope], list[str], list[str]]:
    """(pins to write, names of the clusters that move, warnings about clusters a pin keeps in place)."""
    names = [c.name for c in platform.clusters]
    unknown = [c for c in clusters if c not in names]
    if unknown:
        raise BumpRefused(f"unknown cluster(s) {', '.join(unknown)}", hint=f"clusters: {', '.join(names)}")
    scopes: list[Scope] = []
    moving: list[str] = []
    warnings: list[str] = []
    if not environments and not clusters:
        scopes.append(Scope("fleet", "", ("spec", "bigbang", "version")))
        for c in platform.clusters:
            env = platform.environments.get(c.environment)
            if c.bigbang_version:
                warnings.append(_stays(c.name, c.bigbang_version, f"spec.clusters[{names.index(c.name)}]"))
            elif env is not None and env.bigbang_version:
                warnings.append(_stays(c.name, env.bigbang_version, f"spec.environments.{env.name}"))
            else:
                moving.append(c.name)
    for env_name in dict.fromkeys(environments):
        members = [c for c in platform.clusters if c.environment == env_name]
        if not members:
            known = sorted({c.environment for c in platform.clusters})
            raise BumpRefused(f"no cluster is in environment {env_name!r}", hint=f"environments: {known}")
        scopes.append(
            Scope("environment", env_name, ("spec", "environments", env_name, "bigbang", "version"))
        )
        for c in members:
            if c.bigbang_version and c.name not in clusters:
                warnings.append(_stays(c.name, c.bigbang_version, f"spec.clusters[{names.index(c.name)}]"))
            elif c.name not in moving:
                moving.append(c.name)
    for name in dict.fromkeys(clusters):
        scopes.append(Scope("cluster", name, ("spec", "clusters", names.index(name), "bigbang", "version")))
        if name not in moving:
            moving.append(name)
    return scopes, moving, warnings


def _stays(cluster: str, version: str, where: str) -> str:
    return (
        f"cluster {cluster} stays at Big Bang {version}: it is pinned at {where}.bigbang.version "
        "(bump it with --cluster or --environment)"
    )


def cluster_moves(platform: Platform, moving: Iterable[str], target: str) -> list[ClusterMove]:
    return [
        ClusterMove(name, platform.cluster(name).environment, cluster_version(platform, name), target)
        for name in moving
    ]


def check_direction(moves: Sequence[ClusterMove], *, allow_downgrade: bool) -> None:
    down = [m for m in moves if m.direction < 0]
    if down and not allow_downgrade:
        listed = ", ".join(f"{m.cluster} ({m.from_version})" for m in down)
        raise BumpRefused(
            f"Big Bang {down[0].to_version} is a downgrade for {listed}",
            hint="pass --allow-downgrade if you mean it; values are not migrated down",
        )


def release_tags(source: str) -> list[Version] | None:
    """The `x.y.z` tags of the Big Bang repo at `source` (URL or path); None when it cannot be reached."""
    env = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", "SSH_ASKPASS": "true"}
    git = Git()
    try:
        with git.custom_environment(**env):
            out = git.ls_remote("--tags", "--refs", source, kill_after_timeout=LS_REMOTE_TIMEOUT)
    except (GitCommandError, OSError):
        return None
    tags: list[Version] = []
    for line in str(out).splitlines():
        ref = line.split("\t")[-1]
        name = ref.removeprefix("refs/tags/")
        try:
            tags.append(Version.parse(name))
        except VersionError:
            continue
    return sorted(set(tags))


def skipped_minors(
    moves: Sequence[ClusterMove], catalog: Catalog, tags: Sequence[Version] | None
) -> list[str]:
    """Minor releases between each upward move's lines: the newest tag of each skipped minor when
    the repo's tags are known, else the catalog's `x.y.0` releases."""
    found: set[Version] = set()
    for move in moves:
        if move.direction <= 0:
            continue
        low = Version.parse(move.from_version).minor_release
        high = Version.parse(move.to_version).minor_release
        if tags is None:
            found.update(Version.parse(v) for v in catalog.minors_between(move.from_version, move.to_version))
            continue
        newest: dict[Version, Version] = {}
        for tag in tags:
            line = tag.minor_release
            if low < line < high and (line not in newest or tag > newest[line]):
                newest[line] = tag
        found.update(newest.values())
    return [str(v) for v in sorted(found)]


def default_source(platform: Platform, bigbang_repo: str | None) -> str:
    """Where the Big Bang repo is: --bigbang-repo (a URL or a local mirror), else $SGGITOPS_BIGBANG_REPO,
    else the spec's `bigbang.repo` (the same precedence as the chart schema loader)."""
    found = chart_source(bigbang_repo, spec_repo=platform.bigbang.repo)
    return found.location if found is not None else platform.bigbang.repo
