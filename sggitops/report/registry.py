"""The reporters by name, `-o FORMAT[=FILE]` parsing and writing several reports from one run."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from rich.console import Console

from sggitops.errors import UsageError
from sggitops.report.codequality import codequality_report
from sggitops.report.json_report import json_report
from sggitops.report.junit import junit_report
from sggitops.report.model import Report
from sggitops.report.sarif import sarif_report
from sggitops.report.text import render_text, text_report


@dataclass(frozen=True)
class Reporter:
    """A named output format: `render` gives the file content; `show` (text only) prints on a console."""

    name: str
    description: str
    render: Callable[[Report], str]
    show: Callable[[Report, Console], None] | None = None

    def emit(self, report: Report, console: Console, stream: TextIO | None = None) -> None:
        """Write to standard output: through the console when the format has `show`, else raw to
        `stream` (default: the console's file) so machine formats are never wrapped or styled."""
        if self.show is not None:
            self.show(report, console)
            return
        out = stream if stream is not None else console.file
        out.write(self.render(report))
        out.flush()


REPORTERS: dict[str, Reporter] = {
    reporter.name: reporter
    for reporter in (
        Reporter("text", "path:line:col lines and a summary, for people", text_report, render_text),
        Reporter("json", "the stable `validate -o json` document (README, Output formats)", json_report),
        Reporter("junit", "JUnit XML for GitLab unit test reports", junit_report),
        Reporter("codequality", "GitLab Code Quality JSON", codequality_report),
        Reporter("sarif", "SARIF 2.1.0", sarif_report),
    )
}


def parse_output_option(value: str, formats: Iterable[str] | None = None) -> tuple[str, str | None]:
    """`FORMAT` or `FORMAT=FILE` -> (format, file or None for stdout); `FORMAT=-` also means stdout.

    `formats` are the valid names (default: the validate reporters)."""
    choices = list(formats) if formats is not None else list(REPORTERS)
    name, sep, path = value.partition("=")
    name = name.strip()
    if name not in choices:
        raise UsageError(f"unknown output format {name!r} in -o {value!r}; choose from {', '.join(choices)}")
    if not sep or path == "-":
        return name, None
    if not path.strip():
        raise UsageError(f"-o {value!r}: missing file name after '=' (use {name}, {name}=- or {name}=FILE)")
    return name, path


def write_reports(
    report: Report,
    targets: list[tuple[str, str | None]],
    console: Console,
    *,
    stream: TextIO | None = None,
) -> None:
    """Write each (format, file) target; file None means standard output (console, or `stream`).

    All targets are checked before anything is written: unknown formats, more than one format on
    standard output, and two formats into one file are usage errors. Files are written atomically
    (a temporary file in the same directory, then `os.replace`), parent directories created.
    """
    _check_targets(targets)
    for name, path in targets:
        reporter = REPORTERS[name]
        if path is None:
            reporter.emit(report, console, stream)
        else:
            write_atomic(Path(path), reporter.render(report))


def _check_targets(targets: list[tuple[str, str | None]]) -> None:
    unknown = [name for name, _ in targets if name not in REPORTERS]
    if unknown:
        raise UsageError(f"unknown output format {unknown[0]!r}; choose from {', '.join(REPORTERS)}")
    to_stdout = [name for name, path in targets if path is None]
    if len(to_stdout) > 1:
        raise UsageError(
            f"only one output format can go to standard output, got {', '.join(to_stdout)}; "
            "give the others a file (-o FORMAT=FILE)"
        )
    seen: dict[str, str] = {}
    for name, path in targets:
        if path is None:
            continue
        key = os.path.normpath(os.path.abspath(path))
        if key in seen:
            raise UsageError(f"-o {seen[key]} and -o {name} both write {path}; give each its own file")
        seen[key] = name


def write_atomic(path: Path, content: str) -> None:
    """Replace `path` with `content` (UTF-8) so readers never see a half-written report."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise UsageError(f"cannot write report {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write report {path}: {exc.strerror or exc}") from exc
        raise
