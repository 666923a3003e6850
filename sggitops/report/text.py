"""`-o text`: one `path:line:col: severity [rule-id] message (hint)` line per finding, then a summary."""

from __future__ import annotations

import io
from itertools import groupby

from rich.console import Console
from rich.text import Text

from sggitops.findings import Finding, Severity
from sggitops.report.model import Report, Summary

SEVERITY_STYLES = {
    Severity.ERROR: "bold red",
    Severity.WARNING: "yellow",
    Severity.INFO: "blue",
}


def render_text(report: Report, console: Console) -> None:
    """Print the report on `console`; the console decides colour and terminal handling.

    Findings are grouped by file (a blank line between files); lines are never wrapped, so each one
    stays exactly `Finding.format()` and remains clickable and greppable.
    """
    by_file = groupby(report.sorted_findings(), key=lambda finding: finding.file)
    for index, (_, findings) in enumerate(by_file):
        if index:
            console.print()
        for finding in findings:
            console.print(finding_text(finding), soft_wrap=True, highlight=False)
    if report.findings:
        console.print()
    console.print(summary_text(report), soft_wrap=True, highlight=False)


def text_report(report: Report) -> str:
    """The text report without colour, as written to a file by `-o text=FILE`."""
    buffer = io.StringIO()
    console = Console(file=buffer, color_system=None, force_terminal=False, width=10_000)
    render_text(report, console)
    return buffer.getvalue()


def finding_text(finding: Finding) -> Text:
    """`Finding.format()` with styles on the location, severity and rule id (never markup-parsed)."""
    text = Text(finding.format())
    location = f"{finding.file}:{finding.line}:{finding.col}:"
    text.stylize("bold", 0, len(location))
    start = len(location) + 1
    end = start + len(finding.severity.value)
    text.stylize(SEVERITY_STYLES[finding.severity], start, end)
    rule_end = end + 1 + len(finding.rule) + 2
    text.stylize("cyan", end + 1, rule_end)
    if finding.hint:
        text.stylize("dim", len(text) - len(finding.hint) - 2)
    return text


def summary_text(report: Report) -> Text:
    """E.g. `2 errors, 1 warning, 0 infos in 3 overlays, 120 objects (1.25s)`, or a clean-run line."""
    summary = report.summary
    scope = (
        f"{_count(summary.overlays, 'overlay')}, {_count(summary.objects, 'object')} ({summary.seconds:.2f}s)"
    )
    if not report.findings:
        return Text(f"No findings in {scope}", style="bold green")
    counts = _counts(summary)
    verdict = "FAILED" if report.failed else "passed"
    strict = " (strict)" if report.strict else ""
    return Text(f"{counts} in {scope}: {verdict}{strict}", style="bold red" if report.failed else "bold")


def _counts(summary: Summary) -> str:
    return ", ".join(
        (
            _count(summary.errors, "error"),
            _count(summary.warnings, "warning"),
            _count(summary.infos, "info"),
        )
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
