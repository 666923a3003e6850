"""The Report of one `validate` run. The validator has already taken every known secret value out of
the findings (a policy message interpolating a password, a build error echoing a value), so no output
format, and no cache entry, can carry one (see sggitops.redact)."""

from __future__ import annotations

from pathlib import Path

from sggitops import __version__
from sggitops.checks.rules import rule_docs
from sggitops.redact import scrub_findings
from sggitops.report.model import Report
from sggitops.validate import Progress, ValidateOptions, Validator


def validate_report(root: Path, options: ValidateOptions, progress: Progress | None = None) -> Report:
    """Validate the repo at `root` and return its report, secret values redacted."""
    result = Validator(root, options, progress=progress).run()
    return Report(
        findings=result.findings,
        tool_version=__version__,
        overlays=result.overlays,
        objects=result.objects,
        seconds=result.seconds,
        checked=result.clusters,
        rule_docs=rule_docs(),
        strict=options.strict,
    )


__all__ = ["scrub_findings", "validate_report"]
