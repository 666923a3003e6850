"""The staged bootstrap of a cluster: overlays/<cluster>/bootstrap.yaml and the policy overlays.

Flux's kustomize-controller dry-runs every object of a Kustomization before it applies any, so each
custom resource must sit in a Kustomization that runs after its CRD exists. The stages (Flux
Kustomizations in namespace `bigbang`):

1. `bigbang` -> overlays/<cluster>: Big Bang (Namespace, GitRepository, HelmRelease, values). SOPS
   decryption on (the optional `*-bb` Secrets). Ready once the HelmReleases `bigbang`, the policy
   engine's (`kyverno` or `gatekeeper`, which install the policy CRDs) and, when enabled, `argocd` are.
2. Kyverno: `policies` -> overlays/<cluster>/policies (ClusterPolicies, PolicyExceptions), after 1.
   Gatekeeper: `policy-templates` -> overlays/<cluster>/policies/templates, after 1, Ready once
   Gatekeeper has made each template's constraint CRD; then `policy-constraints` ->
   overlays/<cluster>/policies/constraints, after the templates.
3. Run clusters: `argocd-apps` -> overlays/<cluster>/argocd (sggitops.generate.argocd), after 1.

Health checks name only HelmReleases the cluster's pinned Big Bang version creates (catalog data,
`sggitops.bigbang.packages_crds`).
"""

from __future__ import annotations

from typing import Any

from sggitops import yamlio
from sggitops.bigbang.catalog import load_catalog
from sggitops.bigbang.packages_crds import BIGBANG_NAMESPACE, enabled, release_for_key
from sggitops.generate.bigbang import FLUX_NAMESPACE, HEADER
from sggitops.policy.catalogue import policy_infos
from sggitops.spec.model import Platform, ResolvedCluster

KUSTOMIZE_API = "kustomize.toolkit.fluxcd.io/v1"
HELM_API = "helm.toolkit.fluxcd.io/v2"
CRD_API = "apiextensions.k8s.io/v1"
ENGINE_PACKAGES = {"kyverno": "kyverno", "gatekeeper": "gatekeeper"}  # policy engine -> logical package


def _release_check(name: str) -> dict[str, Any]:
    return {"apiVersion": HELM_API, "kind": "HelmRelease", "name": name, "namespace": BIGBANG_NAMESPACE}


def package_releases(platform: Platform, resolved: ResolvedCluster, package: str) -> list[str]:
    """The HelmRelease names a logical package gets at the cluster's Big Bang version (none when off)."""
    if not resolved.packages.get(package):
        return []
    mapping = load_catalog().mapping(package, resolved.bigbang_version, platform.choices)
    names = []
    for key in mapping.keys if mapping is not None else ():
        release = release_for_key(resolved.bigbang_version, key)
        if release is not None and enabled(resolved.values, key) is not False:  # raw values win
            names.append(release.name)
    return names


def engine_enabled(platform: Platform, resolved: ResolvedCluster) -> bool:
    return bool(package_releases(platform, resolved, ENGINE_PACKAGES[platform.choices.policy_engine]))


def bigbang_health(platform: Platform, resolved: ResolvedCluster) -> list[dict[str, Any]]:
    """What stage 1 waits for: Big Bang, the policy engine (its CRDs), Argo CD (its CRDs)."""
    names = ["bigbang"]
    names += package_releases(platform, resolved, ENGINE_PACKAGES[platform.choices.policy_engine])
    names += package_releases(platform, resolved, "argocd")
    return [_release_check(n) for n in names]


def _kustomization(
    platform: Platform, name: str, path: str, *, depends_on: str = "", health: list[dict[str, Any]]
) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if depends_on:
        spec["dependsOn"] = [{"name": depends_on}]
    spec.update(
        {
            "interval": "5m",
            "timeout": "10m",
            "retryInterval": "1m",
            "path": path,
            "prune": True,
            "sourceRef": {"kind": "GitRepository", "name": platform.name},
        }
    )
    if platform.sops.secret_ref:
        spec["decryption"] = {"provider": "sops", "secretRef": {"name": platform.sops.secret_ref}}
    if health:
        spec["healthChecks"] = health
    return {
        "apiVersion": KUSTOMIZE_API,
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": FLUX_NAMESPACE},
        "spec": spec,
    }


def constraint_crds(platform: Platform) -> list[dict[str, Any]]:
    """Health checks on the CRDs Gatekeeper makes from each ConstraintTemplate (`<name>.constraints...`)."""
    names = sorted({info.template_name for s in platform.policy.sets for info in policy_infos(s)})
    return [
        {"apiVersion": CRD_API, "kind": "CustomResourceDefinition", "name": f"{n}.constraints.gatekeeper.sh"}
        for n in names
    ]


