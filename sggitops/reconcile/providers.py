"""Who installs which CRDs in a cluster, and which CRDs exist when an applier is dry-run.

Providers of a custom resource's API: a CustomResourceDefinition the repo applies, a Gatekeeper
ConstraintTemplate (Gatekeeper makes the constraint kind's CRD from it), or a HelmRelease whose chart
installs CRDs: Big Bang's package HelmReleases (catalog data per version, `packages.<name>` entries of
its values), a chart this repo holds (CRDs under its `crds/` or `templates/`), or a chart known by
name (catalog `packageCharts`).

Availability follows the controllers: Flux applies a Kustomization's CRDs before its other objects
(so a CRD and its custom resources may share a Kustomization); a dependency (`dependsOn`, transitive)
is Ready before a Kustomization runs, so what it applied exists, and a HelmRelease it health-checks (or
applies with `wait: true`) is installed. A CRD that a HelmRelease installs does not exist while the
Kustomization that applies that HelmRelease is dry-run. Argo CD skips the dry-run of custom resources
whose CRD is in the same sync; an Application synced after another (lower sync wave of the same
parent) sees what the earlier one applied (the parent waits for a wave's Applications to be healthy
only when Argo CD's Application health assessment is on, as app-of-apps setups configure it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sggitops.bigbang.packages_crds import bigbang_releases, chart_crd_groups, enabled
from sggitops.reconcile.bigbang_values import bigbang_values, enabled_packages
from sggitops.reconcile.model import Applier, ClusterGraph, Obj

HELM_GROUP = "helm.toolkit.fluxcd.io"
CONSTRAINTS_GROUP = "constraints.gatekeeper.sh"
ARGO_GROUP = "argoproj.io"
ANY_KIND = "*"
BUILTIN_GROUPS = frozenset(
    {
        "",
        "admissionregistration.k8s.io",
        "apiextensions.k8s.io",
        "apiregistration.k8s.io",
        "apps",
        "authentication.k8s.io",
        "authorization.k8s.io",
        "autoscaling",
        "batch",
        "certificates.k8s.io",
        "coordination.k8s.io",
        "discovery.k8s.io",
        "events.k8s.io",
        "flowcontrol.apiserver.k8s.io",
        "internal.apiserver.k8s.io",
        "networking.k8s.io",
        "node.k8s.io",
        "policy",
        "rbac.authorization.k8s.io",
        "resource.k8s.io",
        "scheduling.k8s.io",
        "storage.k8s.io",
        "storagemigration.k8s.io",
        "kustomize.config.k8s.io",
    }
)
FLUX_GROUPS = frozenset(
    {
        "source.toolkit.fluxcd.io",
        "kustomize.toolkit.fluxcd.io",
        "helm.toolkit.fluxcd.io",
        "notification.toolkit.fluxcd.io",
        "image.toolkit.fluxcd.io",
    }
)
"""Flux's own CRDs exist before the bootstrap (Flux is installed first)."""

Api = tuple[str, str]  # (group, kind); kind ANY_KIND for "every kind of the group"


@dataclass(frozen=True)
class Provider:
    """Something that makes an API exist: a CRD, a ConstraintTemplate, or a HelmRelease's chart."""

    what: str  # "CustomResourceDefinition" | "ConstraintTemplate" | "HelmRelease"
    namespace: str
    name: str
    applier: str  # key of the applier that applies it ("" by hand)
    apis: frozenset[Api]
    bigbang: str = ""  # for a HelmRelease Big Bang creates: "Big Bang <version>"

    def label(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.what} {where}" + (f" ({self.bigbang})" if self.bigbang else "")

    def provides(self, api: Api) -> bool:
        return api in self.apis or (api[0], ANY_KIND) in self.apis


