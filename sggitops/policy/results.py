"""Result types shared by the policy engines (Kyverno, Rego/Gatekeeper) and their suite runners."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sggitops.resource import ResourceId


class Outcome(StrEnum):
    """What one rule decided for one resource. `unsupported` means the engine could not decide."""

    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"  # the rule did not apply (match/exclude/preconditions)
    ERROR = "error"  # evaluation failed; treated as a failure (fail closed)
    UNSUPPORTED = "unsupported"  # a feature the engine cannot evaluate; never a pass


@dataclass(frozen=True)
class RuleResult:
    """One policy rule applied to one resource."""

    engine: str  # "kyverno" | "gatekeeper" | "repo"
    policy: str
    rule: str
    resource: ResourceId
    outcome: Outcome
    message: str = ""
    action: str = "enforce"  # kyverno: Enforce/Audit lowercased; gatekeeper: enforcementAction
    feature: str = ""  # for UNSUPPORTED: the feature that could not be evaluated


@dataclass(frozen=True)
class SuiteCase:
    """One expected result of a test suite, scored strictly (an unmatched resource is a mismatch)."""

    suite: str  # path of kyverno-test.yaml / suite.yaml relative to the tested DIR
    policy: str
    rule: str
    resource: str
    expected: str
    actual: str  # an Outcome value, or "no-match" when no rule applied to the resource

    @property
    def status(self) -> str:
        """`match`, `mismatch` or `unsupported`."""
        if self.actual == Outcome.UNSUPPORTED.value:
            return "unsupported"
        return "match" if self.actual == self.expected else "mismatch"
