"""Collect the reconcile graph of a repo: Flux Kustomizations and Argo CD Applications per cluster.

One function, `build_graph(ctx)`, reads the repo model every family shares (`sggitops.model`: the
clusters, their units and the Kustomizations and Applications that apply them). Everything downstream
reads only `sggitops.reconcile.model`.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sggitops.context.repo import RepoContext
from sggitops.context.walk import (
    KUSTOMIZE_GROUP,
    Edge,
    Fleet,
    Placed,
    RepoPaths,
    Unit,
    is_kind,
    mapping,
    text,
)
from sggitops.model import repo_model
from sggitops.reconcile.model import Applier, ClusterGraph, Obj, ReconcileGraph, Ref

ARGO_GROUP = "argoproj.io"
WAVE = "argocd.argoproj.io/sync-wave"
DEFAULT_NAMESPACE = "default"
_SECRET_DOC = re.compile(
    r"create\s+secret\s+[a-z-]+\s+([a-z0-9][-a-z0-9.]*)(?:[^\n]*?(?:-n|--namespace)[ =]([a-z0-9-]+))?"
)


def build_graph(ctx: RepoContext) -> ReconcileGraph:
    """Every cluster's appliers and what each applies, from the repo as the controllers walk it."""
    memo = ctx.memo.reconcile_graph
    if memo is not None:
        return memo
    model = repo_model(ctx)  # the repo as Flux and Argo CD walk it (built once per run)
    fleet, paths = model.fleet, model.paths
    graph = ReconcileGraph()
    for cluster, units in fleet.clusters.items():
        graph.clusters[cluster] = _cluster(ctx, cluster, units, fleet, paths)
    ctx.memo.reconcile_graph = graph
    return graph


def _obj(placed: Placed, namespace: str) -> Obj:
    obj = placed.obj
    meta = mapping(obj.get("metadata"))
    if namespace and not meta.get("namespace") and not _cluster_scoped(obj):
        obj = {**obj, "metadata": {**meta, "namespace": namespace}}
    return Obj(obj, (placed.file, placed.line, placed.col), lambda path: placed.at(*path))


def _cluster_scoped(obj: Mapping[str, Any]) -> bool:
    return text(obj.get("kind")) in {
        "Namespace",
        "CustomResourceDefinition",
        "ClusterRole",
        "ClusterRoleBinding",
        "ClusterPolicy",
        "ConstraintTemplate",
        "PriorityClass",
        "StorageClass",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "APIService",
        "PersistentVolume",
        "IngressClass",
        "RuntimeClass",
    } or text(obj.get("apiVersion")).startswith("constraints.gatekeeper.sh/")


def _cluster(
    ctx: RepoContext, cluster: str, units: list[Unit], fleet: Fleet, paths: RepoPaths
) -> ClusterGraph:
    """Appliers of one cluster: each Kustomization / Application found in its units, with what it applies."""
    graph = ClusterGraph(cluster)
    home: dict[int, str] = {id(p): u.key for u in units for p in u.objects}  # object -> its unit
    pointer: dict[str, Edge] = {}  # unit key -> the edge (Kustomization / Application) that applies it
    for unit in units:
        for edge in fleet.edges.get(unit.key, []):
            pointer.setdefault(paths.state(edge.key, recurse=edge.recurse).key, edge)
    by_hand: list[Obj] = []
    made: dict[int, Applier] = {}  # id(placed) -> its applier
    for unit in sorted(units, key=lambda u: _depth(u.key, pointer, home)):
        applied_by = pointer.get(unit.key)
        parent = made.get(id(applied_by.source)) if applied_by is not None else None
        if parent is None:
            objects = tuple(_obj(p, DEFAULT_NAMESPACE) for p in unit.objects)
            by_hand.extend(objects)
        else:
            objects = tuple(_obj(p, _default_namespace(parent)) for p in unit.objects)
            parent.objects = objects
        for placed, obj in zip(unit.objects, objects, strict=True):
            applier = _applier(placed, obj, parent.key if parent is not None else "")
            if applier is not None and applier.key not in graph.appliers:
                graph.appliers[applier.key] = applier
                made[id(placed)] = applier
    for pointing in pointer.values():
        applier = made.get(id(pointing.source))
        state = paths.state(pointing.key, recurse=pointing.recurse)
        if applier is not None and not state.problem:
            applier.path = state.key
    graph.by_hand = tuple(by_hand)
    graph.documented_secrets = _documented_secrets(ctx, [u.key for u in units])
    return graph


