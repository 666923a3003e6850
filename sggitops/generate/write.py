"""Apply a plan to a repo atomically, owning only the files the lock says are ours.

Rules: a file the lock does not own is never touched; an owned file edited by hand is a conflict
(left alone) unless `force`; owned files no longer planned are removed. Every file is replaced with a
temp file + fsync + rename, and the lock is written last, so a crash leaves each file old or new.

One generate at a time per repo: `apply` holds an exclusive `flock` on `.sggitops-cache/generate.lock`
(released by the kernel when the process ends, even by SIGKILL, so it never goes stale). A second run
waits up to `LOCK_WAIT` seconds (`SGGITOPS_LOCK_WAIT`), then refuses with `GenerateBusy` (exit 1, like
a conflict: nothing written) instead of renaming temp files under the first one.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import os
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sggitops import fsguard
from sggitops.errors import SggitopsError
from sggitops.generate.lock import LOCK_PATH, Lock, digest, read_lock
from sggitops.generate.plan import Plan
from sggitops.paths import CACHE_DIR_NAME, GENERATE_LOCK

try:
    import fcntl
except ImportError:  # Windows: no flock; one generate at a time is then the user's to keep
    fcntl = None  # type: ignore[assignment]


@dataclass
class Changes:
    """What applying a plan does (or would do)."""

    create: list[str] = field(default_factory=list)
    update: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # hand-edited owned files, or unowned files in the way
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.create or self.update or self.remove)


def _read(root: Path, rel: str) -> bytes | None:
    """A file of the repo as it is; None when it is absent or must not be read (a FIFO, a device, a link
    out of the repo: never quoted in a diff)."""
    try:
        return fsguard.read_bytes(root / rel, root)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, fsguard.UnsafePath):
        return None


def _lock_text(plan: Plan, files: Mapping[str, str]) -> str:
    return Lock(version=plan.generator_version, spec_digest=plan.spec_digest, files=dict(files)).render()


def _planned_files(plan: Plan) -> dict[str, str]:
    files = dict(plan.files)
    files[LOCK_PATH] = _lock_text(plan, {p: digest(t) for p, t in plan.files.items()})
    return files


def _owned(root: Path) -> dict[str, str]:
    old = read_lock(root)
    return dict(old.files) if old else {}


def compare(root: Path, plan: Plan) -> Changes:
    """What `apply` would do, without writing."""
    return _compare(root, plan, _planned_files(plan), _owned(root))


def _compare(root: Path, plan: Plan, planned: Mapping[str, str], owned: Mapping[str, str]) -> Changes:
    changes = Changes()
    for path, text in sorted(planned.items()):
        current = _read(root, path)
        wanted = text.encode("utf-8")
        if current is None:
            changes.create.append(path)
        elif current == wanted:
            changes.unchanged += 1
        elif path == LOCK_PATH or owned.get(path) == digest(current):
            changes.update.append(path)
        else:
            changes.update.append(path)
            changes.conflicts.append(path)
    for path in sorted(set(owned) - set(plan.files)):
        current = _read(root, path)
        if current is None:
            continue
        changes.remove.append(path)
        if digest(current) != owned[path]:
            changes.conflicts.append(path)
    return changes


def diff(root: Path, plan: Plan, *, context: int = 3) -> str:
    """A unified diff from the repo on disk to the plan (removed owned files included)."""
    owned = _owned(root)
    chunks: list[str] = []
    planned = _planned_files(plan)
    for path in sorted(set(planned) | (set(owned) - set(plan.files))):
        current = _read(root, path)
        before = current.decode("utf-8", "replace") if current is not None else ""
        after = planned.get(path, "")
        if path not in planned and current is None:
            continue
        if before == after:
            continue
        chunks.extend(
            difflib.unified_diff(
                before.splitlines(keepends=True),
                after.splitlines(keepends=True),
                fromfile=f"a/{path}" if current is not None else "/dev/null",
                tofile=f"b/{path}" if path in planned else "/dev/null",
                n=context,
            )
        )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in chunks
    )


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temp file in the same directory, fsync, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


RUN_LOCK = f"{CACHE_DIR_NAME}/{GENERATE_LOCK}"
"""The file whose flock makes one generate at a time per repo (ignored by git checks like the cache)."""


def _lock_wait() -> float:
    try:
        return max(0.0, float(os.environ.get("SGGITOPS_LOCK_WAIT", "10")))
    except ValueError:
        return 10.0


class GenerateBusy(SggitopsError):
    """Another sggitops run is writing this repo (exit 1: nothing was written)."""

    exit_code = 1


@contextlib.contextmanager
def repo_lock(root: Path, wait: float | None = None) -> Iterator[None]:
    """Hold the repo's generate lock; GenerateBusy when another process keeps it past `wait` seconds."""
    path = root / RUN_LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(
        path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0), 0o644
    )
    try:
        deadline = time.monotonic() + (_lock_wait() if wait is None else wait)
        while fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as err:
                if err.errno not in (errno.EWOULDBLOCK, errno.EAGAIN) or time.monotonic() >= deadline:
                    raise GenerateBusy(
                        f"another sggitops generate or bump is writing {root} (it holds {RUN_LOCK}); "
                        "nothing was written: wait for it to finish, then run again"
                    ) from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)  # releases the flock


