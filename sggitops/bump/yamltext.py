"""YAML text for spliced edits: scalars safe in flow and block context, flow and block renderings."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from sggitops.yamlemit import scalar as emit_scalar

_FLOW_UNSAFE = re.compile(r"[{}\[\],]|: | #|^[-?:!&*|>'\"%@`]")


class Quoted(str):
    """A string scalar written in quotes (`style` '"' or "'"), like the version pins around it."""

    style = '"'

    def __new__(cls, text: str, style: str = '"') -> Quoted:
        self = super().__new__(cls, text)
        self.style = style
        return self


def flow_scalar(value: Any) -> str:
    """A scalar as YAML text that is safe in both block and flow context (same data when read back)."""
    if isinstance(value, Quoted):
        return json.dumps(str(value)) if value.style == '"' else "'" + value.replace("'", "''") + "'"
    if isinstance(value, str):
        text = emit_scalar(value)
        if text.startswith(("'", '"')):
            return text
        return json.dumps(value) if _FLOW_UNSAFE.search(text) else text
    return emit_scalar(value)


def render_flow(value: Any) -> str:
    """A value in YAML flow style on one line."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{flow_scalar(str(k))}: {render_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(render_flow(v) for v in value) + "]"
    return flow_scalar(value)


def render_block(key: str, value: Any, indent: int, step: int) -> list[str]:
    """`key: value` as block lines at `indent` (mappings nested by `step`, simple lists in flow style)."""
    pad = " " * indent
    head = f"{pad}{flow_scalar(key)}:"
    if isinstance(value, Mapping) and value:
        lines = [head]
        for k, v in value.items():
            lines.extend(render_block(str(k), v, indent + step, step))
        return lines
    if isinstance(value, (list, tuple)) and any(isinstance(v, (Mapping, list, tuple)) for v in value):
        lines = [head]
        for item in value:
            item_lines = (
                render_block_item(item, indent + step, step) if isinstance(item, Mapping) and item else None
            )
            lines.extend(item_lines or [f"{pad}{' ' * step}- {render_flow(item)}"])
        return lines
    return [f"{head} {render_flow(value)}"]


def render_block_item(item: Mapping[str, Any], dash_indent: int, step: int) -> list[str]:
    """A mapping as one `- ` item of a block sequence."""
    lines: list[str] = []
    for k, v in item.items():
        lines.extend(render_block(str(k), v, dash_indent + 2, step))
    first = lines[0]
    lines[0] = " " * dash_indent + "- " + first[dash_indent + 2 :]
    return lines
