"""Big Bang's umbrella chart rendered for one cluster: the job, the packages, and where a failure points.

The chart is `chart/` at the cluster's tag (sggitops.bigbang.chart.chart_tree, from the mirror, cached;
or a chart directory given directly). The values are the cluster's Big Bang HelmRelease values as Flux's
helm-controller merges them: every readable `valuesFrom` layer in order, then `spec.values`, handed to
Helm, which coalesces them over the chart defaults (a `null` deletes a default). Layers that cannot be
read (SOPS-encrypted or absent Secrets) are left out by the caller, which says so.

`package_set(chart_or_mirror, version, values, ...)` is the entry point for other checks: the cluster's
`PackageRelease`s, or `RenderFailed` with Helm's message.

A template failure (`fail`, `required`) reads `execution error at (bigbang/templates/F:L:C): MESSAGE`.
`failure_paths` turns it into the values paths that decide it: the `.Values.a.b` references of the
template's enclosing block up to line L, and the values keys the message names (`istiod requires
istioCRDs`), so the finding can point at the line of the repo (or platform.yaml) that set one of them.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sggitops import yamlio
from sggitops.bigbang.chart import DEFAULT_TIMEOUT, local_path
from sggitops.bigbang.chart_tree import chart_tree
from sggitops.bigbang.packages import PackageRelease, package_keys, packages_from_render
from sggitops.errors import InputError, ToolError
from sggitops.render.helm import Helm, HelmJob, HelmRenderer, HelmResult, find_helm
from sggitops.spec.resolve import deep_merge

KeyPath = tuple[str | int, ...]
RELEASE = ("bigbang", "bigbang")
_FAILURE = re.compile(
    r"execution error at \((?P<file>[^:()]+):(?P<line>\d+):(?P<col>\d+)\):\s*(?P<text>.*)", re.S
)
_VALUES_REF = re.compile(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")
_BLOCK_START = re.compile(r"\{\{-?\s*(if|with|range|define)\b")


class RenderFailed(ToolError):
    """Helm refused to render the chart with these values (`kind`: render | values | timeout | ...)."""

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message, hint="see bigbang/render findings of `sggitops validate`")
        self.kind = kind


@dataclass(frozen=True)
class ChartRef:
    """A chart directory to render and the digest of its content."""

    version: str
    path: Path
    digest: str


def release_identity(release: Mapping[str, Any]) -> tuple[str, str]:
    """(Helm release name, namespace) helm-controller uses for a HelmRelease."""
    meta = release.get("metadata") or {}
    spec = release.get("spec") or {}
    name = str(meta.get("name") or "bigbang")
    target = str(spec.get("targetNamespace") or "")
    release_name = str(spec.get("releaseName") or (f"{target}-{name}" if target else name))
    return release_name, target or str(meta.get("namespace") or "default")


def user_values(layers: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """helm-controller's merge of the values layers, lowest first (nulls kept: Helm applies them)."""
    return deep_merge(*layers)


_DIGESTS: dict[str, str] = {}
_DEFAULTS: dict[str, dict[str, Any]] = {}
_memo_lock = threading.Lock()


def chart_ref(
    source: str | Path | None, version: str, *, cache_dir: Path, timeout: float = DEFAULT_TIMEOUT
) -> ChartRef:
    """A chart directory (holding Chart.yaml) as it is, else `chart/` at tag `version` of a Big Bang repo
    (None: only the cache). Raises ChartUnavailable."""
    path = local_path(str(source)) if source is not None else None
    if path is not None and (path / "Chart.yaml").is_file():
        return ChartRef(version, path, directory_digest(path))
    where = str(source) if source is not None else None
    tree = chart_tree(version, source=where, cache_dir=cache_dir, timeout=timeout)
    return ChartRef(version, tree.path, tree.digest)


def directory_digest(path: Path) -> str:
    """sha256 over every file's relative path and content (memoized per path for one process)."""
    key = str(path.resolve())
    with _memo_lock:
        if key in _DIGESTS:
            return _DIGESTS[key]
    h = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        h.update(file.relative_to(path).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(file.read_bytes()).digest())
    with _memo_lock:
        _DIGESTS[key] = h.hexdigest()
    return h.hexdigest()


def chart_defaults(chart: ChartRef) -> dict[str, Any]:
    """The chart's values.yaml (memoized by digest)."""
    with _memo_lock:
        if chart.digest in _DEFAULTS:
            return _DEFAULTS[chart.digest]
    try:
        text = (chart.path / "values.yaml").read_text(encoding="utf-8")
        loaded = yamlio.to_plain(yamlio.load_one(text, f"{chart.path}/values.yaml"))
    except (OSError, UnicodeDecodeError, InputError):
        loaded = {}
    values = loaded if isinstance(loaded, dict) else {}
    with _memo_lock:
        _DEFAULTS[chart.digest] = values
    return values


def job(
    chart: ChartRef, values: Mapping[str, Any], *, release: tuple[str, str] = RELEASE, kube_version: str = ""
) -> HelmJob:
    return HelmJob(chart.path, chart.digest, values, release[0], release[1], kube_version)


def packages_of(chart: ChartRef, values: Mapping[str, Any], result: HelmResult) -> list[PackageRelease]:
    """The packages of a successful render (chart defaults merged with `values` decide the disabled ones)."""
    return packages_from_render(result.objects, deep_merge(chart_defaults(chart), values))


def package_set(
    chart_or_mirror: str | Path,
    version: str,
    values: Mapping[str, Any],
    *,
    cache_dir: Path,
    helm: Helm | None = None,
    kube_version: str = "",
    release: tuple[str, str] = RELEASE,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[PackageRelease]:
    """The packages Big Bang `version` gives a cluster with these values (HelmRelease values layers merged).

    Raises ChartUnavailable, HelmUnavailable, or RenderFailed (a template failure, with Helm's message).
    """
    chart = chart_ref(chart_or_mirror, version, cache_dir=cache_dir, timeout=timeout)
    renderer = HelmRenderer(helm or find_helm(), cache_dir=cache_dir, timeout=timeout, jobs=1)
    result = renderer.render(job(chart, values, release=release, kube_version=kube_version))
    if not result.ok:
        raise RenderFailed(result.error, kind=result.kind)
    return packages_of(chart, values, result)


# --- what a failure points at ----------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """A parsed template failure: the template file (chart-relative), its line, and Helm's text."""

    template: str
    line: int
    text: str


def parse_failure(message: str) -> Failure | None:
    found = _FAILURE.search(message)
    if found is None:
        return None
    template = found["file"].split("/", 1)[1] if "/" in found["file"] else found["file"]
    return Failure(template, int(found["line"]), found["text"].strip())


def failure_paths(chart: ChartRef, failure: Failure) -> list[KeyPath]:
    """Values paths that decide the failure, most specific first (see the module docstring)."""
    paths: list[KeyPath] = []
    try:
        lines = (chart.path / failure.template).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    block = lines[: failure.line]
    start = next((i for i in range(len(block) - 1, -1, -1) if _BLOCK_START.search(block[i])), 0)
    for text in block[start:]:
        for ref in _VALUES_REF.finditer(text):
            path: KeyPath = tuple(ref[1].strip(".").split("."))
            if path not in paths:
                paths.append(path)
    keys = [key for key, _block in package_keys(chart_defaults(chart))]
    for key in sorted(keys, key=lambda k: failure.text.find(k.rpartition(".")[2])):
        word = key.rpartition(".")[2]
        if re.search(rf"\b{re.escape(word)}\b", failure.text):
            path = (*key.split("."), "enabled")
            if path not in paths:
                paths.append(path)
    return paths
