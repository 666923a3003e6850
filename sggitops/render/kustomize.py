"""Render kustomization roots with the real kustomize: cached, in parallel, failures as findings.

`Renderer(repo).render(root)` returns a `Render` (the objects as plain dicts in kustomize's output order,
the YAML text, seconds, whether it came from the cache). A build that fails or times out is not an
exception: it is a `build/failed`, `build/timeout`, `build/memory-limit` or `build/output-limit` Finding
on the Render, mapped to the file that caused it. A root whose inputs fsguard refuses (a FIFO, a device,
a symlink out of the repo, an oversized file, an alias bomb) is not built at all (`render.guard`). Only a
missing or broken tool raises (ToolError, exit 4).
"""

from __future__ import annotations

import os
import posixpath
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sggitops import yamlio
from sggitops.errors import InputError
from sggitops.findings import Finding, Severity
from sggitops.render.cache import FileDigests, RenderCache, cache_key, default_cache_dir
from sggitops.render.command import CommandLimit, CommandTimeout, Kustomize, find_kustomize
from sggitops.render.failure import explain
from sggitops.render.graph import RepoGraph, scan_repo
from sggitops.render.guard import refused_build
from sggitops.rules import Rule

DEFAULT_TIMEOUT = 120.0
Progress = Callable[[int, int], None]


RULES = (
    Rule(
        id="build/failed",
        severity=Severity.ERROR,
        summary="kustomize build failed",
    ),
    Rule(
        id="build/timeout",
        severity=Severity.ERROR,
        summary="kustomize build took longer than the timeout",
        pinned_by="tests/integration/test_render.py::test_timeout_is_a_finding",
    ),
    Rule(
        id="build/memory-limit",
        severity=Severity.ERROR,
        summary="a build stopped at its memory limit",
        pinned_by="tests/hostile/test_engines.py::test_kustomize_past_a_limit_is_a_build_finding",
    ),
    Rule(
        id="build/output-limit",
        severity=Severity.ERROR,
        summary="a build stopped at its output size cap",
        pinned_by="tests/hostile/test_engines.py::test_kustomize_past_a_limit_is_a_build_finding",
    ),
)


@dataclass(frozen=True)
class Render:
    """The result of building one root. `objects` is empty when the build failed (see `findings`)."""

    root: str
    objects: tuple[dict[str, Any], ...]
    text: str
    seconds: float
    cached: bool
    findings: tuple[Finding, ...] = ()
    key: str = ""

    @property
    def ok(self) -> bool:
        return not any(f.severity is Severity.ERROR for f in self.findings)


