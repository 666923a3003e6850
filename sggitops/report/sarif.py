"""`-o sarif`: SARIF 2.1.0 for code-scanning tools (GitLab, GitHub, IDE viewers).

`runs[0].tool.driver.rules` lists every documented rule and every rule with a finding, sorted by id;
results point at them by `ruleId` and `ruleIndex`. Levels: error -> `error`, warning -> `warning`,
info -> `note`. A finding without a line has no `region`; a column of 0 is left out of the region.
`partialFingerprints` carries the same line-independent fingerprint as the Code Quality report.
Artifact URIs are repo-relative and percent-encoded, against the `%SRCROOT%` base id.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from sggitops.findings import Finding, Severity
from sggitops.report.model import Report, fingerprints

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "sggitops"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def sarif_document(report: Report) -> dict[str, object]:
    findings = report.sorted_findings()
    rule_ids = sorted(set(report.rule_docs) | {finding.rule for finding in findings})
    index = {rule: position for position, rule in enumerate(rule_ids)}
    results = [
        _result(finding, index[finding.rule], fingerprint)
        for finding, fingerprint in zip(findings, fingerprints(findings), strict=True)
    ]
    driver: dict[str, object] = {
        "name": TOOL_NAME,
        "version": report.tool_version,
        "rules": [{"id": rule, "shortDescription": {"text": report.describe(rule)}} for rule in rule_ids],
    }
    run: dict[str, object] = {
        "tool": {"driver": driver},
        "results": results,
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def sarif_report(report: Report) -> str:
    return json.dumps(sarif_document(report), indent=2, ensure_ascii=False) + "\n"


def _result(finding: Finding, rule_index: int, fingerprint: str) -> dict[str, object]:
    text = f"{finding.message} ({finding.hint})" if finding.hint else finding.message
    physical: dict[str, object] = {"artifactLocation": {"uri": quote(finding.file), "uriBaseId": "%SRCROOT%"}}
    if finding.line > 0:
        region: dict[str, int] = {"startLine": finding.line}
        if finding.col > 0:
            region["startColumn"] = finding.col
        physical["region"] = region
    result: dict[str, object] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": text},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {"sggitops/v1": fingerprint},
    }
    properties = {
        key: value for key, value in (("cluster", finding.cluster), ("resource", finding.resource)) if value
    }
    if properties:
        result["properties"] = properties
    return result
