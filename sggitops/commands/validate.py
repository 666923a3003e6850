"""`sggitops validate`: parse options, run the validate core, write every report, exit."""

from __future__ import annotations

import sys
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as Bar

from sggitops.commands.base import (
    Context,
    Outputs,
    bigbang_repo_option,
    common_options,
    finish,
    guarded,
    helm_option,
    jobs_option,
    output_option,
)
from sggitops.report import REPORTERS
from sggitops.report.build import validate_report
from sggitops.report.registry import write_reports
from sggitops.validate import ValidateOptions, parse_shard


class Progress:
    """Stage reports from the validator: a rich bar on a terminal (unless -q), step lines with -v."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.stage = ""
        self.bar: Any = None
        self.tasks: dict[str, Any] = {}
        if ctx.verbosity == 0 and sys.stderr.isatty():
            self.bar = Bar(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=ctx.console(stderr=True),
                transient=True,
            )

    def __enter__(self) -> Progress:
        if self.bar is not None:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)
        if self.stage:
            self.ctx.debug_line(f"{self.stage}: done")

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.ctx.debug_line(f"{stage} ..." if not self.stage else f"{self.stage}: done; {stage} ...")
            self.stage = stage
        if self.bar is None:
            return
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(stage, total=total)
        self.bar.update(self.tasks[stage], completed=done, total=total)


@click.command()
@common_options
@output_option(REPORTERS)
@click.option(
    "--changed-since", metavar="REF", help="Render only overlays whose inputs changed since this git ref."
)
@click.option(
    "--shard", metavar="I/N", help="Validate only shard I of N (GitLab: $CI_NODE_INDEX/$CI_NODE_TOTAL)."
)
@bigbang_repo_option
@click.option("--app-sources", is_flag=True, help="Also fetch and render each child Application's source.")
@click.option(
    "--kustomize", "kustomize_bin", metavar="PATH", help="A kustomize binary instead of `kubectl kustomize`."
)
@jobs_option
@click.option(
    "--timeout", type=click.FloatRange(1, 3600), default=120.0, show_default=True, help="Seconds per render."
)
@click.option(
    "--schema-dir",
    "schema_dirs",
    multiple=True,
    type=click.Path(file_okay=False, exists=True),
    help="Extra CRD JSON schemas in the {group}/{kind}_{version}.json layout.",
)
@click.option(
    "--kubernetes-version", metavar="1.XX", help="Kubernetes version for repos without platform.yaml."
)
@click.option("--no-cache", is_flag=True, help="Do not read or write the render cache.")
@helm_option
@guarded
def validate(
    ctx: Context,
    outputs: Outputs,
    changed_since: str | None,
    shard: str | None,
    bigbang_repo: str | None,
    app_sources: bool,
    kustomize_bin: str | None,
    jobs: int | None,
    timeout: float,
    schema_dirs: tuple[str, ...],
    kubernetes_version: str | None,
    no_cache: bool,
    helm_bin: str | None,
) -> None:
    """Render every overlay and run every check; report findings (exit 1 on errors)."""
    options = ValidateOptions(
        changed_since=changed_since,
        shard=parse_shard(shard) if shard else None,
        bigbang_repo=bigbang_repo,
        app_sources=app_sources,
        strict=ctx.strict,
        kustomize=kustomize_bin,
        jobs=jobs,
        timeout=timeout,
        schema_dirs=schema_dirs,
        use_cache=not no_cache,
        kubernetes_version=kubernetes_version,
        helm=helm_bin,
    )
    with Progress(ctx) as progress:
        report = validate_report(ctx.root, options, progress=progress)
    if ctx.verbosity >= 0 or any(fmt != "text" for fmt, _ in outputs):
        write_reports(report, outputs, ctx.console())
    finish(ctx, report.findings)
