"""Git refs -> directories to render, and the files that differ between two refs.

A commit is exported once with `git archive` into `<cache_dir>/trees/<commit-sha>/` (no worktree, no
checkout of the user's repo) and reused by every later run: a commit never changes, so the directory is
complete as soon as it exists (it is extracted into a temp directory and renamed into place). The head
side may instead be the working tree as it is, untracked files included.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import git

from sggitops.errors import ToolError
from sggitops.render.changes import HINT_FETCH, TOOL_DIR, changed_files_since
from sggitops.render.command import Command, CommandLimit, CommandTimeout

GIT_TIMEOUT = 300.0
"""Seconds for one git command on the repo (an export of thousands of files takes a few seconds)."""

ARCHIVE_LIMIT = 256 << 20
"""Bytes of tar from one `git archive`: a GitOps repo is a few MiB; more is a bomb or the wrong repo."""

HINT_ARCHIVE = "the repo at that commit is far larger than a GitOps repo should be; check the ref"


@dataclass(frozen=True)
class Tree:
    """One side of a diff: a directory with the repo's files at a commit (or the working tree)."""

    path: Path  # the repo root on this side (inside the export when the repo is a subdirectory)
    commit: str | None  # None for the working tree


def _extract(data: bytes, directory: Path) -> None:
    """Unpack a tar from `git archive`: with the system `tar` when there is one (several times faster on
    thousands of small files), else with tarfile's `data` filter (no links out, no special files)."""
    tar = shutil.which("tar")
    if tar is not None:
        try:
            done = subprocess.run(
                [tar, "-x", "-C", str(directory)],
                input=data,
                capture_output=True,
                check=False,
                timeout=GIT_TIMEOUT,
            )
            if done.returncode == 0:
                return
        except subprocess.TimeoutExpired:
            pass
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
        archive.extractall(directory, filter="data")


class GitRepo:
    """The git repository around a sggitops repo directory (which may be a subdirectory of it)."""

    def __init__(self, repo_dir: Path) -> None:
        try:
            self.git = git.Repo(repo_dir, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise ToolError(
                f"{repo_dir} is not in a git repository", hint="run inside a git checkout"
            ) from None
        except git.GitCommandNotFound:
            raise ToolError("git is not installed", hint="install git") from None
        self.repo_dir = repo_dir.resolve()
        top = Path(str(self.git.working_tree_dir)).resolve()
        self.prefix = self.repo_dir.relative_to(top).as_posix()  # "." at the top

    def resolve(self, ref: str) -> str:
        """The full commit sha of `ref`; ToolError (exit 4) when it does not exist."""
        try:
            return str(self.git.commit(ref).hexsha)
        except (git.BadName, ValueError, git.GitCommandError):
            raise ToolError(
                f"git ref `{ref}` does not exist in {self.git.working_dir}", hint=HINT_FETCH
            ) from None

    def export(self, sha: str, trees_dir: Path) -> Tree:
        """The commit's files under `trees_dir/<sha>/` (exported on first use, then reused)."""
        target = trees_dir / sha
        if not target.is_dir():
            self._archive(sha, target)
        root = target if self.prefix == "." else target / self.prefix
        root.mkdir(parents=True, exist_ok=True)  # the subdirectory did not exist at that commit
        return Tree(root, sha)

    def _archive(self, sha: str, target: Path) -> None:
        paths = [] if self.prefix == "." else ["--", self.prefix]
        argv = ("git", "-C", str(self.git.working_dir), "archive", "--format=tar", sha, *paths)
        try:  # bounded: time, memory and output (a blob of zeros compresses to nothing in git)
            done = Command(argv, timeout=GIT_TIMEOUT, retcodes=None, max_output=ARCHIVE_LIMIT).run()
        except (CommandTimeout, CommandLimit) as err:
            raise ToolError(f"git archive {sha[:12]} stopped: {err}", hint=HINT_ARCHIVE) from None
        data = done.raw
        if done.returncode != 0:
            if self.prefix != "." and "did not match any files" in done.stderr:
                data = b""
            else:
                raise ToolError(f"git archive {sha[:12]} failed: {done.stderr.strip()}") from None
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{sha[:12]}-", dir=target.parent))
        try:
            if data:
                _extract(data, tmp)
            os.replace(tmp, target)
        except OSError as err:
            shutil.rmtree(tmp, ignore_errors=True)
            if not target.is_dir():  # another process may have won the race: its copy is as good
                raise ToolError(f"cannot write the tree of {sha[:12]} to {target}: {err}") from None
        except tarfile.TarError as err:
            shutil.rmtree(tmp, ignore_errors=True)
            raise ToolError(f"git archive {sha[:12]} gave an unreadable tar: {err}") from None

    def is_clean_at(self, sha: str) -> bool:
        """The working tree is exactly the commit `sha`: HEAD is it, nothing modified, staged, untracked
        or ignored (except sggitops's own cache), so it can be rendered in place of an export."""
        if str(self.git.head.commit.hexsha) != sha:
            return False
        scope = [] if self.prefix == "." else ["--", self.prefix]
        try:
            out = self.git.git.status(
                "--porcelain",
                "-z",
                "--ignored",
                "--untracked-files=normal",
                *scope,
                kill_after_timeout=GIT_TIMEOUT,
            )
        except git.GitCommandError:
            return False
        entries = [e[3:] for e in out.split("\0") if len(e) > 3]
        return all(TOOL_DIR in f"/{path}" for path in entries)

    def changed_files(self, base: str, head: str | None) -> set[str]:
        """Files that differ between two commits (head None: the working tree, untracked included),
        relative to the repo directory; both sides of a rename; sggitops's own cache never counts."""
        if head is None:
            return changed_files_since(self.repo_dir, base)
        scope = [] if self.prefix == "." else [self.prefix]
        try:
            out = self.git.git.diff(
                "--name-only", "-z", "--no-renames", base, head, "--", *scope, kill_after_timeout=GIT_TIMEOUT
            )
        except git.GitCommandError as err:
            raise ToolError(f"git diff {base[:12]} {head[:12]} failed: {str(err.stderr).strip()}") from None
        result = set()
        for path in (p for p in out.split("\0") if p):
            if TOOL_DIR in f"/{path}":
                continue
            result.add(path if self.prefix == "." else Path(path).relative_to(self.prefix).as_posix())
        return result
