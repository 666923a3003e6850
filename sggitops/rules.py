"""A rule as data: what each module that emits findings declares next to its code, yamllint-style.

Every module that makes findings lists its rules in a module-level `RULES = (Rule(...), ...)`;
`sggitops.checks.rules` builds the registry (reports, the README table, the registry tests) from them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sggitops.findings import Severity


@dataclass(frozen=True)
class Rule:
    """One stable rule id. `severity` is the usual one (some rules say when they use another in
    `details`); `passing`/`failing` are short YAML (or layout) examples. `pinned_by` names the test
    (`tests/...py::test_name`) that covers a rule no golden case under tests/cases/ can reach."""

    id: str
    severity: Severity
    summary: str
    details: str = ""
    passing: str = ""
    failing: str = ""
    pinned_by: str = ""

    @property
    def family(self) -> str:
        return self.id.split("/", 1)[0]
