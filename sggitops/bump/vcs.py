"""`--commit` / `--push`: land a bump or a regeneration on its own branch as one commit (gitpython).

Call `ensure_clean(root)` before writing anything: a dirty tree is refused, so the commit holds only
what sggitops wrote. `commit_paths` then creates the branch at HEAD, stages exactly the given paths
(deletions included) and commits; `push_branch` sends the branch to `origin` for the merge request.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import git

from sggitops.bump.bump import BumpPlan, BumpResult
from sggitops.errors import ToolError, UsageError
from sggitops.generate.lock import LOCK_PATH
from sggitops.generate.write import Changes
from sggitops.spec.load import SPEC_FILE


class DirtyTree(UsageError):
    """The working tree has changes; --commit refuses to mix them into its commit."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(f"{message} ({hint})" if hint else message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class CommitInfo:
    branch: str
    sha: str
    paths: tuple[str, ...]
    pushed_to: str | None = None


def _repo(root: Path) -> git.Repo:
    try:
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise UsageError(f"--commit needs a git repository; {root} is not in one") from None
    except git.GitCommandNotFound:
        raise ToolError("git is not installed", hint="install git") from None


def ensure_clean(root: Path) -> None:
    """Refuse (DirtyTree) when the repo has staged or unstaged changes to tracked files or no commit yet."""
    repo = _repo(root)
    if not repo.head.is_valid():
        raise DirtyTree("the repository has no commit yet", hint="commit the current state first")
    if repo.is_dirty(index=True, working_tree=True, untracked_files=False):
        diffs = [*repo.index.diff(None), *repo.index.diff("HEAD")]
        changed = sorted({str(d.a_path or d.b_path) for d in diffs})
        shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
        raise DirtyTree(
            f"the working tree has uncommitted changes ({shown}); nothing was written",
            hint="commit or stash them first, so the bump commit holds only what sggitops writes",
        )


def branch_slug(text: str) -> str:
    """A git branch component: lower case, [a-z0-9._-], no leading/trailing separators."""
    slug = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-.")
    return re.sub(r"\.{2,}", ".", slug) or "x"


def bump_branch(version: str, scopes: Sequence[str] = ()) -> str:
    """`sggitops/bump-bigbang-<version>[-<scope>...]` (scopes are environment or cluster names)."""
    suffix = "".join(f"-{branch_slug(s)}" for s in scopes)
    return f"sggitops/bump-bigbang-{branch_slug(version)}{suffix}"


def generate_branch(spec_digest: str) -> str:
    """`sggitops/generate-<12 hex of the spec digest>`."""
    hexes = spec_digest.split(":", 1)[-1] or hashlib.sha256(spec_digest.encode()).hexdigest()
    return f"sggitops/generate-{hexes[:12]}"


def changed_paths(changes: Changes, *, spec: bool = True) -> list[str]:
    """The repo-relative paths a regeneration touched (plus the spec and the lock)."""
    paths = {*changes.create, *changes.update, *changes.remove, LOCK_PATH}
    if spec:
        paths.add(SPEC_FILE)
    return sorted(paths)


def commit_paths(root: Path, *, branch: str, message: str, paths: Iterable[str]) -> CommitInfo:
    """Create `branch` at HEAD, check it out (the written files come along), and commit exactly `paths`."""
    repo = _repo(root)
    top = Path(str(repo.working_tree_dir)).resolve()
    prefix = root.resolve().relative_to(top)
    wanted = [(prefix / p).as_posix() for p in paths]
    if branch in [h.name for h in repo.heads]:
        raise UsageError(f"branch {branch} already exists; delete it or merge it first")
    try:
        repo.git.checkout("-b", branch)
        repo.git.add("-A", "--", *wanted)
        if not repo.index.diff("HEAD"):
            raise UsageError("nothing to commit: the files are already as sggitops writes them")
        repo.git.commit("-m", message, "--", *wanted)
    except git.GitCommandError as err:
        raise ToolError(f"git failed: {str(err.stderr).strip() or err}", hint="see the git message") from None
    return CommitInfo(branch, str(repo.head.commit.hexsha), tuple(sorted(paths)))


def push_branch(root: Path, info: CommitInfo, *, remote: str = "origin") -> CommitInfo:
    """Push the commit's branch to `remote` (so the merge-request pipeline takes over)."""
    repo = _repo(root)
    if remote not in [r.name for r in repo.remotes]:
        raise UsageError(
            f"--push: the repository has no remote {remote!r} (add it with `git remote add {remote} URL`)"
        )
    try:
        results = repo.remote(remote).push(f"refs/heads/{info.branch}:refs/heads/{info.branch}")
    except git.GitCommandError as err:
        raise ToolError(f"git push to {remote} failed: {str(err.stderr).strip()}") from None
    failed = [r for r in results if r.flags & r.ERROR]
    if failed:
        raise ToolError(f"git push to {remote} failed: {failed[0].summary.strip()}")
    return CommitInfo(info.branch, info.sha, info.paths, pushed_to=remote)


def bump_message(
    version: str, lines: Sequence[str], migrations: Sequence[str], warnings: Sequence[str]
) -> str:
    """Subject `Bump Big Bang to <version>`, then the version changes, every migration and warning."""
    body = ["Version changes:", *(f"- {line}" for line in lines)]
    if migrations:
        body += ["", "Values migrations:", *(f"- {m}" for m in migrations)]
    if warnings:
        body += ["", "Warnings:", *(f"- {w}" for w in warnings)]
    return f"Bump Big Bang to {version}\n\n" + "\n".join(body) + "\n\nWritten by `sggitops bump bigbang`.\n"


def commit_generate(root: Path, changes: Changes, spec_digest: str, *, push: bool = False) -> CommitInfo:
    """`generate --commit`: the regenerated files on `sggitops/generate-<digest>` (call ensure_clean first)."""
    paths = changed_paths(changes, spec=False)
    message = (
        f"Regenerate from platform.yaml ({spec_digest.split(':', 1)[-1][:12]})\n\n"
        + "\n".join(f"- {kind} {p}" for kind, items in _kinds(changes) for p in items)
        + "\n\nWritten by `sggitops generate`.\n"
    )
    info = commit_paths(root, branch=generate_branch(spec_digest), message=message, paths=paths)
    return push_branch(root, info) if push else info


def _kinds(changes: Changes) -> list[tuple[str, list[str]]]:
    return [("create", changes.create), ("update", changes.update), ("remove", changes.remove)]


def commit_bump(root: Path, bump: BumpPlan, result: BumpResult, *, push: bool = False) -> CommitInfo:
    """`bump --commit [--push]`: the spec and the regenerated files as one commit on the bump branch."""
    scopes = [s.name for s in bump.scopes if s.kind != "fleet"]
    lines = [f"{m.cluster} ({m.environment}): {m.from_version} -> {m.to_version}" for m in bump.moved]
    lines += [f"pin {s.label}: {'.'.join(map(str, s.path))} = {bump.target}" for s in bump.scopes]
    lines += [f"choices.{c.field}: {c.before} -> {c.after} ({c.reason})" for c in bump.choice_changes]
    if bump.skipped:
        lines.append(f"skipped minors ({bump.skipped_from}): {', '.join(bump.skipped)}")
    message = bump_message(
        bump.target, lines, [str(m) for m in bump.migrations], [*bump.warnings, *result.warnings]
    )
    info = commit_paths(
        root, branch=bump_branch(bump.target, scopes), message=message, paths=changed_paths(result.changes)
    )
    return push_branch(root, info) if push else info
