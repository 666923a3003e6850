"""Which HelmReleases Big Bang creates per version, and which CRD API groups each installs.

The facts are this project's own data in `catalog.yaml` (`helmReleases`, `packageCharts`), written
from `chart/templates/<package>/helmrelease.yaml` and `namespace.yaml` at Big Bang's release tags.
Every Big Bang HelmRelease lives in the release namespace of the `bigbang` HelmRelease (`bigbang`);
a `packages.<name>` entry becomes HelmRelease `<name>` in namespace `<name>`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from sggitops import yamlio
from sggitops.bigbang.version import Version, as_version

BIGBANG_NAMESPACE = "bigbang"


@dataclass(frozen=True)
class BigBangRelease:
    """One HelmRelease of Big Bang's chart at a version."""

    name: str  # the HelmRelease name (for a `pattern` entry: the template directory)
    key: str  # the values key whose `enabled` switches it on (e.g. `addons.argocd`)
    namespace: str = ""  # the Namespace the chart creates for it ("" when none of its own)
    crds: tuple[str, ...] = ()  # API groups of the CRDs its chart installs
    pattern: str = ""  # a regex matching the names built from values (Istio gateways)

    def matches(self, name: str) -> bool:
        if self.pattern:
            return re.search(self.pattern, name) is not None
        return name == self.name


@dataclass(frozen=True)
class _Span:
    since: Version
    until: Version | None
    release: BigBangRelease


@cache
def _data() -> Mapping[str, Any]:
    text = resources.files("sggitops.bigbang").joinpath("catalog.yaml").read_text(encoding="utf-8")
    docs = yamlio.load_plain_all(text, "sggitops/bigbang/catalog.yaml")  # the fast loader: no positions
    data: Mapping[str, Any] = docs[0][2]
    return data


@cache
def _spans() -> tuple[_Span, ...]:
    out = []
    for name, spans in _data()["helmReleases"].items():
        for raw in spans:
            release = BigBangRelease(
                name=name,
                key=str(raw["key"]),
                namespace=str(raw.get("namespace", "")),
                crds=tuple(raw.get("crds", ())),
                pattern=str(raw.get("pattern", "")),
            )
            until = as_version(str(raw["until"])) if "until" in raw else None
            out.append(_Span(as_version(str(raw["since"])), until, release))
    return tuple(out)


@cache
def bigbang_releases(version: str | Version) -> tuple[BigBangRelease, ...]:
    """Every HelmRelease Big Bang's chart at `version` can create (whatever its values)."""
    v = as_version(version)
    return tuple(s.release for s in _spans() if s.since <= v and (s.until is None or v < s.until))


def bigbang_release(version: str | Version, name: str) -> BigBangRelease | None:
    """The HelmRelease `name` of Big Bang at `version`, or None when that version creates none so named."""
    exact = [r for r in bigbang_releases(version) if not r.pattern and r.name == name]
    if exact:
        return exact[0]
    return next((r for r in bigbang_releases(version) if r.matches(name)), None)


def release_for_key(version: str | Version, key: str) -> BigBangRelease | None:
    """The HelmRelease that values key `key` (e.g. `kyverno`, `addons.argocd`) enables at `version`."""
    return next((r for r in bigbang_releases(version) if r.key == key and not r.pattern), None)


def enabled(values: Mapping[str, Any], key: str) -> bool | None:
    """`<key>.enabled` in merged Big Bang values (dotted key), or None when the values do not say."""
    node: Any = values
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    flag = node.get("enabled") if isinstance(node, Mapping) else None
    return flag if isinstance(flag, bool) else None


def chart_crd_groups(chart: str) -> tuple[str, ...] | None:
    """CRD API groups a chart known by name installs; None when the catalog does not know the chart."""
    groups = _data()["packageCharts"].get(chart)
    return None if groups is None else tuple(groups)
