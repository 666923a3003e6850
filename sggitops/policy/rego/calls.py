"""What a Rego module calls and defines, read from its tokens (no engine needed): the calls the engine
cannot evaluate offline are refused before it compiles anything."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from sggitops.policy.rego.errors import RegoUnsupported
from sggitops.policy.rego.tokens import Kind, Token, tokenize

UNSUPPORTED_CALLS = {
    "http.send": "http.send",
    "external_data": "external_data",
}
"""Calls whose result depends on the outside world: never evaluated offline."""

_KEYWORDS = frozenset(
    {"not", "some", "every", "in", "if", "else", "with", "as", "contains", "default", "set"}
)
_ERRORMSG = re.compile(r"\(errormsg (\d+):")


def error_messages(text: str) -> str:
    """The `errormsg` texts of a rego-cpp error S-expression, joined; the raw text when none."""
    messages = []
    for found in _ERRORMSG.finditer(text):
        size = int(found.group(1))
        messages.append(text[found.end() : found.end() + size])
    return "; ".join(messages) if messages else text.strip()


def check_calls(modules: Mapping[str, str], known: Callable[[str], bool]) -> None:
    """Raise RegoUnsupported for a call the engine cannot evaluate: external calls, unknown builtins
    (`known` says which builtins exist; the worker passes regopy's own list)."""
    local: set[str] = set()
    for source in modules.values():
        local |= names_of(source)
    for source in modules.values():
        for name in calls_of(source):
            if name in UNSUPPORTED_CALLS:
                raise RegoUnsupported(UNSUPPORTED_CALLS[name], f"`{name}` cannot be evaluated offline")
            head = name.split(".", 1)[0]
            if head == "data" or head in local or name in local:
                continue
            if not known(name):
                raise RegoUnsupported(f"builtin {name}", f"builtin `{name}` is not available in regopy")


def names_of(source: str) -> set[str]:
    """Top-level rule and function names of a module, and its import aliases."""
    return _defined_names([t for t in tokenize(source) if not t.trivia])


def calls_of(source: str) -> list[str]:
    """The dotted names a module calls."""
    return list(_calls([t for t in tokenize(source) if not t.trivia]))


def defined_names(source: str) -> set[str]:
    """Top-level rule and function names of a module, and its import aliases."""
    return _defined_names([t for t in tokenize(source) if not t.trivia])


def _defined_names(toks: Sequence[Token]) -> set[str]:
    """Top-level rule and function names, and import aliases."""
    names: set[str] = set()
    depth = 0
    line_start = True
    for i, tok in enumerate(toks):
        if tok.kind is Kind.NEWLINE:
            line_start = depth == 0 or line_start
            continue
        if line_start and depth == 0 and tok.kind is Kind.NAME:
            if tok.is_name("import"):
                names.add(_import_alias(toks, i + 1))
            elif tok.is_name("default") and i + 1 < len(toks):
                names.add(toks[i + 1].text)
            elif not tok.is_name("package"):
                names.add(tok.text)
        if tok.kind is Kind.OP and tok.text in "([{":
            depth += 1
        elif tok.kind is Kind.OP and tok.text in ")]}":
            depth -= 1
        line_start = False
    return names


def _import_alias(toks: Sequence[Token], i: int) -> str:
    last = ""
    while i < len(toks) and toks[i].kind is not Kind.NEWLINE:
        if toks[i].is_name("as") and i + 1 < len(toks):
            return toks[i + 1].text
        if toks[i].kind in (Kind.NAME, Kind.STRING):
            last = toks[i].text.strip('"')
        i += 1
    return last


def _calls(toks: Sequence[Token]) -> Iterable[str]:
    """Dotted names directly followed by `(` (function calls), outside of refs like `x.y[f(z)]`."""
    for i, tok in enumerate(toks):
        if not tok.is_op("(") or i == 0 or toks[i - 1].kind is not Kind.NAME:
            continue
        j = i - 1
        parts = [toks[j].text]
        while j >= 2 and toks[j - 1].is_op(".") and toks[j - 2].kind is Kind.NAME:
            j -= 2
            parts.append(toks[j].text)
        if parts[-1] in _KEYWORDS or (j >= 1 and toks[j - 1].is_op(".", "]")):
            continue
        yield ".".join(reversed(parts))
