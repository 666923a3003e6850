"""Rewrite CEL's optional syntax (`a.?b`, `m[?k]`) into expressions the `cel` library runs.

The `cel` library (common-expression-language) evaluates `optional.of/none`, `hasValue()`,
`orValue()`, `value()` and `or()` natively, but its parser refuses the optional *selection* syntax that
Kubernetes and Kyverno policies use everywhere. A chain such as `obj.?spec.?x.orValue(d)` becomes
`(has(obj.spec) && has(obj.spec.x) ? obj.spec.x : d)`: the chain keeps the plain path and the guards
that make it defined, and is turned back into a real optional (`optional.of(..)` / `optional.none()`)
only where the optional itself is needed. Sources without optional syntax are returned unchanged.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+|//[^\n]*)
  | (?P<str>(?:[rR][bB]?|[bB][rR]?)?(?:'''(?:\\.|[^\\])*?'''|\"\"\"(?:\\.|[^\\])*?\"\"\"|'(?:\\.|[^\\'\n])*'|"(?:\\.|[^\\"\n])*"))
  | (?P<num>0[xX][0-9a-fA-F]+[uU]?|(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?[uU]?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>&&|\|\||==|!=|<=|>=|[-+*/%<>!?:.,()\[\]{}])
    """,
    re.VERBOSE | re.DOTALL,
)
OR_VALUE = "orValueOf"
_OPEN = {"(": ")", "[": "]", "{": "}"}


class OptionalSyntaxError(ValueError):
    """The source cannot be tokenized (the library would reject it anyway)."""


