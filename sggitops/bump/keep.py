"""A bump loses nothing: dropped values stay in `platform.yaml` commented out, and every comment survives.

`keep_everything(before, after, dropped)` takes the spec text before the bump, the edited text, and the
values blocks the target version has no equivalent for. Each dropped block goes back in as comment
lines at the place it held (mapped through a line diff of the two texts), under one line saying why
and which version dropped it, so the admin can re-apply it by hand. Then every comment of `before`
that the edits lost (a comment inside a renamed or re-rendered block) is put back on its own line near
where it was. Each insertion is checked: the text must still parse to exactly the edited data (a
comment can never land inside a block scalar); when a place fails, the next candidate is tried (after
the block's key line, then the end of the file).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from sggitops import yamlio
from sggitops.bump.spec_edit import SpecText
from sggitops.errors import InputError

Path = tuple[str | int, ...]
MARK = "sggitops bump:"
_BLOCK_SCALAR = re.compile(r"(^|[:-]\s+)[|>][+-]?[0-9]?[+-]?$")


@dataclass(frozen=True)
class Dropped:
    """A values key with no home at the target version."""

    path: Path  # in platform.yaml, e.g. ("spec", "bigbang", "values", "istio", "values")
    block: int  # how many steps of `path` name the values block itself (3 fleet, 4 environment/cluster)
    version: str  # the Big Bang version that dropped it
    reason: str

    @property
    def key(self) -> str:
        return ".".join(str(p) for p in self.path[self.block :])


@dataclass(frozen=True)
class _Insert:
    before_line: int  # 0-based line of `before` this text stood at
    lines: tuple[str, ...]
    fallback: Path  # a path whose key line the text may follow when its own place fails
    indent: int = -1  # the insertion goes where a line at most this indented follows (-1: anywhere)


def keep_everything(
    before: str, after: str, dropped: Sequence[Dropped], filename: str = "platform.yaml"
) -> str:
    """`after` with the dropped blocks commented out in place and every lost comment of `before` back."""
    want = _data(after, filename)
    groups: dict[Path, list[Dropped]] = {}
    existing = SpecText(after)
    for d in dropped:
        anchor = next(
            (d.path[:n] for n in range(d.block + 1, len(d.path) + 1) if not existing.has(d.path[:n])), d.path
        )
        groups.setdefault(anchor, []).append(d)
    anchors = [a for a in groups if not any(a[: len(o)] == o and a != o for o in groups)]
    inserts = [i for a in anchors for i in _dropped_block(before, a, groups[a])]
    text = _insert_all(before, after, inserts, want, filename)
    lost = list(_lost_comments(before, text))
    return _insert_all(before, text, lost, want, filename)


def _data(text: str, filename: str) -> Any:
    return yamlio.to_plain(yamlio.load_one(text, filename, rule="spec/yaml"))


def _dropped_block(before: str, anchor: Path, dropped: Sequence[Dropped]) -> Iterator[_Insert]:
    spec = SpecText(before)
    node, parent, key_node = spec.find(anchor)
    if node is None or key_node is None:
        return
    lines = before.splitlines()
    first = int(key_node.start_mark.line)
    indent = _indent(lines[first])
    versions = sorted({d.version for d in dropped})
    reasons = "; ".join(sorted({d.reason for d in dropped}))
    header = (
        f"{indent}# {MARK} Big Bang {', '.join(versions)} has no equivalent for "
        f"{', '.join(d.key for d in dropped)}: kept here commented out to re-apply by hand ({reasons})"
    )
    if isinstance(parent, MappingNode) and parent.flow_style:
        segment = before[key_node.start_mark.index : node.end_mark.index]
        body = [f"{indent}# {' '.join(segment.split())}"]
    else:
        body = [_commented(line, indent) for line in lines[first : _last_line(node, lines) + 1]]
    yield _Insert(first, (header, *body), anchor[: dropped[0].block], len(indent))


def _last_line(node: Node, lines: list[str]) -> int:
    """0-based last line holding the node's own content (block collections end before the next key)."""
    while isinstance(node, (MappingNode, SequenceNode)) and not node.flow_style and node.value:
        node = node.value[-1][1] if isinstance(node, MappingNode) else node.value[-1]
    end = node.end_mark
    line = int(end.line) - (1 if end.column == 0 else 0)
    while line > 0 and not lines[line].strip():
        line -= 1
    return max(line, 0)


