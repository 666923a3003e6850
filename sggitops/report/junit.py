"""`-o junit`: JUnit XML for GitLab's unit test report (`artifacts:reports:junit`).

Layout: one `<testsuite>` per checked item (cluster overlay), plus `(repository)` for findings that
belong to no cluster (spec, drift, secrets ...). Every finding is one `<testcase>` with
`classname` = the suite and `name` = `severity [rule] file resource` (no line number, so GitLab can
match the same case between the base and head pipelines; repeats get ` #2`, ` #3`). A finding that
fails the run (an error, or a warning with `--strict`) carries `<failure message=... type=rule>` whose
text is the formatted finding; other warnings and infos are passing testcases that keep the formatted
finding in `<system-out>`. A suite without findings holds one passing `no findings` testcase, so a
clean run still shows what was checked.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from sggitops.findings import Finding
from sggitops.report.model import Report

REPOSITORY_SUITE = "(repository)"
CLEAN_CASE = "no findings"

# Characters XML 1.0 cannot carry, even escaped; ElementTree would write them raw.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def junit_report(report: Report) -> str:
    """The JUnit XML document as a string, with an XML declaration and a final newline."""
    root = junit_tree(report)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def junit_tree(report: Report) -> ET.Element:
    """`<testsuites>` with one `<testsuite>` per suite, counts consistent with their testcases."""
    suites = _group(report)
    root = ET.Element("testsuites", {"name": "sggitops validate"})
    total_tests = total_failures = 0
    for suite_name, findings in suites.items():
        suite = _suite(report, suite_name, findings)
        root.append(suite)
        total_tests += int(suite.get("tests", "0"))
        total_failures += int(suite.get("failures", "0"))
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    root.set("errors", "0")
    root.set("skipped", "0")
    root.set("time", f"{report.seconds:.3f}")
    return root


def _group(report: Report) -> dict[str, list[Finding]]:
    """Suite name -> its findings in report order; `(repository)` first, then suites by name."""
    groups: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.sorted_findings():
        groups[finding.cluster or REPOSITORY_SUITE].append(finding)
    names = sorted((set(report.checked) | set(groups)) - {REPOSITORY_SUITE})
    return {name: groups.get(name, []) for name in [REPOSITORY_SUITE, *names]}


def _suite(report: Report, name: str, findings: list[Finding]) -> ET.Element:
    suite = ET.Element("testsuite", {"name": _clean(name)})
    failures = 0
    used: dict[str, int] = {}
    for finding in findings:
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": _clean(name),
                "name": _unique(_clean(_case_name(finding)), used),
                "file": _clean(finding.file),
                "time": "0",
            },
        )
        if report.fails(finding):
            failures += 1
            failure = ET.SubElement(
                case, "failure", {"message": _clean(finding.message), "type": finding.rule}
            )
            failure.text = _clean(finding.format())
        else:
            ET.SubElement(case, "system-out").text = _clean(finding.format())
    if not findings:
        ET.SubElement(suite, "testcase", {"classname": _clean(name), "name": CLEAN_CASE, "time": "0"})
    suite.set("tests", str(len(suite)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", "0")
    return suite


def _case_name(finding: Finding) -> str:
    name = f"{finding.severity.value} [{finding.rule}] {finding.file}"
    return f"{name} {finding.resource}" if finding.resource else name


def _unique(name: str, used: dict[str, int]) -> str:
    count = used.get(name, 0) + 1
    used[name] = count
    return name if count == 1 else f"{name} #{count}"


def _clean(value: str) -> str:
    """Replace characters XML 1.0 forbids with U+FFFD; ElementTree escapes the rest (& < > ")."""
    return _XML_ILLEGAL.sub("\ufffd", value)
