"""The Rego engine as the checks see it: `CompiledPolicy(modules, entrypoints).query(entrypoint, input)`.

regopy itself never runs in this process (see `sggitops.policy.rego.worker`): a persistent worker
process compiles and evaluates, one per sggitops process, started on first use and restarted after a
crash. A native crash (SIGSEGV), a hang past `QUERY_TIMEOUT`/`COMPILE_TIMEOUT`, or a policy past its
time budget (`sggitops.policy.budget`) raises `RegoEngineFailed` for that policy only, now and on every
later query; the next policy gets a fresh worker and the run goes on.

Cost, measured on the development machine (2 cores, load average 8): the worker starts in ~0.3 s once
per run (Python + regopy import); an empty round trip costs ~0.15 ms and JSON framing ~0.06 ms per
Pod review; 2,000 reviews by gatekeeper-library's privileged-containers template took 4.0-4.3 s
through the worker against 2.5-2.6 s in-process (the rest is the wake-up of the other process on busy
cores). A crash costs one restart plus the recompile of the templates the dead worker held, done
lazily on their next query. The main process never loads regopy (nor its copy of RE2, which clashes
with google-re2's when loaded first).

rego-cpp quirks handled on the worker side: errors are S-expressions, not JSON; a call to an unknown
function only fails at query time; `http.send` and some builtins silently evaluate to undefined; the C
library writes compile errors to stderr unless its log level is NONE. So calls are checked against the
interpreter's builtins before compiling, and every error becomes a typed exception.
"""

from __future__ import annotations

import atexit
import itertools
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sggitops.policy import budget
from sggitops.policy.budget import ENGINE_FAILED
from sggitops.policy.rego import calls
from sggitops.policy.rego.calls import UNSUPPORTED_CALLS as UNSUPPORTED_CALLS
from sggitops.policy.rego.calls import calls_of as calls_of
from sggitops.policy.rego.calls import defined_names as defined_names
from sggitops.policy.rego.calls import error_messages as error_messages
from sggitops.policy.rego.calls import names_of as names_of
from sggitops.policy.rego.errors import RegoCompileError, RegoError, RegoEvalError, RegoUnsupported


class _Undefined:
    """The result of a query with no value (a rule that did not fire)."""

    def __repr__(self) -> str:
        return "UNDEFINED"


UNDEFINED: Any = _Undefined()

COMPILE_TIMEOUT = 60.0
"""Seconds one compile may take in the worker before it is killed (the library compiles in < 1 s)."""

QUERY_TIMEOUT = 20.0
"""Seconds one query may take in the worker before it is killed (a review takes milliseconds)."""

WORKER_MEMORY = 1 << 30
"""Resident bytes the worker may use while it works on a request (it idles at ~50 MiB)."""


class RegoEngineFailed(RegoEvalError):
    """The engine crashed, hung or used up the time budget on this policy: it is not evaluated."""

    feature = ENGINE_FAILED


def is_builtin(name: str) -> bool:
    """True when regopy knows the builtin function `name` (asked of the worker)."""
    return bool(_client().call(None, {"op": "builtin", "name": name}, QUERY_TIMEOUT))


def check_calls(modules: Mapping[str, str], known: Callable[[str], bool] | None = None) -> None:
    """Raise RegoUnsupported for a call the engine cannot evaluate: external calls, unknown builtins
    (`known` says which builtins exist; by default the worker is asked, which has regopy's own list)."""
    calls.check_calls(modules, known or is_builtin)


class _Died(Exception):
    """The worker ended (a native crash) or was killed (a hang) while serving a request."""


class _Client:
    """The persistent worker process and its pipe; one request at a time (a lock serializes callers)."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self.generation = 0  # bumped at each (re)start: bundles compiled by an older worker are gone

    def new_id(self) -> int:
        return next(self._ids)

    def _start(self) -> subprocess.Popen[bytes]:
        package_root = str(Path(__file__).resolve().parents[3])
        path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p)
        self.generation += 1
        return subprocess.Popen(
            [sys.executable, "-m", "sggitops.policy.rego.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": path},
        )

    def call(self, policy: CompiledPolicy | None, message: dict[str, Any], timeout: float) -> Any:
        """Send one request (compiling `policy` first on a fresh worker); the reply's value, or the
        typed error it names. RegoEngineFailed when the worker dies or hangs."""
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._proc = self._start()
            querying = message["op"] in ("query", "query_many")
            if policy is not None and querying and policy.generation != self.generation:
                self._exchange(policy.compile_request(), COMPILE_TIMEOUT, policy)
                policy.generation = self.generation
            reply = self._exchange(message, timeout, policy)
            if policy is not None and message["op"] == "compile":
                policy.generation = self.generation
            return reply

    def _exchange(self, message: dict[str, Any], timeout: float, policy: CompiledPolicy | None) -> Any:
        proc = self._proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        body = json.dumps(message, separators=(",", ":")).encode("utf-8")
        try:
            proc.stdin.write(len(body).to_bytes(8, "big") + body)
            proc.stdin.flush()
            size = int.from_bytes(self._read(proc, 8, timeout), "big")
            reply = json.loads(self._read(proc, size, timeout))
        except (_Died, BrokenPipeError, OSError) as err:
            reason = self._reap(proc, err, timeout)
            if policy is not None:
                policy.failed = reason
            raise RegoEngineFailed(reason) from None
        return _unpack(reply)

    def _read(self, proc: subprocess.Popen[bytes], size: int, timeout: float) -> bytes:
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        chunks: list[bytes] = []
        while size > 0:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Died(f"no answer within {timeout:g} s")
            if not select.select([fd], [], [], min(left, 0.25))[0]:
                if _resident(proc.pid) > WORKER_MEMORY:
                    raise _Died(f"used more than {WORKER_MEMORY >> 20} MiB of memory")
                continue
            chunk = os.read(fd, min(size, 1 << 20))
            if not chunk:
                raise _Died("the worker ended")
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def _reap(self, proc: subprocess.Popen[bytes], err: BaseException, timeout: float) -> str:
        """Kill and collect the worker; what happened to it, in words."""
        hung = isinstance(err, _Died) and str(err).startswith(("no answer", "used more"))
        if proc.poll() is None:
            proc.kill()
        code = proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()
        self._proc = None
        if hung:
            return f"the Rego engine was stopped on this policy: it {err}"
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"the Rego engine crashed ({name}) on this policy"
        return f"the Rego engine ended unexpectedly (exit {code}) on this policy"

    def close(self) -> None:
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def _resident(pid: int) -> int:
    """Resident bytes of a process (Linux /proc; 0 where it cannot be read)."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _unpack(reply: Mapping[str, Any]) -> Any:
    if "ok" in reply:
        return reply["ok"]
    if reply.get("undefined"):
        return UNDEFINED
    message = str(reply.get("message") or "Rego evaluation failed")
    kind = reply.get("error")
    if kind == "unsupported":
        raise RegoUnsupported(str(reply.get("feature") or "unknown"), message)
    if kind == "compile":
        raise RegoCompileError(message)
    raise RegoEvalError(message)


