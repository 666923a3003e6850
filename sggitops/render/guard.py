"""The check before kustomize gets a root: every file its build reads is safe to hand over.

kustomize follows symlinks, reads FIFOs and devices to the end and expands YAML aliases without a cap,
so a root whose input closure holds such a file is not built at all: each refused file is a finding at
the kustomization entry that lists it (or at the file itself when no entry names it), saying why.
"""

from __future__ import annotations

from sggitops import fsguard
from sggitops.findings import Finding, Severity
from sggitops.render.graph import RepoGraph
from sggitops.render.kustomization import KUSTOMIZATION_FILES


def refused_build(graph: RepoGraph, root: str) -> tuple[Finding, ...]:
    """Findings for the files of `root`'s build that fsguard refuses (empty: the build may run)."""
    dirs = _dirs(graph, root)
    # kustomize also opens every kustomization file name it finds beside the one it uses (a FIFO named
    # `Kustomization` next to kustomization.yaml blocks it), so those are checked too
    beside = [f"{d}/{name}" if d != "." else name for d in dirs for name in KUSTOMIZATION_FILES]
    refusals = fsguard.check_build(graph.repo, dict.fromkeys([*graph.closure(root), *beside]))
    if not refusals:
        return ()
    listed = {
        ref.path: (k.file, ref.line, ref.col)
        for directory in dirs
        for k in [graph.kustomizations[directory]]
        for ref in k.refs
    }
    out = []
    for refusal in refusals:
        file, line, col = listed.get(refusal.path, (refusal.path, 0, 0))
        out.append(
            Finding(
                file,
                line,
                col,
                refusal.rule,
                Severity.ERROR,
                f"kustomize build of {root} not run: `{refusal.path}` {refusal.reason}",
                hint=fsguard.HINTS[refusal.rule],
            )
        )
    return tuple(out)


def _dirs(graph: RepoGraph, root: str) -> list[str]:
    """`root` and every kustomization directory its build includes."""
    seen: list[str] = []
    stack = [root]
    while stack:
        directory = stack.pop()
        if directory in seen or directory not in graph.kustomizations:
            continue
        seen.append(directory)
        stack.extend(graph.includes(directory))
    return seen
