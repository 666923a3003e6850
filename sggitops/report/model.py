"""The input of every reporter: the findings of one `validate` run and what was checked."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sggitops.findings import Finding, Severity


@dataclass(frozen=True)
class Summary:
    """The counts of the `summary` object of `validate -o json` (README, "Output formats"); `infos` is extra and not part of the JSON shape."""

    errors: int
    warnings: int
    infos: int
    overlays: int
    objects: int
    seconds: float

    def to_json(self) -> dict[str, object]:
        return {
            "errors": self.errors,
            "warnings": self.warnings,
            "overlays": self.overlays,
            "objects": self.objects,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class Report:
    """One validate run.

    `checked` names what was validated (cluster names: one overlay per cluster); a finding belongs to
    the checked item equal to its `cluster`. `rule_docs` maps a rule id to its one-line description.
    `strict` makes warnings fail like errors (`--strict`). The error and warning counts are derived
    from `findings`, so they can never disagree with the findings list.
    """

    findings: list[Finding]
    tool_version: str
    overlays: int = 0
    objects: int = 0
    seconds: float = 0.0
    checked: list[str] = field(default_factory=list)
    rule_docs: Mapping[str, str] = field(default_factory=dict)
    strict: bool = False

    @property
    def summary(self) -> Summary:
        counts = {severity: 0 for severity in Severity}
        for finding in self.findings:
            counts[finding.severity] += 1
        return Summary(
            errors=counts[Severity.ERROR],
            warnings=counts[Severity.WARNING],
            infos=counts[Severity.INFO],
            overlays=self.overlays,
            objects=self.objects,
            seconds=self.seconds,
        )

    @property
    def failed(self) -> bool:
        """True when the run must exit 1: any error, or any warning under `--strict`."""
        return any(self.fails(finding) for finding in self.findings)

    def fails(self, finding: Finding) -> bool:
        """Whether this finding fails the run (errors always, warnings only when strict)."""
        if finding.severity is Severity.ERROR:
            return True
        return self.strict and finding.severity is Severity.WARNING

    def sorted_findings(self) -> list[Finding]:
        """Findings in report order: (file, line, col, rule), then message for a total, stable order."""
        return sorted(self.findings, key=sort_key)

    def describe(self, rule: str) -> str:
        """The rule's one-line description, or the rule id when it is not documented."""
        return self.rule_docs.get(rule) or rule


def sort_key(finding: Finding) -> tuple[str, int, int, str, str, int, str, str, str]:
    return (
        finding.file,
        finding.line,
        finding.col,
        finding.rule,
        finding.message,
        finding.severity.rank,
        finding.hint,
        finding.cluster,
        finding.resource,
    )


def fingerprints(findings: Iterable[Finding]) -> list[str]:
    """A stable, unique sha256 fingerprint per finding, in the order given.

    The digest covers rule, file, resource and message but not line or column, so a finding keeps its
    fingerprint when unrelated edits shift it. Findings equal on those fields are told apart by their
    occurrence number (the first keeps the plain digest), so pass findings in a stable order.
    """
    seen: dict[str, int] = {}
    result: list[str] = []
    for finding in findings:
        base = "\0".join((finding.rule, finding.file, finding.resource, finding.message))
        occurrence = seen.get(base, 0)
        seen[base] = occurrence + 1
        material = base if occurrence == 0 else f"{base}\0{occurrence}"
        result.append(hashlib.sha256(material.encode("utf-8")).hexdigest())
    return result
