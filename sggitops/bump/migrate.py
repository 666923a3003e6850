"""Migrate the spec's raw `values` blocks and its choices for the clusters a bump moves.

The rule for values blocks: a block is migrated only when every cluster that reads it moves up. The
fleet's `spec.bigbang.values` is read by every cluster, an environment's `values` by the clusters of
that environment, a cluster's `values` by that cluster. Migrating a block some readers do not move
with would break those readers (their older Big Bang still needs `istio`, `promtail` ...), so such a
shared block is left as it is and each key of it the target version no longer has is reported as a
shared stale key, with the clusters on each side. Moving clusters get the target's own package keys
from the generator anyway (role defaults are per version); only hand-written raw values need this.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sggitops.bigbang.catalog import Catalog, key_of
from sggitops.bigbang.migrations import migrate_values
from sggitops.bigbang.version import Version
from sggitops.bump.plan import BumpRefused, ClusterMove
from sggitops.spec.model import Choices, Platform
from sggitops.spec.resolve import cluster_version

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class ValuesBlock:
    """One raw values block of the spec and the clusters that read it."""

    path: Path
    readers: tuple[str, ...]

    @property
    def dotted(self) -> str:
        return _dotted(self.path)


@dataclass(frozen=True)
class BlockMigration:
    """A values block rewritten for the versions its readers cross."""

    block: ValuesBlock
    from_version: str
    to_version: str
    values: dict[str, Any]
    migrations: tuple[Any, ...]  # sggitops.bigbang.migrations.Migration


@dataclass(frozen=True)
class ChoiceChange:
    """A fleet choice the target version cannot serve, switched to one every cluster's version can."""

    field: str
    before: str
    after: str
    reason: str


def _dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def values_blocks(platform: Platform) -> list[ValuesBlock]:
    """Every non-empty raw values block, fleet first, then environments, then clusters."""
    blocks: list[ValuesBlock] = []
    everyone = tuple(c.name for c in platform.clusters)
    if platform.bigbang.values:
        blocks.append(ValuesBlock(("spec", "bigbang", "values"), everyone))
    for name, env in platform.environments.items():
        if env.values:
            readers = tuple(c.name for c in platform.clusters if c.environment == name)
            blocks.append(ValuesBlock(("spec", "environments", name, "values"), readers))
    for i, c in enumerate(platform.clusters):
        if c.values:
            blocks.append(ValuesBlock(("spec", "clusters", i, "values"), (c.name,)))
    return blocks


def block_values(platform: Platform, block: ValuesBlock) -> dict[str, Any]:
    kind = block.path[1]
    if kind == "bigbang":
        return dict(platform.bigbang.values)
    if kind == "environments":
        return dict(platform.environments[str(block.path[2])].values)
    return dict(platform.clusters[int(block.path[2])].values)


def migrate_blocks(
    platform: Platform, moves: Sequence[ClusterMove], catalog: Catalog
) -> tuple[list[BlockMigration], list[str]]:
    """(blocks to rewrite, warnings about shared blocks left alone) for the clusters that move."""
    moving = {m.cluster: m for m in moves}
    migrated: list[BlockMigration] = []
    warnings: list[str] = []
    for block in values_blocks(platform):
        readers = [moving.get(name) for name in block.readers]
        ups = [m for m in readers if m is not None and m.direction > 0]
        if not ups:
            if any(m is not None and m.direction < 0 for m in readers):
                warnings.append(
                    f"{block.dotted}: values are not migrated down; review them for the older release"
                )
            continue
        values = block_values(platform, block)
        target = ups[0].to_version
        if all(m is not None and m.direction >= 0 for m in readers):
            low = min(Version.parse(m.from_version) for m in ups)
            result = migrate_values(values, str(low), target, catalog=catalog)
            if result.migrations:
                migrated.append(
                    BlockMigration(block, str(low), target, result.values, tuple(result.migrations))
                )
            continue
        staying = [
            name for name, m in zip(block.readers, readers, strict=True) if m is None or m.direction <= 0
        ]
        warnings.extend(_shared_stale(platform, block, values, ups, staying, catalog))
    return migrated, warnings


def _shared_stale(
    platform: Platform,
    block: ValuesBlock,
    values: Mapping[str, Any],
    ups: Sequence[ClusterMove],
    staying: Sequence[str],
    catalog: Catalog,
) -> Iterator[str]:
    target = ups[0].to_version
    probe = migrate_values(
        dict(values), str(min(Version.parse(m.from_version) for m in ups)), target, catalog=catalog
    )
    touched = sorted({key_of(m.path_before) for m in probe.migrations})
    stay = ", ".join(f"{n} ({cluster_version(platform, n)})" for n in staying)
    movers = ", ".join(m.cluster for m in ups)
    for key in touched:
        yield (
            f"shared stale key: {block.dotted}.{key} is read by clusters moving to {target} ({movers}) and by "
            f"clusters that stay ({stay}); it was not migrated. Big Bang {target} "
            f"{'no longer has it' if not _exists(catalog, key, target) else 'reads it under a new shape'}: "
            "move it into the environment or cluster values of the clusters that stay, or bump them together"
        )


def _exists(catalog: Catalog, key: str, version: str) -> bool:
    status = catalog.key_status(key, version)
    return status is None or status.exists


def fix_choices(
    platform: Platform, moves: Sequence[ClusterMove], catalog: Catalog, final_versions: Mapping[str, str]
) -> tuple[Choices, list[ChoiceChange]]:
    """Switch choices the target cannot serve to an option valid for every cluster's final version."""
    if not any(m.direction != 0 for m in moves):
        return platform.choices, []
    choices = platform.choices
    changes: list[ChoiceChange] = []
    versions = sorted(set(final_versions.values()), key=Version.parse)
    targets = sorted({m.to_version for m in moves}, key=Version.parse)
    for problem in [p for v in targets for p in catalog.choice_problems(v, choices)]:
        spec = catalog.choices[problem.field]
        before = str(getattr(choices, spec["attr"]))
        if before != str(getattr(platform.choices, spec["attr"])) or any(
            c.field == problem.field for c in changes
        ):
            continue
        for option in spec["options"]:
            candidate = dataclasses.replace(choices, **{spec["attr"]: option})
            if all(
                not [p for p in catalog.choice_problems(v, candidate) if p.field == problem.field]
                for v in versions
            ):
                choices = candidate
                changes.append(ChoiceChange(problem.field, before, str(option), problem.message))
                break
        else:
            raise BumpRefused(
                f"{problem.message}, and no {problem.field} option serves every cluster's Big Bang version "
                f"({', '.join(versions)})",
                hint="bump the clusters that stay behind in the same change",
            )
    return choices, changes
