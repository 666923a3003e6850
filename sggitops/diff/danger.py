"""Danger flags: changes that delete things or that the API server will refuse.

- `danger/package-disabled`: a Big Bang package's effective `enabled` goes true -> false (the merged
  values of a Flux HelmRelease: its `valuesFrom` layers in order, then `spec.values`); Big Bang uninstalls
  the package and its data may go with it.
- `danger/namespace-removed`, `danger/crd-removed`: removing a Namespace deletes everything in it;
  removing a CRD deletes every custom resource of that type.
- `danger/immutable-field`: a field the API server refuses to update changed (Deployment, StatefulSet,
  DaemonSet `spec.selector`; StatefulSet `spec.volumeClaimTemplates`, `spec.serviceName`; Service
  `spec.clusterIP`; PersistentVolumeClaim `spec.storageClassName`; Job `spec.selector`, `spec.template`):
  the sync fails until the object is deleted and recreated.
- `danger/app-pruned`: an Argo CD Application is removed while `syncPolicy.automated.prune` is true;
  its resources are deleted with it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sggitops.bigbang.values import helm_releases, merged_values, value_sources
from sggitops.diff.model import Danger, ResourceChange
from sggitops.resource import ResourceId

IMMUTABLE: Mapping[str, tuple[str, ...]] = {
    "Deployment": ("spec.selector",),
    "DaemonSet": ("spec.selector",),
    "StatefulSet": ("spec.selector", "spec.volumeClaimTemplates", "spec.serviceName"),
    "Service": ("spec.clusterIP",),
    "PersistentVolumeClaim": ("spec.storageClassName",),
    "Job": ("spec.selector", "spec.template"),
}
PACKAGE_PARENTS = frozenset({"addons", "packages"})


def immutable_changes(change: ResourceChange) -> list[str]:
    """The immutable fields among the changed paths of one resource."""
    kind = change.resource.split("/", 1)[0]
    fields = IMMUTABLE.get(kind, ())
    return sorted(
        {f for f in fields for path in change.paths if path == f or path.startswith((f + ".", f + "["))}
    )


def removed_dangers(cluster: str, rid: ResourceId, obj: Mapping[str, Any]) -> Iterator[Danger]:
    if rid.kind == "Namespace" and rid.group == "":
        yield Danger(
            "danger/namespace-removed",
            cluster,
            str(rid),
            f"Namespace `{rid.name}` is removed: everything in it is deleted",
        )
    elif rid.kind == "CustomResourceDefinition":
        yield Danger(
            "danger/crd-removed",
            cluster,
            str(rid),
            f"CRD `{rid.name}` is removed: every custom resource of this type is deleted",
        )
    elif rid.kind == "Application" and rid.group == "argoproj.io" and _prunes(obj):
        yield Danger(
            "danger/app-pruned",
            cluster,
            str(rid),
            f"Argo CD Application `{rid.name}` is removed with `syncPolicy.automated.prune: true`: "
            "the resources it manages are deleted",
        )


def _prunes(obj: Mapping[str, Any]) -> bool:
    policy = (obj.get("spec") or {}).get("syncPolicy") or {}
    automated = policy.get("automated") if isinstance(policy, Mapping) else None
    return isinstance(automated, Mapping) and automated.get("prune") is True


def changed_dangers(cluster: str, change: ResourceChange) -> Iterator[Danger]:
    for field in immutable_changes(change):
        yield Danger(
            "danger/immutable-field",
            cluster,
            change.resource,
            f"`{field}` is immutable: the apply fails until the object is deleted and recreated",
        )


def disabled_packages(
    cluster: str, base: Mapping[ResourceId, Mapping[str, Any]], head: Mapping[ResourceId, Mapping[str, Any]]
) -> Iterator[Danger]:
    """Packages enabled on the base side and explicitly disabled on the head side, per HelmRelease."""
    head_releases = {ResourceId.of(r): r for r in helm_releases(head.values())}
    for release in helm_releases(base.values()):
        rid = ResourceId.of(release)
        if rid not in head_releases:
            continue
        before = _enabled(merged_values({}, value_sources(release, base.values())))
        after = _enabled(merged_values({}, value_sources(head_releases[rid], head.values())))
        for package in sorted(p for p, on in before.items() if on and after.get(p) is False):
            yield Danger(
                "danger/package-disabled",
                cluster,
                str(rid),
                f"Big Bang package `{package}` is disabled (`{package}.enabled: true -> false`): "
                "it is uninstalled",
            )


def _enabled(values: Mapping[str, Any]) -> dict[str, bool]:
    """`<package>` or `addons.<package>` / `packages.<package>` -> its `enabled` boolean."""
    out: dict[str, bool] = {}
    for key, node in values.items():
        if not isinstance(node, Mapping):
            continue
        if isinstance(node.get("enabled"), bool):
            out[str(key)] = bool(node["enabled"])
        if key in PACKAGE_PARENTS:
            for name, sub in node.items():
                if isinstance(sub, Mapping) and isinstance(sub.get("enabled"), bool):
                    out[f"{key}.{name}"] = bool(sub["enabled"])
    return out
