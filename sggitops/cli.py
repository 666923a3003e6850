"""Click commands only: parse options, call the core, map errors to exit codes.

Exit codes: 0 ok; 1 findings at error level (or warnings with --strict), drift, conflicts;
2 usage; 3 input not loadable; 4 an external tool failed or is missing.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from sggitops import __version__
from sggitops.errors import InputError, SggitopsError, ToolError, UsageError

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Context:
    root: Path
    debug: bool
    verbosity: int
    color: bool

    def info(self, message: str) -> None:
        if self.verbosity >= 0:
            click.echo(message)

    def error(self, message: str) -> None:
        click.echo(message, err=True)


def _fail(ctx: Context, err: BaseException) -> NoReturn:
    if ctx.debug:
        traceback.print_exception(err)
    if isinstance(err, InputError):
        for line in err.lines():
            ctx.error(line)
        sys.exit(err.exit_code)
    if isinstance(err, ToolError):
        hint = f" ({err.hint})" if err.hint else ""
        ctx.error(f"error: {err.message}{hint}")
        sys.exit(err.exit_code)
    if isinstance(err, UsageError):
        raise click.UsageError(str(err))
    if isinstance(err, SggitopsError):
        ctx.error(f"error: {err}")
        sys.exit(err.exit_code)
    if isinstance(err, KeyboardInterrupt):
        ctx.error("interrupted")
        sys.exit(130)
    ctx.error(f"internal error: {type(err).__name__}: {err} (re-run with --debug and report it)")
    sys.exit(70)


def guarded(func: F) -> F:
    """Run a command body, mapping sggitops errors to messages and exit codes (tracebacks only with --debug)."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context().find_object(Context)
        assert ctx is not None
        try:
            return func(ctx, *args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except (SggitopsError, KeyboardInterrupt) as err:
            _fail(ctx, err)
        except Exception as err:
            _fail(ctx, err)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sggitops")
@click.option(
    "-C",
    "root",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    help="Repo root (default: .).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.option("-v", "--verbose", count=True, help="More output.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.option("--no-color", is_flag=True, help="No colors in terminal output.")
@click.pass_context
def main(
    click_ctx: click.Context, root: Path, debug: bool, verbose: int, quiet: bool, no_color: bool
) -> None:
    """Generate and validate the GitOps repository of a Big Bang fleet."""
    click_ctx.obj = Context(root=root, debug=debug, verbosity=-1 if quiet else verbose, color=not no_color)


@main.command()
@click.option("--force", is_flag=True, help="Overwrite an existing platform.yaml.")
@guarded
def init(ctx: Context, force: bool) -> None:
    """Write a starter platform.yaml (and `git init` when not in a repo)."""
    from sggitops.starter import write_starter

    result = write_starter(ctx.root, force=force)
    ctx.info(f"wrote {result.spec}")
    if result.git_initialised:
        ctx.info(f"initialised a git repository in {ctx.root}")
    ctx.info("next: edit platform.yaml, then run `sggitops generate`")


@main.command()
@click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 with a diff when the repo differs from the spec."
)
@click.option("--force", is_flag=True, help="Overwrite generated files that were edited by hand.")
@guarded
def generate(ctx: Context, check: bool, force: bool) -> None:
    """Write the bases, overlays and lock from platform.yaml."""
    from sggitops.generate import write
    from sggitops.generate.plan import plan_repo

    _platform, planned = plan_repo(ctx.root)
    if check:
        changes = write.compare(ctx.root, planned)
        if not changes.changed:
            ctx.info(f"up to date: {len(planned.files)} generated files match platform.yaml")
            return
        click.echo(write.diff(ctx.root, planned), nl=False)
        ctx.error(
            f"drift: {len(changes.create)} to create, {len(changes.update)} to update, {len(changes.remove)} to remove"
            " (run `sggitops generate` and commit the result)"
        )
        sys.exit(1)
    changes = write.apply(ctx.root, planned, force=force)
    if changes.conflicts and not force:
        for path in changes.conflicts:
            ctx.error(
                f"{path}:1:1: error [drift/edited] generated file was edited by hand; left as it is"
                " (move the change into platform.yaml, or re-run with --force to overwrite it)"
            )
    ctx.info(
        f"generated {len(planned.files)} files: {len(changes.create)} created, {len(changes.update)} updated, "
        f"{len(changes.remove)} removed, {changes.unchanged} unchanged"
    )
    if changes.conflicts and not force:
        sys.exit(1)
