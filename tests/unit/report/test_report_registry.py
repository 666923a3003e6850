from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from sggitops.errors import UsageError
from sggitops.report import REPORTERS, Report, parse_output_option, text_report, write_reports


def _console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, color_system=None, force_terminal=False, width=30), buffer


def test_registry_names_are_the_cli_choices() -> None:
    assert list(REPORTERS) == ["text", "json", "junit", "codequality", "sarif"]
    assert all(reporter.name == name for name, reporter in REPORTERS.items())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("json", ("json", None)),
        ("json=-", ("json", None)),
        ("junit=reports/junit.xml", ("junit", "reports/junit.xml")),
        ("sarif=a=b.sarif", ("sarif", "a=b.sarif")),
    ],
)
def test_parse_output_option(value: str, expected: tuple[str, str | None]) -> None:
    assert parse_output_option(value) == expected


def test_parse_output_option_rejects_unknown_formats_listing_the_valid_ones() -> None:
    with pytest.raises(
        UsageError, match=r"unknown output format 'xml'.*text, json, junit, codequality, sarif"
    ):
        parse_output_option("xml=out.xml")
    with pytest.raises(UsageError, match="missing file name"):
        parse_output_option("json=")


def test_each_format_goes_to_its_file_and_one_to_stdout(report: Report, tmp_path: Path) -> None:
    console, buffer = _console()
    junit = tmp_path / "reports" / "junit.xml"
    quality = tmp_path / "gl-code-quality.json"
    write_reports(report, [("junit", str(junit)), ("text", None), ("codequality", str(quality))], console)
    assert junit.read_text(encoding="utf-8") == REPORTERS["junit"].render(report)
    assert json.loads(quality.read_text(encoding="utf-8"))[0]["check_name"] == "secrets/plaintext"
    assert buffer.getvalue() == text_report(report), "text goes through the console, unwrapped"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["gl-code-quality.json", "junit.xml", "reports"]


def test_machine_formats_on_stdout_are_written_raw(report: Report) -> None:
    console, buffer = _console()
    write_reports(report, [("json", None)], console)
    assert buffer.getvalue() == REPORTERS["json"].render(report)
    stream = io.StringIO()
    write_reports(report, [("sarif", None)], console, stream=stream)
    assert json.loads(stream.getvalue())["version"] == "2.1.0"


def test_an_existing_report_is_replaced(report: Report, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old and much longer content than fits" * 100, encoding="utf-8")
    write_reports(report, [("json", str(target))], _console()[0])
    assert json.loads(target.read_text(encoding="utf-8"))["version"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_only_one_format_may_use_stdout_and_nothing_is_written_then(report: Report, tmp_path: Path) -> None:
    console, buffer = _console()
    target = tmp_path / "junit.xml"
    with pytest.raises(UsageError, match="only one output format can go to standard output, got text, json"):
        write_reports(report, [("junit", str(target)), ("text", None), ("json", None)], console)
    assert not target.exists()
    assert buffer.getvalue() == ""


def test_two_formats_into_one_file_is_a_usage_error(report: Report, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="both write"):
        write_reports(
            report,
            [("json", str(tmp_path / "r.json")), ("sarif", str(tmp_path / "." / "r.json"))],
            _console()[0],
        )


def test_unknown_format_in_targets_is_a_usage_error(report: Report) -> None:
    with pytest.raises(UsageError, match="choose from text, json"):
        write_reports(report, [("html", None)], _console()[0])


def test_an_unwritable_target_is_a_usage_error_and_leaves_no_temp_file(
    report: Report, tmp_path: Path
) -> None:
    directory = tmp_path / "taken"
    directory.mkdir()
    with pytest.raises(UsageError, match="cannot write report"):
        write_reports(report, [("json", str(directory))], _console()[0])
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]
    assert list(directory.iterdir()) == []
