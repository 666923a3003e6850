"""Render Helm charts offline (`helm template`): a `helm` binary, else helm-python-sdk in a worker process.

Which renderer: `--helm PATH` (must exist), else `helm` on PATH, else the `helm-python-sdk` package (the
`helm` extra; Helm v4's Go SDK through ctypes, no binary). Neither: `HelmUnavailable` (a ToolError:
exit 4 where the user asked for Helm explicitly, a `bigbang/render` warning in `validate`).

Measured on Big Bang's `chart/` at 3.30.0 (306 templates, 2 shared cores): helm-python-sdk renders it
with default values plus a domain in 0.43 s in-process (chart load 0.02 s); the worker process adds
~0.35 s of interpreter start and import once per batch (a batch of 10 clusters: ~4.7 s, start-up under
10 %). `benchmarks/bench_helm.py`, 100 clusters of a generated fleet, cores busy with other work: a bare
in-process SDK loop 220.7 s, this renderer cold 132.4 s (0.60x, two workers), warm 1.0 s (0.005x,
nothing rendered). No `helm` binary exists where this was measured (nor on runners that only have the
wheel), so the binary path (one process per render) was not timed. The binary is preferred when present
because it is the Helm a site already trusts and pins; the SDK is the fallback because it needs nothing
but pip. The SDK never runs in sggitops's own process: a Go panic or hang in native code would take the
interpreter with it, so it runs in `python -m sggitops.render.helm_worker`, killed at the timeout; a
batch that fails as a whole is retried job by job so one bad render cannot hide the others.

The binary gets `--kube-version` of the cluster, so a chart's `kubeVersion` constraint is checked as on
the cluster; the SDK's render takes no Kubernetes version and skips that one check. Every render is
offline (no repositories, `lookup` returns nothing) and cached under
`<cache dir>/helm/` by sha256 of (helm version, chart digest, values as canonical JSON, release name,
namespace, Kubernetes version): results and template failures alike, so a warm run renders nothing.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sggitops import yamlio
from sggitops.errors import InputError, ToolError
from sggitops.render.cache import write_entry
from sggitops.render.command import OFFLINE_ENV, Command, CommandTimeout

DEFAULT_TIMEOUT = 120.0
WORKER = "sggitops.render.helm_worker"
HINT_INSTALL = (
    "install the helm extra (pip install 'sggitops[helm]': helm-python-sdk), put `helm` on PATH, "
    "or pass --helm PATH"
)
SCHEMA_REFUSAL = "values don't meet the specifications of the schema"


class HelmUnavailable(ToolError):
    """Neither a `helm` binary nor helm-python-sdk is available (or `--helm` names no executable)."""


@dataclass(frozen=True)
class Helm:
    """A renderer: `kind` is `binary` (argv = the helm executable) or `sdk` (argv = the worker command)."""

    kind: str
    argv: tuple[str, ...]
    version: str


@dataclass(frozen=True)
class HelmJob:
    """One `helm template`: `chart_digest` identifies the chart's content (e.g. its git tree sha)."""

    chart: Path
    chart_digest: str
    values: Mapping[str, Any]
    name: str
    namespace: str
    kube_version: str = ""
    salt: str = ""  # a distinct cache key for the same render (a second render, to spot randomness)


@dataclass(frozen=True)
class HelmResult:
    """Rendered objects, or `error` (Helm's message) with `kind`: render | values | load | panic | timeout."""

    objects: tuple[dict[str, Any], ...] = ()
    error: str = ""
    kind: str = ""
    cached: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error


def find_helm(explicit: str | Path | None = None) -> Helm:
    """The renderer by preference (module docstring); HelmUnavailable when there is none."""
    if explicit is not None and str(explicit):
        path = Path(explicit)
        found = str(path) if path.is_file() and os.access(path, os.X_OK) else shutil.which(str(explicit))
        if found is None:
            raise HelmUnavailable(f"--helm {explicit}: no such executable", hint=HINT_INSTALL)
        return Helm("binary", (found,), _binary_version(found))
    found = shutil.which("helm")
    if found is not None:
        return Helm("binary", (found,), _binary_version(found))
    if importlib.util.find_spec("helm_python") is not None:
        version = importlib.metadata.version("helm-python-sdk")
        return Helm("sdk", (sys.executable, "-m", WORKER), f"helm-python-sdk {version}")
    raise HelmUnavailable(
        "no Helm renderer: neither `helm` nor helm-python-sdk is installed", hint=HINT_INSTALL
    )