@dataclass
class Providers:
    """The providers of one cluster, by kind of provider."""

    crds: list[Provider] = field(default_factory=list)  # CRD objects and ConstraintTemplates
    releases: dict[tuple[str, str], Provider] = field(default_factory=dict)  # (ns, name) -> HelmRelease
    bigbang: dict[tuple[str, str], str] = field(default_factory=dict)  # Big Bang HR (ns, name) -> version
    unresolved: set[tuple[str, str]] = field(default_factory=set)  # HelmReleases whose CRDs are unknown
    enabled: dict[tuple[str, str], bool | None] = field(default_factory=dict)  # Big Bang HR -> its values say
    pending: list[Callable[[], None]] = field(default_factory=list)  # Big Bang values, read when needed

    def complete(self) -> Providers:
        """Read what needs Big Bang's values (its `packages.*` HelmReleases, enabled flags); once."""
        while self.pending:
            self.pending.pop()()
        return self

    def release(self, key: tuple[str, str]) -> Provider | None:
        if key not in self.releases:
            self.complete()
        return self.releases.get(key)

    def for_api(self, api: Api) -> list[Provider]:
        self.complete()
        return [p for p in [*self.crds, *self.releases.values()] if p.provides(api)]


def api_of(obj: Obj) -> Api:
    return (obj.group, obj.kind)


def needs_crd(obj: Obj) -> bool:
    return obj.group not in BUILTIN_GROUPS and obj.group not in FLUX_GROUPS and "/" in obj.api_version


def _spec(obj: Obj) -> Mapping[str, Any]:
    spec = obj.obj.get("spec")
    return spec if isinstance(spec, Mapping) else {}


def _crd_api(obj: Obj) -> Api | None:
    if obj.kind == "CustomResourceDefinition" and obj.group == "apiextensions.k8s.io":
        names = _spec(obj).get("names")
        kind = names.get("kind") if isinstance(names, Mapping) else None
        return (str(_spec(obj).get("group") or ""), str(kind or ANY_KIND))
    if obj.kind == "ConstraintTemplate" and obj.group == "templates.gatekeeper.sh":
        crd = _spec(obj).get("crd")
        names = crd.get("spec", {}).get("names", {}) if isinstance(crd, Mapping) else {}
        kind = names.get("kind") if isinstance(names, Mapping) else None
        return (CONSTRAINTS_GROUP, str(kind)) if kind else None
    return None


def collect(cluster: ClusterGraph, repo: Path) -> Providers:
    """Every provider of the cluster's repo objects."""
    out = Providers()
    everything = cluster.all_objects()
    for applier, obj in everything:
        api = _crd_api(obj)
        if api is not None:
            out.crds.append(Provider(obj.kind, "", obj.name, applier, frozenset({api})))
    for applier, obj in everything:
        if obj.kind == "HelmRelease" and obj.group == HELM_GROUP:
            _release(out, cluster, applier, obj, everything, repo)
    return out


def _release(
    out: Providers,
    cluster: ClusterGraph,
    applier: str,
    obj: Obj,
    everything: list[tuple[str, Obj]],
    repo: Path,
) -> None:
    spec = _spec(obj)
    chart_spec = spec.get("chart", {}).get("spec", {}) if isinstance(spec.get("chart"), Mapping) else {}
    chart = str(chart_spec.get("chart") or "") if isinstance(chart_spec, Mapping) else ""
    source = chart_spec.get("sourceRef") if isinstance(chart_spec, Mapping) else None
    repo_obj = _source(everything, source, obj.namespace)
    if not chart and isinstance(spec.get("chartRef"), Mapping):
        chart, repo_obj = _chart_ref(everything, spec["chartRef"], obj.namespace)
    version = _bigbang_version(chart, chart_spec, repo_obj)
    groups: tuple[str, ...] | None
    if version:
        groups = ()
        _bigbang_children(out, obj, applier, version, everything)
    else:
        groups = _repo_chart_groups(repo, chart, repo_obj) or chart_crd_groups(chart.rsplit("/", 1)[-1])
    key = (obj.namespace, obj.name)
    if groups is None:
        out.unresolved.add(key)
        groups = ()
    apis = frozenset((g, ANY_KIND) for g in groups)
    out.releases[key] = Provider("HelmRelease", obj.namespace, obj.name, applier, apis)


