"""Paths validate does not scan: what git ignores (Flux and Argo CD read the committed tree, never a
local venv or build output), and `.sggitopsignore` at the repo root (test fixtures, vendored trees).

`.sggitopsignore` has one pattern a line (`#` comments, blank lines ignored), matched against
repo-relative POSIX paths with fnmatch; a pattern ending in `/` (or naming a directory) covers
everything below it. Git's ignored paths come from one bounded `git ls-files` per repo and run.
"""

from __future__ import annotations

import fnmatch
import subprocess
from functools import lru_cache
from pathlib import Path

from sggitops import fsguard

IGNORE_FILE = ".sggitopsignore"


@lru_cache(maxsize=64)
def _patterns(repo: Path) -> tuple[str, ...]:
    try:
        text = fsguard.read_text(repo / IGNORE_FILE, repo)
    except (OSError, UnicodeDecodeError):
        return ()
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line.strip("/") if line != "/" else line)
    return tuple(out)


@lru_cache(maxsize=64)
def _git_ignored(repo: Path) -> frozenset[str]:
    """Untracked paths git ignores (directories collapsed); none outside a git work tree."""
    try:
        done = subprocess.run(
            [
                "git",
                "-C",
                str(repo),
                "ls-files",
                "--others",
                "--ignored",
                "--exclude-standard",
                "--directory",
                "-z",
            ],
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    if done.returncode != 0:
        return frozenset()
    return frozenset(p.decode("utf-8", "replace").rstrip("/") for p in done.stdout.split(b"\0") if p)


@lru_cache(maxsize=64)
def _resolved(repo: Path) -> Path:
    return repo.resolve()


def ignored(repo: Path, rel: str) -> bool:
    """Whether a repo-relative path (file or directory) is ignored by git or covered by `.sggitopsignore`."""
    rel = rel.strip("/")
    if not rel or rel == ".":
        return False
    where = _resolved(repo)
    git_ignored = _git_ignored(where)
    if git_ignored:
        cut = len(rel)
        while cut > 0:  # the path, then each folder above it
            if rel[:cut] in git_ignored:
                return True
            cut = rel.rfind("/", 0, cut)
    for pattern in _patterns(where):
        if fnmatch.fnmatchcase(rel, pattern) or rel.startswith(pattern + "/"):
            return True
    return False
