"""`validate.pattern` matching with Kyverno's anchors, compiled once into a tree of nodes.

Anchors on map keys: conditional `(key)` (a mismatch or a missing key skips the enclosing element),
global `<(key)` (a mismatch skips the whole rule), existence `^(key)` (some list item must match),
equality `=(key)` (checked only when present), negation `X(key)` (the key must be absent). `+(key)` only
means something to mutate rules and is refused here. Lists of maps apply the item pattern to every item;
items skipped by a conditional anchor do not count, and a list whose items were all skipped is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sggitops.policy.kyverno.scalar import Predicate, compile_scalar
from sggitops.policy.kyverno.values import has_wildcard, wildcard_match

_ANCHOR = re.compile(r"^([+<=X^])?\((.+)\)$", re.DOTALL)


class Anchor(Enum):
    """The anchor on a pattern key."""

    NONE = ""
    CONDITION = "()"
    GLOBAL = "<()"
    EXISTENCE = "^()"
    EQUALITY = "=()"
    NEGATION = "X()"
    ADD = "+()"


_MODIFIERS = {
    None: Anchor.CONDITION,
    "<": Anchor.GLOBAL,
    "^": Anchor.EXISTENCE,
    "=": Anchor.EQUALITY,
    "X": Anchor.NEGATION,
    "+": Anchor.ADD,
}


def parse_anchor(key: str) -> tuple[Anchor, str]:
    """The anchor of a pattern key and the bare key: `=(spec)` -> (EQUALITY, "spec")."""
    match = _ANCHOR.match(key)
    if match is None:
        return Anchor.NONE, key
    return _MODIFIERS[match.group(1)], match.group(2)


class PatternUnsupported(Exception):
    """The pattern uses something this engine refuses to evaluate in a validate rule."""


@dataclass(frozen=True)
class Mismatch:
    """Why a pattern did not match: kind is fail, conditional, global or negation."""

    kind: str
    path: str
    message: str

    @property
    def skips(self) -> bool:
        return self.kind in ("conditional", "global")


Substitute = Callable[[str, Any], Any]


@dataclass
class MatchState:
    """Per-match bookkeeping: anchor keys seen present in the resource, and the variable substituter."""

    substitute: Substitute | None = None
    anchors: dict[str, bool] = field(default_factory=dict)

    def keys_are_missing(self) -> bool:
        return any(not present for present in self.anchors.values())


class Node:
    """A compiled pattern element."""

    __slots__ = ()

    def match(self, value: Any, path: str, state: MatchState) -> Mismatch | None:
        raise NotImplementedError


class ScalarNode(Node):
    __slots__ = ("check", "pattern")

    def __init__(self, pattern: Any) -> None:
        self.pattern = pattern
        self.check: Predicate = compile_scalar(pattern)

    def match(self, value: Any, path: str, state: MatchState) -> Mismatch | None:
        if isinstance(value, list):
            bad = next((item for item in value if not self.check(item)), _NOTHING)
            if bad is _NOTHING:
                return None
            return _value_mismatch(value, self.pattern, path)
        if self.check(value):
            return None
        return _value_mismatch(value, self.pattern, path)


class VariableNode(Node):
    """A string leaf holding `{{ }}` variables: substituted per match (`@` is the value being checked)."""

    __slots__ = ("pattern",)

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def match(self, value: Any, path: str, state: MatchState) -> Mismatch | None:
        if state.substitute is None:
            return Mismatch("fail", path, f"variables in '{self.pattern}' cannot be resolved here")
        resolved = state.substitute(self.pattern, value)
        return (
            ScalarNode(resolved).match(value, path, state)
            if not isinstance(resolved, (dict, list))
            else compile_pattern(resolved).match(value, path, state)
        )


_NOTHING = object()


def _value_mismatch(value: Any, pattern: Any, path: str) -> Mismatch:
    return Mismatch("fail", path, f"resource value '{value}' does not match '{pattern}' at path {path}")


@dataclass(frozen=True)
class Entry:
    anchor: Anchor
    key: str
    raw_key: str
    node: Node
    star: bool  # the pattern is exactly "*": the key must exist with a non-null value


class MapNode(Node):
    __slots__ = ("entries", "expand", "tracked")

    def __init__(self, entries: list[Entry], *, expand: bool) -> None:
        self.entries = entries
        self.expand = expand
        self.tracked = [
            e for e in entries if e.anchor in (Anchor.CONDITION, Anchor.EXISTENCE)
        ]  # negation keys are meant to be missing, so they are not tracked

    def match(self, value: Any, path: str, state: MatchState) -> Mismatch | None:
        if not isinstance(value, dict):
            return Mismatch("fail", path, f"pattern and resource have different structures at path {path}")
        for entry in self.tracked:
            if not state.anchors.get(entry.raw_key):
                state.anchors[entry.raw_key] = entry.key in value
        entries = self._expanded(value) if self.expand else self.entries
        for entry in entries:
            found = _match_entry(entry, value, path, state)
            if found is not None:
                return found
        return None

    def _expanded(self, value: dict[str, Any]) -> list[Entry]:
        out: list[Entry] = []
        for entry in self.entries:
            if not has_wildcard(entry.key):
                out.append(entry)
                continue
            keys = [k for k in value if isinstance(k, str) and wildcard_match(entry.key, k)]
            if not keys:
                out.append(entry)
            for key in sorted(keys):
                raw = key if entry.anchor is Anchor.NONE else entry.raw_key.replace(entry.key, key)
                out.append(Entry(entry.anchor, key, raw, entry.node, entry.star))
        return out


def _match_entry(entry: Entry, resource: dict[str, Any], path: str, state: MatchState) -> Mismatch | None:
    here = f"{path}{entry.key}/"
    anchor = entry.anchor
    if anchor is Anchor.NONE:
        if entry.star:
            if resource.get(entry.key) is None:
                return Mismatch("fail", path, f"{path}{entry.key} not found")
            return None
        return entry.node.match(resource.get(entry.key), here, state)
    present = entry.key in resource
    if anchor is Anchor.NEGATION:
        return Mismatch("negation", here, f"{here} is not allowed") if present else None
    if anchor is Anchor.CONDITION:
        if not present:
            return Mismatch("conditional", here, "conditional anchor key doesn't exist in the resource")
        found = entry.node.match(resource[entry.key], here, state)
        return Mismatch("conditional", found.path, found.message) if found else None
    if not present:
        return None
    if anchor is Anchor.GLOBAL:
        found = entry.node.match(resource[entry.key], here, state)
        return Mismatch("global", found.path, found.message) if found else None
    if anchor is Anchor.EQUALITY:
        return entry.node.match(resource[entry.key], here, state)
    return _match_existence(entry, resource[entry.key], here, state)


def _match_existence(entry: Entry, value: Any, path: str, state: MatchState) -> Mismatch | None:
    node = entry.node
    if not isinstance(value, list):
        return Mismatch("fail", path, "existence anchor ^() can be used only on a list in the resource")
    if not isinstance(node, ListNode) or not all(isinstance(n, MapNode) for n in node.items):
        return Mismatch("fail", path, "existence anchor ^() needs a list of maps as its pattern")
    for item_node in node.items:
        if not any(item_node.match(item, f"{path}{i}/", state) is None for i, item in enumerate(value)):
            return Mismatch("fail", path, f"existence anchor validation failed at path {path}")
    return None


class ListNode(Node):
    __slots__ = ("items", "mode")

    def __init__(self, items: list[Node], raw: list[Any]) -> None:
        self.items = items
        if not raw:
            self.mode = "empty"
        elif isinstance(raw[0], dict):
            self.mode = "maps"
        elif isinstance(raw[0], list):
            self.mode = "positional"
        else:
            self.mode = "scalar"

    def match(self, value: Any, path: str, state: MatchState) -> Mismatch | None:
        if not isinstance(value, list):
            return Mismatch("fail", path, f"validation rule failed at path {path}, resource is not a list")
        if self.mode == "empty":
            return Mismatch("fail", path, "pattern array is empty")
        if self.mode == "scalar":
            return self.items[0].match(value, path, state)
        if self.mode == "maps":
            pairs = [(self.items[0], item) for item in value]
        else:
            if len(value) < len(self.items):
                return Mismatch("fail", path, "array length mismatch between resource and pattern")
            pairs = list(zip(self.items, value, strict=False))
        applied = 0
        skipped: list[Mismatch] = []
        for i, (node, item) in enumerate(pairs):
            found = node.match(item, f"{path}{i}/", state)
            if found is None:
                applied += 1
            elif found.skips:
                skipped.append(found)
            else:
                return found
        if applied == 0 and skipped:
            return Mismatch(skipped[0].kind, path, "; ".join(m.message for m in skipped))
        return None


def compile_pattern(pattern: Any, *, parent_key: str = "", grandparent_key: str = "") -> Node:
    """Compile a pattern (plain dict/list/scalar) into a node tree; raises PatternUnsupported."""
    if isinstance(pattern, dict):
        expand = parent_key in ("labels", "annotations") and grandparent_key == "metadata"
        entries = []
        for raw_key, sub in pattern.items():
            key_text = str(raw_key)
            anchor, key = parse_anchor(key_text)
            if anchor is Anchor.ADD:
                raise PatternUnsupported(f"add-if-not-present anchor {key_text} in a validate pattern")
            node = compile_pattern(sub, parent_key=key, grandparent_key=parent_key)
            entries.append(Entry(anchor, key, key_text, node, sub == "*"))
        return MapNode(_ordered(entries), expand=expand)
    if isinstance(pattern, list):
        items = [
            compile_pattern(item, parent_key=parent_key, grandparent_key=grandparent_key) for item in pattern
        ]
        return ListNode(items, pattern)
    if isinstance(pattern, str) and "{{" in pattern:
        return VariableNode(pattern)
    return ScalarNode(pattern)


_ANCHOR_ORDER = {Anchor.CONDITION: 0, Anchor.EXISTENCE: 1, Anchor.EQUALITY: 2, Anchor.NEGATION: 3}


def _ordered(entries: list[Entry]) -> list[Entry]:
    """Anchors first (conditions first of all), then global anchors and keys holding anchors, then the rest."""

    def rank(entry: Entry) -> tuple[int, str]:
        if entry.anchor in _ANCHOR_ORDER:
            return (_ANCHOR_ORDER[entry.anchor], entry.raw_key)
        if entry.anchor is Anchor.GLOBAL:
            return (4, entry.raw_key)
        if _has_anchors(entry.node):
            return (5, entry.raw_key)
        return (6, entry.raw_key)

    return sorted(entries, key=rank)


def _has_anchors(node: Node) -> bool:
    if isinstance(node, MapNode):
        return any(e.anchor is not Anchor.NONE or _has_anchors(e.node) for e in node.entries)
    if isinstance(node, ListNode):
        return any(_has_anchors(item) for item in node.items)
    return False


@dataclass(frozen=True)
class PatternResult:
    """The verdict of one pattern on one resource: pass, fail, skip or error, with a message and path."""

    outcome: str
    message: str = ""
    path: str = ""


def match_pattern(root: Node, resource: Any, substitute: Substitute | None = None) -> PatternResult:
    """Kyverno's MatchPattern: pass, skip (conditional/global anchor), fail, or error (anchor key missing)."""
    state = MatchState(substitute=substitute)
    found = root.match(resource, "/", state)
    if found is None:
        return PatternResult("pass")
    if found.skips:
        return PatternResult("skip", found.message, "")
    if found.kind == "negation":
        return PatternResult("fail", found.message, found.path)
    if state.keys_are_missing():
        return PatternResult("error", found.message, "")
    return PatternResult("fail", found.message, found.path)