def _chart_ref(
    everything: list[tuple[str, Obj]], ref: Mapping[str, Any], namespace: str
) -> tuple[str, Obj | None]:
    """The chart a HelmRelease's `spec.chartRef` names (helm-controller v2): an OCIRepository's chart is
    the last segment of its `oci://` URL; a HelmChart names its chart."""
    found = _source(everything, ref, namespace)
    if found is None:
        return "", None
    found_spec = _spec(found)
    if found.kind == "OCIRepository":
        return str(found_spec.get("url") or "").rstrip("/").rsplit("/", 1)[-1], None
    if found.kind == "HelmChart":
        return str(found_spec.get("chart") or ""), _source(
            everything, found_spec.get("sourceRef"), found.namespace
        )
    return "", None


def _source(everything: list[tuple[str, Obj]], ref: Any, namespace: str) -> Obj | None:
    if not isinstance(ref, Mapping):
        return None
    ns = str(ref.get("namespace") or namespace)
    for _a, obj in everything:
        if obj.kind == ref.get("kind") and obj.name == ref.get("name") and obj.namespace in (ns, ""):
            return obj
    return None


def _bigbang_version(chart: str, chart_spec: Mapping[str, Any], source: Obj | None) -> str:
    """Big Bang's version when the HelmRelease deploys Big Bang's umbrella chart, else ""."""
    if source is None:
        return ""
    url = str(_spec(source).get("url") or "")
    if source.kind == "GitRepository" and "bigbang" in url and chart.strip("./") == "chart":
        ref = _spec(source).get("ref")
        return str(ref.get("tag") or "") if isinstance(ref, Mapping) else ""
    if chart == "bigbang":
        return str(chart_spec.get("version") or "")
    return ""


def _bigbang_children(
    out: Providers, bigbang: Obj, applier: str, version: str, everything: list[tuple[str, Obj]]
) -> None:
    """The HelmReleases Big Bang creates at `version` (all it can create: values are not always known)."""
    namespace = str(_spec(bigbang).get("targetNamespace") or bigbang.namespace)
    label = f"Big Bang {version}"
    try:
        releases = bigbang_releases(version)
    except ValueError:
        return
    keys = {}
    for release in releases:
        if release.pattern:
            continue
        apis = frozenset((g, ANY_KIND) for g in release.crds)
        key = (namespace, release.name)
        out.releases[key] = Provider("HelmRelease", namespace, release.name, applier, apis, label)
        out.bigbang[key] = version
        keys[key] = release.key
    out.pending.append(lambda: _from_values(out, bigbang, applier, version, everything, keys))


def _from_values(
    out: Providers,
    bigbang: Obj,
    applier: str,
    version: str,
    everything: list[tuple[str, Obj]],
    keys: Mapping[tuple[str, str], str],
) -> None:
    """Enabled flags of Big Bang's HelmReleases and its `packages.<name>` ones, from its values."""
    values = bigbang_values(bigbang, everything)
    label = f"Big Bang {version}"
    for key, values_key in keys.items():
        out.enabled[key] = enabled(values, values_key)
    for name, entry in enabled_packages(values).items():
        ns = str(entry.get("namespace", {}).get("name") or name) if isinstance(entry, Mapping) else name
        groups = chart_crd_groups(name) or ()
        out.releases[(ns, name)] = Provider(
            "HelmRelease", ns, name, applier, frozenset((g, ANY_KIND) for g in groups), label
        )
        out.bigbang[(ns, name)] = version
        out.enabled[(ns, name)] = True


def _repo_chart_groups(repo: Path, chart: str, source: Obj | None) -> tuple[str, ...] | None:
    """CRD groups of a chart directory this repo holds (GitRepository source, chart = a path)."""
    if source is None or source.kind != "GitRepository" or not chart.startswith(("./", "/")):
        return None
    directory = (repo / chart.strip("/")).resolve()
    if not directory.is_dir() or not (directory / "Chart.yaml").is_file():
        return None
    groups: set[str] = set()
    for path in sorted(directory.rglob("*.yaml")):
        try:
            content = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if "CustomResourceDefinition" in content:
            groups.update(re.findall(r"^\s{2}group:\s*[\"']?([a-z0-9.-]+)", content, re.M))
    return tuple(sorted(groups))


