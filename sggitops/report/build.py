"""The Report of one `validate` run: run the validator, then take every known secret value out of the
findings (a policy message interpolating a password, a build error echoing a value) before any
reporter sees them, so no output format can carry one (see sggitops.redact)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sggitops import __version__
from sggitops.checks.credentials import repo_scrubber
from sggitops.checks.rules import rule_docs
from sggitops.findings import Finding
from sggitops.redact import Scrubber
from sggitops.report.model import Report
from sggitops.validate import Progress, ValidateOptions, Validator


def validate_report(root: Path, options: ValidateOptions, progress: Progress | None = None) -> Report:
    """Validate the repo at `root` and return its report, secret values redacted."""
    result = Validator(root, options, progress=progress).run()
    scrub = repo_scrubber(root.resolve(), (o for r in result.renders.values() for o in r.objects))
    return Report(
        findings=scrub_findings(result.findings, scrub),
        tool_version=__version__,
        overlays=result.overlays,
        objects=result.objects,
        seconds=result.seconds,
        checked=result.clusters,
        rule_docs=rule_docs(),
        strict=options.strict,
    )


def scrub_findings(findings: list[Finding], scrub: Scrubber) -> list[Finding]:
    """The findings with every known secret value replaced in their message and hint."""
    if not scrub:
        return findings
    return [
        dataclasses.replace(f, message=scrub.scrub(f.message), hint=scrub.scrub(f.hint)) for f in findings
    ]
