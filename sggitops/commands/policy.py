"""`sggitops policy test`."""

from __future__ import annotations

from pathlib import Path

import click

from sggitops.commands.base import Context, Outputs, common_options, emit, finish, guarded, output_option
from sggitops.policy.testing import render_json, render_text, run_suites


@click.group()
def policy() -> None:
    """Policy tools."""


@policy.command("test")
@common_options
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@output_option(("text", "json"))
@guarded
def policy_test(ctx: Context, directory: Path, outputs: Outputs) -> None:
    """Run Kyverno kyverno-test.yaml and Gatekeeper suite.yaml suites under DIRECTORY, scored strictly."""
    with ctx.step("run the suites"):
        result = run_suites(directory)
    emit(ctx, outputs, {"text": lambda: render_text(result), "json": lambda: render_json(result)})
    failing = result.mismatch > 0 or (ctx.strict and result.unsupported > 0) or not result.cases
    finish(ctx, [], failed=failing)
