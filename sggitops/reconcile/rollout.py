"""The predicted order of a fresh bootstrap, per cluster: stages, what each waits for, and which
HelmReleases and CRD API groups become available when (`sggitops rollout`).

Stage 0 is what an admin applies by hand (bootstrap files). A Flux Kustomization runs once every
Kustomization it depends on is Ready and the applier that creates it has run: its stage is one more
than the latest of those. An Argo CD Application runs after the applier that creates it, ordered by
sync wave among its siblings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from sggitops.reconcile.model import Applier, ClusterGraph, ReconcileGraph
from sggitops.reconcile.providers import Availability, Providers


@dataclass(frozen=True)
class Step:
    """One applier in the rollout."""

    kind: str
    name: str
    namespace: str
    path: str  # the repo path it applies ("" when its source is another repo)
    file: str  # where it is defined
    line: int
    after: tuple[str, ...]  # keys of what it waits for (dependsOn, its creator, earlier waves)
    waits_for: tuple[str, ...]  # its health checks (`HelmRelease ns/name`...), or "all applied (wait)"
    helm_releases: tuple[str, ...]  # HelmReleases installed and healthy once it is Ready
    creates: tuple[str, ...]  # HelmReleases Big Bang creates from what it applies (enabled in its values)
    crd_groups: tuple[str, ...]  # CRD API groups that exist once it is Ready
    objects: int


@dataclass
class ClusterRollout:
    cluster: str
    stages: list[list[Step]] = field(default_factory=list)


def plan_rollout(
    graph: ReconcileGraph, providers: dict[str, Providers], clusters: Iterable[str] = ()
) -> list[ClusterRollout]:
    """The rollout of each cluster (all, or the named ones), stages in order."""
    wanted = set(clusters)
    out = []
    for name in sorted(graph.clusters):
        if wanted and name not in wanted:
            continue
        out.append(_cluster(graph.clusters[name], providers[name]))
    return out


def _cluster(cluster: ClusterGraph, providers: Providers) -> ClusterRollout:
    providers.complete()
    avail = Availability(cluster, providers)
    stage: dict[str, int] = {}
    rollout = ClusterRollout(cluster.name)
    for applier in sorted(cluster.appliers.values(), key=lambda a: (a.source.where, a.key)):
        _stage(cluster, applier, stage, set())
    by_stage: dict[int, list[Step]] = {}
    for applier in cluster.appliers.values():
        by_stage.setdefault(stage[applier.key], []).append(_step(cluster, avail, providers, applier))
    for number in sorted(by_stage):
        rollout.stages.append(sorted(by_stage[number], key=lambda s: (s.kind, s.namespace, s.name)))
    return rollout


def _before(cluster: ClusterGraph, applier: Applier) -> list[Applier]:
    """What must have run before `applier` runs."""
    out = []
    for ref in applier.depends_on:
        dep = cluster.find_kustomization(ref.namespace, ref.name)
        if dep is not None:
            out.append(dep)
    parent = cluster.appliers.get(applier.applied_by)
    if parent is not None:
        out.append(parent)
    if applier.kind == "Application":
        out += [
            a for a in cluster.applications() if a.applied_by == applier.applied_by and a.wave < applier.wave
        ]
    return out


def _stage(cluster: ClusterGraph, applier: Applier, stage: dict[str, int], path: set[str]) -> int:
    if applier.key in stage:
        return stage[applier.key]
    if applier.key in path:
        return 0  # a cycle (reported by reconcile/depends-on-cycle)
    path.add(applier.key)
    before = [_stage(cluster, b, stage, path) for b in _before(cluster, applier)]
    path.discard(applier.key)
    stage[applier.key] = 1 + max(before, default=0)
    return stage[applier.key]


def _step(cluster: ClusterGraph, avail: Availability, providers: Providers, applier: Applier) -> Step:
    waited = [(r.namespace, r.name) for r in applier.health_checks if r.kind == "HelmRelease"]
    waits: tuple[str, ...]
    if applier.wait:
        waited = [(o.namespace, o.name) for o in applier.objects if o.kind == "HelmRelease"]
        waits = ("all applied objects (wait: true)",)
    else:
        waits = tuple(r.label() for r in applier.health_checks)
    releases = tuple(f"{ns}/{name}" for ns, name in waited if (ns, name) in providers.releases)
    groups = sorted({g for g, _k in avail.ready_apis(applier)})
    return Step(
        kind=applier.kind,
        name=applier.name,
        namespace=applier.namespace,
        path=applier.path or "",
        file=applier.source.where[0],
        line=applier.source.where[1],
        after=tuple(sorted(b.key for b in _before(cluster, applier))),
        waits_for=waits,
        helm_releases=releases,
        creates=tuple(
            sorted(
                f"{ns}/{name}"
                for (ns, name), p in providers.releases.items()
                if p.bigbang and p.applier == applier.key and providers.enabled.get((ns, name))
            )
        ),
        crd_groups=tuple(groups),
        objects=len(applier.objects),
    )


def to_json(rollouts: list[ClusterRollout]) -> str:
    doc = {
        "version": 1,
        "clusters": {
            r.cluster: {"stages": [[asdict(s) for s in stage] for stage in r.stages]} for r in rollouts
        },
    }
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"


def to_text(rollouts: list[ClusterRollout]) -> str:
    lines: list[str] = []
    for rollout in rollouts:
        lines.append(f"cluster {rollout.cluster}")
        lines.append("  stage 0: by hand (kubectl apply -f the bootstrap file)")
        for number, stage in enumerate(rollout.stages, 1):
            lines.append(f"  stage {number}:")
            for step in stage:
                lines += _text_step(step)
        lines.append("")
    return "\n".join(lines)


def _text_step(step: Step) -> list[str]:
    where = step.path or "(another repo)"
    out = [
        f"    {step.kind} {step.namespace}/{step.name} -> {where} ({step.objects} objects; {step.file}:{step.line})"
    ]
    if step.after:
        out.append(f"      after: {', '.join(step.after)}")
    if step.waits_for:
        out.append(f"      waits for: {', '.join(step.waits_for)}")
    if step.creates:
        out.append(f"      Big Bang installs: {', '.join(step.creates)}")
    if step.helm_releases:
        out.append(f"      then ready: {', '.join(step.helm_releases)}")
    if step.crd_groups:
        out.append(f"      then CRDs: {', '.join(step.crd_groups)}")
    return out


def _node(key: str) -> str:
    return "n_" + "".join(c if c.isalnum() else "_" for c in key)


def to_mermaid(rollouts: list[ClusterRollout]) -> str:
    """A Mermaid flowchart per cluster (one subgraph each) that a merge-request note can embed."""
    lines = ["flowchart TD"]
    for rollout in rollouts:
        prefix = rollout.cluster
        lines.append(f'  subgraph {_node(prefix)}["{prefix}"]')
        for number, stage in enumerate(rollout.stages, 1):
            for step in stage:
                key = f"{step.kind}/{step.namespace}/{step.name}"
                label = f"{number}. {step.kind} {step.name}"
                if step.helm_releases:
                    label += "<br/>ready: " + ", ".join(r.split("/")[-1] for r in step.helm_releases)
                lines.append(f'    {_node(prefix + key)}["{label}"]')
                lines += [f"    {_node(prefix + b)} --> {_node(prefix + key)}" for b in step.after]
        lines.append("  end")
    return "\n".join(lines) + "\n"
