"""`sggitops diff` and `sggitops gitlab note`."""

from __future__ import annotations

import os
from pathlib import Path

import click

from sggitops.commands.base import (
    Context,
    Outputs,
    bigbang_repo_option,
    common_options,
    emit,
    finish,
    guarded,
    helm_option,
    jobs_option,
    output_option,
)
from sggitops.diff import diff_refs, to_json, to_markdown, to_text
from sggitops.gitlab import post_note
from sggitops.paths import cache_root

DIFF_FORMATS = ("text", "markdown", "json")


@click.command()
@common_options
@click.option(
    "--base", required=True, metavar="REF", help="The git ref to compare against (e.g. origin/main)."
)
@click.option("--head", metavar="REF", help="The git ref to compare (default: the working tree).")
@output_option(DIFF_FORMATS)
@jobs_option
@click.option(
    "--max-bytes",
    type=click.IntRange(10_000),
    default=900_000,
    show_default=True,
    help="Size cap of the markdown report (GitLab notes hold about 1 MB).",
)
@bigbang_repo_option
@helm_option
@guarded
def diff(
    ctx: Context,
    base: str,
    head: str | None,
    outputs: Outputs,
    jobs: int | None,
    max_bytes: int,
    bigbang_repo: str | None,
    helm_bin: str | None,
) -> None:
    """Rendered per-cluster, per-resource diff between two git refs (secret values redacted)."""
    root = ctx.root.resolve()
    with ctx.step("render and compare both refs"):
        result = diff_refs(
            root,
            base,
            head,
            cache_dir=cache_root(root),
            jobs=jobs or (os.cpu_count() or 2),
            bigbang_repo=bigbang_repo,
            helm=helm_bin,
        )
    emit(
        ctx,
        outputs,
        {
            "text": lambda: to_text(result),
            "markdown": lambda: to_markdown(result, max_bytes=max_bytes),
            "json": lambda: to_json(result),
        },
    )
    for finding in result.findings:
        ctx.error(finding.format())
    finish(ctx, result.findings)


@click.group()
def gitlab() -> None:
    """GitLab integration."""


@gitlab.command("note")
@common_options
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@guarded
def gitlab_note(ctx: Context, file: Path) -> None:
    """Create or update (in place) this tool's note on the current merge request.

    Reads CI_SERVER_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID and a token in SGGITOPS_GITLAB_TOKEN
    (a project/group access token or a personal access token with the `api` scope; CI_JOB_TOKEN cannot post).
    """
    result = post_note(file.read_text("utf-8"), env=os.environ)
    ctx.info(f"{result.action} note {result.note_id}: {result.url}")
