"""Inline suppression: `# sggitops: ignore[rule-id]` (or `ignore[a/b, c/d]`) on the offending line of a
repo file, or alone on the line above it, suppresses the findings of those rules at that line.

Applied once, after every finding is made (`apply`). A suppressed finding is never dropped silently: each
comment that suppressed something yields one info finding (`suppress/applied`) that counts and names
what it hid. A comment naming a rule id the registry does not know is a warning (`suppress/unknown-rule`).
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sggitops import fsguard
from sggitops.findings import Finding, Severity
from sggitops.render.ignore import ignored
from sggitops.rules import Rule

MARK = re.compile(r"#\s*sggitops:\s*ignore\[([^\]]*)\]")
SUFFIXES = (".yaml", ".yml")
SKIP_DIRS = frozenset({"node_modules", "vendor"})

RULES = (
    Rule(
        id="suppress/unknown-rule",
        severity=Severity.WARNING,
        summary="a `# sggitops: ignore[...]` comment names a rule id that does not exist (nothing is suppressed)",
        passing="replicas: 1  # sggitops: ignore[schema/invalid]",
        failing="replicas: 1  # sggitops: ignore[schema/invalidd]",
    ),
    Rule(
        id="suppress/applied",
        severity=Severity.INFO,
        summary="findings a `# sggitops: ignore[...]` comment suppressed (counted, never silently dropped)",
        passing="kind: Secret  # sggitops: ignore[secrets/plaintext]",
    ),
)


@dataclass(frozen=True)
class Mark:
    """One ignore comment: the rule ids it names and the lines it covers (its own, and the next one
    when the comment stands alone on its line)."""

    file: str
    line: int
    col: int
    rules: tuple[str, ...]
    lines: tuple[int, ...]


def marks_in(file: str, text: str) -> Iterator[Mark]:
    """The ignore comments of one file (1-based lines)."""
    if "sggitops:" not in text:
        return
    for number, line in enumerate(text.splitlines(), start=1):
        match = MARK.search(line)
        if match is None:
            continue
        rules = tuple(r.strip() for r in match.group(1).split(",") if r.strip())
        alone = not line[: match.start()].strip()
        yield Mark(file, number, match.start() + 1, rules, (number, number + 1) if alone else (number,))


def repo_marks(repo: Path) -> list[Mark]:
    """Every ignore comment in the repo's YAML files (hidden and vendored directories skipped; files
    fsguard refuses are not read: the repo scan reports them)."""
    out: list[Mark] = []
    for current, dirs, files in os.walk(repo):
        here = Path(current).relative_to(repo)
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and d not in SKIP_DIRS and not ignored(repo, (here / d).as_posix())
        )
        for name in sorted(files):
            if not name.endswith(SUFFIXES) or ignored(repo, (here / name).as_posix()):
                continue
            path = Path(current) / name
            try:
                text = fsguard.read_text(path, repo)
            except (OSError, UnicodeDecodeError):
                continue
            out += marks_in(path.relative_to(repo).as_posix(), text)
    return out


def apply(
    findings: Iterable[Finding], marks: Iterable[Mark], known: Collection[str], *, repo_level: bool = True
) -> list[Finding]:
    """`findings` without those a mark suppresses, plus one `suppress/applied` info per mark that hid
    something and, when `repo_level` (shard 1 of N, or no sharding: a repo-wide finding is made once),
    one `suppress/unknown-rule` warning per unknown id."""
    index: dict[tuple[str, int, str], Mark] = {}
    out: list[Finding] = []
    for mark in marks:
        for rule in mark.rules:
            if rule not in known:
                if repo_level:
                    out.append(_unknown(mark, rule))
                continue
            for line in mark.lines:
                index.setdefault((mark.file, line, rule), mark)
    hidden: dict[Mark, list[Finding]] = defaultdict(list)
    for finding in findings:
        hit = index.get((finding.file, finding.line, finding.rule))
        if hit is None or finding.rule.startswith("suppress/"):
            out.append(finding)
        else:
            hidden[hit].append(finding)
    out += [_applied(mark, found) for mark, found in hidden.items()]
    return out


def _unknown(mark: Mark, rule: str) -> Finding:
    return Finding(
        mark.file,
        mark.line,
        mark.col,
        "suppress/unknown-rule",
        Severity.WARNING,
        f"`# sggitops: ignore[...]` names `{rule}`, which is no rule id: it suppresses nothing",
        hint="fix the id (see the rule table in README.md)",
    )


def _applied(mark: Mark, found: list[Finding]) -> Finding:
    rules = ", ".join(sorted({f.rule for f in found}))
    count = f"{len(found)} finding" + ("" if len(found) == 1 else "s")
    return Finding(
        mark.file,
        mark.line,
        mark.col,
        "suppress/applied",
        Severity.INFO,
        f"{count} suppressed by this comment ({rules}): {found[0].message}",
    )
