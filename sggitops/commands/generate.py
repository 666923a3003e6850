"""`sggitops init` and `sggitops generate`."""

from __future__ import annotations

import click

from sggitops.bump.vcs import commit_generate, ensure_clean
from sggitops.commands.base import Context, check_vcs, common_options, finish, guarded, vcs_options
from sggitops.generate import write
from sggitops.generate.outcome import apply_summary, conflict_findings, drift_summary, redacted_diff
from sggitops.generate.plan import plan_repo
from sggitops.starter import write_starter


@click.command()
@common_options
@click.option("--force", is_flag=True, help="Overwrite an existing platform.yaml.")
@guarded
def init(ctx: Context, force: bool) -> None:
    """Write a starter platform.yaml (and `git init` when not in a repo)."""
    result = write_starter(ctx.root, force=force)
    ctx.info(f"wrote {result.spec}")
    if result.git_initialised:
        ctx.info(f"initialised a git repository in {ctx.root}")
    ctx.info("next: edit platform.yaml, then run `sggitops generate`")


@click.command()
@common_options
@click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 with a diff when the repo differs from the spec."
)
@vcs_options("sggitops/generate-<digest>")
@guarded
def generate(ctx: Context, check: bool, force: bool, commit: bool, push: bool) -> None:
    """Write the bases, overlays and lock from platform.yaml."""
    check_vcs(commit=commit, push=push, check=check)
    if commit:
        ensure_clean(ctx.root)
    with ctx.step("load and plan platform.yaml"):
        _platform, planned = plan_repo(ctx.root)
    if check:
        with ctx.step("compare with the repo"):
            changes = write.compare(ctx.root, planned)
        if not changes.changed:
            ctx.info(f"up to date: {len(planned.files)} generated files match platform.yaml")
            finish(ctx, [])
        click.echo(redacted_diff(ctx.root, planned), nl=False)
        ctx.error(drift_summary(changes))
        finish(ctx, [], failed=True)
    with ctx.step("write the generated files"):
        changes = write.apply(ctx.root, planned, force=force)
    findings = [] if force else conflict_findings(changes.conflicts)
    for finding in findings:
        ctx.error(finding.format())
    ctx.info(apply_summary(len(planned.files), changes, force=force))
    if commit and not findings:
        if not changes.changed:
            ctx.info("nothing to commit: the generated files were up to date")
        else:
            info = commit_generate(ctx.root, changes, planned.spec_digest, push=push)
            ctx.info(f"committed {len(info.paths)} files on branch {info.branch} ({info.sha[:12]})")
            if info.pushed_to:
                ctx.info(f"pushed {info.branch} to {info.pushed_to}")
    finish(ctx, findings)
