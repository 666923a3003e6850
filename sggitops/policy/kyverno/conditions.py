"""Preconditions and deny conditions: `any` / `all` lists (or the legacy plain list, meaning all).

As in Kyverno, a variable that cannot be resolved inside a condition becomes an empty string.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sggitops.policy.kyverno.operators import Operator, UnknownOperator, operator
from sggitops.policy.kyverno.variables import Queries, substitute


class ConditionError(ValueError):
    """A condition block is malformed (unknown operator, missing key)."""


@dataclass(frozen=True)
class Condition:
    key: Any
    op: Operator
    value: Any
    message: str

    @classmethod
    def parse(cls, raw: Any) -> Condition:
        if not isinstance(raw, Mapping) or "operator" not in raw:
            raise ConditionError("a condition needs `key`, `operator` and `value`")
        try:
            op = operator(str(raw["operator"]))
        except UnknownOperator as err:
            raise ConditionError(str(err)) from None
        return cls(raw.get("key"), op, raw.get("value"), str(raw.get("message") or ""))


@dataclass(frozen=True)
class Conditions:
    """Compiled any/all conditions; both empty means true."""

    any: tuple[Condition, ...]
    all: tuple[Condition, ...]

    @classmethod
    def parse(cls, raw: Any) -> Conditions:
        if raw is None:
            return cls((), ())
        if isinstance(raw, list):
            return cls((), tuple(Condition.parse(c) for c in raw))
        if not isinstance(raw, Mapping):
            raise ConditionError("conditions must be a list or a mapping with any/all")
        return cls(
            tuple(Condition.parse(c) for c in raw.get("any") or []),
            tuple(Condition.parse(c) for c in raw.get("all") or []),
        )

    def holds(self, context: Mapping[str, Any], queries: Queries) -> tuple[bool, str]:
        """Whether the conditions hold, and the message of the first condition that decided otherwise."""
        for condition in self.all:
            if not _evaluate(condition, context, queries):
                return False, condition.message
        if self.any:
            if any(_evaluate(c, context, queries) for c in self.any):
                return True, ""
            return False, next((c.message for c in self.any if c.message), "")
        return True, ""


def _evaluate(condition: Condition, context: Mapping[str, Any], queries: Queries) -> bool:
    key = substitute(condition.key, context, queries, lenient=True)
    value = substitute(condition.value, context, queries, lenient=True)
    return condition.op(key, value)
