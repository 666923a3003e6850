"""Per-render object checks: schema/* (one SchemaRegistry per cluster, with the CRDs and templates found
in that cluster's renders), api/removed and api/deprecated for the cluster's Kubernetes version, and
objects/duplicate-id within one render. In a render Flux substitutes (postBuild), a field that still
holds a variable whose value lives only on the cluster is not judged by its schema (cannot tell)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sggitops import fsguard, yamlio
from sggitops.checks.apis import check_apis
from sggitops.checks.cache import FindingsCache, findings_key
from sggitops.checks.context import RepoContext
from sggitops.checks.objects import check_duplicates
from sggitops.checks.schema import check_objects
from sggitops.errors import InputError
from sggitops.findings import Finding
from sggitops.model.substitute import unresolved_paths
from sggitops.resource import ResourceId
from sggitops.schema.registry import SchemaRegistry

DEFINING_KINDS = {"CustomResourceDefinition", "ConstraintTemplate"}


def check(ctx: RepoContext) -> Iterator[Finding]:
    by_cluster: dict[str, list[str]] = defaultdict(list)
    for root, target in sorted(ctx.targets.items()):
        by_cluster[target.cluster].append(root)
    schema_dirs = ctx.settings.schema_dirs
    cache = FindingsCache(ctx.settings.findings_cache)
    nodes = SourceNodes(ctx.repo)
    model = ctx.memo.model
    substituted: set[str] = getattr(model, "substituted", set())
    for cluster, roots in by_cluster.items():
        target = ctx.targets[roots[0]]
        defining: list[dict[str, Any]] = [
            obj for root in roots for obj in ctx.objects(root) if obj.get("kind") in DEFINING_KINDS
        ]
        registry: SchemaRegistry | None = None
        reported_fallback = False
        for root in roots:
            objects = ctx.objects(root)
            render = ctx.renders.get(root)
            key = ""
            if render is not None and render.key and not schema_dirs:
                key = findings_key(
                    "kube", render.key, target.kubernetes_version, cluster, ctx.strict, defining
                )
                hit = cache.get("kube", key)
                if hit is not None:
                    yield from hit
                    continue
            if registry is None:
                registry = SchemaRegistry(
                    target.kubernetes_version, crd_objects=defining, schema_dirs=schema_dirs, strict=True
                )
            found: list[Finding] = []

            def locate(rid: ResourceId, root: str = root) -> tuple[str, int, int]:
                return ctx.locate(rid, root)

            for finding in check_objects(
                objects, registry, locate=locate, cluster=cluster, strict=ctx.strict, node_of=nodes.node_at
            ):
                if finding.rule == "schema/version-fallback":
                    if reported_fallback:
                        continue
                    reported_fallback = True
                found.append(finding)
            if root.removesuffix("/**") in substituted:
                found = [f for f in found if not _unresolved(f, objects)]
            found.extend(check_apis(objects, target.kubernetes_version, locate=locate, cluster=cluster))
            found.extend(check_duplicates(objects, locate=locate, cluster=cluster))
            if key:
                cache.put("kube", key, found)
            yield from found


def _unresolved(finding: Finding, objects: tuple[dict[str, Any], ...]) -> bool:
    """A schema problem at a field that still holds a Flux variable no one defines offline (its value
    comes from a ConfigMap or Secret on the cluster): cannot tell, so not reported."""
    if finding.rule != "schema/invalid":
        return False
    for obj in objects:
        if str(ResourceId.of(obj)) != finding.resource:
            continue
        for path in unresolved_paths(obj):
            where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
            if finding.message.startswith(where + ":") or finding.message.startswith(where + "["):
                return True
    return False


class SourceNodes:
    """Round-trip documents of source files, parsed only when a finding needs a field's line."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self._docs: dict[str, list[Any]] = {}

    def node_at(self, file: str, line: int, col: int) -> Any:
        if not file.endswith((".yaml", ".yml")):
            return None
        if file not in self._docs:
            try:
                self._docs[file] = yamlio.load_all(fsguard.read_text(self.repo / file, self.repo), file)
            except (InputError, OSError, UnicodeDecodeError):
                self._docs[file] = []
        for doc in self._docs[file]:
            if isinstance(doc, Mapping) and yamlio.position(doc) == (line, col):
                return doc
        return None
