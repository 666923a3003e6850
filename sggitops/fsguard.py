"""Bounded reads of repo files: what a merge request can plant must not hang, exhaust or escape a run.

A repo under validation is hostile input. Every read goes through `read_bytes`/`read_text`, which
refuse (with `UnsafePath`, an OSError, so every caller's "cannot read" path applies):

- anything but a regular file: a FIFO would block the read forever, `/dev/zero` never ends, a socket or
  device is no manifest;
- a path whose symlinks resolve outside the repo (Argo CD refuses such repos too: its repo server fails
  any app whose repository holds an out-of-bounds symlink);
- a file larger than `MAX_FILE_BYTES` (checked on the open descriptor, and again while reading).

`scan_tree(repo)` walks the whole repo once (`.git` excluded) and turns each such path into a finding
(`build/unsafe-path`, `build/too-large`), listed by a kustomization or not. `check_build(repo, files)`
runs before kustomize gets a root: the files its build reads must be safe, and every YAML document in
them within the alias-expansion and nesting caps of `yamlio` (`build/yaml-bomb`), because kustomize
itself expands an alias bomb until it is killed and reads `/dev/zero` to the end.
"""

from __future__ import annotations

import contextlib
import functools
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from sggitops import yamlio
from sggitops.errors import InputError
from sggitops.findings import Finding, Severity
from sggitops.paths import CACHE_DIR_NAME
from sggitops.rules import Rule

MAX_FILE_BYTES = 16 * 1024 * 1024
"""The largest repo file read (Kubernetes caps an object at ~1.5 MiB; a CRD bundle is a few MiB)."""

DEEP_HINT = 200
"""More `[`/`{` than this, or an indentation deeper than this, and a YAML file is parsed for its depth."""

UNSAFE = "build/unsafe-path"
TOO_LARGE = "build/too-large"
YAML_BOMB = "build/yaml-bomb"

SKIP = frozenset({".git", CACHE_DIR_NAME})


RULES = (
    Rule(
        id="build/unsafe-path",
        severity=Severity.ERROR,
        summary="a FIFO, device, socket or symlink leaving the repo: never read, never built",
    ),
    Rule(
        id="build/too-large",
        severity=Severity.ERROR,
        summary="a repo file over the per-file size cap: never read, never built",
        pinned_by="tests/hostile/test_validate_shapes.py::test_validate_refuses_shape_listed_unlisted_and_as_kustomization",
    ),
    Rule(
        id="build/yaml-bomb",
        severity=Severity.ERROR,
        summary="a YAML document over the alias-expansion or nesting cap: never built",
    ),
)


class UnsafePath(OSError):
    """A path refused by the guard: not a regular file, outside the repo, or too large."""

    def __init__(self, path: str, reason: str, rule: str = UNSAFE) -> None:
        super().__init__(f"{path}: {reason}")
        self.strerror = reason
        self.path = path
        self.reason = reason
        self.rule = rule


@dataclass(frozen=True)
class Refusal:
    """Why one repo path is not read: `rule` is the finding's id, `reason` says what the path is."""

    path: str
    rule: str
    reason: str


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


def _below(path: str, base: str) -> bool:
    return path == base or path.startswith(base.rstrip(os.sep) + os.sep)


def inspect(path: Path, root: Path | None = None, *, max_bytes: int = MAX_FILE_BYTES) -> Refusal | None:
    """Why `path` must not be read, or None (also None when it does not exist: the caller says so)."""
    shown = str(path)
    if root is not None:
        base = realpath(os.fspath(root))
        shown = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
        real = realpath(os.fspath(path))
        if not _below(real, base):
            return Refusal(shown, UNSAFE, f"resolves outside the repo (to {real})")
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        if stat.S_ISDIR(st.st_mode):
            return None
        return Refusal(shown, UNSAFE, f"is {_kind(st.st_mode)}: only regular files are read")
    if st.st_size > max_bytes:
        return Refusal(shown, TOO_LARGE, f"is {st.st_size:,} bytes, over the {max_bytes:,} byte limit")
    return None


_READS: list[dict[tuple[str, str, int], tuple[tuple[int, int, int, int], bytes]]] = []
_REAL_DIRS: list[dict[str, str]] = []  # within a run: directory -> its real path


def realpath(path: str) -> str:
    """`os.path.realpath`; within a run, a file's directory is resolved once (the symlink walk of every
    folder on the way is most of a read's cost) and only the file itself is looked at each time."""
    if not _REAL_DIRS:
        return os.path.realpath(path)
    parent, name = os.path.split(path)
    if name in ("", ".", ".."):
        return os.path.realpath(path)
    dirs = _REAL_DIRS[-1]
    real_parent = dirs.get(parent)
    if real_parent is None:
        real_parent = dirs[parent] = os.path.realpath(parent)
    joined = os.path.join(real_parent, name)
    return os.path.realpath(joined) if os.path.islink(joined) else joined


_READ_MEMO_MAX = 1 << 20  # files up to this size are kept by `reads_memoised`


@contextlib.contextmanager
def reads_memoised() -> Iterator[None]:
    """Within one run, a file read again is served from memory: one `stat` instead of the symlink walk
    and the read (the repo scan, the entry files, the secrets and suppression scans read the same
    files). Only a file accepted before is kept, and only while its size, mtime, ctime and inode stay."""
    _READS.append({})
    _REAL_DIRS.append({})
    try:
        yield
    finally:
        _READS.pop()
        _REAL_DIRS.pop()


