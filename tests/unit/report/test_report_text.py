from __future__ import annotations

import io
import re

from rich.console import Console

from sggitops.report import Report, render_text, text_report


def _console(*, color: bool, width: int = 40) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    if color:
        return Console(file=buffer, force_terminal=True, color_system="standard", width=width), buffer
    return Console(file=buffer, color_system=None, force_terminal=False, width=width), buffer


def test_plain_text_is_grouped_by_file_with_exact_finding_lines(report: Report) -> None:
    assert text_report(report) == (
        "overlays/build/secret.yaml:1:1: error [secrets/plaintext] Secret gitlab/root-password is not SOPS-encrypted\n"
        "\n"
        "overlays/run-dev/kustomization.yaml:12:3: error [build/remote-base] "
        'remote base "https://git.example/x?a=1&b=<2>" is not hermetic (vendor it under bases/)\n'
        "\n"
        "platform.yaml:0:0: warning [spec/reference] app “wéb” ☃ targets cluster 'run-qa' & <nothing> else\n"
        "platform.yaml:41:9: info [policy/expired-exception] "
        "exception for disallow-privileged-containers expires in 10 days (renew or remove it)\n"
        "\n"
        "2 errors, 1 warning, 1 info in 3 overlays, 120 objects (1.23s): FAILED\n"
    )


def test_lines_are_never_wrapped_nor_read_as_markup_on_a_narrow_console(report: Report) -> None:
    console, buffer = _console(color=False, width=20)
    render_text(report, console)
    lines = buffer.getvalue().splitlines()
    for finding in report.findings:
        assert finding.format() in lines
    assert "\x1b" not in buffer.getvalue()


def test_colour_styles_the_line_without_changing_its_text(report: Report) -> None:
    console, buffer = _console(color=True)
    render_text(report, console)
    coloured = buffer.getvalue()
    assert "\x1b[1;31merror\x1b[0m" in coloured
    assert "\x1b[33mwarning\x1b[0m" in coloured
    assert "\x1b[36m[build/remote-base]\x1b[0m" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == text_report(report)


def test_clean_run_prints_only_the_summary(clean_report: Report) -> None:
    assert text_report(clean_report) == "No findings in 2 overlays, 40 objects (0.50s)\n"


def test_strict_warnings_fail_and_say_so(report: Report) -> None:
    warnings_only = Report(
        findings=[f for f in report.findings if f.severity.value != "error"],
        tool_version="0.1.0",
        overlays=1,
        objects=1,
        seconds=0.0,
        strict=True,
    )
    assert text_report(warnings_only).splitlines()[-1] == (
        "0 errors, 1 warning, 1 info in 1 overlay, 1 object (0.00s): FAILED (strict)"
    )
    relaxed = Report(findings=warnings_only.findings, tool_version="0.1.0")
    assert text_report(relaxed).splitlines()[-1].endswith(": passed")
