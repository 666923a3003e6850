from __future__ import annotations

import dataclasses

from sggitops.findings import Finding, Severity
from sggitops.report import Report, fingerprints


def test_summary_counts_come_from_the_findings(report: Report) -> None:
    summary = report.summary
    assert (summary.errors, summary.warnings, summary.infos) == (2, 1, 1)
    assert summary.to_json() == {"errors": 2, "warnings": 1, "overlays": 3, "objects": 120, "seconds": 1.235}


def test_errors_fail_the_run_and_warnings_only_when_strict(samples: dict[str, Finding]) -> None:
    expiring = samples["expiring"]
    remote_base = samples["remote_base"]
    unknown_cluster = samples["unknown_cluster"]
    warning_only = Report(findings=[unknown_cluster, expiring], tool_version="0.1.0")
    assert not warning_only.failed
    assert dataclasses.replace(warning_only, strict=True).failed
    assert Report(findings=[remote_base], tool_version="0.1.0").failed
    assert not Report(findings=[expiring], tool_version="0.1.0", strict=True).failed


def test_sorted_findings_orders_by_file_line_col_rule(report: Report, samples: dict[str, Finding]) -> None:
    expiring = samples["expiring"]
    plaintext = samples["plaintext"]
    remote_base = samples["remote_base"]
    unknown_cluster = samples["unknown_cluster"]
    assert report.sorted_findings() == [plaintext, remote_base, unknown_cluster, expiring]


def test_describe_falls_back_to_the_rule_id(report: Report) -> None:
    assert report.describe("secrets/plaintext") == "No plaintext Secret objects"
    assert report.describe("spec/reference") == "spec/reference"


def test_fingerprint_survives_line_shifts_but_not_message_changes(samples: dict[str, Finding]) -> None:
    remote_base = samples["remote_base"]
    moved = dataclasses.replace(remote_base, line=99, col=1)
    reworded = dataclasses.replace(remote_base, message="something else")
    [original] = fingerprints([remote_base])
    assert fingerprints([moved]) == [original]
    assert fingerprints([reworded]) != [original]
    assert len(original) == 64 and int(original, 16) >= 0


def test_identical_findings_get_distinct_fingerprints_and_the_first_keeps_its_own(
    samples: dict[str, Finding],
) -> None:
    remote_base = samples["remote_base"]
    twin = Finding(
        file=remote_base.file,
        line=30,
        col=3,
        rule=remote_base.rule,
        severity=Severity.ERROR,
        message=remote_base.message,
        resource=remote_base.resource,
    )
    prints = fingerprints([remote_base, twin, twin])
    assert len(set(prints)) == 3
    assert prints[0] == fingerprints([remote_base])[0]
