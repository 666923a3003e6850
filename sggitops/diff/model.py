"""What a rendered diff is: per cluster, the resources added, removed and changed, and the danger flags.

Every text in these values is already redacted: Secret `data`/`stringData` values (and the values of any
SOPS-encrypted object) never reach a `DiffResult`, so every output format is safe by construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sggitops.findings import Finding

SIDES = ("base", "head")


@dataclass(frozen=True)
class ValueChange:
    """One Big Bang values key that differs: `addons.gitlab.enabled: true -> false`."""

    key: str  # dotted path; list items as `[i]`
    before: Any  # `MISSING` (see values.py) when added
    after: Any  # `MISSING` when removed
    status: str  # added | removed | changed

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "status": self.status}
        if self.status != "added":
            out["before"] = self.before
        if self.status != "removed":
            out["after"] = self.after
        return out


@dataclass(frozen=True)
class ResourceChange:
    """One resource present on both sides whose content differs."""

    resource: str  # `Kind/namespace/name` as on the head side
    diff: str  # unified diff of the YAML (values ConfigMaps: a values diff by key), redacted
    paths: tuple[str, ...] = ()  # dotted paths that differ, from deepdiff
    values: tuple[ValueChange, ...] = ()  # Big Bang values diff (ConfigMaps feeding a HelmRelease)


@dataclass(frozen=True)
class PackageChange:
    """One Big Bang package whose version, enabled state or values differ (values already redacted)."""

    package: str  # values key: istiod, addons.gitlab (plus `/<release>` when a key renders several)
    before: str  # version on the base side ("" when absent)
    after: str
    enabled_before: bool | None  # None: the package does not exist on that side
    enabled_after: bool | None
    values: tuple[ValueChange, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "package": self.package,
            "before": {"version": self.before, "enabled": self.enabled_before},
            "after": {"version": self.after, "enabled": self.enabled_after},
            "values": [v.to_json() for v in self.values],
        }


@dataclass(frozen=True)
class ClusterDiff:
    """The rendered differences of one cluster (every leaf overlay of the cluster taken together)."""

    cluster: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[ResourceChange, ...] = ()
    roots: tuple[str, ...] = ()  # the leaf overlays rendered for this cluster
    packages: tuple[PackageChange, ...] = ()  # Big Bang packages that differ (sggitops.diff.packages)
    bigbang: tuple[str, str] = ("", "")  # Big Bang version on the base and head side, when rendered

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


@dataclass(frozen=True)
class Danger:
    """A change a reviewer must not miss (it deletes something, or the apply will fail)."""

    rule: str  # danger/package-disabled | danger/namespace-removed | danger/crd-removed |
    # danger/immutable-field | danger/app-pruned
    cluster: str
    resource: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "cluster": self.cluster,
            "resource": self.resource,
            "message": self.message,
        }


@dataclass(frozen=True)
class DiffResult:
    """The rendered diff between two refs.

    `rendered[side]` counts the leaf overlay renders asked for on that side (cache hits included: a
    cache hit is a render served from the content-addressed cache); `cached[side]` is how many of them
    were cache hits. Only leaf overlays (roots no other kustomization includes: what Flux or Argo CD
    deploys) are rendered, and only those whose inputs changed.
    """

    base: str  # commit sha
    head: str | None  # commit sha, None for the working tree
    clusters: Mapping[str, ClusterDiff]
    rendered: Mapping[str, int] = field(default_factory=lambda: dict.fromkeys(SIDES, 0))
    cached: Mapping[str, int] = field(default_factory=lambda: dict.fromkeys(SIDES, 0))
    dangers: tuple[Danger, ...] = ()
    findings: tuple[Finding, ...] = ()  # render failures; such an overlay is left out of the diff
    notes: tuple[str, ...] = ()
    changed_files: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return all(c.empty for c in self.clusters.values())
