"""The Argo CD half of the reconcile/* rules, on the reconcile graph (see sggitops.checks.reconcile)."""

from __future__ import annotations

from collections.abc import Iterator

from sggitops.bigbang.packages_crds import bigbang_releases
from sggitops.findings import Finding, Severity
from sggitops.reconcile.flux_rules import by_api, example, finding
from sggitops.reconcile.model import Applier, ClusterGraph
from sggitops.reconcile.providers import Availability, Providers

SKIP_DRY_RUN = "SkipDryRunOnMissingResource=true"
CREATE_NAMESPACE = "CreateNamespace=true"
SYNC_OPTIONS = "argocd.argoproj.io/sync-options"
WAVE = "argocd.argoproj.io/sync-wave"
SYSTEM_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease", "flux-system"})


def _skips(applier: Applier, annotations: object) -> bool:
    if SKIP_DRY_RUN in applier.sync_options:
        return True
    text = str(annotations or "")
    return SKIP_DRY_RUN in text.replace(" ", "").split(",")


def crd_findings(
    cluster: ClusterGraph, providers: Providers, avail: Availability, app: Applier
) -> Iterator[Finding]:
    """reconcile/app-crd-not-ready: a CR whose CRD is neither in the same sync nor installed earlier."""
    for api, objs in sorted(by_api(app.objects).items()):
        pending = [o for o in objs if not _skips(app, o.annotations.get(SYNC_OPTIONS))]
        if not pending or avail.has(app, api, same_sync=True):
            continue
        group, kind = api
        found = providers.for_api(api)
        source = f"installed by {found[0].label()}, " if found else "no known provider installs it, "
        yield finding(
            app,
            app.source.where,
            "reconcile/app-crd-not-ready",
            Severity.ERROR,
            f"Application `{app.name}` syncs {kind} ({group}): {example(pending)}; its CRD is not part "
            f"of the same sync and not installed before the Application syncs ({source}so the dry-run "
            "fails)",
            "put the CRD in the same Application, sync the app that installs it in an earlier wave, or add "
            f"`{SKIP_DRY_RUN}` (syncPolicy.syncOptions or the resource's {SYNC_OPTIONS} annotation)",
            cluster.name,
        )


def project_findings(cluster: ClusterGraph, avail: Availability, app: Applier) -> Iterator[Finding]:
    """reconcile/app-project-later: the Application's AppProject is created after the Application."""
    if app.project == "default":
        return
    parent = cluster.appliers.get(app.applied_by)
    for key, obj in cluster.all_objects():
        if obj.kind != "AppProject" or obj.name != app.project:
            continue
        if key == app.applied_by:
            later = parent is not None and parent.kind == "Application" and _wave(obj) > app.wave
            why = f"in a later sync wave ({_wave(obj)} > {app.wave}) of the same sync"
        else:
            owner = cluster.appliers.get(key)
            later = owner is not None and parent is not None and parent in avail.dependencies(owner)
            why = f"by {owner.label if owner else 'another applier'}, which runs after this one's"
        if later:
            yield finding(
                app,
                app.source.at(("spec", "project")),
                "reconcile/app-project-later",
                Severity.ERROR,
                f"Application `{app.name}` uses AppProject `{app.project}`, created {why}: Argo CD "
                "refuses the Application until the project exists",
                "create the AppProject in an earlier sync wave (or in the same or an earlier Kustomization)",
                cluster.name,
            )
        return


def _wave(obj: object) -> int:
    annotations = getattr(obj, "annotations", {})
    try:
        return int(str(annotations.get(WAVE) or 0))
    except ValueError:
        return 0


def namespace_findings(cluster: ClusterGraph, providers: Providers, app: Applier) -> Iterator[Finding]:
    """reconcile/app-namespace-missing: a destination namespace no one creates, without CreateNamespace."""
    namespace = app.destination_namespace
    if not namespace or namespace in SYSTEM_NAMESPACES or CREATE_NAMESPACE in app.sync_options:
        return
    created = {o.name for _k, o in cluster.all_objects() if o.kind == "Namespace"}
    created |= _bigbang_namespaces(providers)
    created |= {a.namespace for a in cluster.applications()}  # Argo CD runs where its Applications are
    if namespace in created:
        return
    external = app.path is None
    yield finding(
        app,
        app.source.at(("spec", "destination", "namespace")),
        "reconcile/app-namespace-missing",
        Severity.INFO if external else Severity.ERROR,
        f"Application `{app.name}` deploys to namespace `{namespace}`, which nothing in this cluster's repo "
        "creates"
        + (
            " (its source is another repo, which may hold the Namespace: cannot tell)"
            if external
            else ", and it has no CreateNamespace=true: its namespaced resources fail"
        ),
        f"add `{CREATE_NAMESPACE}` to syncPolicy.syncOptions, or a Namespace object",
        cluster.name,
    )


def _bigbang_namespaces(providers: Providers) -> set[str]:
    out: set[str] = set()
    for version in set(providers.bigbang.values()):
        try:
            out |= {r.namespace for r in bigbang_releases(version) if r.namespace}
        except ValueError:
            continue
    return out
