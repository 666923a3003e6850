"""`-o codequality`: GitLab Code Quality JSON (`artifacts:reports:codequality`).

Severity: error -> `critical`; warning -> `major` under `--strict` (it fails the run), else `minor`;
info -> `info`. `blocker` is not used. The fingerprint is `model.fingerprints` (sha256 of rule, file,
resource and message, without line numbers), so GitLab keeps tracking an issue across unrelated line
shifts and never merges two different issues. `lines.begin` is at least 1 (GitLab needs a line; a
finding without one points at the top of its file).
"""

from __future__ import annotations

import json

from sggitops.findings import Finding, Severity
from sggitops.report.model import Report, fingerprints


def codequality_severity(report: Report, finding: Finding) -> str:
    if finding.severity is Severity.ERROR:
        return "critical"
    if finding.severity is Severity.WARNING:
        return "major" if report.strict else "minor"
    return "info"


def codequality_issues(report: Report) -> list[dict[str, object]]:
    """One Code Quality issue per finding, in report order."""
    findings = report.sorted_findings()
    issues: list[dict[str, object]] = []
    for finding, fingerprint in zip(findings, fingerprints(findings), strict=True):
        description = f"{finding.message} ({finding.hint})" if finding.hint else finding.message
        issues.append(
            {
                "type": "issue",
                "description": description,
                "check_name": finding.rule,
                "fingerprint": fingerprint,
                "severity": codequality_severity(report, finding),
                "location": {"path": finding.file, "lines": {"begin": max(finding.line, 1)}},
            }
        )
    return issues


def codequality_report(report: Report) -> str:
    return json.dumps(codequality_issues(report), indent=2, ensure_ascii=False) + "\n"
