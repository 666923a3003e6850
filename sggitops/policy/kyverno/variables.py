"""`{{ ... }}` variable substitution over JMESPath, as Kyverno does it.

A string that is exactly one variable becomes the variable's JSON value; variables embedded in a longer
string are printed into it. Inner variables are resolved first (`{{ a.{{ b }} }}`), `\\{{` escapes.
Expressions are compiled once and kept in a per-policy `Queries` cache.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError

from sggitops.policy.kyverno.functions import OPTIONS, FunctionError

VARIABLE = re.compile(r"(^|[^\\])(\{\{(?:\{[^{}]*\}|[^{}])*\}\})")
_MAX_ROUNDS = 16


class VariableError(Exception):
    """A variable could not be resolved (unknown key, bad expression, failed function)."""


class Queries:
    """Compiled JMESPath expressions, keyed by their text."""

    def __init__(self) -> None:
        self._compiled: dict[str, Any] = {}

    def compile(self, expression: str) -> Any:
        found = self._compiled.get(expression)
        if found is None:
            try:
                found = jmespath.compile(expression)
            except JMESPathError as err:
                raise VariableError(f"invalid JMESPath expression {expression!r}: {err}") from None
            self._compiled[expression] = found
        return found

    def search(self, expression: str, data: Mapping[str, Any]) -> Any:
        """The value of `expression` over `data`; a plain field path to a missing key is an error."""
        compiled = self.compile(expression)
        try:
            result = compiled.search(data, options=OPTIONS)
        except (JMESPathError, FunctionError, TypeError, ValueError, ArithmeticError) as err:
            raise VariableError(f"JMESPath query {expression!r} failed: {err}") from None
        if result is None:
            _check_found(compiled.parsed, data, expression)
        return result

    def precompile(self, document: Any) -> None:
        """Compile every variable found in the strings of `document` (errors surface when evaluated)."""
        for text in _strings(document):
            for match in VARIABLE.finditer(text):
                inner = match.group(2)[2:-2].strip()
                if inner and inner != "@" and "{{" not in inner:
                    try:
                        self.compile(inner)
                    except VariableError:
                        continue


def _strings(document: Any) -> list[str]:
    out: list[str] = []
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "{{" in item:
                out.append(item)
        elif isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return out


def _check_found(node: dict[str, Any], data: Any, expression: str) -> None:
    """Kyverno's JMESPath reports an unknown key on a plain field path (`a.b.c`) instead of null."""
    fields: list[str] = []
    if not _field_chain(node, fields):
        return
    current = data
    for name in fields:
        if not isinstance(current, Mapping):
            return
        if name not in current:
            raise VariableError(f"Unknown key {name!r} in path {expression!r}")
        current = current[name]


def _field_chain(node: dict[str, Any], out: list[str]) -> bool:
    if node.get("type") == "field":
        out.append(node["value"])
        return True
    if node.get("type") == "subexpression":
        return all(_field_chain(child, out) for child in node["children"])
    return False


def substitute(
    value: Any, context: Mapping[str, Any], queries: Queries, *, current: Any = None, lenient: bool = False
) -> Any:
    """Substitute variables in every string of `value` (keys too); raises VariableError.

    `lenient` (Kyverno's rule for conditions) turns a variable that cannot be resolved into "".
    """
    if isinstance(value, str):
        return substitute_text(value, context, queries, current=current, lenient=lenient)
    if isinstance(value, Mapping):
        return {
            substitute_text(k, context, queries, lenient=lenient) if isinstance(k, str) else k: substitute(
                v, context, queries, current=current, lenient=lenient
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [substitute(v, context, queries, current=current, lenient=lenient) for v in value]
    return value


def substitute_text(
    text: str, context: Mapping[str, Any], queries: Queries, *, current: Any = None, lenient: bool = False
) -> Any:
    """One string: a lone variable yields its typed value, embedded ones are printed into the text."""
    if "{{" not in text:
        return text
    for _ in range(_MAX_ROUNDS):
        match = VARIABLE.search(text)
        if match is None:
            break
        whole = match.group(2)
        try:
            value = resolve(whole[2:-2].strip(), context, queries, current=current)
        except VariableError:
            if not lenient:
                raise
            value = ""
        start, end = match.start(2), match.end(2)
        if start == 0 and end == len(text):
            return value
        text = text[:start] + _print(value) + text[end:]
    return text.replace("\\{{", "{{")


def resolve(expression: str, context: Mapping[str, Any], queries: Queries, *, current: Any = None) -> Any:
    """The value of one variable expression (`@` is the value currently being checked)."""
    if expression == "@":
        return current
    return queries.search(expression, context)


def _print(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value, separators=(",", ":"))
