"""The one ruamel.yaml setup: load with positions, deterministic dump.

Loading returns round-trip nodes (CommentedMap/CommentedSeq) that know their line and column, so every
error can point at `file:line:col`. Dumping is deterministic: the same data gives the same bytes.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import LiteralScalarString

from sggitops import yamlstore
from sggitops.errors import InputError, Location
from sggitops.findings import Severity
from sggitops.rules import Rule
from sggitops.yamlemit import emit

MAX_NODES = 1_000_000
"""A document that expands (through aliases) to more nodes than this is refused: an alias bomb."""


RULES = (
    Rule(
        id="yaml/syntax",
        severity=Severity.ERROR,
        summary="a repo file that is not valid YAML",
    ),
)


def _loader() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    return yaml


def _error_location(err: YAMLError, filename: str) -> Location:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    if mark is None:
        return Location(filename, 1, 1)
    return Location(filename, mark.line + 1, mark.column + 1)


def _yaml_error(err: YAMLError, filename: str, rule: str) -> InputError:
    if isinstance(err, MarkedYAMLError):
        message = " ".join(p for p in (err.context, err.problem) if p) or str(err)
    else:
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
    message = message.replace("\n", " ")
    return InputError(
        f"not valid YAML: {message}",
        location=_error_location(err, filename),
        rule=rule,
        hint="fix the YAML syntax at this position",
    )


def load_all(text: str, filename: str, *, rule: str = "yaml/syntax") -> list[Any]:
    """Every document of a YAML stream as round-trip nodes; raises InputError with a position."""
    try:
        docs = list(_loader().load_all(text))
    except YAMLError as err:
        raise _yaml_error(err, filename, rule) from None
    except RecursionError:
        raise InputError(
            "the YAML nests too deeply to load",
            location=Location(filename, 1, 1),
            rule=rule,
            hint="flatten the document",
        ) from None
    for doc in docs:
        check_expansion(doc, filename, rule=rule)
    return docs


class _PlainConstructor(SafeConstructor):
    """YAML 1.1's `=` (the "value" tag) read as the string it is: kustomize prints `x: =`."""


_PlainConstructor.add_constructor("tag:yaml.org,2002:value", SafeConstructor.construct_yaml_str)

_DOC_START = re.compile(r"^---(?:[ \t].*)?$")
_FAST = threading.local()


def _fast_loader(pure: bool = False) -> YAML:
    """libyaml's scanner through ruamel.yaml.clib (fast), or ruamel's own (YAML 1.2 accepts a few plain
    scalars libyaml's 1.1 scanner refuses, such as `{url: https://x}`); resolution is ruamel's either way."""
    name = "pure" if pure else "c"
    loader = getattr(_FAST, name, None)
    if loader is None:
        loader = YAML(typ="safe", pure=pure)
        loader.Constructor = _PlainConstructor
        setattr(_FAST, name, loader)
    return loader


_PLAIN_MEMO: dict[tuple[str, str], list[tuple[int, int, Any]]] = {}
_PLAIN_MEMO_BYTES = [0]
_PLAIN_MEMO_LIMIT = 16 << 20
"""Bytes of text whose parses are kept (parsed data takes ~10x its text): past it the memo starts afresh."""


def load_plain_all(
    text: str, filename: str, *, rule: str = "yaml/syntax", keep: bool = True
) -> list[tuple[int, int, Any]]:
    """Every document as plain data with the (line, col) where it starts: the fast path for reading many
    files (no per-node positions). Falls back to the round-trip loader to explain a syntax error.

    A text is parsed once per process (the spec, the lock and the entry files are read by several
    checks): the result is memoised by the text's digest and handed out as a fresh copy (callers may
    change it); copying plain data is ~20x cheaper than parsing it. With a `yamlstore` active (a validate
    run) the parse is also kept for the next run. `keep=False` is for one-off texts (a rendered build,
    which its own cache keeps): parsed, never memoised."""
    if not keep:
        return _load_plain_all(text, filename, rule)
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    key = (digest, rule)
    hit = _PLAIN_MEMO.get(key)
    if hit is None:
        store = yamlstore.active()
        hit = store.get(digest) if store is not None else None
        if hit is None:
            hit = _load_plain_all(text, filename, rule)  # an error raises: never memoised
            if store is not None:
                store.put(digest, hit)
        if _PLAIN_MEMO_BYTES[0] + len(text) > _PLAIN_MEMO_LIMIT:
            _PLAIN_MEMO.clear()
            _PLAIN_MEMO_BYTES[0] = 0
        _PLAIN_MEMO[key] = hit
        _PLAIN_MEMO_BYTES[0] += len(text)
    return [(line, col, copy_plain(doc)) for line, col, doc in hit]


def copy_plain(node: Any) -> Any:
    """A deep copy of plain data (dicts, lists, scalars)."""
    if isinstance(node, dict):
        return {k: copy_plain(v) if isinstance(v, (dict, list)) else v for k, v in node.items()}
    if isinstance(node, list):
        return [copy_plain(v) if isinstance(v, (dict, list)) else v for v in node]
    return node


