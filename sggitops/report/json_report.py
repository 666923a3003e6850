"""`-o json`: the stable `validate -o json` shape (README, "Output formats")."""

from __future__ import annotations

import json

from sggitops.report.model import Report

JSON_VERSION = 1


def json_document(report: Report) -> dict[str, object]:
    """`{"version": 1, "findings": [...], "summary": {...}}`, findings sorted by (file, line, col, rule)."""
    return {
        "version": JSON_VERSION,
        "findings": [finding.to_json() for finding in report.sorted_findings()],
        "summary": report.summary.to_json(),
    }


def json_report(report: Report) -> str:
    """The JSON document, indented, UTF-8 characters kept as they are, with a final newline."""
    return json.dumps(json_document(report), indent=2, ensure_ascii=False) + "\n"
