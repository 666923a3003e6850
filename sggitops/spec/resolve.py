"""Values layers and the Big Bang version of a cluster: pure functions over the model.

A cluster's values are resolved with the Big Bang catalog in `sggitops.bigbang.resolve`."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from sggitops.spec.model import Platform


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
