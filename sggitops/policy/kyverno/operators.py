"""Condition operators of preconditions and deny conditions (Kyverno's `pkg/engine/variables/operator`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from sggitops.policy.kyverno.functions import FunctionError, semver_key
from sggitops.policy.kyverno.scalar import IN_RANGE, NOTIN_RANGE, compare
from sggitops.policy.kyverno.values import (
    go_sprint,
    is_number,
    parse_duration,
    parse_quantity,
    wildcard_match,
)

Operator = Callable[[Any, Any], bool]


class UnknownOperator(ValueError):
    """The condition names an operator Kyverno does not have."""


def equals(key: Any, value: Any) -> bool:
    """Kyverno `Equals`: durations, quantities and wildcards (in `value`) for strings; deep equality otherwise."""
    if isinstance(key, bool) or isinstance(value, bool):
        if isinstance(key, bool) and isinstance(value, str):
            return value.strip().lower() == ("true" if key else "false")
        return isinstance(key, bool) and isinstance(value, bool) and key == value
    if is_number(key):
        return _number_equals(key, value)
    if isinstance(key, str):
        return _string_equals(key, value)
    if isinstance(key, (dict, list)):
        return bool(key == value)
    return key is None and value is None


def _number_equals(key: float, value: Any) -> bool:
    if is_number(value):
        return bool(key == value)
    if isinstance(value, str):
        duration = _durations(key, value)
        if duration is not None:
            return duration[0] == duration[1]
        quantity = parse_quantity(value)
        return quantity is not None and quantity == Fraction(key)
    return False


def _string_equals(key: str, value: Any) -> bool:
    duration = _durations(key, value)
    if duration is not None:
        return duration[0] == duration[1]
    quantity = parse_quantity(key)
    if quantity is not None:
        if isinstance(value, str):
            other = parse_quantity(value)
            if other is not None:
                return quantity == other
            return False
        if is_number(value):
            return quantity == Fraction(value)
    if isinstance(value, str):
        return wildcard_match(value, key)
    return False


def _as_duration(item: Any, other_is_duration: bool) -> Fraction | None:
    if isinstance(item, str):
        seconds = parse_duration(item)
        if seconds is not None and seconds != 0:
            return seconds
        return None
    if other_is_duration and is_number(item):
        return Fraction(item)
    return None


def _durations(key: Any, value: Any) -> tuple[Fraction, Fraction] | None:
    """Both sides as durations when at least one is a non-zero duration string (numbers count as seconds)."""
    key_d = _as_duration(key, False)
    value_d = _as_duration(value, False)
    if key_d is None and value_d is None:
        return None
    key_d = key_d if key_d is not None else _as_duration(key, True)
    value_d = value_d if value_d is not None else _as_duration(value, True)
    if key_d is None or value_d is None:
        return None
    return key_d, value_d


def _numeric(op: str) -> Operator:
    def evaluate(key: Any, value: Any) -> bool:
        if isinstance(key, bool) or isinstance(value, bool):
            return False
        durations = _durations(key, value)
        if durations is not None:
            return compare(durations[0], durations[1], op)
        left, right = _quantity(key), _quantity(value)
        if left is not None and right is not None:
            return compare(left, right, op)
        if isinstance(key, str) and isinstance(value, str):
            try:
                return compare_versions(semver_key(key), semver_key(value), op)
            except FunctionError:
                return False
        return False

    return evaluate


def compare_versions(left: tuple[Any, ...], right: tuple[Any, ...], op: str) -> bool:
    """`left op right` for parsed semantic versions."""
    return {
        ">": left > right,
        "<": left < right,
        ">=": left >= right,
        "<=": left <= right,
    }.get(op, False)


def _duration_op(op: str) -> Operator:
    def evaluate(key: Any, value: Any) -> bool:
        left = _as_duration(key, True)
        right = _as_duration(value, True)
        if left is None or right is None:
            return False
        return compare(left, right, op)

    return evaluate


def _quantity(item: Any) -> Fraction | None:
    if is_number(item):
        return Fraction(item)
    if isinstance(item, str):
        return parse_quantity(item)
    return None


def _in_range(key: str, spec: str) -> bool | None:
    """`key` inside range `a-b` (or outside `a!-b`); None when `spec` is not a range."""
    negated = NOTIN_RANGE.match(spec)
    plain = None if negated else IN_RANGE.match(spec)
    found = negated or plain
    if found is None:
        return None
    number = parse_quantity(key)
    low, high = (
        parse_quantity(found.group(1) + found.group(2)),
        parse_quantity(found.group(3) + found.group(4)),
    )
    if number is None or low is None or high is None:
        return False
    inside = low <= number <= high
    return not inside if negated else inside


def _member(key: str, values: Any) -> bool | None:
    """Whether `key` is in `values` (wildcards both ways, ranges, JSON arrays); None for a bad value type."""
    if isinstance(values, list):
        return any(wildcard_match(go_sprint(v), key) or wildcard_match(key, go_sprint(v)) for v in values)
    if isinstance(values, str):
        if wildcard_match(values, key):
            return True
        ranged = _in_range(key, values)
        if ranged is not None:
            return ranged
        try:
            parsed = json.loads(values)
        except json.JSONDecodeError:
            return False
        return isinstance(parsed, list) and key in [go_sprint(v) for v in parsed]
    return None


def _keys(key: Any) -> list[str] | None:
    if isinstance(key, list):
        return [go_sprint(k) for k in key]
    if isinstance(key, (str, int, float, bool)):
        return None
    return []


def _set_op(mode: str) -> Operator:
    """AnyIn, AllIn, AnyNotIn, AllNotIn (In and NotIn are the deprecated AllIn / negated AllIn)."""

    def evaluate(key: Any, value: Any) -> bool:
        if key is None or isinstance(key, dict):
            return False
        keys = _keys(key)
        if keys is None:  # a scalar key
            found = _member(go_sprint(key), value)
            if found is None:
                return False
            return found if mode in ("AnyIn", "AllIn") else not found
        members = [_member(k, value) for k in keys]
        if any(m is None for m in members):
            return False
        if mode == "AnyIn":
            return any(members)
        if mode == "AllIn":
            return all(members)
        if mode == "AnyNotIn":
            return not all(members)
        return not any(members)  # AllNotIn

    return evaluate


def _not(operator: Operator) -> Operator:
    return lambda key, value: not operator(key, value)


OPERATORS: dict[str, Operator] = {
    "equals": equals,
    "equal": equals,
    "notequals": _not(equals),
    "notequal": _not(equals),
    "in": _set_op("AllIn"),
    "notin": _not(_set_op("AllIn")),
    "anyin": _set_op("AnyIn"),
    "allin": _set_op("AllIn"),
    "anynotin": _set_op("AnyNotIn"),
    "allnotin": _set_op("AllNotIn"),
    "greaterthan": _numeric(">"),
    "greaterthanorequals": _numeric(">="),
    "lessthan": _numeric("<"),
    "lessthanorequals": _numeric("<="),
    "durationgreaterthan": _duration_op(">"),
    "durationgreaterthanorequals": _duration_op(">="),
    "durationlessthan": _duration_op("<"),
    "durationlessthanorequals": _duration_op("<="),
}


def operator(name: str) -> Operator:
    """The operator function for a condition's `operator` (case-insensitive); raises UnknownOperator."""
    found = OPERATORS.get(str(name).lower())
    if found is None:
        raise UnknownOperator(f"unknown condition operator {name!r}")
    return found
