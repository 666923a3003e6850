"""Edit `platform.yaml` in place, byte-for-byte outside the lines that change.

ruamel's round-trip dumper re-flows long lines, normalises indentation and can move comments, so a
dump of the whole document is not byte-stable. `SpecText` instead composes the text with ruamel (every
node knows its start and end index) and splices new text in at those positions: a scalar is replaced
token for token in its own quoting style, a new key is inserted as lines at the mapping's own
indentation (or inline in a flow mapping), a removed key takes exactly its own lines. Every edit is
re-parsed and checked against the data it was meant to produce; when a splice cannot express an edit
(an exotic layout) the smallest enclosing block is re-rendered instead, and only that block changes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sggitops.bump.spec_read import Path, SpecReader
from sggitops.bump.yamltext import Quoted, flow_scalar, render_block, render_flow
from sggitops.errors import InputError

ORDER: dict[str, tuple[str, ...]] = {
    # where a new spec key goes when it must be created: before the first of these siblings, else last
    "environments": ("clusters", "projects", "apps", "ci"),
    "bigbang": ("domain", "kubernetesVersion", "cloud", "packages", "values"),
    "choices": ("sso", "policy", "environments", "clusters"),
}


class SpliceError(Exception):
    """A splice this module does not know how to make; the caller re-renders the enclosing block."""


def _plain_node(node: Node) -> Any:
    """Plain data of a composed node (through a tiny constructor: YAML 1.2 core types are enough here)."""
    yaml = YAML(typ="safe", pure=True)
    return yaml.constructor.construct_object(node, deep=True)


class SpecText(SpecReader):
    """The text of a YAML document with positional edits; `text` always parses to the edited data."""

    def __init__(self, text: str, filename: str = "platform.yaml") -> None:
        super().__init__(text, filename)
        self.renames: set[tuple[Path, str, str]] = set()  # (mapping path, old key, new key) to rename

    # -- splicing primitives ------------------------------------------------------------------------

    def _splice(self, start: int, end: int, new: str) -> None:
        self.text = self.text[:start] + new + self.text[end:]

    def _line_start(self, index: int) -> int:
        return self.text.rfind("\n", 0, index) + 1

    def _after_line(self, index: int) -> int:
        """Index just past the newline ending the line that holds `index` (or just before, for block scalars)."""
        if index > 0 and self.text[index - 1] == "\n":
            return index
        nl = self.text.find("\n", index)
        if nl < 0:
            self.text += "\n"
            return len(self.text)
        return nl + 1

    def _content_end(self, node: Node) -> int:
        """Where the last character of a node's own content is (block collections end early)."""
        if isinstance(node, MappingNode) and not node.flow_style and node.value:
            return self._content_end(node.value[-1][1])
        if isinstance(node, SequenceNode) and not node.flow_style and node.value:
            return self._content_end(node.value[-1])
        return int(node.end_mark.index)

    def _render_scalar_like(self, old: ScalarNode, value: Any) -> str:
        if isinstance(value, Quoted):
            return flow_scalar(value)
        if isinstance(value, str) and old.style == '"':
            return json.dumps(value)
        if isinstance(value, str) and old.style == "'":
            return "'" + value.replace("'", "''") + "'"
        return flow_scalar(value)

    # -- edits ---------------------------------------------------------------------------------------

    def set(self, path: Path, value: Any, *, before: Sequence[str] | None = None) -> None:
        """Make `path` hold `value`, creating missing mappings; a new key goes before the first existing
        sibling named in `before` (default: `ORDER` for spec keys), else last.

        Mappings on both sides are synced key by key, so untouched keys keep their text and comments.
        A `Quoted` string is written in its quotes."""
        node, parent, _key_node = self.find(path)
        if node is None:
            self._create(path, value, before)
            return
        if _plain_node(node) == value and not isinstance(value, Mapping):
            return
        if isinstance(value, Mapping) and isinstance(node, MappingNode) and node.value:
            self._sync_mapping(path, value)
            return
        if (
            isinstance(node, ScalarNode)
            and node.style not in ("|", ">")
            and node.end_mark.index > node.start_mark.index
            and not isinstance(value, (Mapping, list))
        ):
            self._splice(node.start_mark.index, node.end_mark.index, self._render_scalar_like(node, value))
            return
        if isinstance(node, (MappingNode, SequenceNode)) and node.flow_style:
            if isinstance(value, Mapping) and value and self._is_block_parent(parent):
                self._flow_to_block(path, value)
                return
            self._splice(node.start_mark.index, node.end_mark.index, render_flow(value))
            return
        self._replace_key(path, value)

    def delete(self, path: Path) -> None:
        """Remove the key at `path` (its own lines in block style, its own segment in flow style)."""
        node, parent, key_node = self.find(path)
        if node is None or key_node is None or not isinstance(parent, MappingNode):
            return
        if parent.flow_style:
            self._delete_flow(parent, key_node, node)
        elif len(parent.value) == 1:
            self._replace_parent_with_empty(path[:-1])
        else:
            start = self._line_start(key_node.start_mark.index)
            if self.text[start : key_node.start_mark.index].strip():
                raise SpliceError(f"{'.'.join(map(str, path))} shares its line with a sequence dash")
            self._splice(start, self._after_line(self._content_end(node)), "")

    # -- internals -------------------------------------------------------------------------------------

    def _is_block_parent(self, parent: MappingNode | SequenceNode | None) -> bool:
        return isinstance(parent, MappingNode) and not parent.flow_style

    def _create(self, path: Path, value: Any, before: Sequence[str] | None) -> None:
        for depth in range(len(path) - 1, -1, -1):
            node, parent, _key = self.find(path[:depth])
            if node is None:
                continue
            nested: Any = value
            for part in reversed(path[depth + 1 :]):
                nested = {part: nested}
            key = path[depth]
            if not isinstance(key, str):
                raise SpliceError(f"cannot create sequence item {'.'.join(map(str, path))}")
            order = ORDER.get(key, ()) if before is None else before
            self._insert_key(path[:depth], node, parent, key, nested, order)
            return

    def _insert_key(
        self,
        at: Path,
        node: Node,
        parent: MappingNode | SequenceNode | None,
        key: str,
        value: Any,
        before: Sequence[str],
    ) -> None:
        value_text = render_flow(value)
        if isinstance(node, ScalarNode) and node.value in ("", "~", "null", "Null", "NULL"):
            self._fill_null(at, node, parent, key, value, value_text)
            return
        if not isinstance(node, MappingNode):
            raise SpliceError(f"{'.'.join(map(str, at))} is not a mapping")
        keys = [k.value for k, _v in node.value]
        anchor = next((b for b in before if b in keys), None)
        if node.flow_style:
            pair = f"{flow_scalar(key)}: {value_text}"
            if not node.value:
                self._splice(node.start_mark.index, node.end_mark.index, "{" + pair + "}")
            elif anchor is not None:
                start = next(k for k, _v in node.value if k.value == anchor).start_mark.index
                self._splice(start, start, pair + ", ")
            else:
                end = node.value[-1][1].end_mark.index
                self._splice(end, end, ", " + pair)
            return
        indent = int(node.start_mark.column)
        lines = render_block(key, value, indent, self.step)
        block = "\n".join(lines) + "\n"
        if anchor is not None:
            key_start = next(k for k, _v in node.value if k.value == anchor).start_mark.index
            start = self._line_start(key_start)
            if not self.text[start:key_start].strip():
                self._splice(self._above_comments(start), self._above_comments(start), block)
                return
        self._insert_at(self._after_line(self._content_end(node)), block)

    def _insert_at(self, index: int, block: str) -> None:
        self._splice(index, index, block)

    def _above_comments(self, line_start: int) -> int:
        """Move a line start up over the comment lines directly above it."""
        while line_start > 0:
            prev = self._line_start(line_start - 1)
            if self.text[prev:line_start].strip().startswith("#"):
                line_start = prev
            else:
                break
        return line_start

    def _fill_null(
        self,
        at: Path,
        node: ScalarNode,
        parent: MappingNode | SequenceNode | None,
        key: str,
        value: Any,
        value_text: str,
    ) -> None:
        pair = "{" + f"{flow_scalar(key)}: {value_text}" + "}"
        if node.end_mark.index > node.start_mark.index:
            self._splice(node.start_mark.index, node.end_mark.index, pair)
            return
        if not isinstance(parent, MappingNode) or not at:
            raise SpliceError(f"cannot fill the empty value at {'.'.join(map(str, at))}")
        key_node = next(k for k, v in parent.value if v is node or k.value == at[-1])
        colon = self.text.index(":", key_node.end_mark.index)
        self._splice(colon + 1, colon + 1, " " + pair)

    def _sync_mapping(self, path: Path, wanted: Mapping[str, Any]) -> None:
        node, _parent, _key = self.find(path)
        assert isinstance(node, MappingNode)
        have = {k.value: _plain_node(v) for k, v in node.value}
        for new_key in [k for k in wanted if k not in have]:
            old_key = next(
                (
                    k
                    for k in have
                    if k not in wanted and (path, k, new_key) in self.renames and have[k] == wanted[new_key]
                ),
                None,
            )
            if old_key is not None:  # a rename (anchore -> anchoreEnterprise): only the key token changes
                self._rename((*path, old_key), new_key)
                have[new_key] = have.pop(old_key)
        order = list(wanted)
        for i, key in enumerate(order):
            if key not in have:
                earlier = [k for k in order[:i] if k in have]
                if earlier:
                    self._insert_after(path, earlier[-1], key, wanted[key])
                else:
                    self.set((*path, key), wanted[key], before=[k for k in order[i + 1 :] if k in have])
                have[key] = wanted[key]
        for key in order:
            if key in have and have[key] != wanted[key]:
                self.set((*path, key), wanted[key])
        for key in have:
            if key not in wanted:
                self.delete((*path, key))

    def _insert_after(self, path: Path, sibling: str, key: str, value: Any) -> None:
        """A new key right after `sibling`'s value in the mapping at `path`."""
        node, _parent, _key = self.find(path)
        if not isinstance(node, MappingNode):
            raise SpliceError(f"{'.'.join(map(str, path))} is not a mapping")
        value_node = next(v for k, v in node.value if k.value == sibling)
        if node.flow_style:
            end = value_node.end_mark.index
            self._splice(end, end, f", {flow_scalar(key)}: {render_flow(value)}")
            return
        lines = render_block(key, value, int(node.start_mark.column), self.step)
        self._insert_at(self._after_line(self._content_end(value_node)), "\n".join(lines) + "\n")

    def _rename(self, path: Path, new_key: str) -> None:
        _node, _parent, key_node = self.find(path)
        if key_node is None or not isinstance(key_node, ScalarNode):
            raise SpliceError(f"cannot rename {'.'.join(map(str, path))}")
        self._splice(key_node.start_mark.index, key_node.end_mark.index, flow_scalar(new_key))

    def _replace_key(self, path: Path, value: Any) -> None:
        """Re-render one key of a block mapping in place (its old lines go, new lines take their spot)."""
        node, parent, key_node = self.find(path)
        if node is None or key_node is None or not isinstance(parent, MappingNode) or parent.flow_style:
            raise SpliceError(f"cannot re-render {'.'.join(map(str, path))}")
        start = self._line_start(key_node.start_mark.index)
        prefix = self.text[start : key_node.start_mark.index]
        if prefix.strip() not in ("", "-"):
            raise SpliceError(f"{'.'.join(map(str, path))} shares its line with other content")
        indent = int(key_node.start_mark.column)
        lines = render_block(str(path[-1]), value, indent, self.step)
        if prefix.strip() == "-":
            lines[0] = prefix + lines[0][indent:]
        self._splice(start, self._after_line(self._content_end(node)), "\n".join(lines) + "\n")

    def _flow_to_block(self, path: Path, value: Mapping[str, Any]) -> None:
        """`key: {}` (flow) becoming a non-empty mapping: the flow token goes, block lines follow the key."""
        node, _parent, key_node = self.find(path)
        assert node is not None and key_node is not None
        if node.end_mark.line != key_node.start_mark.line:
            raise SpliceError(f"{'.'.join(map(str, path))} spans several lines")
        start = node.start_mark.index
        while start > 0 and self.text[start - 1] == " ":
            start -= 1
        self._splice(start, node.end_mark.index, "")
        indent = int(key_node.start_mark.column) + self.step
        lines: list[str] = []
        for k, v in value.items():
            lines.extend(render_block(str(k), v, indent, self.step))
        self._insert_at(self._after_line(key_node.start_mark.index), "\n".join(lines) + "\n")

    def _delete_flow(self, parent: MappingNode, key_node: Node, node: Node) -> None:
        index = next(i for i, (k, _v) in enumerate(parent.value) if k is key_node)
        start, end = key_node.start_mark.index, node.end_mark.index
        if len(parent.value) == 1:
            self._splice(parent.start_mark.index, parent.end_mark.index, "{}")
        elif index + 1 < len(parent.value):
            self._splice(start, parent.value[index + 1][0].start_mark.index, "")
        else:
            prev_end = parent.value[index - 1][1].end_mark.index
            self._splice(prev_end, end, "")

    def _replace_parent_with_empty(self, path: Path) -> None:
        node, parent, key_node = self.find(path)
        if node is None or key_node is None or not isinstance(parent, MappingNode) or parent.flow_style:
            raise SpliceError(f"cannot empty {'.'.join(map(str, path))}")
        first_line = self._line_start(node.start_mark.index)
        self._splice(first_line, self._after_line(self._content_end(node)), "")
        colon = self.text.index(":", key_node.end_mark.index)
        self._splice(colon + 1, colon + 1, " {}")