# --- availability --------------------------------------------------------------------------------


class Availability:
    """Which APIs exist when each applier of a cluster is dry-run (memoised)."""

    def __init__(self, cluster: ClusterGraph, providers: Providers) -> None:
        self.cluster = cluster
        self.providers = providers
        self._memo: dict[str, frozenset[Api]] = {}

    def dependencies(self, applier: Applier) -> list[Applier]:
        """The Kustomizations `applier` waits for, transitively (unresolved entries are skipped)."""
        out: list[Applier] = []
        queue, seen = [applier], {applier.key}
        while queue:
            current = queue.pop(0)
            for ref in current.depends_on:
                dep = self.cluster.find_kustomization(ref.namespace, ref.name)
                if dep is not None and dep.key not in seen:
                    seen.add(dep.key)
                    out.append(dep)
                    queue.append(dep)
        return out

    def opaque_wait(self, applier: Applier) -> str:
        """The label of what `applier` (or a Kustomization it depends on) waits for whose content the
        model cannot see: a HelmRelease of an unknown chart, or a Flux Kustomization whose source is not
        this repo (e.g. an OCIRepository of upstream manifests). "" when there is none."""
        for current in [applier, *self.dependencies(applier)]:
            waited = {(r.namespace, r.name) for r in current.health_checks if r.kind == "HelmRelease"}
            if current.wait:
                waited |= {(o.namespace, o.name) for o in current.objects if o.kind == "HelmRelease"}
            unknown = sorted(waited & self.providers.unresolved)
            if unknown:
                return f"HelmRelease `{unknown[0][1]}` (waited for by {current.label})"
            if not current.wait:
                continue
            for obj in current.objects:
                if obj.kind != "Kustomization" or obj.group != "kustomize.toolkit.fluxcd.io":
                    continue
                child = self.cluster.find_kustomization(obj.namespace, obj.name)
                if child is None or child.path is None:
                    return (
                        f"Kustomization `{obj.name}` from outside this repo (waited for by {current.label})"
                    )
        return ""

    def applied_apis(self, applier: Applier) -> set[Api]:
        """APIs an applier's own CRDs and ConstraintTemplates make."""
        return {api for o in applier.objects if (api := _crd_api(o)) is not None}

    def ready_apis(self, applier: Applier) -> set[Api]:
        """What exists once `applier` is Ready: what it applied, and the releases it waits for."""
        apis = self.applied_apis(applier)
        waited = [(r.namespace, r.name) for r in applier.health_checks if r.kind == "HelmRelease"]
        if applier.wait:
            waited += [(o.namespace, o.name) for o in applier.objects if o.kind == "HelmRelease"]
        for key in waited:
            release = self.providers.release(key)
            if release is not None:
                apis |= release.apis
        return apis

    def at_dry_run(self, applier: Applier) -> frozenset[Api]:
        """APIs that exist when `applier` is dry-run (not counting its own CRDs)."""
        if applier.key in self._memo:
            return self._memo[applier.key]
        self._memo[applier.key] = frozenset()  # a cycle sees nothing more
        apis: set[Api] = set()
        for dep in self.dependencies(applier):
            apis |= self.ready_apis(dep) | self.at_dry_run(dep)
        parent = self.cluster.appliers.get(applier.applied_by)
        if parent is not None:
            apis |= self.applied_apis(parent) | self.at_dry_run(parent)
        if applier.kind == "Application":
            apis.add((ARGO_GROUP, ANY_KIND))  # Argo CD syncs it: Argo CD's own CRDs exist
            for sibling in self.cluster.applications():
                if sibling.applied_by == applier.applied_by and sibling.wave < applier.wave:
                    apis |= self.applied_apis(sibling)
        self._memo[applier.key] = frozenset(apis)
        return self._memo[applier.key]

    def has(self, applier: Applier, api: Api, *, same_sync: bool) -> bool:
        apis = self.at_dry_run(applier)
        if same_sync:
            own = {a for a in self.applied_apis(applier) if a[0] != CONSTRAINTS_GROUP}
            apis = apis | own
        return api in apis or (api[0], ANY_KIND) in apis
