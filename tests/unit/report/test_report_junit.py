from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

from sggitops.findings import Finding
from sggitops.report import REPORTERS, Report


def _parse(report: Report) -> ET.Element:
    text = REPORTERS["junit"].render(report)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))


def _assert_gitlab_readable(root: ET.Element) -> None:
    """What GitLab's JUnit parser relies on, and what makes the counts trustworthy."""
    assert root.tag == "testsuites"
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for suite in root:
        assert suite.tag == "testsuite"
        cases = suite.findall("testcase")
        assert cases, "a suite without testcases shows nothing in GitLab"
        counts = {
            "tests": len(cases),
            "failures": sum(1 for case in cases if case.find("failure") is not None),
            "errors": sum(1 for case in cases if case.find("error") is not None),
            "skipped": sum(1 for case in cases if case.find("skipped") is not None),
        }
        assert {key: int(suite.attrib[key]) for key in counts} == counts
        for key, value in counts.items():
            totals[key] += value
        keys = set()
        for case in cases:
            assert case.get("classname") and case.get("name")
            keys.add((case.get("classname"), case.get("name")))
            for failure in case.findall("failure"):
                assert failure.get("message") and failure.get("type") and failure.text
        assert len(keys) == len(cases), "GitLab keeps only the first testcase per classname+name"
    assert {key: int(root.attrib[key]) for key in totals} == totals


def test_junit_has_a_suite_per_checked_cluster_and_one_for_the_repository(report: Report) -> None:
    root = _parse(report)
    _assert_gitlab_readable(root)
    assert [suite.get("name") for suite in root] == ["(repository)", "build", "run-dev", "run-prod"]
    assert (root.get("tests"), root.get("failures"), root.get("time")) == ("5", "2", "1.235")


def test_errors_fail_with_the_formatted_finding_and_xml_specials_round_trip(
    report: Report, samples: dict[str, Finding]
) -> None:
    remote_base = samples["remote_base"]
    root = _parse(report)
    [case] = root.findall("testsuite[@name='run-dev']/testcase")
    assert case.attrib == {
        "classname": "run-dev",
        "name": "error [build/remote-base] overlays/run-dev/kustomization.yaml Kustomization//run-dev",
        "file": "overlays/run-dev/kustomization.yaml",
        "time": "0",
    }
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == remote_base.message
    assert failure.get("type") == "build/remote-base"
    assert failure.text == remote_base.format()
    raw = REPORTERS["junit"].render(report)
    assert "&amp;b=&lt;2&gt;" in raw


def test_warnings_and_infos_pass_unless_strict(report: Report, samples: dict[str, Finding]) -> None:
    unknown_cluster = samples["unknown_cluster"]
    root = _parse(report)
    [warning] = root.findall("testsuite[@name='(repository)']/testcase")
    assert warning.find("failure") is None
    out = warning.find("system-out")
    assert out is not None and out.text == unknown_cluster.format()
    assert "“wéb” ☃" in (out.text or "")

    strict = _parse(dataclasses.replace(report, strict=True))
    _assert_gitlab_readable(strict)
    assert strict.get("failures") == "3"
    [warning] = strict.findall("testsuite[@name='(repository)']/testcase")
    assert warning.find("failure") is not None
    [info] = strict.findall("testsuite[@name='build']/testcase[system-out]")
    assert info.get("name") == "info [policy/expired-exception] platform.yaml"


def test_a_clean_run_still_has_passing_testcases(clean_report: Report) -> None:
    root = _parse(clean_report)
    _assert_gitlab_readable(root)
    assert [(case.get("classname"), case.get("name")) for case in root.iter("testcase")] == [
        ("(repository)", "no findings"),
        ("build", "no findings"),
        ("run-dev", "no findings"),
    ]
    assert root.get("failures") == "0"


def test_repeated_findings_get_unique_testcase_names(samples: dict[str, Finding]) -> None:
    remote_base = samples["remote_base"]
    twin = dataclasses.replace(remote_base, line=40)
    root = _parse(Report(findings=[remote_base, twin, twin], tool_version="0.1.0"))
    _assert_gitlab_readable(root)
    names = [case.get("name") for case in root.iter("testcase") if case.get("classname") == "run-dev"]
    assert names[1:] == [f"{names[0]} #2", f"{names[0]} #3"]


def test_characters_xml_cannot_carry_are_replaced(samples: dict[str, Finding]) -> None:
    remote_base = samples["remote_base"]
    bell = dataclasses.replace(remote_base, message="kustomize said \x1b[31mno\x07")
    root = _parse(Report(findings=[bell], tool_version="0.1.0"))
    failure = root.find(".//failure")
    assert failure is not None
    assert failure.get("message") == "kustomize said \ufffd[31mno\ufffd"
