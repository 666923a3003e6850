"""The regopy adapter: Rego v1 modules compiled once into a bundle, then queried many times.

regopy (rego-cpp) quirks handled here: errors are S-expressions, not JSON; a call to an unknown
function only fails at query time; `http.send` and some builtins silently evaluate to undefined; the
C library writes compile errors to stderr unless its log level is NONE. So calls are checked against
the interpreter's builtins before compiling, and every error becomes a typed exception.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import regopy
from regopy import rego_shared

from sggitops.policy.rego.compat import HELPER_MODULE, HELPER_PACKAGE, regopy_compat
from sggitops.policy.rego.errors import RegoCompileError, RegoEvalError, RegoUnsupported
from sggitops.policy.rego.tokens import Kind, Token, tokenize


class _Undefined:
    """The result of a query with no value (a rule that did not fire)."""

    def __repr__(self) -> str:
        return "UNDEFINED"


UNDEFINED: Any = _Undefined()

UNSUPPORTED_CALLS = {
    "http.send": "http.send",
    "external_data": "external_data",
}
"""Calls whose result depends on the outside world: never evaluated offline."""

_KEYWORDS = frozenset(
    {"not", "some", "every", "in", "if", "else", "with", "as", "contains", "default", "set"}
)
_ERRORMSG = re.compile(r"\(errormsg (\d+):")


def _interpreter() -> Any:
    interp = regopy.Interpreter()
    interp.log_level = regopy.LogLevel.NONE
    return interp


_PROBE = _interpreter()


def is_builtin(name: str) -> bool:
    """True when regopy knows the builtin function `name`."""
    return bool(_PROBE.is_builtin(name))


def error_messages(text: str) -> str:
    """The `errormsg` texts of a rego-cpp error S-expression, joined; the raw text when none."""
    messages = []
    for found in _ERRORMSG.finditer(text):
        size = int(found.group(1))
        messages.append(text[found.end() : found.end() + size])
    return "; ".join(messages) if messages else text.strip()


def check_calls(modules: Mapping[str, str]) -> None:
    """Raise RegoUnsupported for a call the engine cannot evaluate: external calls, unknown builtins."""
    streams = {name: [t for t in tokenize(src) if not t.trivia] for name, src in modules.items()}
    local: set[str] = set()
    for toks in streams.values():
        local |= _defined_names(toks)
    for toks in streams.values():
        for name in _calls(toks):
            if name in UNSUPPORTED_CALLS:
                raise RegoUnsupported(UNSUPPORTED_CALLS[name], f"`{name}` cannot be evaluated offline")
            head = name.split(".", 1)[0]
            if head == "data" or head in local or name in local:
                continue
            if not is_builtin(name):
                raise RegoUnsupported(f"builtin {name}", f"builtin `{name}` is not available in regopy")


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


class CompiledPolicy:
    """Rego v1 modules (+ base data) compiled once; `query(entrypoint, input)` evaluates one rule."""

    def __init__(
        self,
        modules: Mapping[str, str],
        entrypoints: Sequence[str],
        *,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        check_calls(modules)
        compiled: dict[str, str] = {}
        for name, source in modules.items():
            compiled[name], helper = regopy_compat(source)
            if helper:
                compiled[f"{HELPER_PACKAGE}.rego"] = HELPER_MODULE
        self._builder = _interpreter()
        try:
            for name, source in compiled.items():
                self._builder.add_module(name, source)
            if data:
                self._builder.add_data_json(json.dumps(data))
            self._bundle = self._builder.build(None, list(entrypoints))
        except rego_shared.RegoError as err:
            raise RegoCompileError(f"Rego does not compile: {error_messages(str(err))}") from None
        if not self._bundle.ok():
            raise RegoCompileError("Rego does not compile: the bundle was not built")
        self._runner = _interpreter()
        self.entrypoints = tuple(entrypoints)

    def query(self, entrypoint: str, input_doc: Any) -> Any:
        """The value of `entrypoint` (`package/path/rule`) for `input_doc`; UNDEFINED when it has none."""
        try:
            self._runner.set_input_term(json.dumps(input_doc))
            out = rego_shared.rego_bundle_query_entrypoint(self._runner._impl, self._bundle._impl, entrypoint)
        except rego_shared.RegoError as err:
            raise RegoEvalError(f"Rego evaluation failed: {error_messages(str(err))}") from None
        try:
            if not rego_shared.rego_output_ok(out):
                raise RegoEvalError(f"Rego evaluation failed: {_node_messages(out)}")
            text = rego_shared.rego_output_string(out)
        finally:
            rego_shared.rego_free_output(out)
        if text.strip() == "undefined":
            return UNDEFINED
        if text.lstrip().startswith("("):
            raise RegoEvalError(f"Rego evaluation failed: {error_messages(text)}")
        try:
            result = json.loads(text)
        except json.JSONDecodeError as err:
            raise RegoEvalError(f"regopy returned output that is not JSON ({err.msg})") from None
        if isinstance(result, list):  # several results: not expected for a rule entrypoint
            raise RegoEvalError("Rego evaluation gave several results for one rule")
        expressions = result.get("expressions", [])
        return expressions[0] if expressions else UNDEFINED


def _node_messages(out: Any) -> str:
    messages: list[str] = []

    def walk(node: Any, depth: int) -> None:
        if depth > 8:
            return
        try:
            value = rego_shared.rego_node_value(node)
        except rego_shared.RegoError:
            value = ""
        if value and not value.startswith("rego-"):
            messages.append(value)
        for index in range(rego_shared.rego_node_size(node)):
            walk(rego_shared.rego_node_get(node, index), depth + 1)

    walk(rego_shared.rego_output_node(out), 0)
    return "; ".join(dict.fromkeys(messages)) or "unknown error"
