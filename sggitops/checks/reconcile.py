"""reconcile/* rules: will a fresh cluster converge when Flux and Argo CD apply this repo?

The rules read the reconcile graph (`sggitops.reconcile.graph.build_graph`): per cluster, every Flux
Kustomization and Argo CD Application, what each applies, what it waits for. Facts they encode:
Flux's kustomize-controller server-side dry-runs every object of a Kustomization before applying any
(CRDs and Namespaces go first, so a CRD may share a Kustomization with its custom resources); a
`dependsOn` Kustomization is Ready before the dependent runs; Ready covers the HelmReleases it
health-checks (or applies with `wait: true`, which makes Flux ignore `healthChecks`). Argo CD skips
the dry-run of a custom resource whose CRD is in the same sync, or that carries
`SkipDryRunOnMissingResource=true`. Every finding sits at the Kustomization / Application at fault.

`reconcile/crd-not-ready` (error): a custom resource whose CRD is installed, but not before its
Kustomization is dry-run (by a HelmRelease of the same Kustomization, a ConstraintTemplate next to
its constraints, or a Kustomization it does not depend on).

    PASS                                        FAIL
    kind: Kustomization                         kind: Kustomization
    metadata: {name: policies}                  metadata: {name: bigbang}
    spec: {path: ./policies,                    spec: {path: ./overlay}   # Big Bang + ClusterPolicies
           dependsOn: [{name: bigbang}]}
    (bigbang health-checks HelmRelease kyverno)

`reconcile/crd-unknown` (warning): a custom resource whose CRD nothing in the repo installs (no CRD,
ConstraintTemplate, Big Bang package or known chart): the model cannot tell, it never passes silently.

`reconcile/depends-on-cycle` (error): Kustomizations whose dependsOn form a cycle (none ever runs).
A dependsOn to no Kustomization is `flux/depends-on-missing`.

`reconcile/health-check-missing` (error; info when a Kustomization of the cluster applies a source
the model cannot see): a health check on an object nothing creates.

    PASS (Big Bang 3.31.0)                      FAIL (Big Bang 3.31.0)
    healthChecks:                               healthChecks:
      - {kind: HelmRelease, name: istiod,         - {kind: HelmRelease, name: istio,
         namespace: bigbang}                         namespace: bigbang}   # a 2.x name

`reconcile/sops-no-decryption` (error): a SOPS-encrypted document (top-level `sops:`) applied by a
Kustomization without `decryption: {provider: sops, ...}`.

    PASS                                        FAIL
    spec: {path: ./secrets,                     spec: {path: ./secrets}
           decryption: {provider: sops,         (./secrets holds a file with a `sops:` key)
             secretRef: {name: sops-gpg}}}

`reconcile/substitution-undefined` (error): with `postBuild`, a `${VAR}` (no default) defined in
neither `substitute` nor a `substituteFrom` ConfigMap/Secret of the repo.

`reconcile/secret-undocumented` (info: the Secret may be on the cluster, the repo cannot tell): a GitRepository `secretRef` naming a Secret that the repo
neither holds nor tells an admin to create (`kubectl create secret ... NAME` in the bootstrap file's
comments or a README next to it).

`reconcile/app-crd-not-ready` (error): an Application syncs a custom resource whose CRD is neither in
the same Application nor installed before it syncs, without `SkipDryRunOnMissingResource=true`.

    PASS                                        FAIL
    Application path: widgets/                  Application path: policies/
      crd.yaml (widgets.example.com)              policy.yaml (kyverno.io ClusterPolicy;
      widget.yaml (example.com/v1 Widget)         nothing installs Kyverno before this app)

`reconcile/app-project-later` (error): an Application whose AppProject is created after it (a later
sync wave of the same sync, or a Kustomization that runs after the one applying the Application).

`reconcile/app-namespace-missing` (error; info when the app's source is another repo): a destination
namespace no one creates, without `CreateNamespace=true`.
"""

from __future__ import annotations

from collections.abc import Iterator

from sggitops.checks.context import RepoContext
from sggitops.findings import Finding
from sggitops.reconcile import argocd_rules, flux_rules
from sggitops.reconcile.graph import build_graph
from sggitops.reconcile.model import ClusterGraph
from sggitops.reconcile.providers import Availability, collect


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
