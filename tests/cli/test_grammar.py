"""One CLI grammar: the common options before or after the subcommand, `--strict` reaching the
command, `-o FORMAT[=FILE]` on every command that reports, `-v` steps with timings on stderr."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sggitops.cli import main

CASES = Path(__file__).resolve().parents[1] / "cases"
KYVERNO = Path(__file__).resolve().parents[1] / "policy_examples" / "kyverno" / "baseline"


@pytest.fixture
def warning_only(tmp_path: Path) -> Path:
    """A repo whose only finding is a warning (a deprecated API): exit 0, or 1 with --strict."""
    root = tmp_path / "repo"
    shutil.copytree(CASES / "api-deprecated-endpoints" / "repo", root)
    return root


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("validate", "-C", "{root}", "--strict"),
        ("-C", "{root}", "--strict", "validate"),
        ("--strict", "validate", "-C", "{root}"),
        ("-C", "{root}", "validate", "--strict", "--no-color", "--debug"),
    ],
)
def test_strict_reaches_validate_before_or_after_the_subcommand(
    warning_only: Path, args: tuple[str, ...]
) -> None:
    full = [a.format(root=warning_only) for a in args] + ["--kubernetes-version", "1.34"]
    code, out, _err = run(*full)
    assert code == 1, out
    lenient = [a for a in full if a != "--strict"]
    assert run(*lenient)[0] == 0


def test_validate_after_options_and_json_file(warning_only: Path, tmp_path: Path) -> None:
    report = tmp_path / "out" / "report.json"
    code, _out, _err = run(
        "validate",
        "-C",
        str(warning_only),
        "--strict",
        "-o",
        f"json={report}",
        "-q",
        "--kubernetes-version",
        "1.34",
    )
    assert code == 1
    doc = json.loads(report.read_text())
    assert doc["findings"][0]["rule"] == "api/deprecated"


def test_policy_test_writes_json_to_a_file_and_text_to_stdout(tmp_path: Path) -> None:
    report = tmp_path / "policy.json"
    code, out, _err = run("policy", "test", str(KYVERNO), "-o", f"json={report}", "-o", "text")
    assert code == 0
    assert json.loads(report.read_text())["summary"]["mismatch"] == 0
    assert "expected results" in out


def test_verbose_prints_steps_with_timings_on_stderr(warning_only: Path) -> None:
    code, out, err = run("validate", "-C", str(warning_only), "-v", "--kubernetes-version", "1.34")
    assert code == 0
    assert "render" in err and "s] " in err
    assert "s] " not in out


def test_unknown_output_format_is_a_usage_error(warning_only: Path) -> None:
    assert run("validate", "-C", str(warning_only), "-o", "yaml")[0] == 2
    assert run("versions", "-C", str(warning_only), "-o", "text", "-o", "json")[0] == 2
