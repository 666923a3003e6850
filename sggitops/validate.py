"""`sggitops validate`: discover and render every kustomization root that matters, then run every check
family over the renders and return the findings (the CLI turns them into reports and an exit code).

Steps: load the spec (if any) -> scan the kustomization graph -> choose targets (leaf roots, plus every
path an Argo CD Application or Flux Kustomization of this repo points at), narrowed by --changed-since and
--shard -> render them in parallel through the content-addressed cache -> per-render object checks
(schema, API versions, duplicate ids) and repo-wide families (argocd, flux, bigbang, secrets, policy,
drift) -> sorted, de-duplicated findings.
"""

from __future__ import annotations

import dataclasses
import functools
import shutil
import tempfile
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sggitops import fsguard, suppress, yamlio, yamlstore
from sggitops.checks import families
from sggitops.checks.credentials import repo_scrubber
from sggitops.checks.outcome import flux_variables, merge_clusters, nothing_checked, remote_severity, reported
from sggitops.checks.rules import REGISTRY
from sggitops.context.entries import entry_documents
from sggitops.context.repo import DEFAULT_KUBERNETES_VERSION, RepoContext, Target, normalize_repo_url
from sggitops.context.settings import RunMemo, RunSettings
from sggitops.context.walk import flux_entry_files
from sggitops.errors import InputError
from sggitops.findings import Finding, Severity
from sggitops.model import RepoModel, repo_model
from sggitops.model.identity import Identity, checkout_identity, equivalent_urls
from sggitops.paths import PARSED_FILE, cache_root, cluster_of_root
from sggitops.redact import scrub_findings
from sggitops.render import Renderer, changed_files_since, changed_roots, find_kustomize, scan_repo
from sggitops.render.command import Kustomize
from sggitops.render.graph import RepoGraph
from sggitops.render.kustomization import find_file
from sggitops.render.kustomize import Render
from sggitops.repoconfig import RepoConfig, load_config
from sggitops.resource import ResourceId
from sggitops.roots import parse_shard as parse_shard
from sggitops.roots import pointed_paths, shard_clusters
from sggitops.runcache import DEFAULT_DIR, CachedRun, RunCache, run_key, tracked_files
from sggitops.spec.load import SPEC_FILE
from sggitops.spec.model import Platform
from sggitops.specfile import load_spec

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ValidateOptions:
    changed_since: str | None = None
    shard: tuple[int, int] | None = None  # (index 1-based, total)
    bigbang_repo: str | None = None
    app_sources: bool = False
    strict: bool = False
    kustomize: str | None = None
    jobs: int | None = None
    timeout: float = 120.0
    schema_dirs: tuple[str, ...] = ()
    cache_dir: Path | None = None
    use_cache: bool = True
    kubernetes_version: str | None = None  # for repos without a spec
    helm: str | None = None  # a helm binary for bigbang/render (default: helm on PATH, else helm-python-sdk)


@dataclass
class ValidateResult:
    findings: list[Finding]
    overlays: int  # roots rendered (or taken from the cache)
    objects: int
    seconds: float
    clusters: list[str] = field(default_factory=list)
    renders: dict[str, Render] = field(default_factory=dict)
    model: RepoModel | None = None  # the repo as Flux and Argo CD see it (sggitops.model)


def load_platform(root: Path) -> Platform | None:
    """The repo's spec, or None when it has no platform.yaml (any Kustomize GitOps repo validates)."""
    if not (root / SPEC_FILE).is_file():
        return None
    return load_spec(root / SPEC_FILE, display=SPEC_FILE)


def make_target(root: str, platform: Platform | None, options: ValidateOptions) -> Target:
    name = cluster_of_root(root)
    if platform is not None:
        for cluster in platform.clusters:
            if cluster.name == name:
                return Target(root, name, cluster.kubernetes_version, cluster.role, cluster.environment)
    return Target(root, name, options.kubernetes_version or DEFAULT_KUBERNETES_VERSION)


def identity(root: Path, platform: Platform | None, config: RepoConfig) -> Identity:
    """This checkout: git's remotes and branch, the spec's repo and revision, `.sggitops.yaml`'s."""
    urls = [platform.repo.url] if platform is not None else []
    branches = [platform.repo.revision] if platform is not None else []
    return checkout_identity(root, [*urls, *config.urls], [*branches, *config.branches])


