"""`sggitops policy test DIR`: every Kyverno `kyverno-test.yaml` and Gatekeeper `suite.yaml` under DIR,
scored strictly (an expected result whose resource no rule matched is a mismatch, never a pass)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sggitops.policy.results import SuiteCase


@dataclass(frozen=True)
class SuiteRun:
    cases: list[SuiteCase]

    def _count(self, status: str) -> int:
        return sum(1 for c in self.cases if c.status == status)

    @property
    def match(self) -> int:
        return self._count("match")

    @property
    def mismatch(self) -> int:
        return self._count("mismatch")

    @property
    def unsupported(self) -> int:
        return self._count("unsupported")


def run_suites(directory: Path) -> SuiteRun:
    from sggitops.policy.gator_suite import run_gator_suites
    from sggitops.policy.kyverno_suite import run_kyverno_suites

    cases = [*run_kyverno_suites(directory), *run_gator_suites(directory)]
    return SuiteRun(sorted(cases, key=lambda c: (c.suite, c.policy, c.rule, c.resource, c.expected)))


def render_json(run: SuiteRun) -> str:
    doc = {
        "version": 1,
        "summary": {"match": run.match, "mismatch": run.mismatch, "unsupported": run.unsupported},
        "cases": [
            {
                "suite": c.suite,
                "policy": c.policy,
                "rule": c.rule,
                "resource": c.resource,
                "expected": c.expected,
                "actual": c.actual,
                "status": c.status,
            }
            for c in run.cases
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


def render_text(run: SuiteRun) -> str:
    lines = [
        f"{c.suite}: {c.status} [{c.policy}/{c.rule}] {c.resource}: expected {c.expected}, got {c.actual}"
        for c in run.cases
        if c.status != "match"
    ]
    total = len(run.cases)
    supported = run.match + run.mismatch
    ratio = f" ({100.0 * run.match / supported:.1f}% of supported)" if supported else ""
    lines.append(
        f"{total} expected results: {run.match} match, {run.mismatch} mismatch, {run.unsupported} unsupported{ratio}"
        if total
        else "no kyverno-test.yaml or suite.yaml found"
    )
    return "\n".join(lines) + "\n"
