"""Leaf values of a validate pattern: Kyverno's `ValidateValueWithPattern`, compiled once per pattern.

A string pattern is split on `|` (or) then `&` (and); each part may start with an operator (`!`, `>`, `<`,
`>=`, `<=`) or be a range (`a-b`, `a!-b`). Numbers compare as Kubernetes quantities (or Go durations), other
strings as wildcards. Type mismatches follow Kyverno: a bool pattern needs a bool, a `null` pattern accepts
the zero value of any scalar, and `>`/`<` never apply to non-numeric strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from sggitops.policy.kyverno.values import (
    go_float_e,
    is_number,
    parse_duration,
    parse_quantity,
    wildcard_match,
)

Predicate = Callable[[Any], bool]

_NUMBER_PREFIX = re.compile(r"^(\d*(?:\.\d+)?)(.*)$", re.DOTALL)
NOTIN_RANGE = re.compile(r"^(\d+(?:\.\d+)?)([^-!]*)!-(\d+(?:\.\d+)?)([^-]*)$")
IN_RANGE = re.compile(r"^(\d+(?:\.\d+)?)([^-]*)-(\d+(?:\.\d+)?)([^-]*)$")
_OPERATORS = (">=", "<=", ">", "<", "!")


def compile_scalar(pattern: Any) -> Predicate:
    """A predicate deciding whether a resource value satisfies the scalar `pattern`."""
    if isinstance(pattern, bool):
        return lambda value: isinstance(value, bool) and value == pattern
    if is_number(pattern):
        return lambda value: _match_number(value, pattern)
    if pattern is None:
        return _match_nil
    if isinstance(pattern, str):
        return _compile_string(pattern)
    if isinstance(pattern, dict):
        return lambda value: isinstance(value, dict)
    return lambda value: False  # arrays are not supported as scalar patterns


def _match_number(value: Any, pattern: int | float) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return float(pattern).is_integer() and int(pattern) == value
    if isinstance(value, float):
        return value == pattern
    if isinstance(value, str):
        try:
            return float(value) == pattern
        except ValueError:
            return False
    return False


def _match_nil(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, bool):
        return not value
    if is_number(value):
        return bool(value == 0)
    if isinstance(value, str):
        return value == ""
    return False


def _compile_string(pattern: str) -> Predicate:
    alternatives: list[list[Predicate]] = []
    for alternative in pattern.split("|"):
        alternatives.append(
            [_compile_condition(part.strip(" ")) for part in alternative.strip(" ").split("&")]
        )
    if len(alternatives) == 1 and len(alternatives[0]) == 1:
        return alternatives[0][0]
    return lambda value: any(all(check(value) for check in conj) for conj in alternatives)


def operator_of(pattern: str) -> str:
    """The operator a string pattern starts with: `>=`, `<=`, `>`, `<`, `!`, `range`, `!range` or ``."""
    if len(pattern) < 2:
        return ""
    for op in _OPERATORS:
        if pattern.startswith(op):
            return op
    if NOTIN_RANGE.match(pattern):
        return "!range"
    if IN_RANGE.match(pattern):
        return "range"
    return ""


def _compile_condition(pattern: str) -> Predicate:
    op = operator_of(pattern)
    if op == "range":
        low, high = pattern.split("-", 1)
        at_least, at_most = _compile_condition(">=" + low), _compile_condition("<=" + high)
        return lambda value: at_least(value) and at_most(value)
    if op == "!range":
        low, high = pattern.split("!-", 1)
        below, above = _compile_condition("<" + low), _compile_condition(">" + high)
        return lambda value: below(value) or above(value)
    body = pattern[len(op) :].strip()
    match = _NUMBER_PREFIX.match(body)
    number = match.group(1) if match else ""
    if not number:
        return _compile_string_compare(body, op)
    return _compile_number_compare(body, op)


def _compile_string_compare(text: str, op: str) -> Predicate:
    if op not in ("", "!"):
        return lambda value: False  # >, <, >=, <= do not apply to strings
    negate = op == "!"

    def check(value: Any) -> bool:
        as_text = _string_form(value)
        if as_text is None:
            return False
        return wildcard_match(text, as_text) != negate

    return check


def _string_form(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float_e(value)
    if isinstance(value, str):
        return value
    return None


def _number_text(value: Any) -> str | None:
    if value is None:
        return "0"
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:f}"
    if isinstance(value, str):
        return value
    return None


def _compile_number_compare(text: str, op: str) -> Predicate:
    quantity = parse_quantity(text)
    duration = parse_duration(text) if quantity is None else None

    def check(value: Any) -> bool:
        as_text = _number_text(value)
        if as_text is None:
            return False
        if quantity is not None:
            actual = parse_quantity(as_text)
            return actual is not None and compare(actual, quantity, op)
        if duration is not None:
            actual = parse_duration(as_text)
            if actual is not None:
                return compare(actual, duration, op)
        return wildcard_match(text, as_text)

    return check


def compare(left: Fraction | float, right: Fraction | float, op: str) -> bool:
    """`left op right` for the pattern operators (`` and `!` are equality and inequality)."""
    if op in ("", "=="):
        return left == right
    if op in ("!", "!="):
        return left != right
    if op == ">":
        return left > right
    if op == "<":
        return left < right
    if op == ">=":
        return left >= right
    if op == "<=":
        return left <= right
    return False
