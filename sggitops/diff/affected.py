"""Which leaf overlays a change between two trees affects, and which cluster each overlay belongs to.

A changed file affects every leaf overlay whose input closure reads it (`render.changed_roots`), on
either side. `platform.yaml` is read by no kustomization, so a change to it counts through the plan: the
files whose planned text differs between the two specs are added to the changed files. When those files
were regenerated and committed they are already in the git diff; when they were not, the overlays that
would change are still rendered (they show what the committed files deploy) and a note says so.

Planning is skipped when both sides' lock records this generator version and the digest of that side's
`platform.yaml`: the committed files are then the plan (hand edits aside: drift/* reports those), so
every planned difference is already a file in the git diff.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sggitops import __version__, fsguard
from sggitops.diff.trees import Tree
from sggitops.errors import InputError
from sggitops.generate.lock import read_lock
from sggitops.generate.plan import plan_repo
from sggitops.render import RepoGraph, changed_roots
from sggitops.spec.load import SPEC_FILE, spec_digest


def regenerated(tree: Tree) -> bool:
    """Whether the lock says the committed files were generated from this spec by this generator."""
    try:
        lock = read_lock(tree.path)
        text = fsguard.read_text(tree.path / SPEC_FILE, tree.path)
        return lock is not None and lock.version == __version__ and lock.spec_digest == spec_digest(text)
    except (InputError, OSError, UnicodeDecodeError):
        return False


def planned_changes(base: Tree, head: Tree) -> tuple[set[str], list[str]]:
    """Files whose planned text differs between the two specs, and notes (a spec that does not load,
    or planned files that the head side did not regenerate). Empty when both sides are regenerated."""
    if regenerated(base) and regenerated(head):
        return set(), []
    planned: list[dict[str, str]] = []
    notes: list[str] = []
    for side, tree in (("base", base), ("head", head)):
        if not (tree.path / SPEC_FILE).is_file():
            planned.append({})
            continue
        try:
            planned.append(dict(plan_repo(tree.path)[1].files))
        except InputError as err:
            planned.append({})
            notes.append(f"{SPEC_FILE} on the {side} side does not load ({err.message}); not planned")
    before, after = planned
    changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
    stale = sorted(p for p, text in after.items() if p in changed and _read(tree_file(head, p)) != text)
    if stale:
        notes.append(
            f"{len(stale)} generated file(s) on the head side differ from what its {SPEC_FILE} plans "
            f"(first: {stale[0]}); the diff shows the committed files: run `sggitops generate` and commit"
        )
    return changed, notes


def tree_file(tree: Tree, rel: str) -> str:
    return str(tree.path / rel)


def _read(path: str) -> str | None:
    try:
        return fsguard.read_text(Path(path))
    except (OSError, UnicodeDecodeError):
        return None


def affected_leaves(graphs: Iterable[RepoGraph], changed: Iterable[str]) -> list[set[str]]:
    """For each side's graph, its leaf overlays whose input closure reads a changed file; a leaf that
    is affected on one side is rendered on the other too, when it exists there."""
    graph_list = list(graphs)
    files = set(changed)
    hit: set[str] = set()
    for graph in graph_list:
        hit |= changed_roots(graph, graph.leaves, files)
    return [{leaf for leaf in graph.leaves if leaf in hit} for graph in graph_list]
