"""Token-level workarounds for regopy (rego-cpp 1.5) divergences from OPA on valid Rego v1.

Each transform keeps OPA's meaning; where it cannot, the source is refused (unsupported):

- `f(x[_])`: rego-cpp rejects a wildcard inside a call argument ("Invalid bracket argument") and
  leaves unbound variables there undefined. The element is bound first, in the same body:
  `__sg_w0 := x[_]; f(__sg_w0)`. Under `not` that would change the meaning, so it is refused.
- `not f(x.y)`: OPA evaluates the ref and call arguments of a negated call before the negation
  (`__local = x.y; not f(__local)`, open-policy-agent/opa#1877), so an undefined argument makes the
  body fail; rego-cpp negates the undefined call instead. The arguments are bound first, as OPA does.
- a line starting with `(` after a complete expression is read as a call across the newline;
  a `;` is inserted to keep the two expressions apart, as OPA reads them.
- `sprintf` quotes (without escaping) strings made by builtins such as `concat`, and is undefined
  when the format has more verbs than arguments (Go prints `%!v(MISSING)`); calls go through a
  helper that normalises string arguments and pads missing ones first (HELPER_MODULE).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sggitops.policy.rego.errors import RegoUnsupported
from sggitops.policy.rego.tokens import Kind, Token, tokenize

HELPER_PACKAGE = "__sggitops"
HELPER_MODULE = (
    f"package {HELPER_PACKAGE}\n"
    + """
norm(__sg_x) := trim(__sg_x, "") if {
  is_string(__sg_x)
} else := __sg_x

verbs(__sg_f) := count(regex.find_n(`%[-+# 0-9.]*[a-zA-Z]`, replace(__sg_f, "%%", ""), -1))

missing(__sg_f, __sg_args) := [] if {
  verbs(__sg_f) <= count(__sg_args)
} else := ["%!v(MISSING)" | some _ in numbers.range(1, verbs(__sg_f) - count(__sg_args))]