def read_bytes(path: Path, root: Path | None = None, *, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes; UnsafePath (an OSError) when `inspect` refuses it or it grows while read."""
    if not _READS:
        return _read_bytes(path, root, max_bytes)
    memo = _READS[-1]
    key = (str(path), str(root), max_bytes)
    try:
        st = os.stat(path)
    except OSError:
        return _read_bytes(path, root, max_bytes)  # says why, as without the memo
    signature = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    hit = memo.get(key)
    if hit is not None and hit[0] == signature:
        return hit[1]
    data = _read_bytes(path, root, max_bytes)
    if len(data) <= _READ_MEMO_MAX and len(data) == st.st_size:
        memo[key] = (signature, data)
    return data


def _read_bytes(path: Path, root: Path | None, max_bytes: int) -> bytes:
    refusal = inspect(path, root, max_bytes=max_bytes)
    if refusal is not None:
        raise UnsafePath(refusal.path, refusal.reason, refusal.rule)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # swapped between the check and the open
            raise UnsafePath(str(path), f"is {_kind(st.st_mode)}: only regular files are read")
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(fd, 1 << 20):
            size += len(chunk)
            if size > max_bytes:
                raise UnsafePath(str(path), f"is over the {max_bytes:,} byte limit", TOO_LARGE)
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text(path: Path, root: Path | None = None, *, max_bytes: int = MAX_FILE_BYTES) -> str:
    """`read_bytes` decoded as UTF-8 (UnicodeDecodeError as `Path.read_text` raises it)."""
    return read_bytes(path, root, max_bytes=max_bytes).decode("utf-8")


def scan_tree(repo: Path, skip: Callable[[str], bool] | None = None) -> list[Refusal]:
    """Every path under `repo` (`.git` and what `skip(rel)` says skipped, symlinks not followed) that
    must not be read."""
    repo = Path(os.path.abspath(repo))
    out: list[Refusal] = []
    for current, dirs, files in os.walk(repo):
        here = os.path.relpath(current, repo)
        dirs[:] = sorted(
            d for d in dirs if d not in SKIP and not (skip and skip(os.path.normpath(os.path.join(here, d))))
        )
        for name in [*files, *(d for d in dirs if os.path.islink(os.path.join(current, d)))]:
            full = Path(current, name)
            try:
                st = os.lstat(full)
            except OSError:
                continue
            mode = st.st_mode
            if stat.S_ISREG(mode) and st.st_size <= MAX_FILE_BYTES:
                continue  # the common case: one lstat
            refusal = inspect(full, repo)
            if refusal is None and stat.S_ISLNK(mode) and not os.path.exists(full):
                continue  # a dangling link inside the repo: whoever follows it reports it missing
            if refusal is not None:
                out.append(refusal)
    return sorted(out, key=lambda r: r.path)


def findings(refusals: Iterable[Refusal]) -> list[Finding]:
    """One finding per refused path, at the path itself."""
    return [
        Finding(
            r.path,
            0,
            0,
            r.rule,
            Severity.ERROR,
            f"`{r.path}` {r.reason}; sggitops does not read it",
            hint=HINTS[r.rule],
        )
        for r in refusals
    ]


HINTS = {
    UNSAFE: "commit regular files inside the repo only (Argo CD refuses out-of-bounds symlinks too)",
    TOO_LARGE: "split the file, or keep generated bulk out of the GitOps repo",
    YAML_BOMB: "write the values out instead of nesting aliases (an alias bomb) or nesting this deep",
}


def check_build(repo: Path, files: Iterable[str]) -> list[Refusal]:
    """The refusals among the repo-relative `files` one kustomize build reads (missing files pass)."""
    out: list[Refusal] = []
    for rel in files:
        full = repo / rel
        refusal = inspect(full, repo)
        if refusal is None and rel.endswith((".yaml", ".yml", ".json")) and os.path.isfile(full):
            st = os.stat(full)
            refusal = _yaml_refusal(str(full), rel, st.st_size, st.st_mtime_ns, st.st_ino)
        if refusal is not None:
            out.append(Refusal(rel, refusal.rule, refusal.reason))
    return out


@functools.lru_cache(maxsize=4096)
def _yaml_refusal(full: str, rel: str, _size: int, _mtime: int, _ino: int) -> Refusal | None:
    """A refusal when a document of the file expands past the caps (parsed only when it might); memoized
    by the file's stat, since many roots share the same bases."""
    try:
        data = read_bytes(Path(full))
    except UnsafePath as err:
        return Refusal(rel, err.rule, err.reason)
    except OSError:
        return None
    if not _suspicious(data):
        return None
    try:
        for doc in _loader().load_all(data.decode("utf-8", errors="replace")):
            yamlio.check_expansion(doc, rel, rule=YAML_BOMB)
    except InputError as err:
        return Refusal(rel, YAML_BOMB, err.message.removeprefix("the YAML "))
    except RecursionError:
        return Refusal(rel, YAML_BOMB, "nests too deeply to load")
    except (YAMLError, ValueError, TypeError):
        return None  # a syntax error: kustomize reports it with its own message
    return None


def _suspicious(data: bytes) -> bool:
    """True when the bytes might hold an alias bomb (anchors and aliases) or a very deep nesting."""
    if b"&" in data and b"*" in data:
        return True
    if data.count(b"[") + data.count(b"{") > DEEP_HINT:
        return True
    return any(len(line) - len(line.lstrip(b" ")) > DEEP_HINT for line in data.split(b"\n"))


def _loader() -> YAML:
    return YAML(typ="safe")
