"""`diff_refs`: two git refs -> the rendered per-cluster, per-resource diff.

Steps: resolve both refs; export each commit's tree (cached by commit) or take the working tree; list
the files that differ (plus, when `platform.yaml` changed, the files whose plan differs); find the leaf
overlays whose input closure reads one of them, on either side; render only those, both sides, through
the shared content-addressed render cache; group the objects by cluster (`overlays/<cluster>/...`);
compare; flag dangers.

`cache_dir` is sggitops's cache root: commit trees go to `cache_dir/trees/<sha>/`, renders to
`cache_dir/render/` (the validator's default render cache is `<repo>/.sggitops-cache/render`, so passing
`<repo>/.sggitops-cache` shares it). When the working tree is a clean checkout of the head commit (the
usual merge-request pipeline), it is rendered in place instead of being exported.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sggitops.diff.affected import affected_leaves, planned_changes
from sggitops.diff.compare import compare_cluster
from sggitops.diff.danger import changed_dangers, disabled_packages, removed_dangers
from sggitops.diff.model import ClusterDiff, Danger, DiffResult, ResourceChange, ValueChange
from sggitops.diff.packages import package_tables
from sggitops.diff.trees import GitRepo, Tree
from sggitops.findings import Finding
from sggitops.paths import cluster_of_root
from sggitops.redact import Scrubber, scrubber_for
from sggitops.render import Render, Renderer, scan_repo
from sggitops.render.command import Kustomize
from sggitops.spec.load import SPEC_FILE


def diff_refs(
    repo: Path,
    base: str,
    head: str | None,
    *,
    cache_dir: Path,
    jobs: int,
    kustomize: Kustomize | None = None,
    bigbang_repo: str | None = None,
    helm: str | None = None,
    packages: bool = True,
) -> DiffResult:
    """The rendered diff of `repo` between `base` and `head` (None: the working tree as it is).

    Raises ToolError (exit 4) when git or kustomize is missing or a ref does not exist; a render that
    fails is a Finding on the result and its overlay is left out of the comparison. With `packages`,
    each changed cluster running Big Bang gets its "Big Bang packages" rows (sggitops.diff.packages;
    `bigbang_repo` and `helm` as for validate), or a note saying why not.
    """
    git_repo = GitRepo(repo)
    base_sha = git_repo.resolve(base)
    head_sha = git_repo.resolve(head) if head is not None else None
    base_tree, head_tree = _trees(git_repo, repo, base_sha, head_sha, cache_dir / "trees")
    changed = git_repo.changed_files(base_sha, head_sha)
    notes: list[str] = []
    if SPEC_FILE in changed:
        planned, plan_notes = planned_changes(base_tree, head_tree)
        changed |= planned
        notes.extend(plan_notes)
    graphs = [scan_repo(base_tree.path), scan_repo(head_tree.path)]
    leaves = affected_leaves(graphs, changed)
    renders: list[dict[str, Render]] = []
    for tree, graph, roots in zip((base_tree, head_tree), graphs, leaves, strict=True):
        renderer = Renderer(tree.path, graph=graph, kustomize=kustomize, cache_dir=cache_dir / "render")
        renders.append(renderer.render_many(sorted(roots), jobs=jobs))
    clusters, dangers, findings = _compare(renders[0], renders[1])
    if packages:
        sides = tuple(_by_cluster(rs, set(clusters)) for rs in renders)
        clusters, package_notes = package_tables(
            clusters,
            (sides[0], sides[1]),
            cache_dir=cache_dir,
            bigbang_repo=bigbang_repo,
            helm=helm,
            jobs=jobs,
        )
        notes.extend(package_notes)
    result = DiffResult(
        base=base_sha,
        head=head_sha,
        clusters=clusters,
        rendered={"base": len(renders[0]), "head": len(renders[1])},
        cached={side: _cached(rs) for side, rs in zip(("base", "head"), renders, strict=True)},
        dangers=tuple(dangers),
        findings=tuple(findings),
        notes=tuple(notes),
        changed_files=tuple(sorted(changed)),
    )
    return scrub_result(result, scrubber_for(o for rs in renders for r in rs.values() for o in r.objects))


def _trees(
    git_repo: GitRepo, repo: Path, base_sha: str, head_sha: str | None, trees_dir: Path
) -> tuple[Tree, Tree]:
    """The base tree (exported) and the head tree (the working tree when it is a clean checkout of head,
    or when head is the working tree itself; else exported)."""
    base_tree = git_repo.export(base_sha, trees_dir)
    if head_sha is None or git_repo.is_clean_at(head_sha):
        return base_tree, Tree(repo.resolve(), head_sha)  # a clean checkout of head: render it in place
    return base_tree, git_repo.export(head_sha, trees_dir)


def scrub_result(result: DiffResult, scrub: Scrubber) -> DiffResult:
    """Every text of the result with the known secret values replaced: the last line of defence behind
    the per-resource redaction (a render failure or a danger message may quote a value too)."""
    if not scrub:
        return result
    clusters = {
        name: dataclasses.replace(
            c,
            changed=tuple(
                ResourceChange(
                    ch.resource,
                    scrub.scrub(ch.diff),
                    tuple(scrub.scrub(p) for p in ch.paths),
                    tuple(
                        ValueChange(v.key, scrub.scrub_tree(v.before), scrub.scrub_tree(v.after), v.status)
                        for v in ch.values
                    ),
                )
                for ch in c.changed
            ),
            packages=tuple(
                dataclasses.replace(
                    pkg,
                    values=tuple(
                        ValueChange(v.key, scrub.scrub_tree(v.before), scrub.scrub_tree(v.after), v.status)
                        for v in pkg.values
                    ),
                )
                for pkg in c.packages
            ),
        )
        for name, c in result.clusters.items()
    }
    return dataclasses.replace(
        result,
        clusters=clusters,
        dangers=tuple(dataclasses.replace(d, message=scrub.scrub(d.message)) for d in result.dangers),
        findings=tuple(
            dataclasses.replace(f, message=scrub.scrub(f.message), hint=scrub.scrub(f.hint))
            for f in result.findings
        ),
        notes=tuple(scrub.scrub(n) for n in result.notes),
    )


def _compare(
    base: Mapping[str, Render], head: Mapping[str, Render]
) -> tuple[dict[str, ClusterDiff], list[Danger], list[Finding]]:
    findings = [f for rs in (base, head) for r in rs.values() for f in r.findings]
    failed = {root for rs in (base, head) for root, r in rs.items() if not r.ok}
    roots_by_cluster: dict[str, set[str]] = {}
    for root in set(base) | set(head):
        if root not in failed:
            roots_by_cluster.setdefault(cluster_of_root(root), set()).add(root)
    clusters: dict[str, ClusterDiff] = {}
    dangers: list[Danger] = []
    for cluster, roots in sorted(roots_by_cluster.items()):
        added, removed, changed, old, new = compare_cluster(_objects(base, roots), _objects(head, roots))
        diff = ClusterDiff(cluster, tuple(added), tuple(removed), tuple(changed), tuple(sorted(roots)))
        if diff.empty:
            continue
        clusters[cluster] = diff
        for rid in sorted(set(old) - set(new)):
            dangers.extend(removed_dangers(cluster, rid, old[rid]))
        for change in changed:
            dangers.extend(changed_dangers(cluster, change))
        dangers.extend(disabled_packages(cluster, old, new))
    return clusters, sorted(dangers, key=lambda d: (d.cluster, d.rule, d.resource)), sorted(findings)


def _cached(renders: Mapping[str, Render]) -> int:
    return sum(r.cached for r in renders.values())


def _by_cluster(renders: Mapping[str, Render], clusters: set[str]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for root in sorted(renders):
        if renders[root].ok and cluster_of_root(root) in clusters:
            out.setdefault(cluster_of_root(root), []).extend(renders[root].objects)
    return out


def _objects(renders: Mapping[str, Render], roots: Iterable[str]) -> list[dict[str, Any]]:
    return [obj for root in sorted(roots) if root in renders for obj in renders[root].objects]
