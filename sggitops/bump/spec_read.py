"""Read `platform.yaml` as composed YAML nodes: every key and value knows its start and end index, so
edits (spec_edit.py) can splice text at exact positions and report lines."""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from sggitops import yamlio
from sggitops.errors import InputError, Location

Path = tuple[str | int, ...]


class SpecReader:
    """The text of a YAML document and lookups by path into its composed nodes."""

    def __init__(self, text: str, filename: str = "platform.yaml") -> None:
        self.text = text
        self.filename = filename
        self.step = self._detect_step()

    def _root(self) -> Node:
        try:
            node = YAML(typ="rt").compose(self.text)
        except YAMLError as err:
            raise InputError(
                f"cannot edit {self.filename}: it is not valid YAML ({err})",
                location=Location(self.filename, 1, 1),
                rule="spec/yaml",
                hint="fix the YAML first",
            ) from None
        if not isinstance(node, MappingNode):
            raise InputError(
                f"cannot edit {self.filename}: the document is not a mapping",
                location=Location(self.filename, 1, 1),
                rule="spec/schema",
                hint="start with `apiVersion: sggitops.io/v1alpha1`",
            )
        return node

    def data(self) -> Any:
        return yamlio.to_plain(yamlio.load_one(self.text, self.filename, rule="spec/yaml"))

    def _detect_step(self) -> int:
        """The indentation step of nested block mappings in this file (2 when it has none)."""
        try:
            root = YAML(typ="rt").compose(self.text)
        except YAMLError:
            return 2
        stack: list[Node] = [root] if root is not None else []
        while stack:
            node = stack.pop(0)
            if isinstance(node, MappingNode):
                for key, value in node.value:
                    if isinstance(value, MappingNode) and not value.flow_style and value.value:
                        step = value.start_mark.column - key.start_mark.column
                        if step > 0:
                            return int(step)
                    stack.append(value)
        return 2

    def find(self, path: Path) -> tuple[Node | None, MappingNode | SequenceNode | None, Node | None]:
        """(node at path or None, its parent collection, its key node) for the longest existing prefix."""
        node: Node = self._root()
        parent: MappingNode | SequenceNode | None = None
        key_node: Node | None = None
        for step in path:
            if isinstance(node, MappingNode) and isinstance(step, str):
                match = next(((k, v) for k, v in node.value if k.value == step), None)
                if match is None:
                    return None, None, None
                parent, key_node, node = node, match[0], match[1]
            elif isinstance(node, SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
                parent, key_node, node = node, None, node.value[step]
            else:
                return None, None, None
        return node, parent, key_node

    def has(self, path: Path) -> bool:
        return self.find(path)[0] is not None

    def line_of(self, path: Path) -> int:
        """1-based line of the key (or item) at `path`, else of its longest existing ancestor."""
        for end in range(len(path), -1, -1):
            node, _parent, key = self.find(path[:end])
            if node is not None:
                mark = (key or node).start_mark
                return int(mark.line) + 1
        return 1
