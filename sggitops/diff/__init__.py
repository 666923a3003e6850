"""Rendered diff between two git refs: per cluster, per resource, Secret values redacted.

`diff_refs(repo, base, head, cache_dir=..., jobs=...)` -> `DiffResult`; `to_json`, `to_markdown`,
`to_text` format it (the `diff -o json` shape of the README, "Output formats").
"""

from sggitops.diff.engine import diff_refs
from sggitops.diff.markdown import MARKER, to_markdown
from sggitops.diff.model import ClusterDiff, Danger, DiffResult, ResourceChange, ValueChange
from sggitops.diff.output import to_json, to_text

__all__ = [
    "MARKER",
    "ClusterDiff",
    "Danger",
    "DiffResult",
    "ResourceChange",
    "ValueChange",
    "diff_refs",
    "to_json",
    "to_markdown",
    "to_text",
]
