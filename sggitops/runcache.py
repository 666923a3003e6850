"""The whole-run cache of `validate`: when nothing a run reads has changed since a previous run with the
same options, that run's findings are the answer, and nothing is parsed, rendered or checked again.

A run's key is a digest over:
- every entry of the repo tree as the validator may read it (path, type, size, mtime, ctime, inode, and
  a symlink's target), except `.git` internals other than `.git/config` (the remotes name "this repo")
  and `.git/HEAD` (the branch: which Applications point at this checkout), and the cache directory
  itself (and the default `.sggitops-cache`): any edit, new file, removal or `chmod` anywhere gives a
  new key;
- the run's options (shard, schema dirs, Kubernetes version, ...) and the environment variables that
  steer checks (`SGGITOPS_*`, and the CI branch variables the repo model reads, `CI_BRANCH_VARIABLES`);
- today's date (exception expiry is judged against it);
- the sggitops code itself (version, and each module's size and mtime) and the kustomize binary;
- the Big Bang mirror when it is a local path (its refs), else its URL.

Reading the tree is a walk of `os.scandir` with `lstat`: a few milliseconds for a thousand files. Runs
that read things the key cannot see (`--app-sources` fetches other repos; `--changed-since` compares
with a git ref) are never served from this cache. Entries are JSON, written atomically; a corrupt or
unreadable entry is a miss.

A cache directory with files tracked by git (`git ls-files` lists them: a merge request committed a
cache, perhaps a poisoned one) is never read: `tracked_files` finds them and the validator then runs
without that directory, with a warning.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sggitops
from sggitops.findings import Finding
from sggitops.model.identity import CI_BRANCH_VARIABLES

FORMAT = "sggitops-run-v1"
DEFAULT_DIR = ".sggitops-cache"
LOCK_NAME = "generate.lock"
SKIP_NAMES = frozenset({".git", "__pycache__"})


@dataclass(frozen=True)
class CachedRun:
    """What a run reports, enough to print every report format again."""

    findings: list[Finding]
    overlays: int
    objects: int
    clusters: list[str]


def _entries(root: Path, skip: frozenset[Path]) -> Iterator[str]:
    """One line per tree entry (sorted walk, no symlink followed)."""
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                items = sorted(it, key=lambda e: e.name)
        except OSError as err:
            yield f"{folder}\0unreadable\0{err.errno}"
            continue
        for entry in items:
            path = Path(entry.path)
            if entry.name in SKIP_NAMES or path in skip:
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            rel = path.relative_to(root).as_posix()
            if entry.is_symlink():
                yield f"{rel}\0link\0{os.readlink(path)}"
            elif entry.is_dir(follow_symlinks=False):
                yield f"{rel}\0dir\0{st.st_mode}"
                stack.append(path)
            else:
                yield f"{rel}\0{st.st_mode}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}"


def _stat_line(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return f"{path}\0missing"
    return f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}"


def _code_lines() -> Iterator[str]:
    package = Path(sggitops.__file__).parent
    yield sggitops.__version__
    for path in sorted(package.rglob("*")):
        if path.suffix in {".py", ".yaml", ".json", ".rego"}:
            yield _stat_line(path)


def _mirror_lines(bigbang_repo: str | None) -> Iterator[str]:
    source = bigbang_repo or os.environ.get("SGGITOPS_BIGBANG_REPO") or ""
    yield source
    path = Path(source)
    if source and path.is_dir():
        yield _stat_line(path / "packed-refs")
        tags = path / "refs" / "tags"
        if not tags.is_dir():
            tags = path / ".git" / "refs" / "tags"
        yield _stat_line(tags)
        yield from (f"{e}" for e in _entries(tags, frozenset()) if tags.is_dir())


def _git_dir(repo: Path) -> Path:
    """The repo's git directory: `.git`, or where a worktree's `.git` file points."""
    dot_git = repo / ".git"
    if dot_git.is_file():
        text = dot_git.read_text("utf-8", "replace").strip()
        if text.startswith("gitdir:"):
            return (repo / text[len("gitdir:") :].strip()).resolve()
    return dot_git


def _git_lines(repo: Path) -> Iterator[str]:
    """`.git/config` (remotes) and `.git/HEAD` (branch or detached commit) as the model reads them."""
    git_dir = _git_dir(repo)
    for name in ("config", "HEAD"):
        path = git_dir / name
        yield path.read_text("utf-8", "replace") if path.is_file() else f"no-git-{name}"


def tracked_files(repo: Path, cache_dir: Path) -> list[str]:
    """Files under `cache_dir` that git tracks in `repo` (none when it is outside the repo or no git)."""
    try:
        rel = cache_dir.resolve().relative_to(repo.resolve())
    except ValueError:
        return []
    if not cache_dir.exists():
        return []
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), "ls-files", "-z", "--", rel.as_posix() or "."],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    if done.returncode != 0:
        return []
    # `generate.lock` (an empty flock file `generate` leaves) holds no data: tracking it is harmless
    return [p for p in done.stdout.decode("utf-8", "replace").split("\0") if p and Path(p).name != LOCK_NAME]


def run_key(repo: Path, cache_dir: Path, options: Any, tools: Iterable[str]) -> str:
    """The digest of everything a validate run reads (see the module docstring)."""
    digest = hashlib.sha256()

    def add(text: str) -> None:
        digest.update(text.encode("utf-8", "surrogateescape"))
        digest.update(b"\n")

    add(FORMAT)
    add(datetime.date.today().isoformat())
    add(json.dumps(options, sort_keys=True, default=str))
    for name in sorted(os.environ):
        if name.startswith("SGGITOPS_"):
            add(f"{name}={os.environ[name]}")
    for name in CI_BRANCH_VARIABLES:
        add(f"{name}={os.environ.get(name, '')}" if name in os.environ else f"{name} unset")
    for line in _code_lines():
        add(line)
    for tool in tools:
        add(_stat_line(Path(tool)) if os.sep in tool else tool)
    for line in _mirror_lines(getattr(options, "bigbang_repo", None)):
        add(line)
    for line in _git_lines(repo):
        add(line)
    # the default cache dir too: scan_repo keeps its source index there whatever --cache-dir says, and a
    # derived cache is no input (else the first warm run would always miss)
    for line in _entries(repo, frozenset({cache_dir.resolve(), (repo / DEFAULT_DIR).resolve()})):
        add(line)
    return digest.hexdigest()


class RunCache:
    """Findings of whole runs, by run key, under `<cache dir>/runs/`."""

    def __init__(self, cache_dir: Path) -> None:
        self.directory = cache_dir / "runs"

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def get(self, key: str) -> CachedRun | None:
        try:
            data = json.loads(self._path(key).read_text("utf-8"))
            return CachedRun(
                findings=[Finding.from_json(item) for item in data["findings"]],
                overlays=int(data["overlays"]),
                objects=int(data["objects"]),
                clusters=[str(c) for c in data["clusters"]],
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, run: CachedRun) -> None:
        data = {
            "findings": [f.to_json() for f in run.findings],
            "overlays": run.overlays,
            "objects": run.objects,
            "clusters": run.clusters,
        }
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
            os.replace(tmp, self._path(key))
            self._prune(keep=key)
        except OSError:
            return  # a read-only cache only costs speed

    def _prune(self, keep: str, limit: int = 32) -> None:
        """Keep the newest `limit` runs: a long-lived cache stays small."""
        entries = sorted(self.directory.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in entries[limit:]:
            if stale.stem != keep:
                stale.unlink(missing_ok=True)
