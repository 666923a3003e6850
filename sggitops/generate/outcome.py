"""What a `generate` run did, as findings and prose (the CLI only prints these)."""

from __future__ import annotations

from collections.abc import Iterable

from sggitops.findings import Finding, Severity
from sggitops.generate.write import Changes

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
