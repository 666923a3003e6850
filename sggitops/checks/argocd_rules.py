"""The rules of `sggitops.checks.argocd` (kept apart so the checks stay readable; the module re-exports
them as `RULES`)."""

from __future__ import annotations

from sggitops.findings import Severity
from sggitops.rules import Rule

RULES = (
    Rule(
        id="argocd/path-missing",
        severity=Severity.ERROR,
        summary="an Application path that does not exist in this repo",
        details="a source of this repo (`repoURL` is one of the repo's URLs) names a `path` that does not exist, is absolute, or leaves the repo (`..`). When its `targetRevision` is another branch or a tag, this checkout may not be what Argo CD reads: a warning.",
        passing=("source:\n  repoURL: <this repo>\n  path: overlays/run-dev/argocd/apps"),
        failing=("source:\n  repoURL: <this repo>\n  path: overlays/run-dev/argocd/app"),
    ),
    Rule(
        id="argocd/path-unbuildable",
        severity=Severity.ERROR,
        summary="an Application path that does not build",
        details="the path exists but its kustomize build fails, or it has neither a kustomization nor any YAML manifests (a plain directory of manifests is fine; so is a Helm chart).",
        passing=("path: apps  (apps/kustomization.yaml\n             lists files that exist)"),
        failing=("path: apps  (apps/kustomization.yaml lists\n             a file that is missing)"),
    ),
    Rule(
        id="argocd/app-cycle",
        severity=Severity.ERROR,
        summary="an app-of-apps cycle",
        details="app-of-apps cycle: an Application deploys a path whose Applications lead back to it (`a -> b -> a`). An Application that manages the directory it is in (the self-managed root) is not a cycle.",
        passing=("root (in argocd/) -> argocd/apps\napps/web -> another repo"),
        failing=("root (in argocd/) -> argocd/apps\napps/back (in argocd/apps) -> argocd"),
    ),
    Rule(
        id="argocd/project-missing",
        severity=Severity.ERROR,
        summary="an Application whose AppProject is not defined",
        details="`spec.project` names no AppProject in the cluster's renders.",
        passing=("project: mission-a\n(AppProject mission-a rendered)"),
        failing="project: mision-a",
    ),
    Rule(
        id="argocd/default-project",
        severity=Severity.WARNING,
        summary="an Application in the default AppProject",
        details="`spec.project` is `default` (or empty): Argo CD's built-in project permits every source and destination.",
        passing="project: mission-a",
        failing="project: default",
    ),
    Rule(
        id="argocd/source-not-permitted",
        severity=Severity.ERROR,
        summary="an Application source repo not allowed by its AppProject",
        details="a source `repoURL` is not permitted by the AppProject's `sourceRepos` (Argo CD globs with `/` separators, `!` entries deny; see `sggitops.checks.globs`).",
        passing=("sourceRepos: [https://git/mission-a/*]\nrepoURL: https://git/mission-a/web.git"),
        failing=("sourceRepos: [https://git/mission-a/*]\nrepoURL: https://git/mission-b/web.git"),
    ),
    Rule(
        id="argocd/destination-not-permitted",
        severity=Severity.ERROR,
        summary="an Application destination not allowed by its AppProject",
        details="the destination (server or name, and namespace) matches no entry of the AppProject's `destinations`, or an `!` entry excludes it.",
        passing=(
            "destinations: [{server: '*', namespace: 'mission-a-*'}]\ndestination: {namespace: mission-a-web}"
        ),
        failing=(
            "destinations: [{server: '*', namespace: 'mission-a-*'}]\ndestination: {namespace: kube-system}"
        ),
    ),
    Rule(
        id="argocd/duplicate-app",
        severity=Severity.ERROR,
        summary="two Applications with the same name",
        details="two different Applications with the same name and namespace are deployed to one cluster; the last one applied wins.",
    ),
    Rule(
        id="argocd/source-and-sources",
        severity=Severity.ERROR,
        summary="an Application with both or neither of source and sources",
        details="exactly one of `spec.source` / `spec.sources` must be set (with both, Argo CD silently ignores `source`).",
        passing="source: {...}",
        failing=("source: {...}\nsources: [{...}]"),
    ),
    Rule(
        id="argocd/destination-name-and-server",
        severity=Severity.ERROR,
        summary="an Application destination with both or neither of name and server",
        details="the destination names the cluster by `name` or by `server`, exactly one of them.",
        passing="destination: {server: https://...}",
        failing="destination: {name: in-cluster, server: https://...}",
    ),
    Rule(
        id="argocd/appset-unexpanded",
        severity=Severity.WARNING,
        summary="an ApplicationSet generator that cannot be expanded offline (its Applications are not checked)",
        details="an ApplicationSet generator that needs the cluster or a network (scmProvider, pullRequest, clusterDecisionResource, plugin, git of another repo, clusters not declared in `.sggitops.yaml`): the Applications it makes cannot be checked. list, git (this repo), declared clusters and matrix/merge of those are expanded and their Applications checked like any other.",
        passing=("generators:\n  - list: {elements: [{env: dev}]}"),
        failing=("generators:\n  - pullRequest: {github: {...}}"),
    ),
    Rule(
        id="argocd/unpinned-revision",
        severity=Severity.ERROR,
        summary="a prod Application that does not pin a tag or commit",
        details="on a prod cluster, a source of another repo has a `targetRevision` that moves: empty, `HEAD`, a branch name (`main`, `master`, `develop`, `release/x`, ...) or a version range (`1.2.*`, `^1.2`, `>=1`). A tag (`v1.4.2`, `1.4.2`, `stable-2`) or a 40-hex commit is pinned. Sources of this repo follow `spec.repo.revision` and are exempt; repos without a spec (cluster environment unknown) are not checked.",
        passing="targetRevision: v1.4.2",
        failing="targetRevision: main",
    ),
)
