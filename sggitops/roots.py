"""Which roots a validate run renders: `--shard I/N` and the paths that Applications and Flux
Kustomizations of this repo name (followed from the entry files and from each render)."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sggitops.context.repo import normalize_repo_url
from sggitops.context.walk import mapping, seq
from sggitops.errors import UsageError


def parse_shard(text: str) -> tuple[int, int]:
    """`I/N` with 1 <= I <= N (GitLab's CI_NODE_INDEX/CI_NODE_TOTAL)."""
    try:
        index_text, total_text = text.split("/", 1)
        index, total = int(index_text), int(total_text)
    except ValueError:
        raise UsageError(f"--shard takes I/N, e.g. 2/4, not {text!r}") from None
    if not 1 <= index <= total:
        raise UsageError(f"--shard {text}: I must be between 1 and N")
    return index, total


def shard_clusters(clusters: Iterable[str], shard: tuple[int, int] | None) -> set[str]:
    """A deterministic partition: clusters in sorted order dealt round-robin (a cluster stays whole)."""
    ordered = sorted(set(clusters))
    if shard is None:
        return set(ordered)
    index, total = shard
    return {c for i, c in enumerate(ordered) if i % total == index - 1}


def pointed_paths(objects: Iterable[Mapping[str, Any]], urls: tuple[str, ...], repo: Path) -> set[str]:
    """Repo directories that Applications (pointing at this repo) and Flux Kustomizations name."""
    named: set[str] = set()
    for obj in objects:
        kind, api = obj.get("kind"), str(obj.get("apiVersion", ""))
        spec = mapping(obj.get("spec"))
        if kind == "Application" and api.startswith("argoproj.io/"):
            sources = [spec.get("source")] if spec.get("source") else seq(spec.get("sources"))
            for src in sources:
                if isinstance(src, Mapping) and normalize_repo_url(str(src.get("repoURL", ""))) in urls:
                    named.add(str(src.get("path") or "."))
        elif kind == "Kustomization" and api.startswith("kustomize.toolkit.fluxcd.io/"):
            named.add(str(spec.get("path") or "."))
    roots = set()
    for path in named:
        rel = posixpath.normpath(path)
        if path.startswith("/") or rel == ".." or rel.startswith("../"):
            continue  # outside the repo: the argocd and flux families report it
        if (repo / rel).is_dir():
            roots.add(rel)
    return roots
