"""Rendering: the kustomize subprocess (offline, timeouts, parallel, content-addressed cache) and the repo graph.

`scan_repo(repo)` -> `RepoGraph` (roots, leaves, input closures, static build findings, source index);
`Renderer(repo).render(root)` / `.render_many(roots, jobs=N)` -> `Render`; `changed_roots` and
`changed_files_since` drive `validate --changed-since REF`.
"""

from sggitops.render.changes import changed_files_since, changed_roots
from sggitops.render.command import Command, CommandTimeout, Kustomize, find_kustomize
from sggitops.render.graph import RepoGraph, scan_repo
from sggitops.render.kustomize import Render, Renderer

__all__ = [
    "Command",
    "CommandTimeout",
    "Kustomize",
    "Render",
    "Renderer",
    "RepoGraph",
    "changed_files_since",
    "changed_roots",
    "find_kustomize",
    "scan_repo",
]
