"""Argo CD ApplicationSets expanded offline into the Applications they generate.

Generators expanded (as the ApplicationSet controller does): `list` (elements, or elementsYaml),
`git` with `directories` (globs, `exclude: true` entries removed) or `files` (JSON/YAML files whose keys
become parameters) over this checkout, `clusters` over the clusters `.sggitops.yaml` declares, and
`matrix` / `merge` of those. Templates are filled with `{{param}}` (fasttemplate) or, with
`goTemplate: true`, `{{.param.sub}}` field references; a field whose template uses anything more (a
function, a pipeline) stays unresolved and its Application path is not checked. Other generators
(scmProvider, pullRequest, clusterDecisionResource, plugin) need the cluster or a network: the
ApplicationSet is reported by name (`Expansion.unexpanded`), never silently passed.
"""

from __future__ import annotations

import itertools
import json
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sggitops import fsguard, yamlio
from sggitops.context.walk import seq
from sggitops.errors import InputError
from sggitops.model.identity import Identity

EXPANDABLE = frozenset({"list", "git", "clusters", "matrix", "merge"})
_FAST = re.compile(r"\{\{\s*([\w.\-\[\]]+)\s*\}\}")
_GO = re.compile(r"\{\{-?\s*\.([\w.]+)\s*-?\}\}")
Params = dict[str, Any]


@dataclass
class Expansion:
    """The Applications one ApplicationSet generates, and the generators it could not expand."""

    applications: list[dict[str, Any]] = field(default_factory=list)
    unexpanded: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    repo: Path
    identity: Identity
    clusters: tuple[tuple[str, str], ...] = ()  # (name, server) declared in .sggitops.yaml


def expand(appset: Mapping[str, Any], ctx: Context) -> Expansion:
    raw = appset.get("spec")
    spec: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    out = Expansion()
    go = spec.get("goTemplate") is True
    template = spec.get("template") if isinstance(spec.get("template"), Mapping) else None
    params: list[Params] = []
    for gen in seq(spec.get("generators")):
        params += _generate(gen, ctx, out.unexpanded, go)
    if template is None:
        return out
    namespace = str((appset.get("metadata") or {}).get("namespace") or "")
    for p in params:
        filled = _fill(template, p, go)
        meta = dict(filled.get("metadata") or {})
        if namespace and not meta.get("namespace"):
            meta["namespace"] = namespace
        out.applications.append(
            {
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "Application",
                "metadata": meta,
                "spec": filled.get("spec") or {},
            }
        )
    return out


def _generate(gen: Any, ctx: Context, unexpanded: list[str], go: bool) -> list[Params]:
    if not isinstance(gen, Mapping) or not gen:
        return []
    kind = next(iter(k for k in gen if k != "selector"), "")
    body = gen.get(kind)
    if kind not in EXPANDABLE or not isinstance(body, Mapping):
        unexpanded.append(kind or "?")
        return []
    if kind == "list":
        elements = seq(body.get("elements"))
        if isinstance(body.get("elementsYaml"), str):
            try:
                loaded = yamlio.load_plain_all(body["elementsYaml"], "elementsYaml")
                elements = seq(loaded[0][2]) if loaded else []
            except InputError:
                unexpanded.append("list (elementsYaml)")
                return []
        return [dict(e) for e in elements if isinstance(e, Mapping)]
    if kind == "clusters":
        if not ctx.clusters:
            unexpanded.append("clusters (declare them in .sggitops.yaml `clusters:`)")
            return []
        return [{"name": n, "nameNormalized": n, "server": s} for n, s in ctx.clusters]
    if kind == "git":
        return _git(body, ctx, unexpanded, go)
    children = [_generate(g, ctx, unexpanded, go) for g in seq(body.get("generators"))]
    if kind == "matrix":
        return [_merged(combo) for combo in itertools.product(*children)] if children else []
    return _merge(children, [str(k) for k in seq(body.get("mergeKeys"))])