def edit_values(
    spec: SpecText,
    path: Path,
    wanted: Mapping[str, Any],
    renames: Sequence[tuple[Path, str, str]] = (),
) -> None:
    """Set the mapping at `path` to `wanted`, keeping untouched keys byte-for-byte when possible.

    `renames` are `(mapping path, old key, new key)` moves to make by changing only the key token (the
    value, its layout and comments stay) when the value moved unchanged. When a splice fails or the
    re-parsed data differs, the block at `path` alone is re-rendered."""
    before = spec.text
    spec.renames = set(renames)
    try:
        spec.set(path, dict(wanted))
        if _get(spec.data(), path) == dict(wanted):
            return
    except (SpliceError, InputError, StopIteration, ValueError):
        pass
    spec.text = before
    spec._replace_key(path, dict(wanted))
    if _get(spec.data(), path) != dict(wanted):
        raise SpliceError(f"could not rewrite {'.'.join(map(str, path))} in {spec.filename}")


def _get(data: Any, path: Path) -> Any:
    for step in path:
        if isinstance(data, Mapping) and step in data:
            data = data[step]
        elif isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data):
            data = data[step]
        else:
            return None
    return data


def version_style(spec: SpecText) -> str:
    """The quote style of the fleet's version pin (`"` when it is plain: a version must stay a string)."""
    node, _parent, _key = spec.find(("spec", "bigbang", "version"))
    style = node.style if isinstance(node, ScalarNode) else None
    return style if style in ('"', "'") else '"'