fmt(__sg_f, __sg_args) := sprintf(__sg_f, [norm(__sg_a) | some __sg_a in array.concat(__sg_args, missing(__sg_f, __sg_args))])
"""
)

_TERM_END = (Kind.NAME, Kind.STRING, Kind.RAW_STRING, Kind.NUMBER)
_NOT_TERM = frozenset({"if", "else", "not", "some", "every", "in", "with", "as", "contains", "default"})


@dataclass
class _Frame:
    opener: int  # token index of the bracket
    kind: str  # "body", "call", "paren", "literal"
    expr_start: int  # first token of the current expression (bodies only)


@dataclass
class _Edits:
    inserts: dict[int, list[str]] = field(default_factory=dict)
    replaces: dict[int, tuple[int, str]] = field(default_factory=dict)

    def render(self, toks: list[Token]) -> str:
        out: list[str] = []
        i = 0
        while i < len(toks):
            out.extend(self.inserts.get(i, ()))
            if i in self.replaces:
                stop, text = self.replaces[i]
                out.append(text)
                i = stop
                continue
            out.append(toks[i].text)
            i += 1
        return "".join(out)


def regopy_compat(source: str) -> tuple[str, bool]:
    """The source with the workarounds applied, and whether it needs HELPER_MODULE."""
    toks = tokenize(source)
    edits = _Edits()
    uses_helper = _route_sprintf(toks, edits)
    _hoist_negated_call_args(toks, edits)
    _walk(toks, edits)
    return edits.render(toks), uses_helper


def _prev_sig(toks: list[Token], i: int) -> int:
    i -= 1
    while i >= 0 and (toks[i].trivia or toks[i].kind is Kind.NEWLINE):
        i -= 1
    return i


def _next_sig(toks: list[Token], i: int) -> int:
    i += 1
    while i < len(toks) and (toks[i].trivia or toks[i].kind is Kind.NEWLINE):
        i += 1
    return i


def _route_sprintf(toks: list[Token], edits: _Edits) -> bool:
    used = False
    for i, tok in enumerate(toks):
        if tok.is_name("sprintf") and i + 1 < len(toks) and toks[i + 1].is_op("("):
            prev = toks[i - 1] if i else None
            if prev is None or not prev.is_op("."):
                edits.replaces[i] = (i + 1, f"data.{HELPER_PACKAGE}.fmt")
                used = True
    return used


def _ends_term(tok: Token) -> bool:
    if tok.kind in _TERM_END:
        return tok.kind is not Kind.NAME or tok.text not in _NOT_TERM
    return tok.is_op(")", "]", "}")


def _walk(toks: list[Token], edits: _Edits) -> None:
    stack: list[_Frame] = []
    counter = 0
    for i, tok in enumerate(toks):
        if tok.is_op("{", "(", "["):
            stack.append(_Frame(i, _frame_kind(toks, i, stack), i + 1))
        elif tok.is_op("}", ")", "]"):
            if stack:
                stack.pop()
        elif tok.is_op("|") and stack and stack[-1].kind == "literal":
            stack[-1].kind, stack[-1].expr_start = "body", i + 1  # a comprehension body
        elif tok.kind is Kind.NEWLINE or tok.is_op(";"):
            if stack and stack[-1].kind == "body":
                nxt = _next_sig(toks, i)
                if (
                    tok.kind is Kind.NEWLINE
                    and nxt < len(toks)
                    and toks[nxt].is_op("(")
                    and _ends_term(toks[_prev_sig(toks, i)])
                    and _prev_sig(toks, i) > stack[-1].opener
                ):
                    edits.inserts.setdefault(i, []).append(";")
                stack[-1].expr_start = i + 1
        elif tok.is_name("_") and _in_brackets(toks, i) and any(f.kind == "call" for f in stack):
            body = next((f for f in reversed(stack) if f.kind == "body"), None)
            if body is None or not _inside_call_of(stack, body):
                continue
            _hoist(toks, edits, i, body.expr_start, f"__sg_w{counter}")
            counter += 1


def _frame_kind(toks: list[Token], i: int, stack: list[_Frame]) -> str:
    prev = _prev_sig(toks, i)
    before = toks[prev] if prev >= 0 else None
    if toks[i].is_op("{"):
        if before is not None and (before.is_name("if", "else") or _starts_every(toks, stack, prev)):
            return "body"
        return "literal"
    if toks[i].is_op("(") and i > 0 and toks[i - 1].kind is Kind.NAME and toks[i - 1].text not in _NOT_TERM:
        return "call"
    return "paren" if toks[i].is_op("(") else "literal"


def _starts_every(toks: list[Token], stack: list[_Frame], prev: int) -> bool:
    if not stack or stack[-1].kind != "body":
        return False
    start = stack[-1].expr_start
    first = _next_sig(toks, start - 1)
    return first <= prev and toks[first].is_name("every")


def _in_brackets(toks: list[Token], i: int) -> bool:
    return 0 < i < len(toks) - 1 and toks[i - 1].is_op("[") and toks[i + 1].is_op("]")


def _inside_call_of(stack: list[_Frame], body: _Frame) -> bool:
    index = stack.index(body)
    return any(f.kind == "call" for f in stack[index + 1 :])


def _ref_start(toks: list[Token], bracket: int) -> int:
    """The first token of the ref that `[` at `bracket` indexes."""
    i = bracket - 1
    while i >= 0:
        tok = toks[i]
        if tok.is_op("]", ")"):
            i = _matching_open(toks, i) - 1
            continue
        if tok.kind is Kind.NAME:
            if i > 0 and toks[i - 1].is_op("."):
                i -= 2
                continue
            return i
        return i + 1
    return 0


def _matching_open(toks: list[Token], close: int) -> int:
    depth = 0
    for j in range(close, -1, -1):
        if toks[j].is_op(")", "]", "}"):
            depth += 1
        elif toks[j].is_op("(", "[", "{"):
            depth -= 1
            if depth == 0:
                return j
    return 0


def _hoist(toks: list[Token], edits: _Edits, wildcard: int, expr_start: int, name: str) -> None:
    start = _ref_start(toks, wildcard - 1)
    first = _next_sig(toks, expr_start - 1)
    if first < len(toks) and toks[first].is_name("not"):
        raise RegoUnsupported(
            "wildcard-in-negated-call",
            f"line {toks[wildcard].line}: `[_]` inside a call under `not` cannot be evaluated by regopy",
        )
    if any(start <= k <= wildcard + 1 for k in edits.replaces) or start < first:
        raise RegoUnsupported(
            "nested-wildcard-call", f"line {toks[wildcard].line}: nested `[_]` in a call argument"
        )
    ref = "".join(t.text for t in toks[start : wildcard + 2])
    edits.inserts.setdefault(first, []).append(f"{name} := {ref}; ")
    edits.replaces[start] = (wildcard + 2, name)


def _hoist_negated_call_args(toks: list[Token], edits: _Edits) -> None:
    counter = 0
    for i, tok in enumerate(toks):
        if not tok.is_name("not"):
            continue
        name = _next_sig(toks, i)
        if name >= len(toks) or toks[name].kind is not Kind.NAME or toks[name].text in _NOT_TERM:
            continue
        if name + 1 >= len(toks) or not toks[name + 1].is_op("("):
            continue
        close = _matching_close(toks, name + 1)
        if close is None or _next_sig(toks, close - 1) != close:
            continue
        after = close + 1
        while after < len(toks) and toks[after].trivia:
            after += 1
        if after < len(toks) and not (toks[after].kind is Kind.NEWLINE or toks[after].is_op(";", "}")):
            continue  # `not f(x) == y` and the like: not a plain negated call
        for start, end in _arguments(toks, name + 2, close):
            if _is_ref_or_call(toks, start, end) and not any(start <= k < end for k in edits.replaces):
                var = f"__sg_n{counter}"
                counter += 1
                text = "".join(t.text for t in toks[start:end]).strip()
                edits.inserts.setdefault(i, []).append(f"{var} := {text}; ")
                edits.replaces[start] = (end, var)


def _matching_close(toks: list[Token], opener: int) -> int | None:
    depth = 0
    for j in range(opener, len(toks)):
        if toks[j].is_op("(", "[", "{"):
            depth += 1
        elif toks[j].is_op(")", "]", "}"):
            depth -= 1
            if depth == 0:
                return j
    return None


def _arguments(toks: list[Token], start: int, close: int) -> list[tuple[int, int]]:
    """(first, end) token ranges of the top-level arguments between `start` and `close`."""
    out, depth, first = [], 0, start
    for j in range(start, close):
        if toks[j].is_op("(", "[", "{"):
            depth += 1
        elif toks[j].is_op(")", "]", "}"):
            depth -= 1
        elif toks[j].is_op(",") and depth == 0:
            out.append((first, j))
            first = j + 1
    out.append((first, close))
    return [(_next_sig(toks, a - 1), b) for a, b in out if any(not t.trivia for t in toks[a:b])]


def _is_ref_or_call(toks: list[Token], start: int, end: int) -> bool:
    """A ref (`x.y`, `x[k]`) or a call: what OPA binds before negating; never one holding `_`."""
    sig = [t for t in toks[start:end] if not t.trivia and t.kind is not Kind.NEWLINE]
    if len(sig) < 2 or sig[0].kind is not Kind.NAME or sig[0].text in _NOT_TERM:
        return False
    if any(t.is_name("_") for t in sig):
        return False
    return sig[1].is_op(".", "[", "(")
