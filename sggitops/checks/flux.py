"""flux/* rules: Flux objects in the renders and in bootstrap files, checked against the repo and each other.

Flux objects are read from every render and from bootstrap files (`overlays/<cluster>/bootstrap.yaml`
and any other YAML file that no kustomization lists and that holds a Flux Kustomization). A cluster's
objects are those of its roots, its bootstrap file and every path its Flux Kustomizations deploy.
An empty namespace (an object the overlay puts in no namespace) matches any namespace.

Rules:

`flux/path-missing` (error): a Kustomization whose source is a GitRepository of this repo has a
`spec.path` that does not exist, leaves the repo, does not build, or holds no manifests.

    PASS                                    FAIL
    spec:                                   spec:
      path: ./overlays/run-dev                path: ./overlays/run-dve
      sourceRef: {kind: GitRepository,        sourceRef: {kind: GitRepository,
                  name: acme}                             name: acme}

`flux/source-missing` (error): a Kustomization `sourceRef`, a HelmRelease `chart.spec.sourceRef` or
`chartRef` names a source (kind, name, namespace defaulting to the object's) that is not among the
objects of the same file, render or cluster.

    PASS                                    FAIL
    kind: GitRepository                     kind: GitRepository
    metadata: {name: acme}                  metadata: {name: acme}
    ---                                     ---
    kind: Kustomization                     kind: Kustomization
    spec: {sourceRef: {kind: GitRepository, spec: {sourceRef: {kind: GitRepository,
           name: acme}}                            name: flux-system}}

`flux/depends-on-missing` (error): a `dependsOn` entry names no Kustomization (for a Kustomization) or
HelmRelease (for a HelmRelease) of the same cluster and namespace (the entry's, else the object's).

    PASS                                    FAIL
    spec: {dependsOn: [{name: bigbang}]}    spec: {dependsOn: [{name: big-bang}]}
    (a Kustomization `bigbang` exists)      (no Kustomization `big-bang`)

`flux/values-from-missing` (error): a HelmRelease `valuesFrom` ConfigMap or Secret is not in the same
render (names compared as rendered, so generator hashes match), unless the entry is `optional: true`.

    PASS                                    FAIL
    valuesFrom:                             valuesFrom:
      - {kind: ConfigMap, name: common}       - {kind: ConfigMap, name: comon}
      - {kind: Secret, name: x, optional: true}

The module also holds what the Argo CD checks share: `Placed` (an object and where its source is),
`Sources` (repo files read once), `RepoPaths` (a repo path as a GitOps controller sees it) and
`build_fleet` (cluster -> the units of objects applied to it, following what deploys what).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sggitops.checks.context import RepoContext
from sggitops.checks.walk import (
    HELM_GROUP,
    KUSTOMIZE_GROUP,
    Placed,
    RepoPaths,
    Unit,
    build_fleet,
    flux_edges,
    has_object,
    index_placed,
    is_kind,
    mapping,
    seed_index,
    shared_sources,
    text,
    this_repo_source,
)
from sggitops.findings import Finding, Severity


def _finding(
    placed: Placed, where: tuple[str, int, int], rule: str, message: str, hint: str, cluster: str
) -> Finding:
    return Finding(
        *where, rule, Severity.ERROR, message, hint=hint, cluster=cluster, resource=str(placed.rid)
    )


def check(ctx: RepoContext) -> Iterator[Finding]:
    """Every flux/* finding, each once."""
    sources = shared_sources(ctx)
    paths = RepoPaths(ctx, sources)
    fleet = build_fleet(ctx, sources, paths, flux_edges(ctx, paths, seed_index(ctx, sources)))
    seen: set[Finding] = set()
    for cluster, units in fleet.clusters.items():
        index = index_placed(p for u in units for p in u.objects)
        for unit in units:
            for placed in unit.objects:
                for finding in _check_object(ctx, paths, placed, unit, index, cluster):
                    if finding not in seen:
                        seen.add(finding)
                        yield finding


def _check_object(
    ctx: RepoContext,
    paths: RepoPaths,
    placed: Placed,
    unit: Unit,
    index: Mapping[tuple[str, str], list[Placed]],
    cluster: str,
) -> Iterator[Finding]:
    obj = placed.obj
    spec = mapping(obj.get("spec"))
    if is_kind(obj, KUSTOMIZE_GROUP, "Kustomization"):
        yield from _source_ref(placed, ("spec", "sourceRef"), spec.get("sourceRef"), index, cluster)
        yield from _path(ctx, paths, placed, index, cluster)
        yield from _depends_on(placed, "Kustomization", index, cluster)
    elif is_kind(obj, HELM_GROUP, "HelmRelease"):
        chart_ref = ("spec", "chart", "spec", "sourceRef")
        yield from _source_ref(
            placed,
            chart_ref,
            mapping(mapping(spec.get("chart")).get("spec")).get("sourceRef"),
            index,
            cluster,
        )
        yield from _source_ref(placed, ("spec", "chartRef"), spec.get("chartRef"), index, cluster)
        yield from _depends_on(placed, "HelmRelease", index, cluster)
        yield from _values_from(placed, index_placed(unit.objects), cluster)


def _source_ref(
    placed: Placed,
    where: tuple[str, ...],
    ref: Any,
    index: Mapping[tuple[str, str], list[Placed]],
    cluster: str,
) -> Iterator[Finding]:
    if not isinstance(ref, Mapping) or not ref.get("name"):
        return
    kind, name = text(ref.get("kind")), text(ref.get("name"))
    namespace = text(ref.get("namespace")) or placed.namespace
    if not has_object(index, kind, name, namespace):
        yield _finding(
            placed,
            placed.at(*where),
            "flux/source-missing",
            f"{placed.rid.kind} `{placed.rid.name}` uses {kind} `{namespace or '-'}/{name}`, "
            "which is not defined in this file, render or cluster",
            "define the source next to it, or fix the sourceRef kind, name or namespace",
            cluster,
        )


def _path(
    ctx: RepoContext,
    paths: RepoPaths,
    placed: Placed,
    index: Mapping[tuple[str, str], list[Placed]],
    cluster: str,
) -> Iterator[Finding]:
    if this_repo_source(ctx, placed, index) is None:
        return
    raw = text(mapping(placed.obj.get("spec")).get("path"))
    key = paths.resolve(raw, absolute_ok=True)
    problem = f"`{raw}` leaves the repository" if key is None else paths.state(key, recurse=True).problem
    if problem:
        yield _finding(
            placed,
            placed.at("spec", "path"),
            "flux/path-missing",
            f"Kustomization `{placed.rid.name}` path {problem}",
            "point spec.path at a directory of this repo that builds (relative to the repo root)",
            cluster,
        )


def _depends_on(
    placed: Placed, kind: str, index: Mapping[tuple[str, str], list[Placed]], cluster: str
) -> Iterator[Finding]:
    entries = mapping(placed.obj.get("spec")).get("dependsOn")
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        entry = mapping(entry)
        name = text(entry.get("name"))
        namespace = text(entry.get("namespace")) or placed.namespace
        if name and not has_object(index, kind, name, namespace):
            yield _finding(
                placed,
                placed.at("spec", "dependsOn", i),
                "flux/depends-on-missing",
                f"{kind} `{placed.rid.name}` depends on {kind} `{namespace or '-'}/{name}`, "
                "which this cluster does not define",
                f"fix the name or namespace, or add the {kind} it waits for",
                cluster,
            )


def _values_from(
    placed: Placed, local: Mapping[tuple[str, str], list[Placed]], cluster: str
) -> Iterator[Finding]:
    entries = mapping(placed.obj.get("spec")).get("valuesFrom")
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        entry = mapping(entry)
        kind, name = text(entry.get("kind")), text(entry.get("name"))
        if kind not in ("ConfigMap", "Secret") or not name or entry.get("optional") is True:
            continue
        if not has_object(local, kind, name, placed.namespace):
            yield _finding(
                placed,
                placed.at("spec", "valuesFrom", i),
                "flux/values-from-missing",
                f"HelmRelease `{placed.rid.name}` takes values from {kind} `{name}`, "
                f"which is not in the same render ({placed.unit})",
                "generate it in the same kustomization, fix the name, or mark the entry `optional: true`",
                cluster,
            )