def _unpack_item(reply: Any) -> Any:
    """One input's reply of a `query_many`: its value, or the error it raised (as a value)."""
    try:
        return _unpack(reply) if isinstance(reply, Mapping) else _unpack({})
    except RegoError as err:
        return err


BATCH = 256
"""Inputs per `query_many` exchange."""

_CLIENT: _Client | None = None
_CLIENT_LOCK = threading.Lock()


QUERY_ALLOWANCE = 0.05
"""Seconds of budget each query adds beyond POLICY_BUDGET (gator-style templates take ~1 ms a review)."""


def _client() -> _Client:
    global _CLIENT
    with _CLIENT_LOCK:
        if _CLIENT is None:
            _CLIENT = _Client()
            atexit.register(_CLIENT.close)
        return _CLIENT


class CompiledPolicy:
    """Rego v1 modules (+ base data) compiled once; `query(entrypoint, input)` evaluates one rule.

    Compiled and evaluated in the worker process; raises RegoUnsupported or RegoCompileError at
    construction as before, and RegoEngineFailed when the engine crashes, hangs or passes the time
    budget on this policy (then on every later query too: a policy that crashed is not retried).
    """

    def __init__(
        self,
        modules: Mapping[str, str],
        entrypoints: Sequence[str],
        *,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        self.entrypoints = tuple(entrypoints)
        self._modules = dict(modules)
        self._data = dict(data) if data else None
        self.failed = ""
        self.generation = -1
        self.seconds = 0.0
        self.queries = 0
        self._id = _client().new_id()
        start = time.perf_counter()
        _client().call(self, self.compile_request(), COMPILE_TIMEOUT)
        self.seconds += time.perf_counter() - start

    def compile_request(self) -> dict[str, Any]:
        return {
            "op": "compile",
            "id": self._id,
            "modules": self._modules,
            "entrypoints": list(self.entrypoints),
            "data": self._data,
        }

    def query(self, entrypoint: str, input_doc: Any) -> Any:
        """The value of `entrypoint` (`package/path/rule`) for `input_doc`; UNDEFINED when it has none."""
        self._spend(1)
        start = time.perf_counter()
        try:
            message = {"op": "query", "id": self._id, "entrypoint": entrypoint, "input": input_doc}
            return _client().call(self, message, QUERY_TIMEOUT)
        finally:
            self.seconds += time.perf_counter() - start

    def query_many(self, entrypoint: str, inputs: Sequence[Any]) -> list[Any]:
        """`query` for every input in a few exchanges with the worker (one per BATCH inputs: the exchange
        costs as much as a query). Each item is the value (UNDEFINED when none) or the RegoError that
        input raised; a crash, hang or spent budget fails every input of the batch and after it."""
        out: list[Any] = []
        for first in range(0, len(inputs), BATCH):
            chunk = list(inputs[first : first + BATCH])
            start = time.perf_counter()
            try:
                self._spend(len(chunk))
                message = {"op": "query_many", "id": self._id, "entrypoint": entrypoint, "inputs": chunk}
                replies = _client().call(self, message, QUERY_TIMEOUT + len(chunk) * QUERY_ALLOWANCE)
            except RegoError as err:
                out += [err] * len(chunk)
                continue
            finally:
                self.seconds += time.perf_counter() - start
            out += [_unpack_item(reply) for reply in replies]
        return out

    def _spend(self, queries: int) -> None:
        """Count `queries` against the time budget, which grows with the work (a fleet of 1,000 clusters
        queries a template tens of thousands of times): past POLICY_BUDGET, a policy averaging over
        QUERY_ALLOWANCE a query is failed."""
        if self.failed:
            raise RegoEngineFailed(self.failed)
        if self.seconds > max(budget.POLICY_BUDGET, self.queries * QUERY_ALLOWANCE):
            self.failed = budget.Budget().message()
            raise RegoEngineFailed(self.failed)
        self.queries += queries
