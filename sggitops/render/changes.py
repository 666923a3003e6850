"""`--changed-since REF`: which files changed, and which roots read any of them."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import git

from sggitops.errors import ToolError
from sggitops.paths import CACHE_DIR_NAME
from sggitops.render.graph import RepoGraph, scan_repo

TOOL_DIR = f"/{CACHE_DIR_NAME}/"
"""sggitops's own untracked output (the render cache) is never a change."""

HINT_FETCH = (
    "fetch the ref first (`git fetch origin main`); GitLab CI clones shallowly, so set GIT_DEPTH: 0 "
    "or fetch the target branch in the job"
)


def changed_roots(repo: Path | RepoGraph, roots: Iterable[str], changed_files: Iterable[str]) -> set[str]:
    """The roots whose input closure contains any changed file (paths repo-relative, posix)."""
    graph = repo if isinstance(repo, RepoGraph) else scan_repo(repo)
    changed = {Path(os.path.normpath(f)).as_posix() for f in changed_files}
    return {
        r
        for r in roots
        if changed.intersection(graph.closure(r if r in graph.kustomizations else graph.normalize(r)))
    }


def changed_files_since(repo_dir: Path, ref: str) -> set[str]:
    """Files that differ between `ref` and the working tree, untracked ones included, relative to `repo_dir`.

    Both sides of a rename are reported. Files outside `repo_dir` (when it is a subdirectory of the git
    work tree) are left out. ToolError when there is no git repository, no git, or no such ref.
    """
    try:
        repo = git.Repo(repo_dir, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise ToolError(f"{repo_dir} is not in a git repository", hint="run inside a git checkout") from None
    except git.GitCommandNotFound:
        raise ToolError("git is not installed", hint="install git") from None
    try:
        repo.commit(ref)
    except (git.BadName, ValueError, git.GitCommandError):
        raise ToolError(f"git ref `{ref}` does not exist in {repo.working_dir}", hint=HINT_FETCH) from None
    try:
        out = repo.git.diff("--name-only", "-z", "--no-renames", ref, "--", kill_after_timeout=300)
        untracked = repo.untracked_files
    except git.GitCommandError as err:
        raise ToolError(f"git diff {ref} failed: {err.stderr.strip()}", hint=HINT_FETCH) from None
    top = Path(str(repo.working_tree_dir)).resolve()
    base = repo_dir.resolve()
    paths = [p for p in out.split("\0") if p] + [p for p in untracked if TOOL_DIR not in f"/{p}"]
    result = set()
    for p in paths:
        absolute = top / p
        if absolute == base or base in absolute.parents:
            result.add(absolute.relative_to(base).as_posix())
    return result
