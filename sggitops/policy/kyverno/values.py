"""Scalar helpers shared by the Kyverno engine: wildcards, Kubernetes quantities, Go durations, Go printing."""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache
from typing import Any

_QUANTITY = re.compile(r"^([+-]?)(\d+\.?\d*|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$")
_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DURATION_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_DURATION_UNITS = {
    "ns": Fraction(1, 10**9),
    "us": Fraction(1, 10**6),
    "µs": Fraction(1, 10**6),
    "μs": Fraction(1, 10**6),
    "ms": Fraction(1, 1000),
    "s": Fraction(1),
    "m": Fraction(60),
    "h": Fraction(3600),
}


def has_wildcard(text: str) -> bool:
    """True when `text` contains `*` or `?`."""
    return "*" in text or "?" in text


def wildcard_match(pattern: str, text: str) -> bool:
    """Kyverno's wildcard match (minio semantics): `*` any run of characters, `?` exactly one."""
    if pattern == "*":
        return True
    if not has_wildcard(pattern):
        return pattern == text
    return _linear_wildcard(pattern, text)


def _linear_wildcard(pattern: str, text: str) -> bool:
    """Greedy match remembering only the last `*` (no backtracking into earlier stars): O(len(pattern) *
    len(text)) at worst, so `*a*a*...*b` against a long label cannot hang as a regex translation would."""
    p = t = 0
    star = -1
    mark = 0
    while t < len(text):
        if p < len(pattern) and (pattern[p] == "?" or pattern[p] == text[t]) and pattern[p] != "*":
            p += 1
            t += 1
        elif p < len(pattern) and pattern[p] == "*":
            star, mark = p, t
            p += 1
        elif star >= 0:
            p = star + 1
            mark += 1
            t = mark
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)


@lru_cache(maxsize=4096)
def parse_quantity(text: str) -> Fraction | None:
    """A Kubernetes resource quantity (`100Mi`, `0.5`, `500m`, `1e3`) as an exact number, or None."""
    match = _QUANTITY.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        return None
    sign, number, suffix, exponent = match.groups()
    value = Fraction(number)
    if suffix in _BINARY:
        value *= 1024 ** _BINARY[suffix]
    elif suffix in _DECIMAL:
        value *= Fraction(10) ** _DECIMAL[suffix]
    elif exponent is not None:
        value *= Fraction(10) ** int(exponent)
    return -value if sign == "-" else value


@lru_cache(maxsize=4096)
def parse_duration(text: str) -> Fraction | None:
    """A Go duration (`1h30m`, `-5s`, `0`) in seconds, or None when `text` is not one."""
    if not isinstance(text, str) or not text:
        return None
    body = text
    negative = body[0] == "-"
    if body[0] in "+-":
        body = body[1:]
    if body == "0":
        return Fraction(0)
    if not body:
        return None
    total = Fraction(0)
    position = 0
    for match in _DURATION_PART.finditer(body):
        if match.start() != position:
            return None
        total += Fraction(match.group(1)) * _DURATION_UNITS[match.group(2)]
        position = match.end()
    if position != len(body) or position == 0:
        return None
    return -total if negative else total


def is_number(value: Any) -> bool:
    """An int or float that is not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def go_sprint(value: Any) -> str:
    """`fmt.Sprint` of a JSON value as Kyverno (Go) would print it."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value).replace("e+", "e+").replace("inf", "+Inf")
    if isinstance(value, list):
        return "[" + " ".join(go_sprint(v) for v in value) + "]"
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: str(kv[0]))
        return "map[" + " ".join(f"{k}:{go_sprint(v)}" for k, v in items) + "]"
    return str(value)


def go_float_e(value: float) -> str:
    """Go's `strconv.FormatFloat(v, 'E', -1, 64)` for the values patterns meet."""
    exponent = f"{value:.17E}".partition("E")[2]
    shortest = repr(value)
    digits = shortest.replace("-", "").replace(".", "").split("e")[0].lstrip("0") or "0"
    digits = digits.rstrip("0") or "0"
    head, tail = digits[0], digits[1:]
    exp = int(exponent)
    sign = "-" if value < 0 else ""
    text = f"{sign}{head}.{tail}" if tail else f"{sign}{head}"
    return f"{text}E{'+' if exp >= 0 else '-'}{abs(exp):02d}"