class Renderer:
    """Builds roots of one repo. Thread-safe: `render_many` calls `render` from a thread pool."""

    def __init__(
        self,
        repo: Path,
        *,
        graph: RepoGraph | None = None,
        kustomize: Kustomize | None = None,
        cache_dir: Path | None = None,
        use_cache: bool = True,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.repo = repo.resolve()
        self.graph = graph if graph is not None else scan_repo(self.repo)
        self.kustomize = kustomize if kustomize is not None else find_kustomize()
        self.cache = RenderCache(cache_dir or default_cache_dir(self.repo)) if use_cache else None
        self.timeout = timeout
        self.digests = FileDigests(self.repo)
        self._done: dict[str, Render] = {}  # renders of this run: a root is built or read at most once
        self._shared: dict[
            str, Future[tuple[str, tuple[dict[str, Any], ...]] | None]
        ] = {}  # content key -> (text, objects)
        self._lock = threading.Lock()

    def key(self, root: str) -> str:
        """The content-addressed cache key of `root`; empty when the build is not hermetic (remote refs)."""
        if self.graph.remote_refs(root):
            return ""
        files = self.digests.pairs(self.graph.closure(root))
        return cache_key(self.kustomize.version, self.kustomize.flags, root, files)

    def content_key(self, root: str) -> str:
        """A key over what the build reads *relative to the root*: two roots whose inputs are the same
        files at the same relative paths (fleet overlays naming the same policy bases) build the same
        output, so this run builds it once. Empty when that cannot be told: remote refs, or a symlink in
        the closure (the load restrictor judges where a link leads, which differs per root)."""
        if self.graph.remote_refs(root):
            return ""
        closure = self.graph.closure(root)
        if any(self.digests.linked(f) for f in closure):
            return ""
        files = [(posixpath.relpath(f, root), d) for f, d in self.digests.pairs(closure)]
        return cache_key(self.kustomize.version, self.kustomize.flags, "", files)

    def render(self, root: str | Path) -> Render:
        """Build one root (repo-relative key or path); served from the cache when its inputs are unchanged."""
        name = self.graph.normalize(root)
        if not (self.repo / name).is_dir():
            return self._failed(name, f"kustomize build of {name} failed: directory `{name}` does not exist")
        with self._lock:
            done = self._done.get(name)
        if done is not None:
            return done
        refused = refused_build(self.graph, name)  # FIFOs, escaping links, alias bombs: never built
        key = self.key(name) if self.cache is not None and not refused else ""
        render = Render(name, (), "", 0.0, False, refused) if refused else None
        render = render or self._from_cache(name, key) or self._build_once(name, key)
        with self._lock:
            self._done[name] = render
        return render

    def _from_cache(self, name: str, key: str) -> Render | None:
        if not key or self.cache is None:
            return None
        start = time.monotonic()
        text = self.cache.get(key)
        if text is None:
            return None
        objects = self.cache.get_objects(key)
        if objects is None:
            objects = self._parse(text, name)
            if objects is None:
                return None
            self.cache.put_objects(key, objects)
        return Render(name, objects, text, time.monotonic() - start, True, key=key)

    def _build_once(self, name: str, key: str) -> Render:
        """Build `name`, or take the output of a root with the same content key built in this run (a copy
        of its objects: renders never share mutable data). A failed build is never shared: each root
        gets its own error, with its own paths."""
        content = self.content_key(name)
        if not content:
            return self._build(name, key)
        with self._lock:
            pending = self._shared.get(content)
            owner = pending is None
            if pending is None:
                pending = self._shared[content] = Future()
        if not owner:
            start = time.monotonic()
            shared = pending.result()
            if shared is not None:
                text, kept = shared
                objects = tuple(yamlio.copy_plain(o) for o in kept)
                self._store(key, text, objects)
                return Render(name, objects, text, time.monotonic() - start, False, key=key)
            return self._build(name, key)
        render = None
        try:
            render = self._build(name, key)
        finally:
            ok = render is not None and render.ok and bool(render.objects or render.text)
            kept = tuple(yamlio.copy_plain(o) for o in render.objects) if ok and render else ()
            pending.set_result((render.text, kept) if ok and render else None)
        return render

    def _store(self, key: str, text: str, objects: tuple[dict[str, Any], ...]) -> None:
        if key and self.cache is not None:
            self.cache.put(key, text)
            self.cache.put_objects(key, objects)

    def _build(self, name: str, key: str) -> Render:
        try:
            result = self.kustomize.build(self.repo / name, timeout=self.timeout).run()
        except CommandTimeout as err:
            message = f"kustomize build of {name} timed out after {self.timeout:g} s"
            hint = "raise the timeout, or look for a very large or looping build"
            finding = self._finding(name, "build/timeout", message, hint)
            return Render(name, (), "", err.seconds, False, (finding,))
        except CommandLimit as err:  # memory or output cap: the build is stopped, the run goes on
            hint = "look for a runaway generator or input; see SGGITOPS_TOOL_MEMORY / SGGITOPS_TOOL_OUTPUT"
            finding = self._finding(
                name, f"build/{err.limit}-limit", f"kustomize build of {name}: {err}", hint
            )
            return Render(name, (), "", err.seconds, False, (finding,))
        if result.returncode != 0:
            finding = explain(self.graph, name, result.stderr or result.stdout)
            return Render(name, (), "", result.seconds, False, (finding,))
        objects = self._parse(result.stdout, name)
        if objects is None:
            return self._failed(name, f"kustomize build of {name} printed output that is not valid YAML")
        self._store(key, result.stdout, objects)
        return Render(name, objects, result.stdout, result.seconds, False, key=key)

    def render_many(
        self, roots: Iterable[str | Path], *, jobs: int | None = None, progress: Progress | None = None
    ) -> dict[str, Render]:
        """Render every root (duplicates once) with `jobs` threads; results in the order roots were given.

        `progress(done, total)` is called from the calling thread after each root finishes.
        """
        names = list(dict.fromkeys(self.graph.normalize(r) for r in roots))
        total = len(names)
        workers = max(1, min(jobs or os.cpu_count() or 1, total or 1))
        results: dict[str, Render] = {}
        if workers == 1:
            for done, name in enumerate(names, 1):
                results[name] = self.render(name)
                if progress is not None:
                    progress(done, total)
        else:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="render") as pool:
                futures: dict[Future[Render], str] = {pool.submit(self.render, n): n for n in names}
                try:
                    for done, future in enumerate(as_completed(futures), 1):
                        results[futures[future]] = future.result()
                        if progress is not None:
                            progress(done, total)
                except BaseException:
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise
        return {name: results[name] for name in names}

    def _parse(self, text: str, root: str) -> tuple[dict[str, Any], ...] | None:
        try:
            docs = yamlio.load_plain_all(text, f"{root} (rendered)", keep=False)
        except InputError:
            return None
        return tuple(d for _line, _col, d in docs if isinstance(d, dict))

    def _finding(self, root: str, rule: str, message: str, hint: str) -> Finding:
        k = self.graph.kustomizations.get(root)
        file = (
            k.file
            if k is not None
            else (f"{root}/kustomization.yaml" if root != "." else "kustomization.yaml")
        )
        return Finding(file, 0, 0, rule, Severity.ERROR, message, hint=hint)

    def _failed(self, root: str, message: str) -> Render:
        finding = self._finding(root, "build/failed", message, "fix the path or the kustomization")
        return Render(root, (), "", 0.0, False, (finding,))
