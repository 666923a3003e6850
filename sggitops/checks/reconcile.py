"""reconcile/* rules: will a fresh cluster converge when Flux and Argo CD apply this repo?

The rules read the reconcile graph (`sggitops.reconcile.graph.build_graph`): per cluster, every Flux
Kustomization and Argo CD Application, what each applies, what it waits for. Facts they encode:
Flux's kustomize-controller server-side dry-runs every object of a Kustomization before applying any
(CRDs and Namespaces go first, so a CRD may share a Kustomization with its custom resources); a
`dependsOn` Kustomization is Ready before the dependent runs; Ready covers the HelmReleases it
health-checks (or applies with `wait: true`, which makes Flux ignore `healthChecks`). Argo CD skips
the dry-run of a custom resource whose CRD is in the same sync, or that carries
`SkipDryRunOnMissingResource=true`. Every finding sits at the Kustomization / Application at fault.

The rules, with PASS/FAIL examples, are declared in `RULES` below.
"""

from __future__ import annotations

from collections.abc import Iterator

from sggitops.checks.context import RepoContext
from sggitops.findings import Finding, Severity
from sggitops.reconcile import argocd_rules, flux_rules
from sggitops.reconcile.graph import build_graph
from sggitops.reconcile.model import ClusterGraph
from sggitops.reconcile.providers import Availability, collect
from sggitops.rules import Rule

RULES = (
    Rule(
        id="reconcile/crd-not-ready",
        severity=Severity.ERROR,
        summary="a custom resource whose CRD does not exist yet when Flux dry-runs its Kustomization",
        details="a custom resource whose CRD is installed, but not before its Kustomization is dry-run (by a HelmRelease of the same Kustomization, a ConstraintTemplate next to its constraints, or a Kustomization it does not depend on).",
        passing=(
            "kind: Kustomization\n"
            "metadata: {name: policies}\n"
            "spec: {path: ./policies,\n"
            "       dependsOn: [{name: bigbang}]}\n"
            "(bigbang health-checks HelmRelease kyverno)"
        ),
        failing=(
            "kind: Kustomization\n"
            "metadata: {name: bigbang}\n"
            "spec: {path: ./overlay}   # Big Bang + ClusterPolicies"
        ),
    ),
    Rule(
        id="reconcile/crd-unknown",
        severity=Severity.WARNING,
        summary="a custom resource whose CRD provider the model cannot determine (cannot tell)",
        details="a custom resource whose CRD nothing in the repo installs (no CRD, ConstraintTemplate, Big Bang package or known chart): the model cannot tell, it never passes silently.",
    ),
    Rule(
        id="reconcile/depends-on-cycle",
        severity=Severity.ERROR,
        summary="Flux Kustomizations whose dependsOn form a cycle",
        details="Kustomizations whose dependsOn form a cycle (none ever runs). A dependsOn to no Kustomization is `flux/depends-on-missing`.",
    ),
    Rule(
        id="reconcile/health-check-missing",
        severity=Severity.ERROR,
        summary="a Kustomization health check on an object nothing creates (never Ready)",
        details="Severity: error; info when a Kustomization of the cluster applies a source the model cannot see. A health check on an object nothing creates.",
        passing=(
            "# Big Bang 3.31.0\n"
            "healthChecks:\n"
            "  - {kind: HelmRelease, name: istiod,\n"
            "     namespace: bigbang}"
        ),
        failing=(
            "# Big Bang 3.31.0\n"
            "healthChecks:\n"
            "  - {kind: HelmRelease, name: istio,\n"
            "     namespace: bigbang}   # a 2.x name"
        ),
    ),
    Rule(
        id="reconcile/sops-no-decryption",
        severity=Severity.ERROR,
        summary="a SOPS-encrypted file applied by a Kustomization without decryption",
        details="a SOPS-encrypted document (top-level `sops:`) applied by a Kustomization without `decryption: {provider: sops, ...}`.",
        passing=(
            "spec: {path: ./secrets,\n"
            "       decryption: {provider: sops,\n"
            "         secretRef: {name: sops-gpg}}}"
        ),
        failing=("spec: {path: ./secrets}\n(./secrets holds a file with a `sops:` key)"),
    ),
    Rule(
        id="reconcile/substitution-undefined",
        severity=Severity.ERROR,
        summary="a postBuild variable used but defined in no substitution source",
        details="with `postBuild`, a `${VAR}` (no default) defined in neither `substitute` nor a `substituteFrom` ConfigMap/Secret of the repo.",
    ),
    Rule(
        id="reconcile/secret-undocumented",
        severity=Severity.INFO,
        summary="a GitRepository secretRef naming a Secret nothing creates or documents",
        details="Severity: info: the Secret may be on the cluster, the repo cannot tell. A GitRepository `secretRef` naming a Secret that the repo neither holds nor tells an admin to create (`kubectl create secret ... NAME` in the bootstrap file's comments or a README next to it).",
    ),
    Rule(
        id="reconcile/app-crd-not-ready",
        severity=Severity.ERROR,
        summary="an Application custom resource whose CRD is not installed before it syncs",
        details="an Application syncs a custom resource whose CRD is neither in the same Application nor installed before it syncs, without `SkipDryRunOnMissingResource=true`.",
        passing=(
            "Application path: widgets/\n"
            "  crd.yaml (widgets.example.com)\n"
            "  widget.yaml (example.com/v1 Widget)"
        ),
        failing=(
            "Application path: policies/\n"
            "  policy.yaml (kyverno.io ClusterPolicy;\n"
            "  nothing installs Kyverno before this app)"
        ),
    ),
    Rule(
        id="reconcile/app-project-later",
        severity=Severity.ERROR,
        summary="an Application whose AppProject is created after it",
        details="an Application whose AppProject is created after it (a later sync wave of the same sync, or a Kustomization that runs after the one applying the Application).",
    ),
    Rule(
        id="reconcile/app-namespace-missing",
        severity=Severity.ERROR,
        summary="an Application destination namespace no one creates, without CreateNamespace",
        details="Severity: error; info when the app's source is another repo. A destination namespace no one creates, without `CreateNamespace=true`.",
    ),
)


def check(ctx: RepoContext) -> Iterator[Finding]:
    """Every reconcile/* finding, each once."""
    seen: set[Finding] = set()
    for name in sorted(build_graph(ctx).clusters):
        cluster = build_graph(ctx).clusters[name]
        for found in _cluster(ctx, cluster):
            if found not in seen:
                seen.add(found)
                yield found


def _cluster(ctx: RepoContext, cluster: ClusterGraph) -> Iterator[Finding]:
    providers = collect(cluster, ctx.repo)
    avail = Availability(cluster, providers)
    yield from flux_rules.cycle_findings(cluster)
    yield from flux_rules.secret_findings(cluster)
    for applier in cluster.kustomizations():
        yield from flux_rules.crd_findings(cluster, providers, avail, applier)
        yield from flux_rules.health_findings(cluster, providers, applier)
        yield from flux_rules.sops_findings(cluster, applier)
        yield from flux_rules.substitution_findings(cluster, applier)
    for app in cluster.applications():
        yield from argocd_rules.crd_findings(cluster, providers, avail, app)
        yield from argocd_rules.project_findings(cluster, avail, app)
        yield from argocd_rules.namespace_findings(cluster, providers, app)
