"""`sggitops policy test DIR`: every Kyverno `kyverno-test.yaml` and Gatekeeper `suite.yaml` under DIR,
scored strictly (an expected result whose resource no rule matched is a mismatch, never a pass).

A suite that cannot be read (malformed YAML, a missing file, not a test file) or whose run crashes is one
`error` case naming its file, and the other suites still run; the json lists every suite with its
outcome (`ok`: all its cases match, `failed`, `error`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from sggitops.errors import InputError
from sggitops.policy.gator_suite import SUITE_API_VERSION, run_gator_suite
from sggitops.policy.kyverno_suite import TEST_FILE_NAMES, run_kyverno_test
from sggitops.policy.results import SuiteCase


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str
    type: str  # kyverno | gator
    outcome: str  # ok | failed | error
    message: str = ""


@dataclass(frozen=True)
class SuiteRun:
    cases: list[SuiteCase]
    suites: list[SuiteOutcome] = field(default_factory=list)

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


def _suite_files(directory: Path) -> list[tuple[Path, str]]:
    kyverno = {p for name in TEST_FILE_NAMES for p in directory.rglob(name) if p.is_file()}
    gator = {p for p in directory.rglob("suite.yaml") if p.is_file()}
    return sorted([(p, "kyverno") for p in kyverno] + [(p, "gator") for p in gator])


def run_suites(directory: Path) -> SuiteRun:
    cases: list[SuiteCase] = []
    suites: list[SuiteOutcome] = []
    for path, kind in _suite_files(directory):
        rel = path.relative_to(directory).as_posix()
        try:
            found = (
                run_kyverno_test(path, root=directory)
                if kind == "kyverno"
                else run_gator_suite(path, directory)
            )
        except InputError as err:
            where = err.location
            place = (
                f"{where.file}:{where.line}:{where.col}"
                if where and where.line
                else str(where.file if where else rel)
            )
            message = f"{place}: {err.message}"
            cases.append(SuiteCase(rel, "", "", "", "loadable", "error"))
            suites.append(SuiteOutcome(rel, kind, "error", message))
            continue
        except Exception as err:  # a crash in one suite must not end the run: it is that suite's error
            cases.append(SuiteCase(rel, "", "", "", "loadable", "error"))
            suites.append(SuiteOutcome(rel, kind, "error", f"internal error: {type(err).__name__}: {err}"))
            continue
        if kind == "gator" and not found and not _is_gator_suite(path):
            continue  # a `suite.yaml` of another tool
        cases.extend(found)
        outcome = "ok" if all(c.status == "match" for c in found) else "failed"
        suites.append(SuiteOutcome(rel, kind, outcome))
    return SuiteRun(sorted(cases, key=lambda c: (c.suite, c.policy, c.rule, c.resource, c.expected)), suites)


def _is_gator_suite(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return True
    return SUITE_API_VERSION in text


def render_json(run: SuiteRun) -> str:
    doc = {
        "version": 1,
        "summary": {
            "match": run.match,
            "mismatch": run.mismatch,
            "unsupported": run.unsupported,
            "suiteErrors": sum(1 for o in run.suites if o.outcome == "error"),
        },
        "suites": [
            {"suite": o.suite, "type": o.type, "outcome": o.outcome, "message": o.message} for o in run.suites
        ],
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
    errors = {o.suite: o.message for o in run.suites if o.outcome == "error"}
    lines = [
        f"{c.suite}: error: {errors[c.suite]}"
        if c.suite in errors
        else f"{c.suite}: {c.status} [{c.policy}/{c.rule}] {c.resource}: expected {c.expected}, got {c.actual}"
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