def _deeper(line: str, indent: int) -> bool:
    """A line inside a block indented more than `indent` (blank and comment lines go with it)."""
    return not line.strip() or line.lstrip().startswith("#") or len(_indent(line)) > indent


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _commented(line: str, indent: str) -> str:
    if not line.strip():
        return f"{indent}#"
    if line.startswith(indent):
        return f"{indent}# {line[len(indent) :]}"
    return f"{indent}# {line.lstrip()}"


def _insert_all(before: str, text: str, inserts: Sequence[_Insert], want: Any, filename: str) -> str:
    """Insert from the bottom up, each at its first candidate place (indexes of the original `text`)
    where the result still parses to `want`; equal places keep the order of `before`."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    planned = [(list(_candidates(before, text, insert)), insert) for insert in inserts]
    done: list[tuple[int, int]] = []
    for candidates, insert in sorted(planned, key=lambda p: (-p[0][0], -p[1].before_line)):
        block = [line + "\n" for line in insert.lines]
        for at in candidates:
            index = at + sum(count for where, count in done if where < at)
            candidate = lines[:index] + block + lines[index:]
            try:
                if _data("".join(candidate), filename) == want:
                    lines = candidate
                    done.append((at, len(block)))
                    break
            except InputError:
                continue
    return "".join(lines)


def _candidates(before: str, text: str, insert: _Insert) -> Iterator[int]:
    """Line indexes of `text` to try: where the old line maps to, after the fallback key, the end."""
    old, new = before.splitlines(), text.splitlines()
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if i1 <= insert.before_line < i2 or (i1 == i2 == insert.before_line):
            at = j1 + (insert.before_line - i1) if tag == "equal" else j2
            while insert.indent >= 0 and at < len(new) and _deeper(new[at], insert.indent):
                at += 1
            yield at
            break
    else:
        yield len(new)
    spec = SpecText(text)
    if spec.has(insert.fallback):
        yield spec.line_of(insert.fallback)
    yield len(new)


def comments(text: str) -> list[tuple[int, str, str]]:
    """(0-based line, indentation, comment text with its `#`) of every comment outside scalars."""
    out: list[tuple[int, str, str]] = []
    scalar_indent: int | None = None
    for number, line in enumerate(text.splitlines()):
        indent = len(line) - len(line.lstrip())
        if scalar_indent is not None:
            if not line.strip() or indent > scalar_indent:
                continue
            scalar_indent = None
        code, comment = _split_comment(line)
        if comment:
            out.append((number, line[:indent], comment))
        if _BLOCK_SCALAR.search(code.rstrip()):
            scalar_indent = indent
    return out


def _split_comment(line: str) -> tuple[str, str]:
    """(code, comment) of one line; `#` inside quotes or glued to a word is not a comment."""
    quote = ""
    previous = " "
    i = 0
    while i < len(line):
        char = line[i]
        if quote:
            if char == "\\" and quote == '"':
                i += 2
                continue
            if char == quote:
                quote = ""
        elif char in "\"'" and (previous.isspace() or previous in ":-,[{"):
            quote = char
        elif char == "#" and previous.isspace():
            return line[:i], line[i:].rstrip()
        previous = char
        i += 1
    return line, ""


def _lost_comments(before: str, after: str) -> Iterator[_Insert]:
    have = "\n".join(c for _n, _i, c in comments(after))
    for number, indent, comment in comments(before):
        if comment not in have:
            yield _Insert(number, (f"{indent}{comment}",), ())
