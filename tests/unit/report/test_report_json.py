from __future__ import annotations

import json

import jsonschema

from sggitops.report import REPORTERS, Report

# `validate -o json` (README, "Output formats"); other keys may be added later, these must stay.
VALIDATE_JSON_SCHEMA = {
    "type": "object",
    "required": ["version", "findings", "summary"],
    "properties": {
        "version": {"const": 1},
        "findings": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "rule",
                    "severity",
                    "file",
                    "line",
                    "col",
                    "message",
                    "hint",
                    "cluster",
                    "resource",
                ],
                "properties": {
                    "severity": {"enum": ["error", "warning", "info"]},
                    "line": {"type": "integer", "minimum": 0},
                    "col": {"type": "integer", "minimum": 0},
                    **{
                        key: {"type": "string"}
                        for key in ("rule", "file", "message", "hint", "cluster", "resource")
                    },
                },
            },
        },
        "summary": {
            "type": "object",
            "required": ["errors", "warnings", "overlays", "objects", "seconds"],
            "properties": {
                "errors": {"type": "integer"},
                "warnings": {"type": "integer"},
                "overlays": {"type": "integer"},
                "objects": {"type": "integer"},
                "seconds": {"type": "number"},
            },
        },
    },
}


def test_json_matches_the_design_shape_and_sorts_findings(report: Report) -> None:
    text = REPORTERS["json"].render(report)
    document = json.loads(text)
    jsonschema.validate(document, VALIDATE_JSON_SCHEMA)
    assert list(document) == ["version", "findings", "summary"]
    assert [(f["file"], f["line"], f["rule"]) for f in document["findings"]] == [
        ("overlays/build/secret.yaml", 1, "secrets/plaintext"),
        ("overlays/run-dev/kustomization.yaml", 12, "build/remote-base"),
        ("platform.yaml", 0, "spec/reference"),
        ("platform.yaml", 41, "policy/expired-exception"),
    ]
    assert document["summary"] == {
        "errors": 2,
        "warnings": 1,
        "overlays": 3,
        "objects": 120,
        "seconds": 1.235,
    }
    assert document["findings"][1] == {
        "rule": "build/remote-base",
        "severity": "error",
        "file": "overlays/run-dev/kustomization.yaml",
        "line": 12,
        "col": 3,
        "message": 'remote base "https://git.example/x?a=1&b=<2>" is not hermetic',
        "hint": "vendor it under bases/",
        "cluster": "run-dev",
        "resource": "Kustomization//run-dev",
    }


def test_json_keeps_unicode_readable_and_ends_with_newline(report: Report) -> None:
    text = REPORTERS["json"].render(report)
    assert "app “wéb” ☃ targets" in text
    assert text.endswith("}\n")


def test_json_of_a_clean_run(clean_report: Report) -> None:
    document = json.loads(REPORTERS["json"].render(clean_report))
    assert document == {
        "version": 1,
        "findings": [],
        "summary": {"errors": 0, "warnings": 0, "overlays": 2, "objects": 40, "seconds": 0.5},
    }