_versions: dict[str, str] = {}
_versions_lock = threading.Lock()


def _binary_version(path: str) -> str:
    with _versions_lock:
        if path in _versions:
            return _versions[path]
    result = Command(
        (path, "version", "--short"), timeout=30, env=OFFLINE_ENV, exc=HelmUnavailable, hint=HINT_INSTALL
    ).run()
    version = f"helm {result.stdout.strip() or 'unknown'}"
    with _versions_lock:
        _versions[path] = version
    return version


def job_key(helm: Helm, job: HelmJob) -> str:
    """The cache key of one render (module docstring)."""
    h = hashlib.sha256()
    for part in (
        "sggitops-helm-v2",
        helm.version,
        job.chart_digest,
        job.name,
        job.namespace,
        job.kube_version,
        job.salt,
    ):
        h.update(part.encode())
        h.update(b"\n")
    h.update(json.dumps(job.values, sort_keys=True, separators=(",", ":"), default=str).encode())
    return h.hexdigest()


class HelmRenderer:
    """Renders jobs in parallel through the cache. `rendered` counts renders actually run (not cached)."""

    def __init__(
        self, helm: Helm, *, cache_dir: Path | None, timeout: float = DEFAULT_TIMEOUT, jobs: int | None = None
    ) -> None:
        self.helm = helm
        self.cache_dir = cache_dir / "helm" if cache_dir is not None else None
        self.timeout = timeout
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.rendered = 0
        self._lock = threading.Lock()

    def render_many(self, jobs: Sequence[HelmJob]) -> list[HelmResult]:
        """One result per job, in order; identical jobs are rendered once."""
        keys = [job_key(self.helm, job) for job in jobs]
        results: dict[str, HelmResult] = {}
        todo: dict[str, HelmJob] = {}
        for key, job in zip(keys, jobs, strict=True):
            if key in results or key in todo:
                continue
            cached = self._get(key)
            if cached is not None:
                results[key] = cached
            else:
                todo[key] = job
        if todo:
            fresh = self._render(list(todo.values()))
            with self._lock:
                self.rendered += len(todo)
            for key, result in zip(todo, fresh, strict=True):
                if result.kind not in {"timeout", "panic"}:  # a crash may not happen twice: retry it
                    self._put(key, result)
                results[key] = result
        return [results[key] for key in keys]

    def render(self, job: HelmJob) -> HelmResult:
        return self.render_many([job])[0]

    # --- cache -----------------------------------------------------------------------------------

    def _path(self, key: str) -> Path | None:
        return self.cache_dir / key[:2] / f"{key}.json" if self.cache_dir is not None else None

    def _get(self, key: str) -> HelmResult | None:
        path = self._path(key)
        if path is None:
            return None
        start = time.monotonic()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("objects"), list):
            return None
        objects = tuple(o for o in data["objects"] if isinstance(o, dict))
        error, kind = str(data.get("error") or ""), str(data.get("kind") or "")
        return HelmResult(objects, error, kind, cached=True, seconds=time.monotonic() - start)

    def _put(self, key: str, result: HelmResult) -> None:
        path = self._path(key)
        if path is None:
            return
        text = json.dumps(
            {"objects": list(result.objects), "error": result.error, "kind": result.kind},
            separators=(",", ":"),
        )
        write_entry(path, key, text)

    # --- rendering -------------------------------------------------------------------------------

    def _render(self, jobs: list[HelmJob]) -> list[HelmResult]:
        workers = min(self.jobs, len(jobs))
        if self.helm.kind == "binary":
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="helm") as pool:
                return list(pool.map(self._binary, jobs))
        batches = [list(range(i, len(jobs), workers)) for i in range(workers)]
        out: list[HelmResult] = [HelmResult()] * len(jobs)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="helm") as pool:
            done = pool.map(lambda idx: self._sdk([jobs[i] for i in idx]), batches)
            for idx, results in zip(batches, done, strict=True):
                for i, result in zip(idx, results, strict=True):
                    out[i] = result
        return out

    def _sdk(self, jobs: list[HelmJob]) -> list[HelmResult]:
        """Render a batch in one worker; a batch that times out or crashes is retried one job at a time."""
        request = {
            "jobs": [
                {"chart": str(j.chart), "values": dict(j.values), "name": j.name, "namespace": j.namespace}
                for j in jobs
            ]
        }
        start = time.monotonic()
        failure = ""
        kind = "panic"
        try:
            proc = subprocess.run(
                self.helm.argv,
                input=json.dumps(request, default=str),
                capture_output=True,
                text=True,
                timeout=self.timeout * len(jobs),
                check=False,
                env={**os.environ, **OFFLINE_ENV},
            )
            answer = json.loads(proc.stdout) if proc.stdout.strip() else {}
            results = answer.get("results") if isinstance(answer, dict) else None
            if isinstance(answer, dict) and answer.get("fatal"):
                raise HelmUnavailable(str(answer["fatal"]), hint=HINT_INSTALL)
            if isinstance(results, list) and len(results) == len(jobs):
                seconds = (time.monotonic() - start) / len(jobs)
                return [_from_worker(r, seconds) for r in results]
            failure = f"the Helm worker exited with code {proc.returncode}: {proc.stderr.strip()[-2000:]}"
        except subprocess.TimeoutExpired:
            kind, failure = "timeout", f"helm template timed out after {self.timeout:g} s"
        except ValueError:
            failure = "the Helm worker printed something that is not JSON"
        if len(jobs) > 1:
            return [self._sdk([job])[0] for job in jobs]
        return [HelmResult(error=failure, kind=kind, seconds=time.monotonic() - start)]

    def _binary(self, job: HelmJob) -> HelmResult:
        with tempfile.TemporaryDirectory(prefix="sggitops-helm-") as scratch:
            values_file = Path(scratch) / "values.json"
            values_file.write_text(json.dumps(dict(job.values), default=str), encoding="utf-8")
            argv = [*self.helm.argv, "template", job.name, str(job.chart), "--namespace", job.namespace]
            argv += ["--values", str(values_file)]
            if job.kube_version:
                argv += ["--kube-version", job.kube_version]
            env = {**OFFLINE_ENV, "HELM_CACHE_HOME": scratch, "HELM_CONFIG_HOME": scratch}
            try:
                result = Command(tuple(argv), timeout=self.timeout, env=env, retcodes=None).run()
            except CommandTimeout as err:
                return HelmResult(
                    error=f"helm template timed out after {self.timeout:g} s",
                    kind="timeout",
                    seconds=err.seconds,
                )
        if result.returncode != 0:
            message = (result.stderr or result.stdout).strip().removeprefix("Error: ")
            kind = "values" if SCHEMA_REFUSAL in message else "render"
            return HelmResult(error=message, kind=kind, seconds=result.seconds)
        try:
            docs = yamlio.load_plain_all(result.stdout, f"helm template {job.name}", keep=False)
        except InputError as err:
            return HelmResult(error=f"helm printed YAML that does not parse: {err.message}", kind="render")
        objects = tuple(d for _l, _c, d in docs if isinstance(d, dict))
        return HelmResult(objects, seconds=result.seconds)


def _from_worker(entry: Any, seconds: float) -> HelmResult:
    if not isinstance(entry, dict):
        return HelmResult(error="the Helm worker returned a malformed result", kind="panic")
    if "objects" in entry and isinstance(entry["objects"], list):
        return HelmResult(tuple(o for o in entry["objects"] if isinstance(o, dict)), seconds=seconds)
    return HelmResult(
        error=str(entry.get("error") or "unknown Helm error"),
        kind=str(entry.get("kind") or "render"),
        seconds=seconds,
    )
