from __future__ import annotations

import dataclasses
import json

import jsonschema

from sggitops.findings import Finding
from sggitops.report import REPORTERS, Report

# GitLab "Code Quality report format": the fields GitLab requires of every issue.
CODEQUALITY_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer", "minimum": 1}},
                    },
                },
            },
        },
    },
}


def _issues(report: Report) -> list[dict[str, object]]:
    issues = json.loads(REPORTERS["codequality"].render(report))
    jsonschema.validate(issues, CODEQUALITY_SCHEMA)
    assert isinstance(issues, list)
    return issues


def test_codequality_issues_follow_gitlab_format(report: Report) -> None:
    issues = _issues(report)
    assert [(i["check_name"], i["severity"], i["location"]) for i in issues] == [
        ("secrets/plaintext", "critical", {"path": "overlays/build/secret.yaml", "lines": {"begin": 1}}),
        (
            "build/remote-base",
            "critical",
            {"path": "overlays/run-dev/kustomization.yaml", "lines": {"begin": 12}},
        ),
        ("spec/reference", "minor", {"path": "platform.yaml", "lines": {"begin": 1}}),
        ("policy/expired-exception", "info", {"path": "platform.yaml", "lines": {"begin": 41}}),
    ]
    assert issues[1]["description"] == (
        'remote base "https://git.example/x?a=1&b=<2>" is not hermetic (vendor it under bases/)'
    )
    assert issues[2]["description"] == "app “wéb” ☃ targets cluster 'run-qa' & <nothing> else"
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_strict_makes_warnings_major(report: Report) -> None:
    issues = _issues(dataclasses.replace(report, strict=True))
    assert [i["severity"] for i in issues if i["check_name"] == "spec/reference"] == ["major"]


def test_fingerprints_survive_unrelated_line_shifts(report: Report) -> None:
    shifted = dataclasses.replace(
        report, findings=[dataclasses.replace(f, line=f.line + 7) for f in report.findings]
    )
    before = {i["check_name"]: i["fingerprint"] for i in _issues(report)}
    after = {i["check_name"]: i["fingerprint"] for i in _issues(shifted)}
    assert before == after


def test_repeated_issues_are_kept_apart(samples: dict[str, Finding]) -> None:
    remote_base = samples["remote_base"]
    twin = dataclasses.replace(remote_base, line=80)
    issues = _issues(Report(findings=[twin, remote_base], tool_version="0.1.0"))
    assert len({i["fingerprint"] for i in issues}) == 2
    assert issues[0]["location"] == {"path": remote_base.file, "lines": {"begin": 12}}


def test_a_clean_run_is_an_empty_list(clean_report: Report) -> None:
    assert _issues(clean_report) == []
