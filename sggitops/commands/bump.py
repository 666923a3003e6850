"""`sggitops bump bigbang` and `sggitops versions`."""

from __future__ import annotations

import click

from sggitops.bump.bump import apply_bump, plan_bump
from sggitops.bump.plan import default_source
from sggitops.bump.summary import describe_plan, schema_findings
from sggitops.bump.vcs import commit_bump, ensure_clean
from sggitops.bump.versions import (
    PackageRow,
    fleet_matrix,
    package_matrix,
    render_matrix_json,
    render_matrix_text,
    render_packages_text,
)
from sggitops.checks.skew import skew_findings
from sggitops.commands.base import (
    Context,
    Outputs,
    bigbang_repo_option,
    check_vcs,
    common_options,
    emit,
    finish,
    guarded,
    helm_option,
    output_option,
    vcs_options,
)
from sggitops.diff import to_text
from sggitops.paths import cache_root
from sggitops.spec.load import SPEC_FILE
from sggitops.specfile import load_spec


@click.group()
def bump() -> None:
    """Version bumps."""


@bump.command("bigbang")
@common_options
@click.argument("version")
@click.option(
    "--environment", "environments", multiple=True, metavar="E", help="Pin this environment (a wave)."
)
@click.option("--cluster", "clusters", multiple=True, metavar="C", help="Pin this cluster.")
@click.option(
    "--allow-skip", is_flag=True, help="Allow skipping minor versions (Big Bang asks for one at a time)."
)
@click.option("--allow-downgrade", is_flag=True, help="Allow moving to an older version.")
@bigbang_repo_option
@vcs_options("sggitops/bump-bigbang-<version>[-<scope>]")
@helm_option
@guarded
def bump_bigbang(
    ctx: Context,
    version: str,
    environments: tuple[str, ...],
    clusters: tuple[str, ...],
    allow_skip: bool,
    allow_downgrade: bool,
    bigbang_repo: str | None,
    force: bool,
    commit: bool,
    push: bool,
    helm_bin: str | None,
) -> None:
    """Pin Big Bang VERSION for the fleet, environments or clusters; migrate values; regenerate; show the diff."""
    check_vcs(commit=commit, push=push)
    if commit:
        ensure_clean(ctx.root)
    with ctx.step("plan the bump"):
        planned = plan_bump(
            ctx.root,
            version,
            environments=environments,
            clusters=clusters,
            allow_skip=allow_skip,
            allow_downgrade=allow_downgrade,
            bigbang_repo=bigbang_repo,
        )
    for line in describe_plan(planned):
        ctx.info(line)
    for warning in planned.warnings:
        ctx.error(f"warning: {warning}")
    if not planned.changed:
        ctx.info(f"nothing to do: the scope already runs Big Bang {version}")
        finish(ctx, [])
    with ctx.step("write, regenerate and check the values"):
        result = apply_bump(ctx.root, planned, force=force, helm=helm_bin)
    for warning in result.warnings:
        ctx.error(f"warning: {warning}")
    findings = schema_findings(planned, result)
    for finding in findings:
        ctx.error(finding.format())
    click.echo(to_text(result.rendered) if result.rendered is not None else result.files_diff, nl=False)
    if commit:
        info = commit_bump(ctx.root, planned, result, push=push)
        ctx.info(f"committed on branch {info.branch} ({info.sha[:12]})")
        if info.pushed_to:
            ctx.info(f"pushed {info.branch} to {info.pushed_to}")
    finish(ctx, findings)


@click.command()
@common_options
@output_option(("text", "json"))
@click.option(
    "--max-behind",
    type=click.IntRange(0),
    default=2,
    show_default=True,
    help="Warn when a cluster is more than N minor releases behind the fleet's newest.",
)
@click.option(
    "--packages", is_flag=True, help="Also each Big Bang package's version per cluster (renders the chart)."
)
@bigbang_repo_option
@helm_option
@guarded
def versions(
    ctx: Context,
    outputs: Outputs,
    max_behind: int,
    packages: bool,
    bigbang_repo: str | None,
    helm_bin: str | None,
) -> None:
    """The fleet matrix (cluster, environment, Big Bang, Kubernetes) with skew warnings."""
    platform = load_spec(ctx.root / SPEC_FILE, display=SPEC_FILE)
    rows = fleet_matrix(platform)
    warnings = list(skew_findings(platform, max_behind=max_behind))
    package_rows: list[PackageRow] = []
    notes: list[str] = []
    if packages:
        with ctx.step("render Big Bang per cluster"):
            package_rows, notes = package_matrix(
                platform,
                source=default_source(platform, bigbang_repo),
                cache_dir=cache_root(ctx.root),
                helm=helm_bin,
            )
    emit(
        ctx,
        outputs,
        {
            "text": lambda: (
                render_matrix_text(rows, warnings)
                + ("\n" + render_packages_text(package_rows, notes) if packages else "")
            ),
            "json": lambda: render_matrix_json(rows, warnings, package_rows if packages else None, notes),
        },
    )
    finish(ctx, warnings)
