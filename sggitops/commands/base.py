"""What every command shares: the run context, the common options, the shared option blocks, the error
and exit-code mapping, and `-o FORMAT[=FILE]` output.

Exit codes (README, "Exit codes"): 0 ok; 1 findings at error level (or warnings with --strict), drift,
conflicts; 2 usage; 3 input not loadable; 4 an external tool failed or is missing. Tracebacks only
with --debug.

Adding a command is one block (in `sggitops/cli.py` or a module of this package):

    @main.command()
    @common_options
    @output_option({"text": render_text, "json": render_json})
    @guarded
    def thing(ctx: Context, outputs: Outputs) -> None:
        result = core(ctx.root)                 # the core makes findings; it never prints
        emit(ctx, outputs, result)              # every -o target
        finish(ctx, result.findings)            # the one exit-code rule
"""

from __future__ import annotations

import contextlib
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console

from sggitops.errors import InputError, SggitopsError, ToolError, UsageError
from sggitops.findings import Finding
from sggitops.report.model import Report
from sggitops.report.registry import parse_output_option, write_atomic

F = TypeVar("F", bound=Callable[..., Any])
Outputs = list[tuple[str, str | None]]
"""(format, file) pairs from `-o FORMAT[=FILE]`; file None is standard output."""


@dataclass
class Context:
    """The common options of one run (set before or after the subcommand) and its step timer."""

    root: Path = Path(".")
    debug: bool = False
    verbosity: int = 0  # -1 quiet, 0 normal, >= 1 steps with timings on stderr
    color: bool = True
    strict: bool = False
    started: float = field(default_factory=time.perf_counter)

    def console(self, *, stderr: bool = False) -> Console:
        return Console(stderr=stderr, no_color=not self.color, highlight=False, soft_wrap=True)

    def info(self, message: str) -> None:
        if self.verbosity >= 0:
            click.echo(message)

    def error(self, message: str) -> None:
        click.echo(message, err=True)

    def debug_line(self, message: str) -> None:
        """A `-v` line on stderr: `[  1.23s] message`, the time since the command started."""
        if self.verbosity >= 1:
            click.echo(f"[{time.perf_counter() - self.started:7.2f}s] {message}", err=True)

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time one step of the command; with -v print its start and its duration."""
        start = time.perf_counter()
        self.debug_line(f"{name} ...")
        yield
        self.debug_line(f"{name}: done in {time.perf_counter() - start:.2f}s")


def _setter(attr: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(click_ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        if value in (None, False, 0):
            return  # not given here: keep what the other side of the subcommand set
        obj = click_ctx.ensure_object(Context)
        if attr == "verbosity":
            obj.verbosity = max(obj.verbosity, 0) + int(value)
        elif attr == "quiet":
            obj.verbosity = -1
        elif attr == "no_color":
            obj.color = False
        else:
            setattr(obj, attr, value)

    return callback


COMMON_OPTIONS = (
    click.option(
        "-C",
        "root",
        type=click.Path(file_okay=False, path_type=Path),
        expose_value=False,
        callback=_setter("root"),
        help="Repo root (default: .).",
    ),
    click.option(
        "--strict",
        is_flag=True,
        expose_value=False,
        callback=_setter("strict"),
        help="Warnings fail like errors.",
    ),
    click.option(
        "--debug", is_flag=True, expose_value=False, callback=_setter("debug"), help="Show tracebacks."
    ),
    click.option(
        "-v",
        "--verbose",
        count=True,
        expose_value=False,
        callback=_setter("verbosity"),
        help="Print steps with timings.",
    ),
    click.option(
        "-q", "--quiet", is_flag=True, expose_value=False, callback=_setter("quiet"), help="Only errors."
    ),
    click.option(
        "--no-color", is_flag=True, expose_value=False, callback=_setter("no_color"), help="No colors."
    ),
)


def common_options(func: F) -> F:
    """`-C`, `--strict`, `--debug`, `-v`, `-q`, `--no-color`: on the group and on every command, so they
    work before or after the subcommand."""
    for option in reversed(COMMON_OPTIONS):
        func = option(func)
    return func


def output_option(formats: Iterable[str], default: str = "text") -> Callable[[F], F]:
    """`-o/--output FORMAT[=FILE]`, repeatable; the command receives `outputs: Outputs`."""
    names = list(formats)

    def parse(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> Outputs:
        try:
            targets = [parse_output_option(v, names) for v in values] or [(default, None)]
        except UsageError as err:
            raise click.BadParameter(str(err)) from None
        if sum(1 for _n, f in targets if f is None) > 1:
            raise click.BadParameter("at most one format may go to standard output; give the others =FILE")
        return targets

    return click.option(
        "-o",
        "--output",
        "outputs",
        multiple=True,
        metavar="FORMAT[=FILE]",
        callback=parse,
        help=f"Output format: {', '.join(names)}; FORMAT=FILE writes a file; repeatable (default: {default}).",
    )


jobs_option = click.option(
    "--jobs", type=click.IntRange(1, 64), help="Parallel renders (default: CPU count)."
)
bigbang_repo_option = click.option(
    "--bigbang-repo",
    envvar="SGGITOPS_BIGBANG_REPO",
    metavar="URL-or-PATH",
    help="Big Bang git repo or local mirror (tags and chart schemas; env SGGITOPS_BIGBANG_REPO).",
)


helm_option = click.option(
    "--helm",
    "helm_bin",
    metavar="PATH",
    help="A helm binary for Big Bang renders (default: helm on PATH, else helm-python-sdk).",
)


def vcs_options(branch: str) -> Callable[[F], F]:
    """`--force`, `--commit`, `--push` for commands that write generated files."""

    def decorate(func: F) -> F:
        func = click.option("--push", is_flag=True, help="With --commit: push that branch to origin.")(func)
        func = click.option("--commit", is_flag=True, help=f"Commit on a new branch {branch}.")(func)
        return click.option(
            "--force", is_flag=True, help="Overwrite generated files that were edited by hand."
        )(func)

    return decorate


def check_vcs(*, commit: bool, push: bool, check: bool = False) -> None:
    if push and not commit:
        raise click.UsageError("--push goes with --commit")
    if commit and check:
        raise click.UsageError("--commit cannot go with --check")


def emit(ctx: Context, outputs: Outputs, renderers: Mapping[str, Callable[[], str]]) -> None:
    """Write each `-o` target: a file atomically, or standard output (unless -q)."""
    for name, path in outputs:
        text = renderers[name]()
        if path is None:
            if ctx.verbosity >= 0 or name != "text":
                click.echo(text, nl=not text.endswith("\n"))
        else:
            write_atomic(Path(path), text)
            ctx.debug_line(f"wrote {name} to {path}")


def finish(ctx: Context, findings: Iterable[Finding], *, failed: bool = False) -> NoReturn:
    """The one exit-code rule: 1 when any finding fails the run (errors; warnings under --strict) or
    the command says so (drift, conflicts, mismatches), else 0."""
    report = Report(findings=list(findings), tool_version="", strict=ctx.strict)
    sys.exit(1 if failed or report.failed else 0)


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
    """Run a command body with the Context first, mapping errors to messages and exit codes."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context().ensure_object(Context)
        try:
            return func(ctx, *args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except (SggitopsError, KeyboardInterrupt, Exception) as err:
            _fail(ctx, err)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper  # type: ignore[return-value]
