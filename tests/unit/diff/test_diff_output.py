"""json (the README shape), markdown (marker, table, details, cap) and text."""

from __future__ import annotations

import json

from sggitops.diff import (
    MARKER,
    ClusterDiff,
    Danger,
    DiffResult,
    ResourceChange,
    ValueChange,
    to_json,
    to_markdown,
    to_text,
)
from sggitops.diff.values import MISSING


def result(clusters: int = 2, changes: int = 1, diff: str = "-a: 1\n+a: 2\n") -> DiffResult:
    out = {}
    for i in range(clusters):
        name = f"run-{i:03d}"
        out[name] = ClusterDiff(
            name,
            added=("ConfigMap/x/new",),
            removed=(),
            changed=tuple(
                ResourceChange(f"Deployment/web/app-{j}", diff, ("spec.replicas",)) for j in range(changes)
            ),
            roots=(f"overlays/{name}",),
        )
    return DiffResult(
        base="a" * 40,
        head="b" * 40,
        clusters=out,
        rendered={"base": clusters, "head": clusters},
        dangers=(
            Danger("danger/namespace-removed", "run-000", "Namespace//web", "Namespace `web` is removed"),
        ),
    )


def test_json_has_the_design_shape() -> None:
    values = (
        ValueChange("addons.gitlab.enabled", True, False, "changed"),
        ValueChange("x", MISSING, 1, "added"),
    )
    r = DiffResult(
        "a" * 40,
        None,
        {
            "build": ClusterDiff(
                "build", ("A/b/c",), ("D/e/f",), (ResourceChange("ConfigMap/bigbang/env-x", "d", (), values),)
            )
        },
        {"base": 1, "head": 1},
    )
    doc = json.loads(to_json(r))
    assert doc["version"] == 1
    assert doc["rendered"] == {"base": 1, "head": 1}
    cluster = doc["clusters"]["build"]
    assert cluster["added"] == ["A/b/c"] and cluster["removed"] == ["D/e/f"]
    assert cluster["changed"][0]["resource"] == "ConfigMap/bigbang/env-x"
    assert cluster["changed"][0]["diff"] == "d"
    assert cluster["changed"][0]["values"] == [
        {"key": "addons.gitlab.enabled", "status": "changed", "before": True, "after": False},
        {"key": "x", "status": "added", "after": 1},
    ]
    assert doc["head"] is None


def test_markdown_layout() -> None:
    text = to_markdown(result())
    assert text.startswith(MARKER + "\n")
    assert text.index("danger/namespace-removed") < text.index("| cluster | added | removed | changed |")
    assert "| run-001 | 1 | 0 | 1 |" in text
    assert text.count("<details>") == 2 and text.count("</details>") == 2
    assert "```diff\n-a: 1\n+a: 2\n```" in text
    assert "Truncated" not in text


def test_markdown_is_capped_with_a_notice() -> None:
    big = result(clusters=30, changes=20, diff="+x\n" * 200)
    text = to_markdown(big, max_bytes=20_000)
    assert len(text.encode()) <= 20_000
    assert text.startswith(MARKER)
    assert "**Truncated:**" in text and "not shown" in text
    assert text.count("<details>") == text.count("</details>")
    assert text.count("```") % 2 == 0
    assert "| run-029 |" in text  # the summary table is kept whole


def test_tiny_cap_keeps_the_marker() -> None:
    text = to_markdown(result(clusters=300), max_bytes=700)
    assert text.startswith(MARKER) and "Truncated" in text


def test_fence_outgrows_backticks_in_the_diff() -> None:
    text = to_markdown(result(clusters=1, diff="+ run: ```echo```\n"))
    assert "````diff\n+ run: ```echo```\n````" in text


def test_empty_result() -> None:
    r = DiffResult("a" * 40, None, {}, {"base": 0, "head": 0})
    assert "No rendered changes" in to_markdown(r)
    assert "no rendered changes" in to_text(r)


def test_text_lists_dangers_and_resources() -> None:
    text = to_text(result(clusters=1))
    lines = text.splitlines()
    assert lines[0] == f"sggitops diff: base {'a' * 12} -> head {'b' * 12}"
    assert any(line.startswith("DANGER [danger/namespace-removed] run-000") for line in lines)
    assert "  + ConfigMap/x/new" in lines and "  ~ Deployment/web/app-0" in lines
    assert "      +a: 2" in lines