def _load_plain_all(text: str, filename: str, rule: str) -> list[tuple[int, int, Any]]:
    chunks: list[tuple[int, list[str]]] = [(0, [])]
    for number, line in enumerate(text.split("\n")):
        if _DOC_START.match(line):
            chunks.append((number + 1, []))
        else:
            chunks[-1][1].append(line)
    out: list[tuple[int, int, Any]] = []
    for start, lines in chunks:
        body = "\n".join(lines)
        offset = next(
            (i for i, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith("#")), None
        )
        if offset is None:
            continue
        try:
            try:
                docs = list(_fast_loader().load_all(body))
            except (YAMLError, ValueError, TypeError, RecursionError):
                docs = list(_fast_loader(pure=True).load_all(body))
        except (YAMLError, ValueError, TypeError, RecursionError):
            load_all(text, filename, rule=rule)  # raises InputError with the exact position
            raise InputError(
                "not valid YAML",
                location=Location(filename, start + offset + 1, 1),
                rule=rule,
                hint="fix the YAML",
            ) from None
        for doc in docs:
            if doc is None:
                continue
            check_expansion(doc, filename, rule=rule)
            line = lines[offset]
            out.append((start + offset + 1, len(line) - len(line.lstrip()) + 1, _fast_plain(doc)))
    return out


def _fast_plain(node: Any) -> Any:
    """Plain JSON-like data from the safe loader (dates and other tagged scalars as strings)."""
    if isinstance(node, dict):
        return {
            k if isinstance(k, (str, int, float, bool)) else str(k): _fast_plain(v) for k, v in node.items()
        }
    if isinstance(node, list):
        return [_fast_plain(v) for v in node]
    if node is None or isinstance(node, (str, bool, int, float)):
        return node
    return str(node)


def load_one(text: str, filename: str, *, rule: str = "yaml/syntax") -> Any:
    """A single-document YAML file; more than one document is an error."""
    docs = load_all(text, filename, rule=rule)
    if len(docs) > 1:
        raise InputError(
            "expected one YAML document, found several",
            location=Location(filename, 1, 1),
            rule=rule,
            hint="remove the extra `---` separators",
        )
    return docs[0] if docs else None


def check_expansion(doc: Any, filename: str, *, rule: str = "yaml/syntax") -> None:
    """Refuse documents whose aliases expand past MAX_NODES (the billion-laughs attack)."""
    sizes: dict[int, int] = {}

    def size(node: Any, depth: int) -> int:
        if not isinstance(node, (Mapping, list)):
            return 1
        key = id(node)
        if key in sizes:
            return sizes[key]
        if depth > 500:
            raise InputError(
                "the YAML nests more than 500 levels deep",
                location=Location(filename, *position(node)),
                rule=rule,
                hint="flatten the document",
            )
        sizes[key] = MAX_NODES + 1  # a cycle counts as unbounded
        children: Iterable[Any] = node.values() if isinstance(node, Mapping) else node
        total = 1
        for child in children:
            total += size(child, depth + 1)
            if total > MAX_NODES:
                break
        sizes[key] = total
        return total

    if size(doc, 0) > MAX_NODES:
        raise InputError(
            f"the YAML expands to more than {MAX_NODES:,} nodes through aliases",
            location=Location(filename, *position(doc)),
            rule=rule,
            hint="an alias bomb or a runaway anchor; write the values out instead",
        )


def position(node: Any, key: Any = None) -> tuple[int, int]:
    """1-based (line, col) of a node, or of its key/item `key` when given; (1, 1) when unknown."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return (1, 1)
    try:
        if key is None:
            return (lc.line + 1, lc.col + 1)
        if isinstance(node, CommentedMap):
            line, col = lc.key(key)
        elif isinstance(node, CommentedSeq):
            line, col = lc.item(key)
        else:
            return (lc.line + 1, lc.col + 1)
        return (line + 1, col + 1)
    except (KeyError, IndexError, TypeError, AttributeError):
        return (lc.line + 1, lc.col + 1)


def value_position(node: Any, key: Any) -> tuple[int, int]:
    """1-based (line, col) of the value under `key` in a mapping (falls back to the key)."""
    lc = getattr(node, "lc", None)
    if lc is not None and isinstance(node, CommentedMap):
        try:
            line, col = lc.value(key)
            return (line + 1, col + 1)
        except (KeyError, TypeError):
            pass
    return position(node, key)


def locate(root: Any, path: Sequence[Any]) -> tuple[int, int]:
    """Position of the deepest node that exists along `path` (keys and indexes) from `root`."""
    node = root
    where = position(root)
    for step in path:
        if isinstance(node, Mapping) and step in node:
            where = position(node, step)
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            where = position(node, step)
            node = node[step]
        else:
            break
    return where


def to_plain(node: Any) -> Any:
    """Round-trip nodes -> plain dict/list/scalars (aliases already bounded by check_expansion)."""
    if isinstance(node, Mapping):
        return {
            str(k) if not isinstance(k, (str, int, float, bool)) else k: to_plain(v) for k, v in node.items()
        }
    if isinstance(node, (list, tuple)):
        return [to_plain(v) for v in node]
    if isinstance(node, LiteralScalarString):
        return str(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def dump(data: Any) -> str:
    """One YAML document, deterministic: keys in the order given, block style, literal multi-line strings,
    every YAML 1.1 look-alike quoted (see sggitops.yamlemit)."""
    return emit(to_plain(data))


def dump_all(docs: Iterable[Any]) -> str:
    """A YAML stream of several documents separated by `---`."""
    return "---\n".join(dump(doc) for doc in docs)
