"""Precedence, lowest first: chart defaults < role defaults < spec.bigbang.values < environment values
< cluster packages and values. Pure functions over the model."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from sggitops.spec.model import Platform, ResolvedCluster


def deep_merge(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """Helm-style coalesce of value layers, later wins: mappings merge key by key, anything else replaces."""
    out: dict[str, Any] = {}
    for layer in layers:
        _merge_into(out, layer)
    return out


def _merge_into(target: dict[str, Any], layer: Mapping[str, Any]) -> None:
    for key, value in layer.items():
        current = target.get(key)
        if isinstance(value, Mapping) and isinstance(current, dict):
            _merge_into(current, value)
        elif isinstance(value, Mapping):
            fresh: dict[str, Any] = {}
            _merge_into(fresh, value)
            target[key] = fresh
        else:
            target[key] = copy.deepcopy(value)


def values_delta(full: Mapping[str, Any], base: Mapping[str, Any]) -> dict[str, Any]:
    """The smallest layer `d` with deep_merge(base, d) == full, for `full` built on top of `base`."""
    out: dict[str, Any] = {}
    for key, value in full.items():
        if key not in base:
            out[key] = copy.deepcopy(value)
            continue
        current = base[key]
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            sub = values_delta(value, current)
            if sub:
                out[key] = sub
        elif value != current:
            out[key] = copy.deepcopy(value)
    return out


def cluster_version(platform: Platform, cluster_name: str) -> str:
    """The Big Bang version a cluster runs: its own pin, else its environment's, else the fleet's."""
    cluster = platform.cluster(cluster_name)
    env = platform.environments.get(cluster.environment)
    return cluster.bigbang_version or (env.bigbang_version if env else None) or platform.bigbang.version


def resolve_cluster(platform: Platform, cluster_name: str) -> ResolvedCluster:
    """One cluster with every precedence layer applied (chart defaults excepted: Helm adds them)."""
    from sggitops.bigbang.catalog import load_catalog

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
