"""flux/* rules: Flux objects in the renders and in bootstrap files, checked against the repo and each other.

Flux objects and clusters come from the repo model (`sggitops.model`): renders, bootstrap files, plain
folders as Flux generates their kustomization, and what a bootstrap layout promises. A cluster's
objects are those of its entry points and every path its Kustomizations of this checkout deploy.
An empty namespace (an object the overlay puts in no namespace) matches any namespace.

The rules, with PASS/FAIL examples, are declared in `RULES` below.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sggitops.checks.context import RepoContext
from sggitops.checks.walk import (
    HELM_GROUP,
    KUSTOMIZE_GROUP,
    Placed,
    has_object,
    index_placed,
    is_kind,
    mapping,
    text,
)
from sggitops.findings import Finding, Severity
from sggitops.model import RepoModel, repo_model
from sggitops.model.build import values_source
from sggitops.model.sources import CHECKOUT
from sggitops.model.substitute import UNRESOLVED
from sggitops.rules import Rule

Index = Mapping[tuple[str, str], list[Placed]]


RULES = (
    Rule(
        id="flux/path-missing",
        severity=Severity.ERROR,
        summary="a Flux Kustomization path that does not exist or build",
        details="a Kustomization whose source is a GitRepository of this repo has a `spec.path` that does not exist, leaves the repo, does not build, or holds no manifests.",
        passing=(
            "spec:\n  path: ./overlays/run-dev\n  sourceRef: {kind: GitRepository,\n              name: acme}"
        ),
        failing=(
            "spec:\n  path: ./overlays/run-dve\n  sourceRef: {kind: GitRepository,\n              name: acme}"
        ),
    ),
    Rule(
        id="flux/source-missing",
        severity=Severity.ERROR,
        summary="a Flux sourceRef that does not resolve",
        details="a Kustomization `sourceRef`, a HelmRelease `chart.spec.sourceRef` or `chartRef` names a source (kind, name, namespace defaulting to the object's, as Flux defaults it) that the repo neither defines, nor makes (an ArtifactGenerator's ExternalArtifact, a FluxInstance's sync, the `flux bootstrap` layout), nor declares in `.sggitops.yaml`. Defined in the repo but outside a rooted cluster (see `sggitops.model.fleet`) that uses it: a warning, as the model may miss a path.",
        passing=(
            "kind: GitRepository\n"
            "metadata: {name: acme}\n"
            "---\n"
            "kind: Kustomization\n"
            "spec: {sourceRef: {kind: GitRepository,\n"
            "       name: acme}}"
        ),
        failing=(
            "kind: GitRepository\n"
            "metadata: {name: acme}\n"
            "---\n"
            "kind: Kustomization\n"
            "spec: {sourceRef: {kind: GitRepository,\n"
            "       name: flux-system}}"
        ),
    ),
    Rule(
        id="flux/depends-on-missing",
        severity=Severity.ERROR,
        summary="a Flux dependsOn that does not resolve",
        details="a `dependsOn` entry names no Kustomization (for a Kustomization) or HelmRelease (for a HelmRelease) of the same cluster and namespace (the entry's, else the object's).",
        passing=("spec: {dependsOn: [{name: bigbang}]}\n(a Kustomization `bigbang` exists)"),
        failing=("spec: {dependsOn: [{name: big-bang}]}\n(no Kustomization `big-bang`)"),
    ),
    Rule(
        id="flux/values-from-missing",
        severity=Severity.ERROR,
        summary="a HelmRelease valuesFrom object missing from the render",
        details="a HelmRelease `valuesFrom` ConfigMap or Secret is not among the objects of its cluster (names compared as rendered, so generator hashes match when a nameReference configuration renames the reference too; a Secret an ExternalSecret makes counts), unless the entry is `optional: true`.",
        passing=(
            "valuesFrom:\n  - {kind: ConfigMap, name: common}\n  - {kind: Secret, name: x, optional: true}"
        ),
        failing="valuesFrom:\n  - {kind: ConfigMap, name: comon}",
    ),
)


def _finding(
    placed: Placed,
    where: tuple[str, int, int],
    rule: str,
    message: str,
    hint: str,
    cluster: str,
    *,
    warn: bool = False,
) -> Finding:
    severity = Severity.WARNING if warn else Severity.ERROR
    return Finding(*where, rule, severity, message, hint=hint, cluster=cluster, resource=str(placed.rid))


def check(ctx: RepoContext) -> Iterator[Finding]:
    """Every flux/* finding (once per cluster; the validator merges clusters of one finding)."""
    model = repo_model(ctx)
    seen: set[Finding] = set()
    for cluster, units in model.fleet.clusters.items():
        index = index_placed(p for u in units for p in u.objects)
        for unit in units:
            for placed in unit.objects:
                for finding in _check_object(model, placed, index, cluster):
                    if finding not in seen:
                        seen.add(finding)
                        yield finding


def _check_object(model: RepoModel, placed: Placed, index: Index, cluster: str) -> Iterator[Finding]:
    obj = placed.obj
    spec = mapping(obj.get("spec"))
    if is_kind(obj, KUSTOMIZE_GROUP, "Kustomization"):
        yield from _source_ref(model, placed, ("spec", "sourceRef"), spec.get("sourceRef"), index, cluster)
        yield from _path(model, placed, cluster)
        yield from _depends_on(model, placed, "Kustomization", index, cluster)
    elif is_kind(obj, HELM_GROUP, "HelmRelease"):
        chart_ref = ("spec", "chart", "spec", "sourceRef")
        ref = mapping(mapping(spec.get("chart")).get("spec")).get("sourceRef")
        yield from _source_ref(model, placed, chart_ref, ref, index, cluster)
        yield from _source_ref(model, placed, ("spec", "chartRef"), spec.get("chartRef"), index, cluster)
        yield from _depends_on(model, placed, "HelmRelease", index, cluster)
        yield from _values_from(model, placed, index, cluster)


def _source_ref(
    model: RepoModel, placed: Placed, where: tuple[str, ...], ref: Any, index: Index, cluster: str
) -> Iterator[Finding]:
    if not isinstance(ref, Mapping) or not ref.get("name"):
        return
    kind, name = text(ref.get("kind")), text(ref.get("name"))
    namespace = text(ref.get("namespace")) or placed.namespace
    if UNRESOLVED.search(f"{name} {namespace}"):
        return  # a Flux variable only the cluster fills: cannot tell
    sources = model.sources
    if has_object(index, kind, name, namespace) or sources.generated(kind, name, namespace):
        return
    if sources.is_declared(kind, name, namespace):
        return
    elsewhere = sources.find(kind, name, namespace, placed.file)
    if elsewhere:
        if model.is_rooted(cluster):
            yield _finding(
                placed,
                placed.at(*where),
                "flux/source-missing",
                f"{placed.rid.kind} `{placed.rid.name}` uses {kind} `{namespace or '-'}/{name}`, defined only "
                f"in {elsewhere[0].file}, which its cluster does not apply",
                "apply the source in this cluster, or declare it in .sggitops.yaml `sources:`",
                cluster,
                warn=True,
            )
        return
    other = sources.find(kind, name, "", placed.file)
    hint = (
        f"{kind} `{name}` is in namespace `{other[0].namespace}` ({other[0].file}): set sourceRef.namespace "
        "(Flux looks in the referring object's namespace when it is omitted)"
        if other
        else "define the source, fix the sourceRef kind, name or namespace, or declare a source that exists "
        "only on the cluster in .sggitops.yaml `sources:`"
    )
    yield _finding(
        placed,
        placed.at(*where),
        "flux/source-missing",
        f"{placed.rid.kind} `{placed.rid.name}` uses {kind} `{namespace or '-'}/{name}`, which the repo "
        "does not define",
        hint,
        cluster,
    )


def _path(model: RepoModel, placed: Placed, cluster: str) -> Iterator[Finding]:
    spec = mapping(placed.obj.get("spec"))
    origin = model.sources.origin(placed, mapping(spec.get("sourceRef")))
    if origin.kind != CHECKOUT:
        return
    raw = text(spec.get("path"))
    if UNRESOLVED.search(raw):
        return  # a Flux variable only the cluster fills: cannot tell
    key = model.sources.repo_path(origin, raw)
    if key is None and origin.mapping:
        return  # a path of an artifact no copy rule of this checkout fills: cannot tell
    key = model.paths.resolve(key, absolute_ok=True) if key is not None else None
    if key is None:
        problem = f"`{raw}` leaves the repository"
    else:
        state = model.paths.state(key, recurse=True)
        if state.unbuildable and key in model.ctx.graph.kustomizations and model.ctx.graph.remote_refs(key):
            return  # its build/remote-base finding says why, once
        problem = state.problem
    if problem:
        yield _finding(
            placed,
            placed.at("spec", "path"),
            "flux/path-missing",
            f"Kustomization `{placed.rid.name}` path {problem}",
            "point spec.path at a directory of this repo that builds (relative to the repo root)",
            cluster,
        )


def _depends_on(model: RepoModel, placed: Placed, kind: str, index: Index, cluster: str) -> Iterator[Finding]:
    entries = mapping(placed.obj.get("spec")).get("dependsOn")
    rooted = model.is_rooted(cluster)
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        entry = mapping(entry)
        name = text(entry.get("name"))
        namespace = text(entry.get("namespace")) or placed.namespace
        if not name or has_object(index, kind, name, namespace) or UNRESOLVED.search(f"{name} {namespace}"):
            continue
        if model.sources.find(kind, name, namespace) and not rooted:
            continue
        yield _finding(
            placed,
            placed.at("spec", "dependsOn", i),
            "flux/depends-on-missing",
            f"{kind} `{placed.rid.name}` depends on {kind} `{namespace or '-'}/{name}`, "
            "which this cluster does not define",
            f"fix the name or namespace, or add the {kind} it waits for",
            cluster,
        )


def _values_from(model: RepoModel, placed: Placed, index: Index, cluster: str) -> Iterator[Finding]:
    entries = mapping(placed.obj.get("spec")).get("valuesFrom")
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        entry = mapping(entry)
        kind, name = text(entry.get("kind")), text(entry.get("name"))
        if kind not in ("ConfigMap", "Secret") or not name or entry.get("optional") is True:
            continue
        if values_source(index, kind, name, placed.namespace) is not None:
            continue
        if not model.is_rooted(cluster) and model.sources.find(kind, name, placed.namespace):
            continue  # a cluster the model may not see whole: defined in the repo is enough
        yield _finding(
            placed,
            placed.at("spec", "valuesFrom", i),
            "flux/values-from-missing",
            f"HelmRelease `{placed.rid.name}` takes values from {kind} `{name}`, "
            "which its cluster does not define",
            "generate it in the same kustomization, fix the name, or mark the entry `optional: true`",
            cluster,
        )
