"""Running one compiled `validate` block: pattern, anyPattern, deny and foreach, Kyverno's way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sggitops.policy.kyverno.model import ContextEntry, ForEach, Validation
from sggitops.policy.kyverno.pattern import match_pattern
from sggitops.policy.kyverno.variables import Queries, VariableError, resolve, substitute, substitute_text


@dataclass(frozen=True)
class Verdict:
    """pass | fail | skip | error, with a message."""

    status: str
    message: str = ""


PASS = Verdict("pass")


def load_context(entries: list[ContextEntry], context: dict[str, Any], queries: Queries) -> None:
    """Add `variable` context entries to `context`; raises VariableError when one cannot be resolved."""
    for entry in entries:
        value = substitute(entry.value, context, queries) if entry.has_value else None
        if entry.jmes_path:
            source = value if entry.has_value else context
            try:
                value = queries.search(
                    entry.jmes_path, source if isinstance(source, Mapping) else {"@": source}
                )
            except VariableError:
                value = None
        if value is None and entry.has_default:
            value = substitute(entry.default, context, queries)
        if value is None and not entry.has_default:
            raise VariableError(f"context variable {entry.name!r} could not be resolved")
        context[entry.name] = value


def run(
    validation: Validation,
    resource: Any,
    context: dict[str, Any],
    queries: Queries,
    rule: str,
    nesting: int = 0,
) -> Verdict:
    """The verdict of `validation` on `resource` (the object, or a foreach element in element scope)."""
    if validation.deny is not None:
        denied, _ = validation.deny.holds(context, queries)
        if denied:
            return Verdict("fail", message(validation, context, queries, rule))
        return PASS
    if validation.pattern is not None or validation.any_patterns:
        return _patterns(validation, resource, context, queries, rule)
    if validation.foreach:
        return _foreach(validation, resource, context, queries, rule, nesting)
    return Verdict("error", f"rule {rule}: nothing to validate")


def message(validation: Validation, context: Mapping[str, Any], queries: Queries, rule: str) -> str:
    """The rule's `validate.message` with variables substituted (left as written when they fail)."""
    if not validation.message:
        return f"validation error: rule {rule} failed"
    try:
        text = substitute_text(validation.message, context, queries)
    except VariableError:
        text = validation.message
    return text if isinstance(text, str) else str(text)


def _patterns(
    validation: Validation, resource: Any, context: Mapping[str, Any], queries: Queries, rule: str
) -> Verdict:
    def at(text: str, current: Any) -> Any:
        return substitute_text(text, context, queries, current=current)

    try:
        if validation.pattern is not None:
            result = match_pattern(validation.pattern, resource, at)
            if result.outcome == "pass":
                return PASS
            if result.outcome in ("skip", "error"):
                return Verdict(result.outcome, result.message)
            text = message(validation, context, queries, rule)
            return Verdict("fail", f"validation error: {text} rule {rule} failed at path {result.path}")
        failed: list[str] = []
        skipped: list[str] = []
        for index, node in enumerate(validation.any_patterns):
            result = match_pattern(node, resource, at)
            if result.outcome == "pass":
                return PASS
            (skipped if result.outcome == "skip" else failed).append(
                f"rule {rule}[{index}] {result.outcome}ed"
            )
        if skipped and not failed:
            return Verdict("skip", "; ".join(skipped))
        text = message(validation, context, queries, rule)
        return Verdict("fail", f"validation error: {text} {'; '.join(failed)}")
    except VariableError as err:
        return Verdict("error", f"variable substitution failed: {err}")


def _foreach(
    validation: Validation, resource: Any, context: dict[str, Any], queries: Queries, rule: str, nesting: int
) -> Verdict:
    applied = 0
    for item in validation.foreach:
        try:
            elements = resolve(item.list_expr, context, queries)
        except VariableError:
            continue
        if not isinstance(elements, list):
            continue
        verdict, count = _elements(item, elements, resource, context, queries, rule, nesting)
        if verdict.status != "pass":
            return verdict
        applied += count
    if applied == 0:
        return Verdict("skip", "rule skipped: no foreach element applied")
    return PASS


def _elements(
    item: ForEach,
    elements: list[Any],
    resource: Any,
    context: dict[str, Any],
    queries: Queries,
    rule: str,
    nesting: int,
) -> tuple[Verdict, int]:
    applied = 0
    for index, element in enumerate(elements):
        if element is None:
            continue
        scoped = isinstance(element, dict) if item.element_scope is None else item.element_scope
        if scoped and not isinstance(element, dict):
            return Verdict("error", "elementScope is true but the element is not a map"), applied
        local = dict(context)
        local.update(
            {
                "element": element,
                "elementIndex": index,
                f"element{nesting}": element,
                f"elementIndex{nesting}": index,
            }
        )
        try:
            load_context(item.context, local, queries)
        except VariableError as err:
            return Verdict("error", f"failed to load foreach context: {err}"), applied
        holds, _ = item.preconditions.holds(local, queries)
        if not holds:
            continue
        verdict = run(item.body, element if scoped else resource, local, queries, rule, nesting + 1)
        if verdict.status == "skip":
            continue
        if verdict.status == "error":
            if index < len(elements) - 1:
                continue
            return Verdict("error", verdict.message), applied
        if verdict.status != "pass":
            return Verdict("fail", f"element {index}: {verdict.message}"), applied
        applied += 1
    return PASS, applied
