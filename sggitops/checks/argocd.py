"""argocd/* rules: every Application as Argo CD's repo-server and API server would see it.

Applications are read from every render and from every repo path an Application or Flux Kustomization
of this repo deploys (app-of-apps is followed; a path not rendered yet is rendered here). A cluster's
AppProjects are those of all its roots. Positions point at the field (`spec.source.path`, ...) in the
source file when it can be found there, else at the Application.

The rules, with PASS/FAIL examples, are declared in `RULES` below.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from sggitops.checks import argocd_rules
from sggitops.checks.appcycles import app_cycles
from sggitops.checks.context import RepoContext
from sggitops.checks.globs import destination_permitted, source_permitted
from sggitops.checks.walk import (
    Edge,
    Fleet,
    Follow,
    Placed,
    RepoPaths,
    Unit,
    is_kind,
    mapping,
    text,
)
from sggitops.findings import Finding, Severity
from sggitops.model import RepoModel, repo_model
from sggitops.model.appsets import unresolved
from sggitops.model.build import app_sources, has_path
from sggitops.model.identity import Identity

GROUP = "argoproj.io"
BRANCHES = frozenset(
    {"head", "main", "master", "develop", "development", "dev", "trunk", "next", "latest", "stable"}
    | {"release", "staging", "production", "prod", "integration"}
)
BRANCH_PREFIXES = (
    "refs/heads/",
    "origin/",
    "feature/",
    "features/",
    "release/",
    "releases/",
    "hotfix/",
    "bugfix/",
)
_RANGE = re.compile(r"[*^~<>=|, ]|(^|\.)[xX](\.|$)")

FieldPath = tuple[str | int, ...]


RULES = argocd_rules.RULES


def check(ctx: RepoContext) -> Iterator[Finding]:
    """Every argocd/* finding (once per cluster; the validator merges clusters of one finding)."""
    model = repo_model(ctx)
    app_edges = _app_edges(model)
    seen: set[Finding] = set()
    for finding in _all(ctx, model.paths, model.identity, model.fleet, app_edges):
        if finding not in seen:
            seen.add(finding)
            yield finding
    yield from _unexpanded(model)


def _unexpanded(model: RepoModel) -> Iterator[Finding]:
    for placed, names in sorted(model.unexpanded.values(), key=lambda v: (v[0].file, v[0].line)):
        clusters = ",".join(sorted({c for u in (placed.unit,) for c in model.cluster_of(u)}))
        yield _finding(
            placed,
            placed.at("spec", "generators"),
            "argocd/appset-unexpanded",
            f"ApplicationSet `{placed.rid.name}` uses generator(s) {', '.join(sorted(set(names)))}, which "
            "cannot be expanded offline: the Applications they make are not checked",
            "declare the clusters in .sggitops.yaml `clusters:`, or use list/git generators of this repo",
            clusters,
            warn=True,
        )


def _all(
    ctx: RepoContext, paths: RepoPaths, own: Identity, fleet: Fleet, app_edges: Follow
) -> Iterator[Finding]:
    for cluster, units in fleet.clusters.items():
        prod = _environment(ctx, cluster) == "prod"
        projects: dict[str, Placed] = {}
        apps: list[Placed] = []
        for unit in units:
            for placed in unit.objects:
                if is_kind(placed.obj, GROUP, "AppProject"):
                    projects.setdefault(placed.rid.name, placed)
                elif is_kind(placed.obj, GROUP, "Application"):
                    apps.append(placed)
        for app in apps:
            yield from _check_app(app, cluster, own, paths, projects, prod=prod)
        yield from _duplicates(apps, cluster)
    yield from app_cycles(fleet, app_edges)


def _app_edges(model: RepoModel) -> Follow:
    def follow(unit: Unit) -> Iterator[Edge]:
        for edge in model.follow(unit):
            if is_kind(edge.source.obj, GROUP, "Application"):
                yield edge

    return follow


def _environment(ctx: RepoContext, cluster: str) -> str:
    for target in ctx.targets.values():
        if target.cluster == cluster and target.environment:
            return target.environment
    if ctx.platform is not None:
        for spec_cluster in ctx.platform.clusters:
            if spec_cluster.name == cluster:
                return spec_cluster.environment
    return ""


def _finding(
    app: Placed,
    where: tuple[str, int, int],
    rule: str,
    message: str,
    hint: str,
    cluster: str,
    *,
    warn: bool = False,
) -> Finding:
    severity = Severity.WARNING if warn else Severity.ERROR
    return Finding(*where, rule, severity, message, hint=hint, cluster=cluster, resource=str(app.rid))


def _check_app(
    app: Placed,
    cluster: str,
    own: Identity,
    paths: RepoPaths,
    projects: Mapping[str, Placed],
    *,
    prod: bool,
) -> Iterator[Finding]:
    name = app.rid.name
    yield from _shape(app, cluster)
    srcs = app_sources(app.obj)
    for where, src in srcs:
        if own.is_this_repo(text(src.get("repoURL"))):
            if has_path(src):
                yield from _path(app, where, src, paths, cluster, other=_other_revision(src, own))
        elif prod:
            problem = revision_problem(text(src.get("targetRevision")))
            if problem:
                yield _finding(
                    app,
                    app.at(*where, "targetRevision"),
                    "argocd/unpinned-revision",
                    f"Application `{name}` on a prod cluster tracks `{text(src.get('repoURL'))}` "
                    f"at a moving revision: targetRevision {problem}",
                    "pin a release tag (v1.4.2) or a full commit SHA",
                    cluster,
                )
    project = text(mapping(app.obj.get("spec")).get("project")) or "default"
    if project == "default":
        yield _finding(
            app,
            app.at("spec", "project"),
            "argocd/default-project",
            f"Application `{name}` is in the `default` project, which permits every source and destination",
            "put it in an AppProject that limits its repos and namespaces",
            cluster,
            warn=True,
        )
    if project not in projects:
        if project != "default":
            yield _finding(
                app,
                app.at("spec", "project"),
                "argocd/project-missing",
                f"Application `{name}` names AppProject `{project}`, which its cluster does not define",
                f"add the AppProject to this cluster's Argo CD manifests, or use one of: "
                f"{', '.join(sorted(projects)) or 'none defined'}",
                cluster,
            )
        return
    yield from _permitted(app, srcs, projects[project], cluster)


def _shape(app: Placed, cluster: str) -> Iterator[Finding]:
    spec = mapping(app.obj.get("spec"))
    name = app.rid.name
    has_one, has_many = isinstance(spec.get("source"), Mapping), bool(spec.get("sources"))
    if has_one == has_many and not (spec.get("sourceHydrator") and not has_one):
        both = has_one and has_many
        yield _finding(
            app,
            app.at("spec", "sources" if both else "spec"),
            "argocd/source-and-sources",
            f"Application `{name}` sets "
            + (
                "both `source` and `sources` (Argo CD ignores `source`)"
                if both
                else "neither `source` nor `sources`"
            ),
            "set exactly one of spec.source and spec.sources",
            cluster,
        )
    dest = mapping(spec.get("destination"))
    if bool(dest.get("name")) == bool(dest.get("server")):
        both = bool(dest.get("name"))
        yield _finding(
            app,
            app.at(*(("spec", "destination", "server") if both else ("spec", "destination"))),
            "argocd/destination-name-and-server",
            f"Application `{name}` destination sets "
            + ("both `name` and `server`" if both else "neither `name` nor `server`"),
            "name the cluster by destination.server or by destination.name, not both",
            cluster,
        )


def _other_revision(src: Mapping[str, Any], own: Identity) -> str:
    """The targetRevision when it names a branch other than this checkout's ("" when it is this one)."""
    revision = text(src.get("targetRevision")).strip()
    branch = revision.removeprefix("refs/heads/")
    if not revision or revision.upper() == "HEAD" or own.is_this_revision(branch):
        return ""
    return revision


def _path(
    app: Placed,
    where: FieldPath,
    src: Mapping[str, Any],
    paths: RepoPaths,
    cluster: str,
    *,
    other: str = "",
) -> Iterator[Finding]:
    raw = text(src.get("path"))
    if unresolved(raw):
        return  # an ApplicationSet template field the expansion could not fill: cannot tell
    key = paths.resolve(raw, absolute_ok=False)
    recurse = mapping(src.get("directory")).get("recurse") is True
    state = paths.state(key, recurse=recurse) if key is not None else None
    if state is not None and not state.problem:
        return
    if state is None:
        problem = f"`{raw}` is absolute" if raw.strip().startswith("/") else f"`{raw}` leaves the repository"
    else:
        problem = state.problem
    unbuildable = state is not None and state.unbuildable
    at = f" in this checkout; the Application tracks `{other}`, which may differ" if other else ""
    yield _finding(
        app,
        app.at(*where, "path"),
        "argocd/path-unbuildable" if unbuildable else "argocd/path-missing",
        f"Application `{app.rid.name}` path {problem}{at}",
        "fix the build of that directory (see its build/* finding)"
        if unbuildable
        else "point the path at a directory of this repo, relative to the repo root",
        cluster,
        warn=bool(other),  # another revision of this repo: cannot tell from this checkout
    )


def _permitted(
    app: Placed, srcs: list[tuple[FieldPath, Mapping[str, Any]]], project: Placed, cluster: str
) -> Iterator[Finding]:
    spec = mapping(project.obj.get("spec"))
    repos = [text(r) for r in spec.get("sourceRepos") or [] if isinstance(r, str)]
    pname = project.rid.name
    for where, src in srcs:
        url = text(src.get("repoURL"))
        if not source_permitted(repos, url):
            yield _finding(
                app,
                app.at(*where, "repoURL"),
                "argocd/source-not-permitted",
                f"Application `{app.rid.name}` source `{url}` is not permitted by AppProject `{pname}` "
                f"(sourceRepos: {', '.join(repos) or 'none'})",
                f"add the repo to AppProject {pname} sourceRepos ({project.file}:{project.line}), or fix repoURL",
                cluster,
            )
    dest = mapping(mapping(app.obj.get("spec")).get("destination"))
    server, dname, namespace = text(dest.get("server")), text(dest.get("name")), text(dest.get("namespace"))
    destinations = [mapping(d) for d in spec.get("destinations") or []]
    if not destination_permitted(destinations, server=server, name=dname, namespace=namespace):
        yield _finding(
            app,
            app.at("spec", "destination"),
            "argocd/destination-not-permitted",
            f"Application `{app.rid.name}` destination {server or dname or '-'} namespace `{namespace}` "
            f"is not permitted by AppProject `{pname}`",
            f"add the destination to AppProject {pname} ({project.file}:{project.line}), or fix the destination",
            cluster,
        )


def revision_problem(revision: str) -> str:
    """Why a targetRevision is not pinned ("" when it is a tag or a full commit SHA)."""
    rev = revision.strip()
    if not rev:
        return "is empty (HEAD)"
    if rev.upper() == "HEAD":
        return "is HEAD"
    if _RANGE.search(rev):
        return f"`{rev}` is a version range"
    lower = rev.lower()
    if lower in BRANCHES or lower.startswith(BRANCH_PREFIXES):
        return f"`{rev}` is a branch"
    return ""


def _duplicates(apps: list[Placed], cluster: str) -> Iterator[Finding]:
    first: dict[tuple[str, str], tuple[Placed, set[str]]] = {}
    for app in apps:
        key = (app.rid.namespace, app.rid.name)
        identity = json.dumps([app.file, app.line, app.col, app.obj], sort_keys=True, default=str)
        if key not in first:
            first[key] = (app, {identity})
            continue
        original, identities = first[key]
        if identity in identities:
            continue
        identities.add(identity)
        yield _finding(
            app,
            app.at("metadata", "name"),
            "argocd/duplicate-app",
            f"Application `{app.rid.namespace or '-'}/{app.rid.name}` is defined twice for one cluster "
            f"(also at {original.file}:{original.line}); only the last one applied survives",
            "rename one of them, or deploy it from one place only",
            cluster,
        )
