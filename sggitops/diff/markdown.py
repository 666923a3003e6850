"""A DiffResult as a GitLab merge-request note.

Layout: the hidden marker `<!-- sggitops-diff -->` first (gitlab.post_note finds its own note by it),
a title with the refs, the danger flags, a summary table (cluster | added | removed | changed), then a
collapsed `<details>` section per cluster with a ```diff fence per changed resource. The note is capped
at `max_bytes` (UTF-8): the head (marker, dangers, table) is always kept (table rows are cut last), then
resource sections are added while they fit; what did not fit is named in a truncation notice.
"""

from __future__ import annotations

import re

from sggitops.diff.model import ClusterDiff, DiffResult
from sggitops.diff.output import describe_refs, summary_line
from sggitops.diff.packages import markdown_table

MARKER = "<!-- sggitops-diff -->"
DEFAULT_MAX_BYTES = 900_000  # GitLab refuses note bodies longer than 1,000,000 characters
RESERVE = 600
"""Bytes kept for the truncation notice and the closing tags."""


def to_markdown(result: DiffResult, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The note body, at most `max_bytes` bytes of UTF-8 (never less than the marker and the notice)."""
    head = _head(result)
    body: list[str] = []
    size = _size(head)
    budget = max(0, max_bytes - RESERVE)
    total = sum(len(c.changed) + bool(c.added or c.removed) for c in result.clusters.values())
    shown = 0
    truncated = size > budget
    if truncated:
        head = _cut(head, budget)
        size = _size(head)
    for name, cluster in sorted(result.clusters.items()):
        if truncated:
            break
        opening = f"<details><summary><b>{name}</b>: {_counts(cluster)}</summary>\n\n"
        closing = "</details>\n\n"
        chunks = _cluster_chunks(cluster)
        if size + _size(opening + closing) + (_size(chunks[0]) if chunks else 0) > budget:
            truncated = True
            break
        section = [opening]
        size += _size(opening + closing)
        for chunk in chunks:
            if size + _size(chunk) > budget:
                truncated = True
                break
            section.append(chunk)
            size += _size(chunk)
            shown += 1
        section.append(closing)
        body.extend(section)
    out = head + "".join(body)
    if truncated:
        out += (
            f"> **Truncated:** this note is capped at {max_bytes:,} bytes; {total - shown} of {total} "
            "resource diff(s) are not shown. Run `sggitops diff --base <ref> -o json` (or see the job's "
            "artifacts) for the full diff.\n"
        )
    return out


def _head(result: DiffResult) -> str:
    lines = [
        MARKER,
        "### sggitops rendered diff",
        "",
        f"{describe_refs(result)}: {summary_line(result)}.",
        "",
    ]
    if result.dangers:
        lines.append(f"**:warning: {len(result.dangers)} dangerous change(s):**")
        lines.append("")
        for d in result.dangers:
            lines.append(f"- :warning: **{d.cluster}** `{d.resource}`: {_inline(d.message)} (`{d.rule}`)")
        lines.append("")
    for note in result.notes:
        lines.append(f"> {_inline(note)}")
        lines.append("")
    if result.findings:
        lines.append(f"**{len(result.findings)} render failure(s)** (these overlays are not compared):")
        lines.append("")
        lines += [f"- `{f.file}:{f.line}`: {_inline(f.message)}" for f in result.findings]
        lines.append("")
    if result.empty:
        lines.append("No rendered changes: every cluster receives the same objects.")
        lines.append("")
        return "\n".join(lines) + "\n"
    lines += ["| cluster | added | removed | changed |", "|---|---:|---:|---:|"]
    for name, cluster in sorted(result.clusters.items()):
        lines.append(f"| {name} | {len(cluster.added)} | {len(cluster.removed)} | {len(cluster.changed)} |")
    lines.append("")
    return "\n".join(lines) + "\n"


def _counts(cluster: ClusterDiff) -> str:
    return f"{len(cluster.added)} added, {len(cluster.removed)} removed, {len(cluster.changed)} changed"


def _cluster_chunks(cluster: ClusterDiff) -> list[str]:
    chunks: list[str] = [table] if (table := markdown_table(cluster)) else []
    if cluster.added or cluster.removed:
        items = [f"- added `{r}`" for r in cluster.added] + [f"- removed `{r}`" for r in cluster.removed]
        chunks.append("\n".join(items) + "\n\n")
    for change in cluster.changed:
        fence = _fence(change.diff)
        chunks.append(f"**changed** `{change.resource}`\n\n{fence}diff\n{change.diff}{fence}\n\n")
    return chunks


def _fence(text: str) -> str:
    """A backtick fence longer than any run of backticks inside the text."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _inline(text: str) -> str:
    return text.replace("\n", " ").replace("|", "\\|")


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _cut(head: str, budget: int) -> str:
    """Keep whole lines of the head while they fit the budget."""
    out: list[str] = []
    size = 0
    for line in head.splitlines(keepends=True):
        if size + _size(line) > budget:
            break
        out.append(line)
        size += _size(line)
    return "".join(out) + "\n"
