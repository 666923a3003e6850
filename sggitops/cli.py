"""The `sggitops` command line: the group, its common options, and every command.

Commands live in `sggitops.commands` (one module per family) and only parse options, call one core
function, print its result and exit through `commands.base.finish` (exit codes: 0 ok; 1 findings at
error level, or warnings with --strict, drift, conflicts; 2 usage; 3 input not loadable; 4 an
external tool failed or is missing). See `sggitops.commands.base` for how to add a command or option.
"""

from __future__ import annotations

import click

from sggitops import __version__
from sggitops.commands.base import (  # the pieces a command block needs, importable from here too
    Context,
    Outputs,
    bigbang_repo_option,
    common_options,
    emit,
    finish,
    guarded,
    jobs_option,
    output_option,
    vcs_options,
)
from sggitops.commands.bump import bump, versions
from sggitops.commands.diff import diff, gitlab
from sggitops.commands.generate import generate, init
from sggitops.commands.policy import policy
from sggitops.commands.rollout import rollout
from sggitops.commands.validate import validate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sggitops")
@common_options
@click.pass_context
def main(click_ctx: click.Context) -> None:
    """Generate and validate the GitOps repository of a Big Bang fleet."""
    click_ctx.ensure_object(Context)


for _command in (init, generate, validate, diff, policy, bump, versions, rollout, gitlab):
    main.add_command(_command)

__all__ = [
    "Context",
    "Outputs",
    "bigbang_repo_option",
    "common_options",
    "emit",
    "finish",
    "guarded",
    "jobs_option",
    "main",
    "output_option",
    "vcs_options",
]

# New commands: append a block here (or a module in sggitops/commands/ added to the tuple above):
#
#     @main.command()
#     @common_options
#     @output_option(("text", "json"))
#     @guarded
#     def rollout(ctx: Context, outputs: Outputs) -> None:
#         """One line of help."""
#         result = core(ctx.root)  # findings are made in the core
#         emit(ctx, outputs, {"text": lambda: to_text(result), "json": lambda: to_json(result)})
#         finish(ctx, result.findings)
