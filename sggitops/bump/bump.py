"""`sggitops bump bigbang VERSION`: plan the spec edit, then write, regenerate and check it.

`plan_bump` reads `platform.yaml` and returns a `BumpPlan` (the new spec text, what moves from which
version, the values migrations with the lines they touched, skipped minors, warnings); it writes
nothing. `apply_bump` writes the spec atomically, regenerates the repo, validates each moved cluster's
merged values against the target's real chart schema and returns the changes and the rendered diff.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sggitops.bigbang.catalog import key_of, load_catalog
from sggitops.bigbang.version import Version, VersionError
from sggitops.bump import spec_edit
from sggitops.bump.check import check_values, rendered_diff
from sggitops.bump.keep import Dropped, keep_everything
from sggitops.bump.migrate import BlockMigration, ChoiceChange, fix_choices, migrate_blocks
from sggitops.bump.plan import (
    BumpRefused,
    ClusterMove,
    Scope,
    check_direction,
    cluster_moves,
    default_source,
    release_tags,
    resolve_scopes,
    skipped_minors,
)
from sggitops.bump.yamltext import Quoted
from sggitops.errors import GenerateConflict
from sggitops.generate import write
from sggitops.generate.outcome import redacted_diff
from sggitops.generate.plan import plan
from sggitops.paths import cache_root
from sggitops.spec.load import SPEC_FILE, read_spec_text, spec_digest
from sggitops.spec.resolve import cluster_version
from sggitops.specfile import parse_spec


@dataclass(frozen=True)
class MigrationNote:
    """One values key moved or dropped in the spec, with where it was (old file) and is (new file)."""

    block: str  # e.g. spec.environments.dev.values
    path_before: str
    path_after: str | None
    version: str
    note: str
    line: int
    after_line: int | None = None
    file: str = SPEC_FILE

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        if self.path_after is None:
            return (
                f"{where}: {self.block}.{self.path_before} has no equivalent in Big Bang {self.version}; "
                f"it is kept in {self.file}, commented out in place, to re-apply by hand ({self.note})"
            )
        return (
            f"{where}: {self.block}.{self.path_before} moved to {self.block}.{self.path_after} "
            f"(line {self.after_line}) for Big Bang {self.version}: {self.note}"
        )


@dataclass(frozen=True)
class BumpPlan:
    root: Path
    target: str
    spec_before: str
    spec_after: str
    scopes: tuple[Scope, ...]
    moves: tuple[ClusterMove, ...]
    migrations: tuple[MigrationNote, ...]
    choice_changes: tuple[ChoiceChange, ...]
    skipped: tuple[str, ...]
    skipped_from: str  # "tags of <repo>" or "the sggitops catalog"
    warnings: tuple[str, ...]
    source: str  # the Big Bang repo (URL or path) used for tags and the chart schema

    @property
    def changed(self) -> bool:
        return self.spec_before != self.spec_after

    @property
    def moved(self) -> tuple[ClusterMove, ...]:
        return tuple(m for m in self.moves if m.direction != 0)

    def spec_diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.spec_before.splitlines(keepends=True),
                self.spec_after.splitlines(keepends=True),
                fromfile=f"a/{SPEC_FILE}",
                tofile=f"b/{SPEC_FILE}",
            )
        )


@dataclass(frozen=True)
class BumpResult:
    changes: write.Changes
    files_diff: str  # unified diff of the spec and the regenerated files
    rendered: Any  # sggitops.diff.model.DiffResult of the working tree against HEAD, None outside git
    schema_errors: dict[str, list[str]] = field(default_factory=dict)  # cluster -> problems
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not any(self.schema_errors.values())


def plan_bump(
    root: Path,
    target_version: str,
    *,
    environments: Sequence[str] = (),
    clusters: Sequence[str] = (),
    allow_skip: bool = False,
    allow_downgrade: bool = False,
    bigbang_repo: str | None = None,
) -> BumpPlan:
    """Everything the bump would do; raises BumpRefused (exit 2) when it needs a flag or a name is wrong."""
    catalog = load_catalog()
    try:
        target = str(catalog.check_version(target_version))
    except VersionError as err:
        raise BumpRefused(err.message, hint=err.hint) from None
    text = read_spec_text(root / SPEC_FILE, SPEC_FILE)
    platform = parse_spec(text, SPEC_FILE)
    scopes, moving, warnings = resolve_scopes(platform, environments, clusters)
    moves = cluster_moves(platform, moving, target)
    check_direction(moves, allow_downgrade=allow_downgrade)
    source = default_source(platform, bigbang_repo)
    tags = release_tags(source) if any(m.direction != 0 for m in moves) else None
    if tags is not None and Version.parse(target) not in tags:
        raise BumpRefused(f"Big Bang {target} has no release tag in {source}", hint="pick an existing tag")
    skipped = skipped_minors(moves, catalog, tags)
    if skipped and not allow_skip:
        raise BumpRefused(
            f"the bump to {target} skips Big Bang minor release(s) {', '.join(skipped)}",
            hint="Big Bang supports one minor at a time; bump through them, or pass --allow-skip",
        )
    final = {c.name: cluster_version(platform, c.name) for c in platform.clusters}
    final.update({m.cluster: m.to_version for m in moves})
    _choices, choice_changes = fix_choices(platform, moves, catalog, final)
    blocks, block_warnings = migrate_blocks(platform, moves, catalog)
    notes_before = _notes_before(spec_edit.SpecText(text, SPEC_FILE), blocks)
    spec = _edit_spec(text, target, scopes, choice_changes, blocks)
    warnings.extend(f"choices.{c.field}: {c.before} -> {c.after} ({c.reason})" for c in choice_changes)
    parse_spec(spec.text, SPEC_FILE)  # the edited spec must still be a valid platform
    notes = tuple(_with_after_lines(spec, notes_before))
    warnings.extend(block_warnings)
    warnings.extend(f"{n}" for n in notes if n.path_after is None)
    return BumpPlan(
        root=root,
        target=target,
        spec_before=text,
        spec_after=spec.text,
        scopes=tuple(scopes),
        moves=tuple(moves),
        migrations=notes,
        choice_changes=tuple(choice_changes),
        skipped=tuple(skipped),
        skipped_from=f"tags of {source}" if tags is not None else "the sggitops catalog",
        warnings=tuple(warnings),
        source=source,
    )


def _edit_spec(
    text: str,
    target: str,
    scopes: Sequence[Scope],
    choice_changes: Sequence[ChoiceChange],
    blocks: Sequence[BlockMigration],
) -> spec_edit.SpecText:
    """The spec with the version pins, choices and values edited; dropped values kept as comments."""
    spec = spec_edit.SpecText(text, SPEC_FILE)
    for scope in scopes:
        spec.set(scope.path, Quoted(target, spec_edit.version_style(spec)))
    for change in choice_changes:
        spec.set(("spec", "choices", change.field), change.after)
    for migrated in blocks:
        spec_edit.edit_values(spec, migrated.block.path, migrated.values, _renames(migrated))
    return spec_edit.SpecText(keep_everything(text, spec.text, _dropped(blocks), SPEC_FILE), SPEC_FILE)


def _renames(migrated: BlockMigration) -> list[tuple[tuple[str | int, ...], str, str]]:
    """Key moves within one parent mapping (istio -> istioCRDs, addons.anchore -> addons.anchoreEnterprise)."""
    out: list[tuple[tuple[str | int, ...], str, str]] = []
    for m in migrated.migrations:
        if m.path_after is None:
            continue
        old, new = _split(key_of(m.path_before)), _split(key_of(m.path_after))
        if old != new and old[:-1] == new[:-1]:
            out.append(((*migrated.block.path, *old[:-1]), old[-1], new[-1]))
    return out


def _dropped(blocks: Sequence[BlockMigration]) -> list[Dropped]:
    """The values keys with no equivalent at the target: kept in the spec, commented out."""
    return [
        Dropped((*b.block.path, *_split(m.path_before)), len(b.block.path), m.version, m.note)
        for b in blocks
        for m in b.migrations
        if m.path_after is None
    ]


def _split(dotted: str) -> tuple[str, ...]:
    return tuple(dotted.split("."))


def _notes_before(spec: spec_edit.SpecText, blocks: Sequence[BlockMigration]) -> list[MigrationNote]:
    notes: list[MigrationNote] = []
    for migrated in blocks:
        for m in migrated.migrations:
            line = spec.line_of((*migrated.block.path, *_split(m.path_before)))
            notes.append(
                MigrationNote(migrated.block.dotted, m.path_before, m.path_after, m.version, m.note, line)
            )
    return notes


def _with_after_lines(spec: spec_edit.SpecText, notes: Sequence[MigrationNote]) -> list[MigrationNote]:
    out: list[MigrationNote] = []
    for note in notes:
        if note.path_after is None:
            out.append(note)
            continue
        path = (*_block_path(note.block), *_split(note.path_after))
        out.append(
            MigrationNote(
                note.block,
                note.path_before,
                note.path_after,
                note.version,
                note.note,
                note.line,
                spec.line_of(path),
                note.file,
            )
        )
    return out


def _block_path(dotted: str) -> tuple[str | int, ...]:
    path: list[str | int] = []
    for part in dotted.replace("[", ".[").split("."):
        if part.startswith("[") and part.endswith("]"):
            path.append(int(part[1:-1]))
        elif part:
            path.append(part)
    return tuple(path)


def apply_bump(
    root: Path,
    bump: BumpPlan,
    *,
    force: bool = False,
    cache_dir: Path | None = None,
    validate: bool = True,
    helm: str | None = None,
) -> BumpResult:
    """Write the spec, regenerate, validate the moved clusters' values, and diff the rendered output.

    Nothing is written when the spec changed since `plan_bump` or when regeneration would overwrite
    hand-edited owned files (GenerateConflict) and `force` is not given."""
    current = read_spec_text(root / SPEC_FILE, SPEC_FILE)
    if current != bump.spec_before:
        raise BumpRefused(f"{SPEC_FILE} changed since the bump was planned", hint="run the bump again")
    platform = parse_spec(bump.spec_after, SPEC_FILE)
    planned = plan(platform, spec_digest(bump.spec_after))
    changes = write.compare(root, planned)
    if changes.conflicts and not force:
        raise GenerateConflict(
            f"{len(changes.conflicts)} generated file(s) were edited by hand; the bump would overwrite them",
            paths=changes.conflicts,
        )
    files_diff = redacted_diff(
        root, planned, extra=(bump.spec_before, bump.spec_after), head=bump.spec_diff()
    )
    write.atomic_write(root / SPEC_FILE, bump.spec_after.encode("utf-8"))
    changes = write.apply(root, planned, force=force)
    warnings: list[str] = []
    schema_errors: dict[str, list[str]] = {}
    cache = cache_root(root, cache_dir)
    if validate and bump.moved:
        schema_errors, check_warnings = check_values(
            root, [m.cluster for m in bump.moved], bump.target, source=bump.source, cache_dir=cache
        )
        warnings.extend(check_warnings)
    rendered, diff_warnings = rendered_diff(root, cache_dir=cache, bigbang_repo=bump.source, helm=helm)
    warnings.extend(diff_warnings)
    return BumpResult(changes, files_diff, rendered, schema_errors, tuple(warnings))