def _depth(key: str, pointer: Mapping[str, Edge], home: Mapping[int, str]) -> int:
    """How many appliers stand between a unit and the admin (0: applied by hand); cycles stop."""
    depth, seen = 0, {key}
    while key in pointer:
        key = home.get(id(pointer[key].source), "")
        if not key or key in seen:
            break
        seen.add(key)
        depth += 1
    return depth


def _default_namespace(applier: Applier) -> str:
    """The namespace an applier puts objects in that name none."""
    if applier.kind == "Application":
        return applier.destination_namespace or DEFAULT_NAMESPACE
    return _target_namespace(applier) or DEFAULT_NAMESPACE


def _target_namespace(applier: Applier | None) -> str:
    if applier is None:
        return ""
    return text(mapping(applier.source.obj.get("spec")).get("targetNamespace"))


def _applier(placed: Placed, obj: Obj, parent: str) -> Applier | None:
    if is_kind(placed.obj, KUSTOMIZE_GROUP, "Kustomization"):
        return _kustomization(obj, parent)
    if is_kind(placed.obj, ARGO_GROUP, "Application"):
        return _application(obj, parent)
    return None


def _refs(entries: Any, field: str, namespace: str, *, group: str = "", kind: str = "") -> tuple[Ref, ...]:
    out = []
    for i, raw in enumerate(entries if isinstance(entries, list) else []):
        entry = mapping(raw)
        api = text(entry.get("apiVersion"))
        ref_kind = text(entry.get("kind")) or kind
        scoped = _cluster_scoped({"kind": ref_kind, "apiVersion": api})
        out.append(
            Ref(
                group=api.rpartition("/")[0] if api else group,
                kind=ref_kind,
                namespace=text(entry.get("namespace")) or ("" if scoped else namespace),
                name=text(entry.get("name")),
                field=("spec", *field.split("."), i),
                optional=entry.get("optional") is True,
            )
        )
    return tuple(out)


def _kustomization(obj: Obj, parent: str) -> Applier:
    spec = mapping(obj.obj.get("spec"))
    ns = obj.namespace or DEFAULT_NAMESPACE
    post = spec.get("postBuild")
    post_map = mapping(post)
    decryption = mapping(spec.get("decryption"))
    return Applier(
        kind="Kustomization",
        namespace=ns,
        name=obj.name,
        source=obj,
        applied_by=parent,
        depends_on=_refs(spec.get("dependsOn"), "dependsOn", ns, group=KUSTOMIZE_GROUP, kind="Kustomization"),
        health_checks=_refs(spec.get("healthChecks"), "healthChecks", ns),
        wait=spec.get("wait") is True,
        decryption=text(decryption.get("provider")) == "sops",
        substitute=(
            {str(k): text(v) for k, v in mapping(post_map.get("substitute")).items()}
            if isinstance(post, Mapping)
            else None
        ),
        substitute_from=_refs(post_map.get("substituteFrom"), "postBuild.substituteFrom", ns),
    )


def _application(obj: Obj, parent: str) -> Applier:
    spec = mapping(obj.obj.get("spec"))
    sync = mapping(spec.get("syncPolicy"))
    options = sync.get("syncOptions")
    try:
        wave = int(text(obj.annotations.get(WAVE)) or 0)
    except ValueError:
        wave = 0
    return Applier(
        kind="Application",
        namespace=obj.namespace or DEFAULT_NAMESPACE,
        name=obj.name,
        source=obj,
        applied_by=parent,
        project=text(spec.get("project")) or "default",
        wave=wave,
        sync_options=frozenset(
            text(o).replace(" ", "") for o in (options if isinstance(options, list) else [])
        ),
        destination_namespace=text(mapping(spec.get("destination")).get("namespace")),
    )


def _documented_secrets(ctx: RepoContext, unit_keys: list[str]) -> frozenset[tuple[str, str]]:
    """Secrets that the cluster's bootstrap files (their comments) or READMEs tell an admin to create."""
    files: set[str] = set()
    for key in unit_keys:
        if not key.endswith((".yaml", ".yml")):
            continue
        files.add(key)
        directory = posixpath.dirname(key)
        while True:
            files.update(f"{directory}/{n}".lstrip("/") for n in ("README.md", "README"))
            if not directory:
                break
            directory = posixpath.dirname(directory)
    found: set[tuple[str, str]] = set()
    for rel in sorted(files):
        path: Path = ctx.repo / rel
        if not path.is_file():
            continue
        try:
            content = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for match in _SECRET_DOC.finditer(content):
            found.add((match.group(2) or "", match.group(1)))
    return frozenset(found)