def repo_urls(ident: Identity) -> tuple[str, ...]:
    """URLs (as `normalize_repo_url` spells them) by which Applications / Flux sources mean this repo."""
    return tuple(sorted({normalize_repo_url(u) for canon in ident.urls for u in equivalent_urls(canon)}))


class Validator:
    """One validate run over a repo."""

    def __init__(self, root: Path, options: ValidateOptions, progress: Progress | None = None) -> None:
        self.root = root.resolve()
        self.options = options
        self.progress = progress
        self.notes: list[Finding] = []
        self._ignore_tracked_cache()
        self.plain_locations: dict[tuple[str, ResourceId], tuple[str, int, int]] = {}
        self.entry_files: list[str] = []
        self.entry_errors: list[Finding] = []  # entry files that are not valid YAML

    def _ignore_tracked_cache(self) -> None:
        """A cache dir whose files git tracks came with the commit (perhaps poisoned): never read it."""
        tracked: list[str] = []
        for cache_dir in dict.fromkeys(
            [self.options.cache_dir or self.root / DEFAULT_DIR, self.root / DEFAULT_DIR]
        ):
            tracked = tracked_files(self.root, cache_dir) if self.options.use_cache else []
            if tracked:
                break
        if not tracked:
            return
        scratch = tempfile.mkdtemp(prefix="sggitops-cache-")
        weakref.finalize(self, shutil.rmtree, scratch, True)
        self.options = dataclasses.replace(self.options, cache_dir=Path(scratch), use_cache=False)
        shown = cache_dir.resolve().relative_to(self.root).as_posix()
        self.notes.append(
            Finding(
                shown,
                0,
                0,
                "validate/cache-tracked",
                Severity.WARNING,
                f"the cache directory {shown} has {len(tracked)} file(s) tracked by git (e.g. {tracked[0]});"
                " it was ignored and this run used no cache",
                hint=f"git rm -r --cached {shown} and add it to .gitignore",
            )
        )

    def _say(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def run(self) -> ValidateResult:
        start = time.perf_counter()
        kustomize = find_kustomize(self.options.kustomize)
        runs, key = self._run_cache(kustomize.argv[0], kustomize.version)
        if runs is not None:
            hit = runs.get(key)
            if hit is not None:
                self._say("cached", 1, 1)
                return ValidateResult(
                    hit.findings, hit.overlays, hit.objects, time.perf_counter() - start, hit.clusters
                )
        store = (
            cache_root(self.root, self.options.cache_dir) / PARSED_FILE if self.options.use_cache else None
        )
        with yamlstore.persisted(store), fsguard.reads_memoised():
            result = self._run(start, kustomize)
            # no finding leaves the run, or enters its cache, quoting a secret value of the repo
            self._say("redact", 0, 1)
            scrub = repo_scrubber(
                self.root.resolve(), (o for r in result.renders.values() for o in r.objects)
            )
            result.findings = scrub_findings([*self.notes, *result.findings], scrub)
        if runs is not None:
            runs.put(key, CachedRun(result.findings, result.overlays, result.objects, result.clusters))
        return result

    def _run_cache(self, *tools: str) -> tuple[RunCache | None, str]:
        """The whole-run cache and this run's key; none for runs that read what the key cannot see."""
        options = self.options
        if not options.use_cache or options.app_sources or options.changed_since:
            return None, ""
        cache_dir = cache_root(self.root, options.cache_dir)
        return RunCache(cache_dir), run_key(self.root, cache_dir, dataclasses.asdict(options), tools)

    def context(self, kustomize: Kustomize) -> tuple[RepoContext, RepoModel, RepoConfig]:
        """Render what the controllers would apply and build the repo model: what every family reads
        (and what `rollout` plans from)."""
        self._say("discover", 0, 1)
        platform = load_platform(self.root)
        config = load_config(self.root)
        graph = scan_repo(self.root)
        ident = identity(self.root, platform, config)
        urls = repo_urls(ident)
        renderer = Renderer(
            self.root,
            graph=graph,
            kustomize=kustomize,
            cache_dir=cache_root(self.root, self.options.cache_dir) / "render",
            use_cache=self.options.use_cache,
            timeout=self.options.timeout,
        )
        self.entry_files = flux_entry_files(self.root, graph)
        roots = self._select_roots(graph, platform)
        renders = self._render_closure(renderer, roots, urls, platform)
        targets = {root: make_target(root, platform, self.options) for root in renders}
        ctx = RepoContext(
            repo=self.root,
            graph=graph,
            targets=targets,
            renders=renders,
            platform=platform,
            repo_urls=urls,
            strict=self.options.strict,
            settings=RunSettings(
                bigbang_repo=self.options.bigbang_repo,
                helm=self.options.helm,
                jobs=self.options.jobs,
                timeout=self.options.timeout,
                cache_dir=cache_root(self.root, self.options.cache_dir),
                findings_cache=cache_root(self.root, self.options.cache_dir)
                if self.options.use_cache
                else None,
                app_sources=self.options.app_sources,
                schema_dirs=self.options.schema_dirs,
                repo_level=self.options.shard is None or self.options.shard[0] == 1,
                partial=self.options.shard is not None or bool(self.options.changed_since),
                identity=ident,
                config=config,
            ),
            memo=RunMemo(
                renderer=renderer, plain_locations=self.plain_locations, entry_files=self.entry_files
            ),
        )
        self._say("model", 0, 1)
        model = repo_model(ctx)
        self._adopt(ctx, model, platform, config)
        return ctx, model, config

    def _run(self, start: float, kustomize: Kustomize) -> ValidateResult:
        ctx, model, config = self.context(kustomize)
        graph, renders = ctx.graph, ctx.renders
        targets = ctx.targets
        findings = [
            f for f in self._findings(ctx, graph) if reported(f, config) and not flux_variables(f, ctx, model)
        ]
        repo_level = self.options.shard is None or self.options.shard[0] == 1  # repo-wide findings: once
        findings += (self.entry_errors if repo_level else []) + nothing_checked(ctx, model)
        findings = suppress.apply(findings, suppress.repo_marks(self.root), REGISTRY, repo_level=repo_level)
        return ValidateResult(
            findings=merge_clusters(findings),
            overlays=len(renders),
            objects=sum(len(r.objects) for r in renders.values()),
            seconds=time.perf_counter() - start,
            clusters=sorted({t.cluster for t in targets.values()}),
            renders=renders,
            model=model,
        )

    def _adopt(
        self, ctx: RepoContext, model: RepoModel, platform: Platform | None, config: RepoConfig
    ) -> None:
        """Take the clusters from the model: every render gets the clusters whose walk reaches it, and
        the plain folders and entry files the model reached (Flux and Argo CD apply them) are checked
        like renders."""
        for _cluster, units in sorted(model.fleet.clusters.items()):
            for unit in units:
                if unit.key in ctx.renders or not unit.key.endswith(("/**", ".yaml", ".yml")):
                    continue
                own = tuple(p for p in unit.objects if p.unit == unit.key.removesuffix("/**"))
                for p in own:
                    self.plain_locations[(unit.key, p.rid)] = (p.file, p.line, p.col)
                ctx.renders[unit.key] = Render(unit.key, tuple(dict(p.obj) for p in own), "", 0.0, False)
        targets = {}
        for root in ctx.renders:
            names = model.cluster_of(root)
            base = make_target(root, platform, self.options)
            if not names or base.cluster != root:
                targets[root] = base
                continue
            entry = next((e for e in (config.cluster_named(n) for n in names) if e is not None), None)
            version = (entry.kubernetes_version if entry else "") or base.kubernetes_version
            label = ",".join(names)
            targets[root] = Target(root, label, version)
        ctx.targets = targets

    def _select_roots(self, graph: RepoGraph, platform: Platform | None) -> list[str]:
        leaves = list(graph.leaves)
        if self.options.changed_since:
            # platform.yaml reaches the renders only through the generated files, which change with it
            # (drift checks compare the plan with them); so the changed files pick the roots.
            changed = changed_files_since(self.root, self.options.changed_since) - {SPEC_FILE}
            leaves = sorted(changed_roots(graph, leaves, changed))
        chosen = shard_clusters((cluster_of_root(r) for r in graph.leaves), self.options.shard)
        return [r for r in leaves if cluster_of_root(r) in chosen]

    def _render_closure(
        self, renderer: Renderer, roots: list[str], urls: tuple[str, ...], platform: Platform | None
    ) -> dict[str, Render]:
        """Render the roots, then every in-repo path their Applications / Flux Kustomizations name."""
        renders: dict[str, Render] = {}
        pending = sorted(set(roots))
        chosen = {cluster_of_root(r) for r in roots}
        entry_objects, self.entry_errors = entry_documents(self.root, self.entry_files)
        bootstrap = [p for p in pointed_paths(entry_objects, urls, self.root) if cluster_of_root(p) in chosen]
        pending = sorted(set(pending) | set(bootstrap))
        total = 0
        while pending:
            total += len(pending)
            done_before = len(renders)
            plain = [p for p in pending if find_file(self.root / p) is None]
            for path in plain:
                renders[path] = self._read_plain(path)
            pending = [p for p in pending if p not in plain]
            batch = renderer.render_many(
                pending,
                jobs=self.options.jobs,
                progress=functools.partial(self._render_progress, done_before, total),
            )
            renders.update(batch)
            found: set[str] = set()
            for render in batch.values():
                found |= pointed_paths(render.objects, urls, self.root)
            pending = sorted(p for p in found if p not in renders)
        return renders

    def _read_plain(self, path: str) -> Render:
        """An Argo CD directory source (no kustomization): its manifest files as they are."""

        objects: list[dict[str, Any]] = []
        findings: list[Finding] = []
        for file in sorted((self.root / path).glob("*")):
            if not file.is_file() or file.suffix not in {".yaml", ".yml", ".json"}:
                continue
            rel = file.relative_to(self.root).as_posix()
            try:
                docs = yamlio.load_plain_all(fsguard.read_text(file, self.root), rel)
            except (InputError, OSError, UnicodeDecodeError) as err:
                where = err.location if isinstance(err, InputError) else None
                findings.append(
                    Finding(
                        rel,
                        where.line if where else 1,
                        where.col if where else 1,
                        "build/failed",
                        Severity.ERROR,
                        f"{rel} is not valid YAML: {getattr(err, 'message', err)}",
                        hint="fix the YAML",
                    )
                )
                continue
            for line, col, doc in docs:
                if isinstance(doc, dict) and doc.get("kind"):
                    objects.append(doc)
                    self.plain_locations[(path, ResourceId.of(doc))] = (rel, line, col)
        return Render(path, tuple(objects), "", 0.0, False, tuple(findings))

    def _render_progress(self, base: int, total: int, done: int, _batch_total: int) -> None:
        self._say("render", base + done, total)

    def _findings(self, ctx: RepoContext, graph: RepoGraph) -> Iterator[Finding]:
        repo_level = ctx.settings.repo_level
        static = {(f.file, f.line) for f in graph.findings if f.severity is Severity.ERROR}
        static |= {(file, 0) for file, _line in static}  # an unlocated build failure in that same file
        hermetic = ctx.settings.config.hermetic
        if repo_level:
            yield from (remote_severity(f, hermetic=hermetic) for f in graph.findings)
        for root, render in ctx.renders.items():
            cluster = ctx.targets[root].cluster
            for f in render.findings:
                if f.rule == "build/failed" and (f.file, f.line) in static:
                    continue  # the static finding (remote base, load restrictor) says why, precisely
                if (
                    f.rule == "build/failed"
                    and not hermetic
                    and root in graph.kustomizations
                    and graph.remote_refs(root)
                ):
                    f = dataclasses.replace(  # offline, a build that fetches remote bases cannot be judged
                        f,
                        severity=Severity.WARNING,
                        message=f.message + " (the build fetches remote bases: cannot tell offline)",
                    )
                yield dataclasses.replace(f, cluster=f.cluster or cluster)
        steps = families.FAMILIES
        for i, (name, family) in enumerate(steps, 1):
            self._say(name, i, len(steps))
            for finding in family(ctx):
                if not finding.cluster and not repo_level:
                    continue
                yield finding
