"""A DiffResult as json (the shape in the README, "Output formats") and as terminal text. Markdown is in markdown.py.

Every text comes from the redacted result, so no format can show a Secret value.
"""

from __future__ import annotations

import json
from typing import Any

from sggitops.diff.model import DiffResult
from sggitops.diff.packages import text_lines
from sggitops.diff.values import MISSING


def to_json(result: DiffResult) -> str:
    """`{"version": 1, "clusters": {c: {"added", "removed", "changed": [{"resource", "diff"}]}},
    "rendered": {"base", "head"}}`, plus extra keys: `base`/`head` shas, `cached` per side, `dangers`,
    `findings`, `notes`, per change `paths` (dotted) and `values` (Big Bang values by key), and per
    cluster `bigbang` versions and `packages` rows (sggitops.diff.packages; values redacted)."""
    clusters: dict[str, Any] = {}
    for name, cluster in sorted(result.clusters.items()):
        clusters[name] = {
            "added": list(cluster.added),
            "removed": list(cluster.removed),
            "changed": [
                {
                    "resource": c.resource,
                    "diff": c.diff,
                    "paths": list(c.paths),
                    "values": [v.to_json() for v in c.values],
                }
                for c in cluster.changed
            ],
            "roots": list(cluster.roots),
            "bigbang": {"base": cluster.bigbang[0], "head": cluster.bigbang[1]},
            "packages": [p.to_json() for p in cluster.packages],
        }
    doc = {
        "version": 1,
        "base": result.base,
        "head": result.head,
        "clusters": clusters,
        "rendered": dict(result.rendered),
        "cached": dict(result.cached),
        "dangers": [d.to_json() for d in result.dangers],
        "findings": [f.to_json() for f in result.findings],
        "notes": list(result.notes),
    }
    return json.dumps(doc, indent=2, default=_default) + "\n"


def _default(value: Any) -> Any:
    if value is MISSING:
        return None
    return str(value)


def describe_refs(result: DiffResult) -> str:
    head = result.head[:12] if result.head else "the working tree"
    return f"base {result.base[:12]} -> head {head}"


def summary_line(result: DiffResult) -> str:
    changed = sum(not c.empty for c in result.clusters.values())
    return (
        f"{changed} cluster(s) changed; rendered {result.rendered['base']} overlay(s) on base, "
        f"{result.rendered['head']} on head"
    )


def to_text(result: DiffResult) -> str:
    """Plain text for a terminal: dangers first, then per cluster `+`/`-`/`~` resources with diffs."""
    lines = [f"sggitops diff: {describe_refs(result)}", summary_line(result)]
    lines += [f"DANGER [{d.rule}] {d.cluster} {d.resource}: {d.message}" for d in result.dangers]
    lines += [f"note: {n}" for n in result.notes]
    lines += [f.format() for f in result.findings]
    if result.empty:
        lines.append("no rendered changes")
    for name, cluster in sorted(result.clusters.items()):
        lines.append("")
        lines.append(
            f"{name}: {len(cluster.added)} added, {len(cluster.removed)} removed, {len(cluster.changed)} changed"
        )
        lines += text_lines(cluster)
        lines += [f"  + {r}" for r in cluster.added]
        lines += [f"  - {r}" for r in cluster.removed]
        for change in cluster.changed:
            lines.append(f"  ~ {change.resource}")
            lines += [f"      {line}" for line in change.diff.splitlines()]
    return "\n".join(lines) + "\n"
