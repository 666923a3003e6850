"""`.sggitopsignore` at the repo root: paths validate does not scan (test fixtures, vendored trees).

One pattern a line (`#` comments, blank lines ignored), matched against repo-relative POSIX paths with
fnmatch; a pattern ending in `/` (or naming a directory) covers everything below it.
"""

from __future__ import annotations

import fnmatch
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


def ignored(repo: Path, rel: str) -> bool:
    """Whether a repo-relative path (file or directory) is covered by `.sggitopsignore`."""
    rel = rel.strip("/")
    if not rel or rel == ".":
        return False
    for pattern in _patterns(repo.resolve()):
        if fnmatch.fnmatchcase(rel, pattern) or rel.startswith(pattern + "/"):
            return True
    return False
