"""Round-trip-shaped documents (CommentedMap/CommentedSeq with `lc` positions) built by libyaml's C
parser: the positions `yamlio.position` reads, at a fraction of the cost of ruamel's pure-Python
round-trip loader (kustomization files are parsed on every run, warm or cold).

Only the shape and positions are round-trip: scalars are plain (no comments, no formatting), which is
all a reader of paths and positions needs. Anything unusual (a syntax error, merge keys, duplicate
keys, several documents, a tag the safe constructor does not know) goes to `yamlio.load_one`, so errors
and edge cases read exactly as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import threading
from collections.abc import Hashable, Iterator
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from sggitops import yamlio, yamlstore


class _Unusual(Exception):
    """Leave this document to the round-trip loader."""


class _PositionConstructor(SafeConstructor):
    def construct_positioned_map(self, node: MappingNode) -> Iterator[CommentedMap]:
        data = CommentedMap()
        data._yaml_set_line_col(node.start_mark.line, node.start_mark.column)
        yield data
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _Unusual
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable) or key in data:
                raise _Unusual
            data[key] = self.construct_object(value_node, deep=True)
            marks = [key_node.start_mark, value_node.start_mark]
            data._yaml_set_kv_line_col(key, [marks[0].line, marks[0].column, marks[1].line, marks[1].column])

    def construct_positioned_seq(self, node: SequenceNode) -> Iterator[CommentedSeq]:
        data = CommentedSeq()
        data._yaml_set_line_col(node.start_mark.line, node.start_mark.column)
        yield data
        for i, child in enumerate(node.value):
            data.append(self.construct_object(child, deep=True))
            data._yaml_set_idx_line_col(i, [child.start_mark.line, child.start_mark.column])

    def construct_undefined(self, node: Node) -> Any:
        raise _Unusual


_PositionConstructor.add_constructor("tag:yaml.org,2002:map", _PositionConstructor.construct_positioned_map)
_PositionConstructor.add_constructor("tag:yaml.org,2002:seq", _PositionConstructor.construct_positioned_seq)
_PositionConstructor.add_constructor("tag:yaml.org,2002:value", SafeConstructor.construct_yaml_str)
_PositionConstructor.add_constructor(None, _PositionConstructor.construct_undefined)

_LOCAL = threading.local()


def _loader() -> YAML:
    loader = getattr(_LOCAL, "loader", None)
    if loader is None:
        loader = YAML(typ="safe", pure=False)
        loader.Constructor = _PositionConstructor
        _LOCAL.loader = loader
    return loader


def load_one(text: str, filename: str, *, rule: str = "yaml/syntax", keep: bool = True) -> Any:
    """`yamlio.load_one`, fast: the same nodes' shape and positions for a plain single document.

    With a `yamlstore` active (a validate run) the document is kept for the next run, by the text's
    digest, in the `encode` form (rebuilding it is ~40x faster than parsing); `keep=False` for texts
    whose reader keeps its own digest (kustomization files)."""
    store = yamlstore.active() if keep else None
    key = "positioned:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest() if store else ""
    if store is not None:
        kept = store.lookup(key)
        if kept is not None:
            try:
                return decode(kept)
            except (ValueError, TypeError):
                pass  # not our form: parse
    doc = _load_one(text, filename, rule)
    if store is not None and doc is not None:
        with contextlib.suppress(_Unusual):
            store.keep(key, encode(doc, budget=[len(text) + 1]))
    return doc


def _load_one(text: str, filename: str, rule: str) -> Any:
    try:
        docs = list(_loader().load_all(text))
    except (YAMLError, _Unusual, ValueError, TypeError, RecursionError):
        docs = None
    if docs is None or len(docs) != 1:
        return yamlio.load_one(text, filename, rule=rule)
    yamlio.check_expansion(docs[0], filename, rule=rule)
    return docs[0]


def encode(node: Any, budget: list[int]) -> Any:
    """A positioned document as JSON data (`decode` gives it back), or `_Unusual` when JSON cannot keep
    it exactly (a key that is not a string, a date, NaN): maps are `["m", line, col, [[key, key line,
    key col, value line, value col, value]...]]`, sequences `["s", line, col, [[line, col, item]...]]`
    (0-based, as ruamel keeps them), scalars themselves. `budget` caps the nodes written (aliases
    expand here, so a document with more nodes than its text has characters is not kept)."""
    budget[0] -= 1
    if budget[0] < 0:
        raise _Unusual
    if isinstance(node, CommentedMap):
        entries = []
        for key, value in node.items():
            if not isinstance(key, str):
                raise _Unusual
            kl, kc, vl, vc = node.lc.data[key]
            entries.append([key, kl, kc, vl, vc, encode(value, budget)])
        return ["m", node.lc.line, node.lc.col, entries]
    if isinstance(node, CommentedSeq):
        items = [[*node.lc.data[i][:2], encode(value, budget)] for i, value in enumerate(node)]
        return ["s", node.lc.line, node.lc.col, items]
    if isinstance(node, bool) or node is None or isinstance(node, (str, int)):
        return node
    if isinstance(node, float) and math.isfinite(node):
        return node
    raise _Unusual


def decode(data: Any) -> Any:
    """The positioned document `encode` wrote (ValueError when `data` is not one)."""
    if isinstance(data, list):
        tag, line, col, entries = data
        if tag == "m":
            out = CommentedMap()
            out._yaml_set_line_col(line, col)
            for key, kl, kc, vl, vc, value in entries:
                out[key] = decode(value)
                out._yaml_set_kv_line_col(key, [kl, kc, vl, vc])
            return out
        if tag == "s":
            seq = CommentedSeq()
            seq._yaml_set_line_col(line, col)
            for i, (il, ic, value) in enumerate(entries):
                seq.append(decode(value))
                seq._yaml_set_idx_line_col(i, [il, ic])
            return seq
        raise ValueError(f"not a positioned node: {tag!r}")
    if data is None or isinstance(data, (str, int, float, bool)):
        return data
    raise ValueError(f"not a positioned node: {type(data).__name__}")
