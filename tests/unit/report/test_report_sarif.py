from __future__ import annotations

import dataclasses
import json
from typing import Any

import jsonschema

from sggitops.report import REPORTERS, Report

# The parts of the SARIF 2.1.0 schema (sarif-schema-2.1.0.json) that this report uses, with the
# spec's required properties and value constraints; no vendored copy of the full schema is available.
_MESSAGE = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}
SARIF_SUBSET_SCHEMA = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"const": "2.1.0"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool", "results"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name", "version", "rules"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "version": {"type": "string"},
                                    "rules": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id", "shortDescription"],
                                            "properties": {
                                                "id": {"type": "string"},
                                                "shortDescription": _MESSAGE,
                                            },
                                        },
                                    },
                                },
                            }
                        },
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["ruleId", "level", "message", "locations"],
                            "properties": {
                                "ruleId": {"type": "string"},
                                "ruleIndex": {"type": "integer", "minimum": 0},
                                "level": {"enum": ["none", "note", "warning", "error"]},
                                "message": _MESSAGE,
                                "locations": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["physicalLocation"],
                                        "properties": {
                                            "physicalLocation": {
                                                "type": "object",
                                                "required": ["artifactLocation"],
                                                "properties": {
                                                    "artifactLocation": {
                                                        "type": "object",
                                                        "required": ["uri"],
                                                        "properties": {"uri": {"type": "string"}},
                                                    },
                                                    "region": {
                                                        "type": "object",
                                                        "required": ["startLine"],
                                                        "properties": {
                                                            "startLine": {"type": "integer", "minimum": 1},
                                                            "startColumn": {"type": "integer", "minimum": 1},
                                                        },
                                                    },
                                                },
                                            }
                                        },
                                    },
                                },
                                "partialFingerprints": {
                                    "type": "object",
                                    "additionalProperties": {"type": "string"},
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


def _sarif(report: Report) -> dict[str, Any]:
    document = json.loads(REPORTERS["sarif"].render(report))
    jsonschema.validate(document, SARIF_SUBSET_SCHEMA)
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert isinstance(document, dict)
    return document


def test_driver_lists_documented_and_reported_rules(report: Report) -> None:
    driver = _sarif(report)["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("sggitops", "0.1.0")
    assert driver["rules"] == [
        {
            "id": "build/remote-base",
            "shortDescription": {"text": "Kustomizations must not load remote bases"},
        },
        {"id": "drift/edited", "shortDescription": {"text": "Generator-owned file edited by hand"}},
        {"id": "policy/expired-exception", "shortDescription": {"text": "policy/expired-exception"}},
        {"id": "secrets/plaintext", "shortDescription": {"text": "No plaintext Secret objects"}},
        {"id": "spec/reference", "shortDescription": {"text": "spec/reference"}},
    ]


def test_results_carry_level_message_and_location(report: Report) -> None:
    results = _sarif(report)["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("secrets/plaintext", "error"),
        ("build/remote-base", "error"),
        ("spec/reference", "warning"),
        ("policy/expired-exception", "note"),
    ]
    remote = results[1]
    assert remote["message"]["text"] == (
        'remote base "https://git.example/x?a=1&b=<2>" is not hermetic (vendor it under bases/)'
    )
    assert remote["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "overlays/run-dev/kustomization.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 12, "startColumn": 3},
    }
    assert remote["properties"] == {"cluster": "run-dev", "resource": "Kustomization//run-dev"}
    codequality = json.loads(REPORTERS["codequality"].render(report))
    assert remote["partialFingerprints"] == {"sggitops/v1": codequality[1]["fingerprint"]}


def test_a_finding_without_a_line_has_no_region(report: Report) -> None:
    results = _sarif(report)["runs"][0]["results"]
    unknown = results[2]
    assert unknown["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "platform.yaml", "uriBaseId": "%SRCROOT%"}
    }
    assert unknown["message"]["text"] == "app “wéb” ☃ targets cluster 'run-qa' & <nothing> else"
    assert "properties" not in unknown


def test_uris_are_percent_encoded_and_column_zero_is_left_out(report: Report) -> None:
    odd = dataclasses.replace(report.findings[0], file="overlays/run dev/kustomization #1.yaml", col=0)
    [result] = _sarif(Report(findings=[odd], tool_version="1.2.3"))["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "overlays/run%20dev/kustomization%20%231.yaml"
    assert location["region"] == {"startLine": 12}


def test_a_clean_run_has_an_empty_results_list(clean_report: Report) -> None:
    run = _sarif(clean_report)["runs"][0]
    assert run["results"] == []
    assert run["tool"]["driver"]["rules"] == []
