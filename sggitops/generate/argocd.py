"""Argo CD app-of-apps for a run cluster: overlays/<cluster>/argocd/ (root Application, AppProjects)
and overlays/<cluster>/argocd/apps/ (one child Application per app assigned to the cluster)."""

from __future__ import annotations

import re
from typing import Any

from sggitops import yamlio
from sggitops.generate.bigbang import HEADER
from sggitops.spec.model import App, Platform, Project

ARGOCD_NAMESPACE = "argocd"
IN_CLUSTER = "https://kubernetes.default.svc"
PLATFORM_PROJECT = "platform"
FINALIZER = "resources-finalizer.argocd.argoproj.io"
WAVE = "argocd.argoproj.io/sync-wave"


def _doc(data: Any) -> str:
    return HEADER + yamlio.dump(data)


def apps_for(platform: Platform, cluster_name: str) -> list[App]:
    """The apps a run cluster hosts: named directly, or through the cluster's environment."""
    cluster = platform.cluster(cluster_name)
    return [a for a in platform.apps if cluster_name in a.clusters or cluster.environment in a.environments]


def substitute(template: str, platform: Platform, cluster_name: str) -> str:
    """Replace `{cluster}` and `{environment}` in an app path."""
    cluster = platform.cluster(cluster_name)
    return template.replace("{cluster}", cluster.name).replace("{environment}", cluster.environment)


def _role_name(group: str) -> str:
    """A Keycloak group path -> an Argo CD role name (`/mission-a/developers` -> `mission-a-developers`)."""
    name = re.sub(r"[^a-z0-9-]+", "-", group.strip("/").lower()).strip("-")
    return name or "group"


def app_project(project: Project, cluster_name: str) -> dict[str, Any]:
    """A tenant AppProject: its repos, this cluster's namespaces, Keycloak groups as roles."""
    roles = []
    for group in project.groups:
        role = _role_name(group)
        subject = f"proj:{project.name}:{role}"
        roles.append(
            {
                "name": role,
                "description": f"Keycloak group {group}",
                "groups": [group],
                "policies": [
                    f"p, {subject}, applications, get, {project.name}/*, allow",
                    f"p, {subject}, applications, sync, {project.name}/*, allow",
                    f"p, {subject}, logs, get, {project.name}/*, allow",
                ],
            }
        )
    spec: dict[str, Any] = {
        "description": project.description or f"Tenant {project.name} on {cluster_name}",
        "sourceRepos": list(project.source_repos),
        "destinations": [{"server": IN_CLUSTER, "namespace": ns} for ns in project.namespaces],
        # CreateNamespace=true needs Namespace allowed; only the project's own namespace patterns.
        "clusterResourceWhitelist": [
            {"group": "", "kind": "Namespace", "name": ns} for ns in project.namespaces
        ],
        "namespaceResourceBlacklist": [
            {"group": "", "kind": "ResourceQuota"},
            {"group": "", "kind": "LimitRange"},
        ],
    }
    if roles:
        spec["roles"] = roles
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": project.name, "namespace": ARGOCD_NAMESPACE, "annotations": {WAVE: "-1"}},
        "spec": spec,
    }


def platform_project(platform: Platform) -> dict[str, Any]:
    """The AppProject of the root app: only this repo, only Applications in the argocd namespace."""
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": PLATFORM_PROJECT, "namespace": ARGOCD_NAMESPACE, "annotations": {WAVE: "-1"}},
        "spec": {
            "description": "The sggitops app-of-apps: child Applications of this cluster",
            "sourceRepos": [platform.repo.url],
            "destinations": [{"server": IN_CLUSTER, "namespace": ARGOCD_NAMESPACE}],
            "namespaceResourceWhitelist": [{"group": "argoproj.io", "kind": "Application"}],
        },
    }


def root_application(platform: Platform, cluster_name: str) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": "apps",
            "namespace": ARGOCD_NAMESPACE,
            "annotations": {WAVE: "0"},
            "finalizers": [FINALIZER],
        },
        "spec": {
            "project": PLATFORM_PROJECT,
            "source": {
                "repoURL": platform.repo.url,
                "targetRevision": platform.repo.revision,
                "path": f"overlays/{cluster_name}/argocd/apps",
            },
            "destination": {"server": IN_CLUSTER, "namespace": ARGOCD_NAMESPACE},
            "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
        },
    }


def child_application(platform: Platform, cluster_name: str, app: App) -> dict[str, Any]:
    sync: dict[str, Any] = {"syncOptions": ["CreateNamespace=true"]}
    if app.sync.automated:
        sync = {"automated": {"prune": app.sync.prune, "selfHeal": app.sync.self_heal}, **sync}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": app.name,
            "namespace": ARGOCD_NAMESPACE,
            "labels": {"app.kubernetes.io/part-of": app.project},
            "annotations": {WAVE: "1"},
            "finalizers": [FINALIZER],
        },
        "spec": {
            "project": app.project,
            "source": {
                "repoURL": app.repo_url,
                "targetRevision": app.target_revision,
                "path": substitute(app.path, platform, cluster_name),
            },
            "destination": {"server": IN_CLUSTER, "namespace": app.namespace},
            "syncPolicy": sync,
        },
    }


def _kustomization(resources: list[str]) -> dict[str, Any]:
    return {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": resources}


def plan_argocd(platform: Platform, cluster_name: str) -> dict[str, str]:
    """overlays/<cluster>/argocd/ and argocd/apps/ for one run cluster."""
    root = f"overlays/{cluster_name}/argocd"
    apps = apps_for(platform, cluster_name)
    used_projects = {a.project for a in apps}
    projects = [p for p in platform.projects if p.name in used_projects]
    files: dict[str, str] = {
        f"{root}/platform-project.yaml": _doc(platform_project(platform)),
        f"{root}/root-application.yaml": _doc(root_application(platform, cluster_name)),
    }
    for project in projects:
        files[f"{root}/projects/{project.name}.yaml"] = _doc(app_project(project, cluster_name))
    files[f"{root}/kustomization.yaml"] = _doc(
        _kustomization(
            ["platform-project.yaml", *[f"projects/{p.name}.yaml" for p in projects], "root-application.yaml"]
        )
    )
    for app in apps:
        files[f"{root}/apps/{app.name}.yaml"] = _doc(child_application(platform, cluster_name, app))
    files[f"{root}/apps/kustomization.yaml"] = _doc(_kustomization([f"{a.name}.yaml" for a in apps]))
    return files
