"""The packages a cluster gets from Big Bang, read from the render of its umbrella chart.

A Big Bang package is a values key (top-level or `addons.*`) whose mapping has `enabled` and a `git`
or `helmRepo` source (e.g. `istiod`, `addons.gitlab`). An enabled package renders a Flux HelmRelease in
the `bigbang` namespace (some, like `istioGateway`, one per gateway) with its GitRepository or
HelmRepository and a values Secret `bigbang-<name>-values` read through `valuesFrom`; a disabled one
renders nothing. `packages_from_render(objects, values)` returns one `PackageRelease` per rendered
HelmRelease (its name, namespaces, dependsOn, chart source and tag, values as Flux merges them) plus one
per disabled package (version from the values' `git.tag` / `helmRepo.tag`), sorted by package key.

Package values come from Secrets: they may hold credentials (SSO client secrets, registry passwords).
They are data for checks; anything that prints them must redact (sggitops.diff.packages does).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sggitops.bigbang.values import helm_releases, value_sources
from sggitops.spec.resolve import deep_merge

SOURCE_KINDS = {"GitRepository", "HelmRepository", "OCIRepository"}


@dataclass(frozen=True)
class PackageRelease:
    """One Big Bang package on one cluster (a rendered HelmRelease, or a disabled package)."""

    package: str  # values key: istiod, addons.gitlab
    name: str  # HelmRelease name (for a disabled package: the name Big Bang would give it, best guess)
    enabled: bool
    version: str  # git tag or Helm chart version ("" when unknown)
    namespace: str = ""  # the HelmRelease's namespace (bigbang)
    target_namespace: str = ""
    depends_on: tuple[str, ...] = ()  # namespace/name
    source_kind: str = ""  # GitRepository | HelmRepository | OCIRepository
    source_url: str = ""
    chart: str = ""  # path in the repo (./chart) or chart name
    values: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    secret_values: tuple[str, ...] = field(default=(), compare=False, repr=False)  # from Secrets


def package_keys(values: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(dotted key, block) of every package in merged values (chart defaults + the cluster's)."""
    for key, block in values.items():
        if key == "addons" and isinstance(block, Mapping):
            for name, sub in block.items():
                if _is_package(sub):
                    yield f"addons.{name}", sub
        elif _is_package(block):
            yield str(key), block


def _is_package(block: Any) -> bool:
    return isinstance(block, Mapping) and "enabled" in block and ("git" in block or "helmRepo" in block)


def packages_from_render(
    objects: Iterable[Mapping[str, Any]], values: Mapping[str, Any]
) -> list[PackageRelease]:
    """Every package of one render; `values` are the chart defaults merged with the cluster's values."""
    objects = list(objects)
    sources = {
        (str(o.get("kind")), _meta(o, "namespace"), _meta(o, "name")): o
        for o in objects
        if o.get("kind") in SOURCE_KINDS
    }
    keys = dict(package_keys(values))
    by_url = {_norm(_mapping(block.get("git")).get("repo")): key for key, block in keys.items()}
    by_chart = {
        str(_mapping(block.get("helmRepo")).get("chartName") or ""): key for key, block in keys.items()
    }
    out: list[PackageRelease] = []
    seen: set[str] = set()
    for release in helm_releases(objects):
        package = _release(release, objects, sources, by_url, by_chart)
        seen.add(package.package)
        out.append(package)
    for key, block in keys.items():
        if key not in seen:
            out.append(_disabled(key, block))
    return sorted(out, key=lambda p: (p.package, p.name))


def _release(
    release: Mapping[str, Any],
    objects: list[Mapping[str, Any]],
    sources: Mapping[tuple[str, str, str], Mapping[str, Any]],
    by_url: Mapping[str, str],
    by_chart: Mapping[str, str],
) -> PackageRelease:
    spec = _mapping(release.get("spec"))
    name, namespace = _meta(release, "name"), _meta(release, "namespace")
    chart_spec = _mapping(_mapping(spec.get("chart")).get("spec"))
    ref = _mapping(chart_spec.get("sourceRef"))
    kind = str(ref.get("kind") or "")
    source = sources.get((kind, str(ref.get("namespace") or namespace), str(ref.get("name") or "")), {})
    source_spec = _mapping(source.get("spec"))
    url = str(source_spec.get("url") or "")
    chart = str(chart_spec.get("chart") or "")
    if kind == "GitRepository":
        git_ref = _mapping(source_spec.get("ref"))
        version = str(git_ref.get("tag") or git_ref.get("semver") or git_ref.get("branch") or "")
    else:
        version = str(chart_spec.get("version") or "")
    package = by_url.get(_norm(url)) or by_chart.get(chart) or name
    layers = [layer for layer in value_sources(release, objects) if layer.found and not layer.problem]
    depends = tuple(
        f"{d.get('namespace') or namespace}/{d.get('name')}"
        for d in spec.get("dependsOn") or ()
        if isinstance(d, Mapping) and d.get("name")
    )
    return PackageRelease(
        package=package,
        name=name,
        enabled=True,
        version=version,
        namespace=namespace,
        target_namespace=str(spec.get("targetNamespace") or namespace),
        depends_on=depends,
        source_kind=kind,
        source_url=url,
        chart=chart,
        values=deep_merge(*(layer.values for layer in layers)),
        secret_values=tuple(sorted({layer.name for layer in layers if layer.kind == "Secret"})),
    )


def _disabled(key: str, block: Mapping[str, Any]) -> PackageRelease:
    helm_repo = _mapping(block.get("helmRepo"))
    git = _mapping(block.get("git"))
    if block.get("sourceType") == "helmRepo":
        kind, url = "HelmRepository", str(helm_repo.get("repoName") or "")
        chart, version = str(helm_repo.get("chartName") or ""), str(helm_repo.get("tag") or "")
    else:
        kind, url, chart = "GitRepository", str(git.get("repo") or ""), str(git.get("path") or "./chart")
        version = str(git.get("tag") or git.get("branch") or "")
    name = kebab(key.rpartition(".")[2])
    return PackageRelease(key, name, False, version, source_kind=kind, source_url=url, chart=chart)


def kebab(name: str) -> str:
    """`istioCRDs` -> `istio-crds`, `gitlabRunner` -> `gitlab-runner` (Big Bang's release names)."""
    out = ""
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out += "-"
        out += ch.lower()
    return out


def _norm(url: Any) -> str:
    return str(url or "").strip().rstrip("/").removesuffix(".git").lower()


def _meta(obj: Mapping[str, Any], key: str) -> str:
    return str(_mapping(obj.get("metadata")).get(key) or "")


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
