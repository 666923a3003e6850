"""What a `generate` run did, as findings and prose (the CLI only prints these)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path

from sggitops import fsguard
from sggitops.findings import Finding, Severity
from sggitops.generate import write
from sggitops.generate.lock import read_lock
from sggitops.generate.plan import Plan
from sggitops.generate.write import Changes
from sggitops.redact import scrubber_for_texts
from sggitops.spec.load import SPEC_FILE

EDITED_HINT = "move the change into platform.yaml, or re-run with --force to overwrite it"


def conflict_findings(conflicts: Iterable[str]) -> list[Finding]:
    """drift/edited for each generated file that was edited by hand and left as it is."""
    return [
        Finding(
            path,
            1,
            1,
            "drift/edited",
            Severity.ERROR,
            "generated file was edited by hand; left as it is",
            hint=EDITED_HINT,
        )
        for path in sorted(conflicts)
    ]


def drift_summary(changes: Changes) -> str:
    """One line for `generate --check` when the repo differs from the spec."""
    return (
        f"drift: {len(changes.create)} to create, {len(changes.update)} to update, "
        f"{len(changes.remove)} to remove (run `sggitops generate` and commit the result)"
    )


def apply_summary(files: int, changes: Changes, *, force: bool) -> str:
    """One line for a `generate` that wrote the repo."""
    kept = [] if force else [p for p in changes.conflicts if p in changes.update]
    return (
        f"generated {files} files and the lock: {len(changes.create)} created, "
        f"{len(changes.update) - len(kept)} updated, {len(changes.remove)} removed, {changes.unchanged} unchanged"
        + (f", {len(kept)} left as edited" if kept else "")
    )


def redacted_diff(root: Path, planned: Plan, *, extra: Iterable[str] = (), head: str = "") -> str:
    """`head` + `write.diff` with every credential value of the spec, the plan and the files on disk replaced
    (a values block of platform.yaml lands in the generated values files)."""
    texts: list[str] = [*planned.files.values(), *extra]
    for path in [*sorted(set(planned.files) | set(_owned_paths(root))), SPEC_FILE]:
        with contextlib.suppress(OSError, UnicodeDecodeError):  # never a FIFO, a device or a link out
            texts.append(fsguard.read_text(root / path, root))
    return scrubber_for_texts(texts).scrub(head + write.diff(root, planned))


def _owned_paths(root: Path) -> list[str]:
    lock = read_lock(root)
    return list(lock.files) if lock is not None else []
