"""Run gator verify suites (`suite.yaml`, kind Suite, test.gatekeeper.sh/v1alpha1), scored strictly.

Each test names a template and a constraint; each case reviews one object (a plain object or an
AdmissionReview) with optional inventory objects, and asserts how many violations match (`yes`, `no`
or an exact count, optionally only those whose message matches a regex). Every assertion becomes one
SuiteCase: `expected` is the assertion, `actual` what happened in the same words, or `error` (the case
could not be run: fail closed) or `unsupported` (a feature the engine cannot evaluate).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sggitops.errors import InputError, Location
from sggitops.findings import Severity
from sggitops.policy.cel import CelError, CelUnsupported
from sggitops.policy.goregex import GoRegexError, compile_go
from sggitops.policy.rego.errors import RegoError, RegoUnsupported
from sggitops.policy.rego.gatekeeper import (
    Constraint,
    ConstraintTemplate,
    TemplateCache,
    build_inventory,
    build_review,
    review_messages,
)
from sggitops.policy.rego.match import namespace_index
from sggitops.policy.results import Outcome, SuiteCase
from sggitops.resource import ResourceId
from sggitops.rules import Rule
from sggitops.yamlio import load_all, to_plain

SUITE_API_VERSION = "test.gatekeeper.sh/v1alpha1"


RULES = (
    Rule(
        id="policy/suite",
        severity=Severity.ERROR,
        summary="a Gatekeeper (gator) test suite that cannot be read or run",
        pinned_by="tests/unit/test_rule_pins.py::test_an_unreadable_gator_suite_is_policy_suite",
    ),
)


class CaseError(Exception):
    """A case cannot be run (missing or malformed file): its assertions are scored `error`."""


@dataclass(frozen=True)
class Assertion:
    """`violations` (yes | no | N) among the violations whose message matches `message` (a regex)."""

    violations: str
    message: str | None = None

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Assertion:
        raw = spec.get("violations", "yes")
        if raw is True or raw is False:
            raw = "yes" if raw else "no"
        value = str(raw)
        if value not in ("yes", "no") and not (value.isdigit()):
            raise CaseError(f"assertion.violations must be yes, no or a count, not {raw!r}")
        message = spec.get("message")
        return cls(value, None if message is None else str(message))

    def describe(self, violations: str) -> str:
        suffix = f" message=~{self.message}" if self.message is not None else ""
        return f"violations={violations}{suffix}"

    def actual(self, messages: Sequence[str]) -> str:
        """What happened, in the words of `expected` (equal to it when the assertion holds)."""
        pattern = compile_go(self.message) if self.message is not None else None  # gator: Go regexp
        matching = sum(1 for m in messages if pattern is None or pattern.search(m))
        if self.violations in ("yes", "no"):
            return self.describe("yes" if matching else "no")
        return self.describe(str(matching))


def run_gator_suites(root: Path) -> list[SuiteCase]:
    """Every `suite.yaml` (kind Suite) under `root`, in path order."""
    cases: list[SuiteCase] = []
    for path in sorted(root.rglob("suite.yaml")):
        cases.extend(run_gator_suite(path, root))
    return cases


def run_gator_suite(path: Path, root: Path) -> list[SuiteCase]:
    """One suite file; raises InputError when the suite itself cannot be read."""
    suite = _load_docs(path, strict=True)
    doc = suite[0] if len(suite) == 1 else None
    if (
        not isinstance(doc, Mapping)
        or doc.get("kind") != "Suite"
        or doc.get("apiVersion") != SUITE_API_VERSION
    ):
        return []
    if doc.get("skip"):
        return []
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()
    cache = TemplateCache()
    out: list[SuiteCase] = []
    for test in doc.get("tests") or []:
        if isinstance(test, Mapping) and not test.get("skip"):
            out.extend(_run_test(test, path.parent, rel, cache))
    return out


def _run_test(test: Mapping[str, Any], base: Path, suite: str, cache: TemplateCache) -> list[SuiteCase]:
    test_name = str(test.get("name") or "")
    template: ConstraintTemplate | None = None
    constraint: Constraint | None = None
    setup_error = ""
    try:
        template = ConstraintTemplate.from_manifest(_one(base, test.get("template")))
        constraint = Constraint.from_manifest(_one(base, test.get("constraint")))
    except (CaseError, RegoError, InputError) as err:
        setup_error = str(err)
    policy = f"{constraint.kind}/{constraint.name}" if constraint else str(test.get("constraint") or "")
    out: list[SuiteCase] = []
    for case in test.get("cases") or []:
        if not isinstance(case, Mapping) or case.get("skip"):
            continue
        rule = f"{test_name}/{case.get('name') or ''}"
        resource, outcome = str(case.get("object") or ""), ""
        assertions: list[Assertion] = []
        messages: list[str] = []
        try:
            assertions = [
                Assertion.from_spec(a) for a in case.get("assertions") or [] if isinstance(a, Mapping)
            ]
            if not assertions:
                raise CaseError("a case needs at least one assertion")
            if setup_error or template is None or constraint is None or test.get("invalid"):
                raise CaseError(setup_error or "invalid-constraint tests need schema validation")
            obj = _one(base, case.get("object"))
            resource = str(ResourceId.of(_reviewed_object(obj)))
            inventory = [o for p in case.get("inventory") or [] for o in _load_docs(base / str(p))]
            messages = _review(template, constraint, obj, inventory, cache)
        except (RegoUnsupported, CelUnsupported):
            outcome = Outcome.UNSUPPORTED.value
        except (CaseError, RegoError, CelError, InputError, re.error, GoRegexError):
            outcome = Outcome.ERROR.value
        if not assertions:
            assertions = [Assertion("yes")]
        for assertion in assertions:
            expected = assertion.describe(assertion.violations)
            actual = outcome or _safe_actual(assertion, messages)
            out.append(SuiteCase(suite, policy, rule, resource, expected, actual))
    return out


def _safe_actual(assertion: Assertion, messages: Sequence[str]) -> str:
    try:
        return assertion.actual(messages)
    except re.error:
        return Outcome.ERROR.value


def _review(
    template: ConstraintTemplate,
    constraint: Constraint,
    obj: Mapping[str, Any],
    inventory_objects: Sequence[Mapping[str, Any]],
    cache: TemplateCache,
) -> list[str]:
    """The violation messages gator would report for one case (none when the constraint does not match)."""
    review, reviewed = _admission_review(obj)
    if not constraint.match.matches(reviewed, namespace_index(inventory_objects)):
        return []
    return review_messages(template, constraint, review, build_inventory(inventory_objects), cache)


def _admission_review(obj: Mapping[str, Any]) -> tuple[dict[str, Any], Mapping[str, Any]]:
    """(input.review, the object matched) for a plain object or an AdmissionReview."""
    group = str(obj.get("apiVersion") or "").rpartition("/")[0]
    if obj.get("kind") != "AdmissionReview" or group != "admission.k8s.io":
        return build_review(obj, operation=""), obj  # gator leaves the operation empty
    request = obj.get("request")
    if not isinstance(request, Mapping):
        raise CaseError("the AdmissionReview has no request")
    reviewed = request.get("object") or request.get("oldObject")
    if not isinstance(reviewed, Mapping):
        raise CaseError("the AdmissionRequest has neither object nor oldObject")
    review: dict[str, Any] = {
        "uid": "",
        "kind": {"group": "", "version": "", "kind": ""},
        "resource": {"group": "", "version": "", "resource": ""},
        "operation": "",
        "userInfo": {},
        **request,
    }
    if request.get("operation") == "DELETE" and not request.get("object"):
        review["object"] = request.get("oldObject")
    return review, reviewed


def _reviewed_object(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    try:
        return _admission_review(obj)[1]
    except CaseError:
        return obj


def _one(base: Path, rel: Any) -> Mapping[str, Any]:
    if not rel:
        raise CaseError("a file reference is missing")
    docs = _load_docs(base / str(rel))
    if len(docs) != 1:
        raise CaseError(f"{rel} must hold exactly one object, it holds {len(docs)}")
    return docs[0]


def _load_docs(path: Path, *, strict: bool = False) -> list[Mapping[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        if strict:
            raise InputError(
                f"cannot read the suite: {err.strerror}", location=Location(str(path)), rule="policy/suite"
            ) from None
        raise CaseError(f"cannot read {path.name}: {err.strerror}") from None
    docs = [to_plain(d) for d in load_all(text, str(path), rule="policy/suite")]
    return [d for d in docs if isinstance(d, Mapping)]
