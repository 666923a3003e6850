"""Checks of a schema-valid spec that JSON Schema cannot express: duplicates and cross references.

What the pinned Big Bang versions can serve is checked above the spec, against the catalog
(`sggitops.bigbang.spec_checks`)."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Any

from sggitops import yamlio
from sggitops.errors import Location, SpecError
from sggitops.findings import Severity
from sggitops.rules import Rule

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


def located(doc: Any, path: list[Any], name: str) -> Location:
    """The location of the node at `path` in the spec document."""
    line, col = yamlio.locate(doc, path)
    return Location(name, line, col)


def _duplicates(
    doc: Any, items: list[dict[str, Any]], section: str, name: str, key: str = "name"
) -> Iterator[SpecError]:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        value = item[key]
        if value in seen:
            first = located(doc, ["spec", section, seen[value], key], name)
            yield SpecError(
                f"duplicate {section[:-1]} {key} '{value}'",
                location=located(doc, ["spec", section, i, key], name),
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
    yield from _keycloak_problems(doc, spec, roles, name)
    project_ns = {p["name"]: list(p["namespaces"]) for p in projects}
    run_envs = {c["environment"] for c in clusters if c["role"] == "run"}
    for i, app in enumerate(apps):
        yield from _app_problems(doc, i, app, project_ns, roles, run_envs, name)


def _keycloak_problems(
    doc: Any, spec: dict[str, Any], roles: dict[str, str], name: str
) -> Iterator[SpecError]:
    """sso.keycloakCluster names a build cluster of the spec."""
    keycloak = spec["sso"]["keycloakCluster"]
    if keycloak not in roles:
        yield SpecError(
            f"sso.keycloakCluster '{keycloak}' is not a cluster of this spec",
            location=located(doc, ["spec", "sso", "keycloakCluster"], name),
            rule="spec/reference",
            hint=f"name a build cluster: {', '.join(sorted(n for n, r in roles.items() if r == 'build')) or 'none defined'}",
        )
    elif roles[keycloak] != "build":
        yield SpecError(
            f"sso.keycloakCluster '{keycloak}' is a {roles[keycloak]} cluster; Keycloak runs on build clusters",
            location=located(doc, ["spec", "sso", "keycloakCluster"], name),
            rule="spec/reference",
            hint=f"name a build cluster: {', '.join(sorted(n for n, r in roles.items() if r == 'build')) or 'none defined'}",
        )


def _app_problems(
    doc: Any,
    i: int,
    app: dict[str, Any],
    project_ns: dict[str, list[str]],
    roles: dict[str, str],
    run_envs: set[str],
    name: str,
) -> Iterator[SpecError]:
    """An app's project, namespace, clusters and environments exist and fit."""
    run_clusters = sorted(n for n, r in roles.items() if r == "run")
    here = ["spec", "apps", i]
    if app["project"] not in project_ns:
        yield SpecError(
            f"app '{app['name']}' names project '{app['project']}', which is not defined",
            location=located(doc, [*here, "project"], name),
            rule="spec/reference",
            hint=f"define it under spec.projects, or use one of: {', '.join(sorted(project_ns)) or 'none defined'}",
        )
    elif not any(fnmatch.fnmatchcase(app["namespace"], pat) for pat in project_ns[app["project"]]):
        yield SpecError(
            f"app '{app['name']}' deploys to namespace '{app['namespace']}', outside project '{app['project']}'",
            location=located(doc, [*here, "namespace"], name),
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
            location=located(doc, [*here, "clusters", j], name),
            rule="spec/reference",
            hint=f"run clusters: {', '.join(run_clusters) or 'none defined'}",
        )
    for j, env in enumerate(app.get("environments") or []):
        if env not in run_envs:
            yield SpecError(
                f"app '{app['name']}' names environment '{env}', which no run cluster is in",
                location=located(doc, [*here, "environments", j], name),
                rule="spec/reference",
                hint=f"environments of run clusters: {', '.join(sorted(run_envs)) or 'none'}",
            )
