"""Kyverno's custom JMESPath functions, registered on top of the `jmespath` package's built-ins."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import posixpath
import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import jmespath
from jmespath import functions as jp_functions
from ruamel.yaml import YAML

from sggitops.policy.goregex import GoRegexError, compile_go
from sggitops.policy.kyverno.values import is_number, parse_duration, parse_quantity, wildcard_match
from sggitops.yamlio import to_plain

STRING = {"types": ["string"]}
NUMBER = {"types": ["number"]}
ANY: dict[str, Any] = {"types": []}
STR_OR_NUM = {"types": ["string", "number"]}
OBJECT = {"types": ["object"]}
ARRAY = {"types": ["array"]}


class FunctionError(ValueError):
    """A custom function was called with values it cannot work with."""


def _compare(a: str, b: str) -> int:
    return (a > b) - (a < b)


def _replace(text: str, old: str, new: str, count: float) -> str:
    return text.replace(old, new, int(count)) if count >= 0 else text.replace(old, new)


def _go_regex(pattern: str) -> Any:
    """Go's regexp (RE2, linear time) as Kyverno runs it; never Python's backtracking `re`."""
    try:
        return compile_go(pattern)
    except GoRegexError as err:
        raise FunctionError(str(err)) from None


def _regex_replace_all(pattern: str, source: Any, replacement: Any) -> str:
    repl = re.sub(r"\$\{?(\w+)\}?", r"\\g<\1>", str(replacement))
    return str(_go_regex(pattern).sub(repl, _text(source)))


def _regex_replace_all_literal(pattern: str, source: Any, replacement: Any) -> str:
    return str(_go_regex(pattern).sub(lambda _m: str(replacement), _text(source)))


def _regex_match(pattern: str, source: Any) -> bool:
    return _go_regex(pattern).search(_text(source)) is not None


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _label_match(selector: dict[str, Any], labels: dict[str, Any]) -> bool:
    return all(key in labels and str(labels[key]) == str(value) for key, value in selector.items())


def _to_boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise FunctionError(f"lexer error: cannot convert {text!r} to a boolean")


def _arith(name: str, op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def run(a: Any, b: Any) -> Any:
        if is_number(a) and is_number(b):
            return op(a, b)
        for parse in (parse_quantity, parse_duration):
            left = parse(a) if isinstance(a, str) else (Fraction(a) if is_number(a) else None)
            right = parse(b) if isinstance(b, str) else (Fraction(b) if is_number(b) else None)
            if left is not None and right is not None:
                result = op(left, right)
                return float(result) if isinstance(result, Fraction) else result
        raise FunctionError(f"{name}() cannot combine {a!r} and {b!r}")

    return run


def _divide(a: Any, b: Any) -> Any:
    if b == 0:
        raise FunctionError("divide() by zero")
    return a / b


def _modulo(a: Any, b: Any) -> Any:
    if b == 0:
        raise FunctionError("modulo() by zero")
    if any(isinstance(x, float) and not x.is_integer() for x in (a, b)):
        raise FunctionError("modulo() needs integers")
    return math.fmod(a, b)


def _round(value: float, digits: float) -> float:
    return round(value, int(digits))


def _base64_decode(text: str) -> str:
    try:
        return base64.b64decode(text.encode(), validate=True).decode()
    except (ValueError, UnicodeDecodeError) as err:
        raise FunctionError(f"base64_decode(): {err}") from None


def _truncate(text: str, length: float) -> str:
    return text[: max(int(length), 0)]


_SEMVER = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


def semver_key(text: str) -> tuple[int, int, int, tuple[Any, ...]]:
    match = _SEMVER.match(text.strip())
    if match is None:
        raise FunctionError(f"semver_compare(): {text!r} is not a semantic version")
    major, minor, patch, pre = match.groups()
    pre_key: tuple[Any, ...] = (
        (1,) if pre is None else (0, *((0, int(p)) if p.isdigit() else (1, p) for p in pre.split(".")))
    )
    return int(major), int(minor or 0), int(patch or 0), pre_key


def _semver_compare(version: str, constraint: str) -> bool:
    actual = semver_key(version)
    for alternative in constraint.split("||"):
        parts = alternative.split()
        if parts and all(_semver_term(actual, part) for part in parts):
            return True
    return False


def _semver_term(actual: tuple[Any, ...], term: str) -> bool:
    match = re.match(r"^(>=|<=|!=|==|=|>|<)?(.+)$", term)
    if match is None:
        return False
    op, wanted = match.group(1) or "=", semver_key(match.group(2))
    return {
        "=": actual == wanted,
        "==": actual == wanted,
        "!=": actual != wanted,
        ">": actual > wanted,
        "<": actual < wanted,
        ">=": actual >= wanted,
        "<=": actual <= wanted,
    }[op]


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise FunctionError(f"parse_json(): {err}") from None


def _parse_yaml(text: str) -> Any:
    try:
        return to_plain(YAML(typ="safe", pure=True).load(text))
    except Exception as err:  # ruamel raises several unrelated error types
        raise FunctionError(f"parse_yaml(): {err}") from None


def _lookup(collection: Any, key: Any) -> Any:
    if isinstance(collection, dict):
        if not isinstance(key, str):
            raise FunctionError("lookup() on an object needs a string key")
        return collection.get(key)
    if isinstance(key, bool) or not is_number(key) or not float(key).is_integer():
        raise FunctionError("lookup() on an array needs an integer index")
    index = int(key)
    return collection[index] if 0 <= index < len(collection) else None


def _items(collection: Any, key_name: str, value_name: str) -> list[dict[str, Any]]:
    pairs = sorted(collection.items()) if isinstance(collection, dict) else list(enumerate(collection))
    return [{key_name: k, value_name: v} for k, v in pairs]


def _object_from_lists(keys: list[Any], values: list[Any]) -> dict[str, Any]:
    return {str(k): (values[i] if i < len(values) else None) for i, k in enumerate(keys)}


def _sum(values: list[Any]) -> Any:
    if not values:
        raise FunctionError("sum() needs at least one value")
    total = values[0]
    adder = _arith("sum", lambda x, y: x + y)
    for value in values[1:]:
        total = adder(total, value)
    return total


_TABLE: dict[str, tuple[Callable[..., Any], tuple[dict[str, Any], ...]]] = {
    "compare": (_compare, (STRING, STRING)),
    "equal_fold": (lambda a, b: a.casefold() == b.casefold(), (STRING, STRING)),
    "replace": (_replace, (STRING, STRING, STRING, NUMBER)),
    "replace_all": (lambda s, old, new: s.replace(old, new), (STRING, STRING, STRING)),
    "to_upper": (lambda s: s.upper(), (STRING,)),
    "to_lower": (lambda s: s.lower(), (STRING,)),
    "trim": (lambda s, cut: s.strip(cut), (STRING, STRING)),
    "trim_prefix": (lambda s, prefix: s.removeprefix(prefix), (STRING, STRING)),
    "split": (lambda s, sep: s.split(sep) if sep else list(s), (STRING, STRING)),
    "regex_replace_all": (_regex_replace_all, (STRING, STR_OR_NUM, STR_OR_NUM)),
    "regex_replace_all_literal": (_regex_replace_all_literal, (STRING, STR_OR_NUM, STR_OR_NUM)),
    "regex_match": (_regex_match, (STRING, STR_OR_NUM)),
    "pattern_match": (lambda p, s: wildcard_match(p, _text(s)), (STRING, STR_OR_NUM)),
    "label_match": (_label_match, (OBJECT, OBJECT)),
    "to_boolean": (_to_boolean, (STRING,)),
    "add": (_arith("add", lambda a, b: a + b), (ANY, ANY)),
    "subtract": (_arith("subtract", lambda a, b: a - b), (ANY, ANY)),
    "multiply": (_arith("multiply", lambda a, b: a * b), (ANY, ANY)),
    "divide": (_arith("divide", _divide), (ANY, ANY)),
    "modulo": (_arith("modulo", _modulo), (ANY, ANY)),
    "sum": (_sum, (ARRAY,)),
    "round": (_round, (NUMBER, NUMBER)),
    "base64_decode": (_base64_decode, (STRING,)),
    "base64_encode": (lambda s: base64.b64encode(s.encode()).decode(), (STRING,)),
    "path_canonicalize": (lambda s: posixpath.normpath(s) if s else ".", (STRING,)),
    "truncate": (_truncate, (STRING, NUMBER)),
    "semver_compare": (_semver_compare, (STRING, STRING)),
    "parse_json": (_parse_json, (STRING,)),
    "parse_yaml": (_parse_yaml, (STRING,)),
    "lookup": (_lookup, ({"types": ["object", "array"]}, {"types": ["string", "number"]})),
    "items": (_items, ({"types": ["object", "array"]}, STRING, STRING)),
    "object_from_lists": (_object_from_lists, (ARRAY, ARRAY)),
    "md5": (lambda s: hashlib.md5(s.encode(), usedforsecurity=False).hexdigest(), (STRING,)),
    "sha256": (lambda s: hashlib.sha256(s.encode()).hexdigest(), (STRING,)),
}


def _method(function: Callable[..., Any]) -> Callable[..., Any]:
    def call(_self: Any, *args: Any) -> Any:
        return function(*args)

    return call


def _build_functions() -> Any:
    namespace: dict[str, Any] = {}
    for name, (function, signature) in _TABLE.items():
        method = _method(function)
        method.signature = signature  # type: ignore[attr-defined]
        namespace[f"_func_{name}"] = method
    return type("KyvernoFunctions", (jp_functions.Functions,), namespace)()


OPTIONS = jmespath.Options(custom_functions=_build_functions())
"""`jmespath` search options carrying the Kyverno functions."""
