"""A bump told as prose, and its problems as findings (the CLI prints these, nothing else)."""

from __future__ import annotations

from collections.abc import Iterator

from sggitops.bump.bump import BumpPlan, BumpResult, MigrationNote
from sggitops.bump.migrate import ChoiceChange
from sggitops.bump.plan import ClusterMove
from sggitops.findings import Finding, Severity
from sggitops.spec.load import SPEC_FILE
from sggitops.specfile import parse_spec

SCHEMA_HINT = "fix the cluster's values in platform.yaml, then run `sggitops generate`"


def describe_move(move: ClusterMove) -> str:
    verb = "moves up" if move.direction > 0 else "moves down" if move.direction < 0 else "stays"
    env = f" (environment {move.environment})" if move.environment else ""
    return f"cluster {move.cluster}{env} {verb} from Big Bang {move.from_version} to {move.to_version}"


def describe_choice(change: ChoiceChange) -> str:
    return f"choice {change.field} switches from {change.before} to {change.after}: {change.reason}"


def describe_migration(note: MigrationNote) -> str:
    return str(note)


def describe_plan(plan: BumpPlan) -> Iterator[str]:
    """One sentence per thing the bump does, in the order it does them."""
    for move in plan.moved:
        yield describe_move(move)
    if plan.skipped:
        yield f"skipping minor release(s) {', '.join(plan.skipped)} (from the {plan.skipped_from})"
    for change in plan.choice_changes:
        yield describe_choice(change)
    for note in plan.migrations:
        yield describe_migration(note)


def schema_findings(plan: BumpPlan, result: BumpResult) -> list[Finding]:
    """bigbang/values-schema for each problem of a moved cluster's merged values, at its spec line."""
    if not result.schema_errors:
        return []
    bumped = parse_spec(plan.spec_after, SPEC_FILE)
    findings: list[Finding] = []
    for cluster, problems in sorted(result.schema_errors.items()):
        loc = bumped.cluster(cluster).location
        line, col = (loc.line, loc.col) if loc is not None else (1, 1)
        findings.extend(
            Finding(
                SPEC_FILE,
                line,
                col,
                "bigbang/values-schema",
                Severity.ERROR,
                f"cluster {cluster}: {problem}",
                hint=SCHEMA_HINT,
                cluster=cluster,
            )
            for problem in problems
        )
    return findings
