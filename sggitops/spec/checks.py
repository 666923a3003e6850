"""Checks of a schema-valid spec that JSON Schema cannot express: duplicates, cross references,
and what the pinned Big Bang versions can serve (through the version catalog)."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Any

from sggitops import yamlio
from sggitops.errors import Location, SpecError
from sggitops.findings import Severity
from sggitops.rules import Rule
from sggitops.spec.model import Platform
from sggitops.spec.resolve import cluster_version

RULES = (
    Rule(
        id="spec/reference",
        severity=Severity.ERROR,
        summary="a cross reference (project, cluster, environment, keycloakCluster, policy) that does not resolve",
    ),
    Rule(
        id="spec/duplicate",
        severity=Severity.ERROR,
        summary="a name or domain defined twice",
    ),
    Rule(
        id="spec/version",
        severity=Severity.ERROR,
        summary="a Big Bang or Kubernetes version that is malformed or unknown",
    ),
    Rule(
        id="spec/choice",
        severity=Severity.ERROR,
        summary="a choice the pinned Big Bang version cannot serve",
    ),
    Rule(
        id="spec/package",
        severity=Severity.ERROR,
        summary="an unknown logical package toggle",
    ),
)


def _at(doc: Any, path: list[Any], name: str) -> Location:
    line, col = yamlio.locate(doc, path)
    return Location(name, line, col)


def _duplicates(
    doc: Any, items: list[dict[str, Any]], section: str, name: str, key: str = "name"
) -> Iterator[SpecError]:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        value = item[key]
        if value in seen:
            first = _at(doc, ["spec", section, seen[value], key], name)
            yield SpecError(
                f"duplicate {section[:-1]} {key} '{value}'",
                location=_at(doc, ["spec", section, i, key], name),
                rule="spec/duplicate",
                hint=f"first defined at line {first.line}; {key}s must be unique",
            )
        else:
            seen[value] = i


def reference_problems(doc: Any, plain: dict[str, Any], name: str) -> Iterator[SpecError]:
    """Duplicates and references between sections (projects, clusters, environments, Keycloak)."""
    spec = plain["spec"]
    clusters: list[dict[str, Any]] = spec["clusters"]
    projects: list[dict[str, Any]] = spec.get("projects") or []
    apps: list[dict[str, Any]] = spec.get("apps") or []
    yield from _duplicates(doc, clusters, "clusters", name)
    yield from _duplicates(doc, clusters, "clusters", name, key="domain")
    yield from _duplicates(doc, projects, "projects", name)
    yield from _duplicates(doc, apps, "apps", name)

    roles: dict[str, str] = {}
    for c in clusters:
        roles.setdefault(c["name"], c["role"])
    run_clusters = sorted(n for n, r in roles.items() if r == "run")
    keycloak = spec["sso"]["keycloakCluster"]
    if keycloak not in roles:
        yield SpecError(
            f"sso.keycloakCluster '{keycloak}' is not a cluster of this spec",
            location=_at(doc, ["spec", "sso", "keycloakCluster"], name),
            rule="spec/reference",
            hint=f"name a build cluster: {', '.join(sorted(n for n, r in roles.items() if r == 'build')) or 'none defined'}",
        )
    elif roles[keycloak] != "build":
        yield SpecError(
            f"sso.keycloakCluster '{keycloak}' is a {roles[keycloak]} cluster; Keycloak runs on build clusters",
            location=_at(doc, ["spec", "sso", "keycloakCluster"], name),
            rule="spec/reference",
            hint=f"name a build cluster: {', '.join(sorted(n for n, r in roles.items() if r == 'build')) or 'none defined'}",
        )

    project_ns = {p["name"]: list(p["namespaces"]) for p in projects}
    run_envs = {c["environment"] for c in clusters if c["role"] == "run"}
    for i, app in enumerate(apps):
        here = ["spec", "apps", i]
        if app["project"] not in project_ns:
            yield SpecError(
                f"app '{app['name']}' names project '{app['project']}', which is not defined",
                location=_at(doc, [*here, "project"], name),
                rule="spec/reference",
                hint=f"define it under spec.projects, or use one of: {', '.join(sorted(project_ns)) or 'none defined'}",
            )
        elif not any(fnmatch.fnmatchcase(app["namespace"], pat) for pat in project_ns[app["project"]]):
            yield SpecError(
                f"app '{app['name']}' deploys to namespace '{app['namespace']}', outside project '{app['project']}'",
                location=_at(doc, [*here, "namespace"], name),
                rule="spec/reference",
                hint=f"the project allows namespaces {project_ns[app['project']]}",
            )
        for j, target in enumerate(app.get("clusters") or []):
            if roles.get(target) == "run":
                continue
            problem = (
                f"names cluster '{target}', which is not defined"
                if target not in roles
                else f"targets build cluster '{target}'; apps run on run clusters through Argo CD"
            )
            yield SpecError(
                f"app '{app['name']}' {problem}",
                location=_at(doc, [*here, "clusters", j], name),
                rule="spec/reference",
                hint=f"run clusters: {', '.join(run_clusters) or 'none defined'}",
            )
        for j, env in enumerate(app.get("environments") or []):
            if env not in run_envs:
                yield SpecError(
                    f"app '{app['name']}' names environment '{env}', which no run cluster is in",
                    location=_at(doc, [*here, "environments", j], name),
                    rule="spec/reference",
                    hint=f"environments of run clusters: {', '.join(sorted(run_envs)) or 'none'}",
                )


def _version_path(platform: Platform, doc: Any, cluster_index: int) -> list[Any]:
    cluster = platform.clusters[cluster_index]
    if cluster.bigbang_version:
        return ["spec", "clusters", cluster_index, "bigbang", "version"]
    env = platform.environments.get(cluster.environment)
    if env is not None and env.bigbang_version:
        return ["spec", "environments", cluster.environment, "bigbang", "version"]
    return ["spec", "bigbang", "version"]


def catalog_problems(platform: Platform, doc: Any, name: str) -> Iterator[SpecError]:
    """Versions the catalog does not know, choices a version cannot serve, unknown package toggles."""
    from sggitops.bigbang.catalog import load_catalog

    catalog = load_catalog()
    reported: set[tuple[str, ...]] = set()
    choice_keys = {"policyEngine", "runtimeSecurity", "tracing", "certManager"}
    for i, cluster in enumerate(platform.clusters):
        version = cluster_version(platform, cluster.name)
        vpath = _version_path(platform, doc, i)
        try:
            catalog.check_version(version)
        except ValueError as err:
            key = ("version", *map(str, vpath))
            if key not in reported:
                reported.add(key)
                yield SpecError(
                    str(err), location=_at(doc, vpath, name), rule="spec/version", hint=_hint_of(err)
                )
            continue
        for problem in catalog.choice_problems(version, platform.choices):
            key = ("choice", problem.field, version)
            if key in reported:
                continue
            reported.add(key)
            path = ["spec", "choices", problem.field] if problem.field in choice_keys else vpath
            yield SpecError(
                f"{problem.message} (Big Bang {version}, used by cluster '{cluster.name}')",
                location=_at(doc, path, name),
                rule="spec/choice",
                hint=problem.hint,
            )
        for package in cluster.packages:
            if package not in catalog.logical_packages:
                yield SpecError(
                    f"cluster '{cluster.name}': unknown package '{package}'",
                    location=_at(doc, ["spec", "clusters", i, "packages", package], name),
                    rule="spec/package",
                    hint=f"logical packages: {', '.join(sorted(catalog.logical_packages))}",
                )
    yield from _exception_problems(platform, doc, name)


def _exception_problems(platform: Platform, doc: Any, name: str) -> Iterator[SpecError]:
    if not platform.policy.exceptions:
        return
    from sggitops.generate.policies import all_policy_names

    engine = platform.choices.policy_engine
    known = all_policy_names(engine)
    for i, exc in enumerate(platform.policy.exceptions):
        if exc.policy not in known:
            yield SpecError(
                f"policy exception names '{exc.policy}', which is not a {engine} policy of sggitops",
                location=_at(doc, ["spec", "policy", "exceptions", i, "policy"], name),
                rule="spec/reference",
                hint=f"known policies: {', '.join(sorted(known))}",
            )


def _hint_of(err: ValueError) -> str:
    hint = getattr(err, "hint", "")
    return str(hint) if hint else "Big Bang versions are x.y.z tags from 2.0.0 to 3.31.0"