def policy_kustomizations(platform: Platform, resolved: ResolvedCluster) -> list[dict[str, Any]]:
    """Stage 2: the policy engine's custom resources, after the engine is healthy."""
    if not engine_enabled(platform, resolved) or not platform.policy.sets:
        return []
    root = f"./overlays/{resolved.name}/policies"
    if platform.choices.policy_engine == "kyverno":
        return [_kustomization(platform, "policies", root, depends_on="bigbang", health=[])]
    return [
        _kustomization(
            platform,
            "policy-templates",
            f"{root}/templates",
            depends_on="bigbang",
            health=constraint_crds(platform),
        ),
        _kustomization(
            platform, "policy-constraints", f"{root}/constraints", depends_on="policy-templates", health=[]
        ),
    ]


def plan_policy_overlays(
    platform: Platform, resolved: ResolvedCluster, policy_dirs: list[str]
) -> dict[str, str]:
    """overlays/<cluster>/policies/ (Kyverno) or policies/{templates,constraints}/ (Gatekeeper)."""
    if not engine_enabled(platform, resolved) or not policy_dirs:
        return {}
    root = f"overlays/{resolved.name}/policies"
    if platform.choices.policy_engine == "kyverno":
        return {f"{root}/kustomization.yaml": _resources([f"../../../{d}" for d in policy_dirs])}
    files = {}
    for part in ("templates", "constraints"):
        files[f"{root}/{part}/kustomization.yaml"] = _resources(
            [f"../../../../{d}/{part}" for d in policy_dirs]
        )
    return files


def _resources(resources: list[str]) -> str:
    doc = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": resources}
    return HEADER + yamlio.dump(doc)


def bootstrap_objects(platform: Platform, resolved: ResolvedCluster) -> list[dict[str, Any]]:
    """What an admin applies once: Namespace, the Flux source for this repo, stages 1 and 2."""
    source: dict[str, Any] = {
        "interval": "1m",
        "url": platform.repo.url,
        "ref": {"branch": platform.repo.revision},
    }
    if platform.repo.secret_ref:
        source["secretRef"] = {"name": platform.repo.secret_ref}
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": FLUX_NAMESPACE}},
        {
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "GitRepository",
            "metadata": {"name": platform.name, "namespace": FLUX_NAMESPACE},
            "spec": source,
        },
        _kustomization(
            platform,
            "bigbang",
            f"./overlays/{resolved.name}",
            health=bigbang_health(platform, resolved),
        ),
        *policy_kustomizations(platform, resolved),
    ]


def argocd_kustomization(platform: Platform, resolved: ResolvedCluster) -> dict[str, Any]:
    """Stage 3 (run clusters): the app-of-apps, applied once Big Bang's Argo CD is healthy (stage 1 waits
    for it); `wait: true` makes it Ready once its Applications and AppProjects are."""
    path = f"./overlays/{resolved.name}/argocd"
    doc = _kustomization(platform, "argocd-apps", path, depends_on="bigbang", health=[])
    doc["spec"]["wait"] = True
    return doc


def secret_commands(platform: Platform) -> list[str]:
    """The Secrets an admin creates before the bootstrap, as the commands that create them."""
    out = []
    for name in sorted({n for n in (platform.repo.secret_ref, platform.bigbang.secret_ref) if n}):
        out.append(
            f"kubectl create secret generic {name} -n {FLUX_NAMESPACE} "
            "--from-literal=username=USER --from-literal=password=TOKEN"
        )
    if platform.sops.secret_ref:
        out.append(
            f"gpg --export-secret-keys --armor FINGERPRINT | kubectl create secret generic "
            f"{platform.sops.secret_ref} -n {FLUX_NAMESPACE} --from-file=sops.asc=/dev/stdin"
        )
    return out


def render_bootstrap(platform: Platform, objects: list[dict[str, Any]], cluster_name: str) -> str:
    lines = [
        f"# Bootstrap of cluster {cluster_name} (Flux installed, e.g. by Big Bang's scripts/install_flux.sh):"
    ]
    commands = secret_commands(platform)
    if commands:
        lines.append("# 1. create the Secrets Flux needs (never commit them in plain text):")
        lines.append(f"#      kubectl create namespace {FLUX_NAMESPACE}")
        lines += [f"#      {c}" for c in commands]
    lines.append(f"# {'2' if commands else '1'}. kubectl apply -f overlays/{cluster_name}/bootstrap.yaml")
    lines.append(
        "# Flux then applies the stages in order (`sggitops rollout` shows them) and keeps the cluster"
    )
    lines.append("# in line with this repo.")
    note = "\n".join(lines) + "\n"
    return HEADER + note + yamlio.dump_all(objects)
