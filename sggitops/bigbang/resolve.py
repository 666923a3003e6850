"""One cluster's Big Bang values from the spec and the catalog. Precedence, lowest first: chart defaults
< role defaults < spec.bigbang.values < environment values < cluster packages and values."""

from __future__ import annotations

from typing import Any

from sggitops.bigbang.catalog import load_catalog
from sggitops.spec.model import Platform, ResolvedCluster
from sggitops.spec.resolve import cluster_version, deep_merge


def resolve_cluster(platform: Platform, cluster_name: str) -> ResolvedCluster:
    """One cluster with every precedence layer applied (chart defaults excepted: Helm adds them)."""
    catalog = load_catalog()
    cluster = platform.cluster(cluster_name)
    version = cluster_version(platform, cluster_name)
    packages = catalog.packages(version, cluster.role, platform.choices, cluster.packages)
    role_packages = catalog.packages(version, cluster.role, platform.choices, {})
    keycloak = platform.cluster(platform.sso.keycloak_cluster)
    role_layer = deep_merge(
        {"domain": cluster.domain},
        catalog.enabled_values(version, role_packages, platform.choices),
        catalog.sso_values(version, f"keycloak.{keycloak.domain}", platform.sso.realm),
        catalog.gateway_values(version, cluster.domain),
        _argocd_sso(platform, cluster_name) if packages.get("argocd") else {},
    )
    env = platform.environments.get(cluster.environment)
    toggles = {name: packages[name] for name in cluster.packages}
    values = deep_merge(
        role_layer,
        platform.bigbang.values,
        env.values if env else {},
        catalog.enabled_values(version, toggles, platform.choices) if toggles else {},
        cluster.values,
    )
    return ResolvedCluster(cluster=cluster, bigbang_version=version, packages=packages, values=values)


def _argocd_sso(platform: Platform, cluster_name: str) -> dict[str, Any]:
    """Argo CD logs in through Keycloak (global `sso.url`); its client secret belongs in a SOPS Secret."""
    return {
        "addons": {
            "argocd": {"sso": {"enabled": True, "client_id": f"{platform.name}-{cluster_name}-argocd"}}
        }
    }