def tokenize(source: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    while pos < len(source):
        found = _TOKEN.match(source, pos)
        if found is None:
            raise OptionalSyntaxError(f"unexpected character {source[pos]!r} at {pos}")
        if found.lastgroup != "ws":
            tokens.append(found.group())
        pos = found.end()
    return tokens


def rewrite_optionals(source: str) -> str:
    """`source` with `.?` and `[?` rewritten; unchanged when it has neither."""
    if not re.search(r"\.\s*\?|\[\s*\?|\.\s*orValue|[A-Z]\w*\s*\{", source):
        return source
    tokens = tokenize(source)
    out, end = _Rewriter(tokens).sequence(0, None)
    if end != len(tokens):
        raise OptionalSyntaxError(f"unbalanced {tokens[end]!r}")
    return out


@dataclass
class _Chain:
    """A postfix chain: `value` is the plain path; with `guards` set it is an optional."""

    value: str
    guards: list[str] | None = None

    def optional(self) -> str:
        if self.guards is None:
            return self.value
        return f"({' && '.join(self.guards)} ? optional.of({self.value}) : optional.none())"


class _Rewriter:
    def __init__(self, tokens: list[str]) -> None:
        self.t = tokens

    def peek(self, i: int) -> str:
        return self.t[i] if i < len(self.t) else ""

    def sequence(self, i: int, close: str | None, stops: tuple[str, ...] = ()) -> tuple[str, int]:
        """Rewrite tokens from `i` up to (not including) `close` or a `stops` token at this level;
        returns (text, index of the token that ended it)."""
        out: list[str] = []
        while i < len(self.t) and self.t[i] != close and self.t[i] not in stops:
            tok = self.t[i]
            if tok in ")]}":
                raise OptionalSyntaxError(f"unbalanced {tok!r}")
            if self._starts_primary(tok):
                text, i = self.chain(i)
                out.append(text)
            else:
                out.append(tok)
                i += 1
        return " ".join(out), i

    @staticmethod
    def _starts_primary(tok: str) -> bool:
        if tok == "in":  # the membership operator, not a name
            return False
        return tok in _OPEN or tok[0].isalnum() or tok[0] in "_'\"" or (tok[0] == "." and len(tok) > 1)

    def group(self, i: int) -> tuple[str, int]:
        """A bracketed group starting at `i`; returns (rewritten inner text, index after the closer)."""
        inner, end = self.sequence(i + 1, _OPEN[self.t[i]])
        if end >= len(self.t):
            raise OptionalSyntaxError(f"unclosed {self.t[i]!r}")
        return inner, end + 1

    def primary(self, i: int) -> tuple[str, int]:
        tok = self.t[i]
        if tok in _OPEN:
            inner, i = self.group(i)
            return f"{tok}{inner}{_OPEN[tok]}", i
        if self.peek(i + 1) == "(" and (tok[0].isalpha() or tok[0] == "_"):
            inner, j = self.group(i + 1)
            return f"{tok}({inner})", j
        return tok, i + 1

    def struct(self, i: int) -> tuple[str, int] | None:
        """`Type.path{field: value, ...}` (Kubernetes apply configurations, Kyverno `JSONPatch{}`) as a
        map literal with string keys: the `cel` library has no message types. None when not a struct."""
        if not self.t[i][:1].isupper():
            return None
        j = i
        while self.peek(j + 1) == "." and self.peek(j + 2)[:1].isalpha():
            j += 2
        if self.peek(j + 1) != "{":
            return None
        k = j + 2
        fields: list[str] = []
        while self.peek(k) != "}":
            name = self.peek(k)
            if name == "?":  # an optional field initialiser: kept as a plain field
                k += 1
                name = self.peek(k)
            if self.peek(k + 1) != ":":
                raise OptionalSyntaxError(f"struct field {name!r} without ':'")
            value, k = self.sequence(k + 2, "}", (",",))
            fields.append(f"{json.dumps(name)}: {value}")
            if self.peek(k) == ",":
                k += 1
        return "{" + ", ".join(fields) + "}", k + 1

    def chain(self, i: int) -> tuple[str, int]:
        built = self.struct(i)
        if built is not None:
            text, i = built
            c = _Chain(text)
            return self._postfix(c, i)
        text, i = self.primary(i)
        return self._postfix(_Chain(text), i)

    def _postfix(self, c: _Chain, i: int) -> tuple[str, int]:
        while True:
            tok = self.peek(i)
            if tok == "." and self.peek(i + 1) == "?":
                name = self.peek(i + 2)
                self._select_optional(c, name)
                i += 3
            elif tok == "." and self.peek(i + 2) == "(":
                name = self.peek(i + 1)
                args, i = self.group(i + 2)
                self._call(c, name, args)
            elif tok == ".":
                c.value = f"{c.value}.{self.peek(i + 1)}"
                i += 2
            elif tok == "[" and self.peek(i + 1) == "?":
                key, i = self.sequence(i + 2, "]")
                i += 1
                self._index_optional(c, key)
            elif tok == "[":
                key, i = self.group(i)
                c.value = f"{c.value}[{key}]"
            else:
                return c.optional(), i

    @staticmethod
    def _select_optional(c: _Chain, name: str) -> None:
        if c.guards is None:
            c.guards = []
        c.guards.append(f"has({c.value}.{name})")
        c.value = f"{c.value}.{name}"

    @staticmethod
    def _index_optional(c: _Chain, key: str) -> None:
        if c.guards is None:
            c.guards = []
        c.guards.append(f"({key}) in {c.value}")
        c.value = f"{c.value}[{key}]"

    @staticmethod
    def _call(c: _Chain, name: str, args: str) -> None:
        if c.guards is None and name == "orValue":
            c.value = f"{OR_VALUE}({c.value}, {args})"  # Kyverno's policies call it on plain values too
            return
        if c.guards is None:
            c.value = f"{c.value}.{name}({args})"
            return
        cond = " && ".join(c.guards) or "true"
        if name == "orValue":
            c.value, c.guards = f"({cond} ? {c.value} : {args})", None
        elif name == "hasValue":
            c.value, c.guards = f"({cond})", None
        elif name == "value":
            c.guards = None
        else:
            c.value, c.guards = f"{c.optional()}.{name}({args})", None