def _merged(parts: Iterable[Params]) -> Params:
    out: Params = {}
    for p in parts:
        out.update(p)
    return out


def _merge(children: list[list[Params]], keys: list[str]) -> list[Params]:
    if not children:
        return []
    base = [dict(p) for p in children[0]]
    for other in children[1:]:
        for p in other:
            for b in base:
                if keys and all(b.get(k) == p.get(k) for k in keys):
                    b.update(p)
    return base


def _git(body: Mapping[str, Any], ctx: Context, unexpanded: list[str], go: bool) -> list[Params]:
    if not ctx.identity.is_this_repo(str(body.get("repoURL") or "")):
        unexpanded.append("git (another repository)")
        return []
    out: list[Params] = []
    if seq(body.get("directories")):
        include: set[str] = set()
        exclude: set[str] = set()
        for entry in seq(body.get("directories")):
            if isinstance(entry, Mapping) and entry.get("path"):
                found = {p for p in _glob(ctx.repo, str(entry["path"])) if (ctx.repo / p).is_dir()}
                (exclude if entry.get("exclude") is True else include).update(found)
        out += [_path_params(p, go) for p in sorted(include - exclude)]
    for entry in seq(body.get("files")):
        if not isinstance(entry, Mapping) or not entry.get("path"):
            continue
        for rel in sorted(p for p in _glob(ctx.repo, str(entry["path"])) if (ctx.repo / p).is_file()):
            for doc in _documents(ctx.repo, rel):
                params = dict(doc) if go else _flatten(doc)
                params.update(_path_params(posixpath.dirname(rel) or ".", go))
                out.append(params)
    return out


def _glob(repo: Path, pattern: str) -> list[str]:
    pattern = pattern.strip().lstrip("/")
    if not pattern or ".." in pattern.split("/"):
        return []
    return sorted(p.relative_to(repo).as_posix() for p in repo.glob(pattern) if ".git" not in p.parts)


def _documents(repo: Path, rel: str) -> list[Mapping[str, Any]]:
    try:
        text = fsguard.read_text(repo / rel, repo)  # never a FIFO, a device or a link out of the repo
        if rel.endswith(".json"):
            data = json.loads(text)
            return [data] if isinstance(data, Mapping) else []
        return [d for _l, _c, d in yamlio.load_plain_all(text, rel) if isinstance(d, Mapping)]
    except (InputError, OSError, UnicodeDecodeError, ValueError):
        return []


def _flatten(doc: Mapping[str, Any], prefix: str = "") -> Params:
    out: Params = {}
    for key, value in doc.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = value
    return out


def _path_params(path: str, go: bool) -> Params:
    segments = path.split("/")
    base = posixpath.basename(path)
    normalized = re.sub(r"[^a-z0-9-.]", "-", base.lower())
    if go:
        return {
            "path": {"path": path, "basename": base, "basenameNormalized": normalized, "segments": segments}
        }
    out: Params = {"path": path, "path.basename": base, "path.basenameNormalized": normalized}
    out.update({f"path[{i}]": s for i, s in enumerate(segments)})
    return out


def _fill(node: Any, params: Params, go: bool) -> Any:
    if isinstance(node, Mapping):
        return {_fill(k, params, go): _fill(v, params, go) for k, v in node.items()}
    if isinstance(node, list):
        return [_fill(v, params, go) for v in node]
    if not isinstance(node, str) or "{{" not in node:
        return node
    if go:
        return _GO.sub(lambda m: _lookup(params, m.group(1), m.group(0)), node)
    return _FAST.sub(lambda m: str(params[m.group(1)]) if m.group(1) in params else m.group(0), node)


def _lookup(params: Params, dotted: str, original: str) -> str:
    value: Any = params
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return original
        value = value[part]
    return original if isinstance(value, (Mapping, list)) else str(value)


def unresolved(value: str) -> bool:
    """A template field the expansion could not fill."""
    return "{{" in value
