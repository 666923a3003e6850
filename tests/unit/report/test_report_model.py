from __future__ import annotations

import dataclasses

from report_samples import EXPIRING, PLAINTEXT, REMOTE_BASE, UNKNOWN_CLUSTER

from sggitops.findings import Finding, Severity
from sggitops.report import Report, fingerprints


def test_summary_counts_come_from_the_findings(report: Report) -> None:
    summary = report.summary
    assert (summary.errors, summary.warnings, summary.infos) == (2, 1, 1)
    assert summary.to_json() == {"errors": 2, "warnings": 1, "overlays": 3, "objects": 120, "seconds": 1.235}


def test_errors_fail_the_run_and_warnings_only_when_strict() -> None:
    warning_only = Report(findings=[UNKNOWN_CLUSTER, EXPIRING], tool_version="0.1.0")
    assert not warning_only.failed
    assert dataclasses.replace(warning_only, strict=True).failed
    assert Report(findings=[REMOTE_BASE], tool_version="0.1.0").failed
    assert not Report(findings=[EXPIRING], tool_version="0.1.0", strict=True).failed


def test_sorted_findings_orders_by_file_line_col_rule(report: Report) -> None:
    assert report.sorted_findings() == [PLAINTEXT, REMOTE_BASE, UNKNOWN_CLUSTER, EXPIRING]


def test_describe_falls_back_to_the_rule_id(report: Report) -> None:
    assert report.describe("secrets/plaintext") == "No plaintext Secret objects"
    assert report.describe("spec/reference") == "spec/reference"


def test_fingerprint_survives_line_shifts_but_not_message_changes() -> None:
    moved = dataclasses.replace(REMOTE_BASE, line=99, col=1)
    reworded = dataclasses.replace(REMOTE_BASE, message="something else")
    [original] = fingerprints([REMOTE_BASE])
    assert fingerprints([moved]) == [original]
    assert fingerprints([reworded]) != [original]
    assert len(original) == 64 and int(original, 16) >= 0


def test_identical_findings_get_distinct_fingerprints_and_the_first_keeps_its_own() -> None:
    twin = Finding(
        file=REMOTE_BASE.file,
        line=30,
        col=3,
        rule=REMOTE_BASE.rule,
        severity=Severity.ERROR,
        message=REMOTE_BASE.message,
        resource=REMOTE_BASE.resource,
    )
    prints = fingerprints([REMOTE_BASE, twin, twin])
    assert len(set(prints)) == 3
    assert prints[0] == fingerprints([REMOTE_BASE])[0]
