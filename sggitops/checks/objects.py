"""objects/* rules: the rendered objects of one overlay, taken together.

The rules, with PASS/FAIL examples, are declared in `RULES` below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from sggitops.findings import Finding, Severity
from sggitops.resource import ResourceId
from sggitops.rules import Rule

Locate = Callable[[ResourceId], tuple[str, int, int] | None]
"""Maps an object's id to (file, line, col) in the repo, or None when unknown."""


RULES = (
    Rule(
        id="objects/duplicate-id",
        severity=Severity.ERROR,
        summary="the same resource twice in one render",
        details="the same `Kind/namespace/name` (and API group) appears more than once in one render; the cluster would keep only the last one applied, so one of them is silently lost.",
        passing=(
            "---\n"
            "kind: ConfigMap\n"
            "metadata: {name: a, namespace: x}\n"
            "---\n"
            "kind: ConfigMap\n"
            "metadata: {name: b, namespace: x}"
        ),
        failing=(
            "---\n"
            "kind: ConfigMap\n"
            "metadata: {name: a, namespace: x}\n"
            "---\n"
            "kind: ConfigMap\n"
            "metadata: {name: a, namespace: x}"
        ),
    ),
)


def where(locate: Locate | None, rid: ResourceId) -> tuple[str, int, int]:
    """The object's (file, line, col) from `locate`, or ("", 0, 0)."""
    found = locate(rid) if locate is not None else None
    return found if found is not None else ("", 0, 0)


def check_duplicates(
    objects: Iterable[Mapping[str, Any]], *, locate: Locate | None = None, cluster: str = ""
) -> Iterator[Finding]:
    """`objects/duplicate-id` for every repeat of an id already seen in this render."""
    seen: dict[ResourceId, int] = {}
    for obj in objects:
        if not isinstance(obj, Mapping):
            continue
        rid = ResourceId.of(obj)
        count = seen.get(rid, 0) + 1
        seen[rid] = count
        if count == 2:
            file, line, col = where(locate, rid)
            group = f" (group {rid.group})" if rid.group else ""
            yield Finding(
                file,
                line,
                col,
                "objects/duplicate-id",
                Severity.ERROR,
                f"{rid}{group} is rendered more than once; only one of them would be applied",
                hint="remove or rename one of them (look for a base included twice or a copy-pasted manifest)",
                cluster=cluster,
                resource=str(rid),
            )
