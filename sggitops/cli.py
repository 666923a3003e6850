"""The `sggitops` command line: the group, its common options, and every command.

Commands live in `sggitops.commands` (one module per family) and only parse options, call one core
function, print its result and exit through `commands.base.finish` (exit codes: 0 ok; 1 findings at
error level, or warnings with --strict, drift, conflicts; 2 usage; 3 input not loadable; 4 an
external tool failed or is missing). See `sggitops.commands.base` for how to add a command or option.
"""

from __future__ import annotations

import importlib

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

COMMANDS = {
    "init": "sggitops.commands.generate:init",
    "generate": "sggitops.commands.generate:generate",
    "validate": "sggitops.commands.validate:validate",
    "diff": "sggitops.commands.diff:diff",
    "policy": "sggitops.commands.policy:policy",
    "bump": "sggitops.commands.bump:bump",
    "versions": "sggitops.commands.bump:versions",
    "rollout": "sggitops.commands.rollout:rollout",
    "gitlab": "sggitops.commands.diff:gitlab",
}
"""Every command, by where it lives: a command's module (and the core it needs) is imported only when
that command runs or help lists it, so `sggitops validate` does not pay for bump's or diff's imports."""


class LazyGroup(click.Group):
    """A click group that imports a command from `COMMANDS` on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, _, attr = COMMANDS[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sggitops")
@common_options
@click.pass_context
def main(click_ctx: click.Context) -> None:
    """Generate and validate the GitOps repository of a Big Bang fleet."""
    click_ctx.ensure_object(Context)


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

# New commands: append a block here (or a module in sggitops/commands/ named in COMMANDS above):
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
