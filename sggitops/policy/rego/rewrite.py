"""Rego v0 -> v1 rewrite at the token level.

regopy evaluates Rego v1 only, and reads v0 silently wrong (`p[x] { ... }` becomes a partial object).
This module rewrites the v0 forms that differ, and refuses (RegoRewriteRefused) what it cannot parse
with certainty, so a v0 source is never evaluated as-is:

- `p { body }`, `p = v { body }`, `f(x) = y { body }`, `p[k] = v { body }` -> `... if { body }`;
- `p[x] { body }` and `p[x]` (partial sets)                         -> `p contains x if { body }`;
- `p { a } { b }` (several bodies)                                  -> one rule per body;
- `else = v { body }`                                               -> `else = v if { body }`;
- `default`, `package`, `import` (incl. `future.keywords`) and rules already in v1 form are kept.

Everything else (comments, strings, layout) is kept byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sggitops.policy.rego.errors import RegoRewriteRefused
from sggitops.policy.rego.tokens import Kind, Token, tokenize

_V1_KEYWORDS = frozenset({"if", "contains", "in", "every"})
_RESERVED = frozenset(
    {"if", "contains", "in", "every", "else", "some", "not", "with", "as", "import", "package"}
)
_BINARY = ("+", "-", "*", "/", "%", "&", "|", "==", "!=", "<", ">", "<=", ">=")
_PAIRS = {"{": "}", "[": "]", "(": ")"}


def declares_v1(source: str) -> bool:
    """True when the module opts into v1 itself (`import rego.v1`)."""
    return _Module(tokenize(source)).imports_rego_v1()


def to_v1(source: str, *, version: str = "v0") -> str:
    """The module as Rego v1. `version` is what the source declares ("v0" by default, as Gatekeeper).

    A v1 source (declared, or importing `rego.v1`) is returned unchanged. Raises RegoRewriteRefused
    when a v0 source has a form this rewrite does not understand with certainty.
    """
    if version not in ("v0", "v1"):
        raise RegoRewriteRefused(f"unknown Rego version {version!r}")
    if version == "v1" or declares_v1(source):
        return source
    out = _rewrite(source)
    if _rewrite(out) != out:  # a second pass must find nothing left to do
        raise RegoRewriteRefused("the rewrite is not stable on this source")
    return out


def _rewrite(source: str) -> str:
    module = _Module(tokenize(source))
    module.check_keyword_names()
    module.parse()
    return module.render(0, len(module.toks))


@dataclass
class _Module:
    toks: list[Token]
    inserts: dict[int, list[str]] = field(default_factory=dict)
    replaces: dict[int, tuple[int, str]] = field(default_factory=dict)

    # -- navigation ------------------------------------------------------------------------------

    def peek(self, i: int, *, newlines: bool = False) -> int:
        """Index of the next significant token at or after `i` (len(toks) at the end)."""
        n = len(self.toks)
        while i < n and (self.toks[i].trivia or (newlines and self.toks[i].kind is Kind.NEWLINE)):
            i += 1
        return i

    def at(self, i: int) -> Token:
        if i < len(self.toks):
            return self.toks[i]
        last = self.toks[-1] if self.toks else Token(Kind.SPACE, "", 1, 1)
        return Token(Kind.NEWLINE, "", last.line, last.col)

    def refuse(self, message: str, i: int) -> RegoRewriteRefused:
        tok = self.at(i)
        return RegoRewriteRefused(message, line=tok.line, col=tok.col)

    def close(self, i: int) -> int:
        """`i` is an opening bracket: the index just after its matching closer."""
        stack: list[str] = []
        for j in range(i, len(self.toks)):
            tok = self.toks[j]
            if tok.kind is not Kind.OP:
                continue
            if tok.text in _PAIRS:
                stack.append(_PAIRS[tok.text])
            elif tok.text in ")]}":
                if not stack or stack.pop() != tok.text:
                    raise self.refuse(f"unbalanced {tok.text!r}", j)
                if not stack:
                    return j + 1
        raise self.refuse(f"unclosed {self.toks[i].text!r}", i)

    def line_end(self, i: int) -> int:
        """Index of the newline ending the statement that starts at `i` (brackets may span lines)."""
        while i < len(self.toks) and self.toks[i].kind is not Kind.NEWLINE:
            i = self.close(i) if self.toks[i].is_op(*_PAIRS) else i + 1
        return i

    # -- checks ----------------------------------------------------------------------------------

    def imports_rego_v1(self) -> bool:
        for i, tok in enumerate(self.toks):
            if tok.is_name("import") and self.path_at(self.peek(i + 1))[0] == "rego.v1":
                return True
        return False

    def path_at(self, i: int) -> tuple[str, int]:
        """A dotted name starting at `i`, and the index after it."""
        parts: list[str] = []
        while self.at(i).kind is Kind.NAME:
            parts.append(self.toks[i].text)
            if not self.at(i + 1).is_op("."):
                return ".".join(parts), i + 1
            i += 2
        return ".".join(parts), i

    def check_keyword_names(self) -> None:
        """Refuse v0 sources that use a v1 keyword as a name: rewriting them would change meaning."""
        in_import = False
        for i, tok in enumerate(self.toks):
            if tok.kind is Kind.NEWLINE:
                in_import = False
            elif tok.is_name("import"):
                in_import = True
            if in_import or tok.kind is not Kind.NAME or tok.text not in _V1_KEYWORDS:
                continue
            prev = self.toks[i - 1] if i else None
            nxt = self.at(self.peek(i + 1))
            as_name = nxt.is_op(":=", "=", "[", ".") or (prev is not None and prev.is_op("."))
            if tok.text != "contains" and nxt.is_op("("):
                as_name = True
            if as_name:
                raise self.refuse(f"`{tok.text}` is used as a name but is a keyword in Rego v1", i)

    # -- grammar ---------------------------------------------------------------------------------

    def parse(self) -> None:
        i = self.peek(0, newlines=True)
        while i < len(self.toks):
            tok = self.toks[i]
            if tok.is_name("package", "import"):
                i = self.line_end(i)
            elif tok.is_name("default"):
                i = self.default(i)
            elif tok.kind is Kind.NAME:
                i = self.rule(i)
            else:
                raise self.refuse(f"unexpected {tok.text!r} at the top level", i)
            nxt = self.peek(i)
            if nxt < len(self.toks) and self.toks[nxt].kind is not Kind.NEWLINE:
                raise self.refuse(f"unexpected {self.toks[nxt].text!r} after a statement", nxt)
            i = self.peek(nxt, newlines=True)

    def default(self, i: int) -> int:
        j = i + 1
        name = self.peek(j)
        if self.at(name).kind is not Kind.NAME:
            raise self.refuse("`default` without a rule name", name)
        j = name + 1
        if self.at(j).is_op("("):
            j = self.close(j)
        op = self.peek(j)
        if not self.at(op).is_op("=", ":="):
            raise self.refuse("`default` without a value", op)
        return self.term(self.peek(op + 1))

    def term(self, i: int) -> int:
        """A term (possibly an infix expression) starting at `i`; the index just after it."""
        while True:
            i = self.primary(i)
            op = self.peek(i)
            if not self.at(op).is_op(*_BINARY):
                return i
            i = self.peek(op + 1)

    def primary(self, i: int) -> int:
        tok = self.at(i)
        if tok.is_op("-"):
            return self.primary(self.peek(i + 1))
        if tok.kind is Kind.NAME:
            if tok.text in _RESERVED:
                raise self.refuse(f"unexpected keyword `{tok.text}` in a term", i)
            i += 1
        elif tok.kind in (Kind.STRING, Kind.RAW_STRING, Kind.NUMBER):
            i += 1
        elif tok.is_op("{", "[", "("):
            i = self.close(i)
        else:
            raise self.refuse(f"expected a term, found {tok.text!r}", i)
        while True:  # refs and calls: `.name`, `[x]`, `(args)` directly after the primary
            nxt = self.at(i)
            if nxt.is_op(".") and self.at(i + 1).kind is Kind.NAME:
                i += 2
            elif nxt.is_op("[", "("):
                i = self.close(i)
            else:
                return i

    def rule(self, i: int) -> int:
        name = self.toks[i]
        if name.text in _RESERVED:
            raise self.refuse(f"unexpected keyword `{name.text}` at the top level", i)
        j = i + 1
        key: tuple[int, int] | None = None
        if self.at(j).is_op("."):
            raise self.refuse("rule heads with a dotted ref are not rewritten", j)
        if self.at(j).is_op("["):
            key = (j, self.close(j))
            j = key[1]
        elif self.at(j).is_op("("):
            j = self.close(j)
        is_function = self.at(i + 1).is_op("(")
        k = self.peek(j)
        has_contains = self.at(k).is_name("contains")
        if has_contains:
            if key or is_function:
                raise self.refuse("`contains` after a key or arguments", k)
            j = self.term(self.peek(k + 1))
            k = self.peek(j)
        has_value = self.at(k).is_op("=", ":=")
        if has_value:
            j = self.term(self.peek(k + 1))
            k = self.peek(j)
        head_end = j
        if key and not has_value:  # a v0 partial set: `p[x]` -> `p contains x`
            inner = self.render(key[0] + 1, key[1] - 1).strip()
            self.replaces[key[0]] = (key[1], f" contains {inner}")
        has_if = self.at(k).is_name("if")
        if has_if:
            j = k + 1
            if not self.at(self.peek(j, newlines=True)).is_op("{"):
                return self.line_end(j)  # v1 `p if expr`
        body = self.peek(j, newlines=True)
        if not self.at(body).is_op("{"):
            if has_if:
                raise self.refuse("`if` without a body", body)
            if is_function and not (key or has_value or has_contains) and head_end < len(self.toks):
                self.inserts.setdefault(head_end, []).append(" := true")  # v0 `f("a", _)`: true
                return head_end
            if not (key or has_value or has_contains):
                raise self.refuse(f"rule `{name.text}` has neither a value nor a body", i)
            return head_end
        head = self.render(i, head_end).rstrip()
        first = True
        while self.at(body).is_op("{"):
            if first and not has_if:
                self.insert_if(body)
            elif not first:
                self.inserts.setdefault(body, []).append(f"\n{head} if ")
            first = False
            j = self.close(body)
            body = self.peek(j, newlines=True)
        return self.else_chain(j, body)

    def else_chain(self, j: int, k: int) -> int:
        while self.at(k).is_name("else"):
            m = self.peek(k + 1)
            if self.at(m).is_op("=", ":="):
                m = self.peek(self.term(self.peek(m + 1)))
            has_if = self.at(m).is_name("if")
            if has_if:
                m = self.peek(m + 1, newlines=True)
            if not self.at(m).is_op("{"):
                if has_if:
                    raise self.refuse("`else ... if` without a body", m)
                if not self.at(self.peek(k + 1)).is_op("=", ":="):
                    raise self.refuse("`else` without a value or a body", m)
                j = self.term(self.peek(self.peek(k + 1) + 1))  # `else := v` (an always-true body)
                k = self.peek(j, newlines=True)
                continue
            if not has_if:
                self.insert_if(m)
            j = self.close(m)
            k = self.peek(j, newlines=True)
        if self.at(k).is_op("{"):
            raise self.refuse("a body after an `else` chain", k)
        return j

    def insert_if(self, brace: int) -> None:
        prev = self.toks[brace - 1] if brace else None
        spaced = prev is not None and prev.kind in (Kind.SPACE, Kind.NEWLINE)
        self.inserts.setdefault(brace, []).append("if " if spaced else " if ")

    # -- output ----------------------------------------------------------------------------------

    def render(self, start: int, end: int) -> str:
        parts: list[str] = []
        i = start
        while i < end:
            parts.extend(self.inserts.get(i, ()))
            if i in self.replaces:
                stop, text = self.replaces[i]
                parts.append(text)
                i = stop
                continue
            parts.append(self.toks[i].text)
            i += 1
        return "".join(parts)


__all__ = ["declares_v1", "to_v1"]