def apply(root: Path, plan: Plan, *, force: bool = False) -> Changes:
    """Bring the repo in line with the plan. Conflicts are left alone (and reported) unless `force`.
    Holds the repo's generate lock throughout (see the module docstring)."""
    with repo_lock(root):
        return _apply(root, plan, force=force)


def _apply(root: Path, plan: Plan, *, force: bool) -> Changes:
    planned, owned = _planned_files(plan), _owned(root)
    changes = _compare(root, plan, planned, owned)
    _remove_stale_temp_files(root, plan)
    skip = set() if force else set(changes.conflicts)
    for path in changes.create + changes.update:
        if path == LOCK_PATH or path in skip:
            continue
        atomic_write(root / path, planned[path].encode("utf-8"))
    for path in changes.remove:
        if path in skip:
            continue
        (root / path).unlink(missing_ok=True)
        _prune_empty_dirs(root, (root / path).parent)
    if skip:
        # Keep the old digests of files we did not touch so they are still reported next time.
        lock_files = {p: digest(t) for p, t in plan.files.items()}
        for path in skip:
            if path in owned:
                lock_files[path] = owned[path]
            else:
                lock_files.pop(path, None)
        atomic_write(root / LOCK_PATH, _lock_text(plan, lock_files).encode("utf-8"))
    elif LOCK_PATH in changes.create + changes.update:
        atomic_write(root / LOCK_PATH, planned[LOCK_PATH].encode("utf-8"))
    _fsync_dir(root)
    return changes


def _remove_stale_temp_files(root: Path, plan: Plan) -> None:
    """Temp files an interrupted run left beside the files it was replacing (`.<name>.<random>.tmp`)."""
    names_by_dir: dict[Path, set[str]] = {}
    for path in [*plan.files, LOCK_PATH]:
        target = root / path
        names_by_dir.setdefault(target.parent, set()).add(target.name)
    for directory, names in names_by_dir.items():
        if not directory.is_dir():
            continue
        for entry in directory.iterdir():
            name = entry.name
            if (
                name.startswith(".")
                and name.endswith(".tmp")
                and name[1:].split(".", 1)[0]
                and any(name.startswith(f".{n}.") for n in names)
            ):
                entry.unlink(missing_ok=True)


def _prune_empty_dirs(root: Path, start: Path) -> None:
    here = start
    while here != root and root in here.parents:
        try:
            here.rmdir()
        except OSError:
            return
        here = here.parent


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
