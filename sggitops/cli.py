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
    strict: bool = False

    def console(self, *, stderr: bool = False) -> Any:
        from rich.console import Console

        return Console(stderr=stderr, no_color=not self.color, highlight=False, soft_wrap=True)

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


def _outputs(values: tuple[str, ...]) -> list[tuple[str, str | None]]:
    from sggitops.report import parse_output_option

    return [parse_output_option(v) for v in values] or [("text", None)]


class _Progress:
    """A rich progress bar on stderr, only on a terminal and only when not quiet."""

    def __init__(self, ctx: Context) -> None:
        import sys as _sys

        self.enabled = ctx.verbosity >= 0 and _sys.stderr.isatty()
        self.bar: Any = None
        self.tasks: dict[str, Any] = {}
        if self.enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=ctx.console(stderr=True),
                transient=True,
            )

    def __enter__(self) -> _Progress:
        if self.bar is not None:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.bar is None:
            return
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(stage, total=total)
        self.bar.update(self.tasks[stage], completed=done, total=total)


@main.command()
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    metavar="FORMAT[=FILE]",
    help="Report format: text, json, junit, codequality, sarif; repeat for several reports (default: text).",
)
@click.option("--strict", "strict_here", is_flag=True, help="Warnings fail like errors.")
@click.option(
    "--changed-since", metavar="REF", help="Render only overlays whose inputs changed since this git ref."
)
@click.option(
    "--shard", metavar="I/N", help="Validate only shard I of N (GitLab: $CI_NODE_INDEX/$CI_NODE_TOTAL)."
)
@click.option(
    "--bigbang-repo",
    envvar="SGGITOPS_BIGBANG_REPO",
    metavar="URL-or-PATH",
    help="Big Bang git repo or local mirror to read chart schemas from (env SGGITOPS_BIGBANG_REPO).",
)
@click.option(
    "--app-sources",
    is_flag=True,
    help="Also fetch and render each child Application's source for policy checks.",
)
@click.option(
    "--kustomize",
    "kustomize_bin",
    metavar="PATH",
    help="A kustomize binary to use instead of `kubectl kustomize`.",
)
@click.option("--jobs", type=click.IntRange(1, 64), help="Parallel renders (default: CPU count).")
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
@guarded
def validate(
    ctx: Context,
    outputs: tuple[str, ...],
    strict_here: bool,
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
) -> None:
    """Render every overlay and run every check; report findings (exit 1 on errors)."""
    from sggitops import __version__
    from sggitops.report import Report, write_reports
    from sggitops.validate import ValidateOptions, Validator, exit_code, parse_shard

    targets = _outputs(outputs)
    strict = ctx.strict or strict_here
    options = ValidateOptions(
        changed_since=changed_since,
        shard=parse_shard(shard) if shard else None,
        bigbang_repo=bigbang_repo,
        app_sources=app_sources,
        strict=strict,
        kustomize=kustomize_bin,
        jobs=jobs,
        timeout=timeout,
        schema_dirs=schema_dirs,
        use_cache=not no_cache,
        kubernetes_version=kubernetes_version,
    )
    with _Progress(ctx) as progress:
        result = Validator(ctx.root, options, progress=progress).run()
    report = Report(
        findings=result.findings,
        tool_version=__version__,
        overlays=result.overlays,
        objects=result.objects,
        seconds=result.seconds,
        checked=result.clusters,
        rule_docs=_rule_docs(),
        strict=strict,
    )
    if ctx.verbosity >= 0 or any(fmt != "text" for fmt, _ in targets):
        write_reports(report, targets, ctx.console())
    sys.exit(exit_code(result.findings, strict=strict))


def _rule_docs() -> dict[str, str]:
    from sggitops.checks.rules import rule_docs

    return rule_docs()


@main.group()
def policy() -> None:
    """Policy tools."""


@policy.command("test")
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "-o", "--output", "output", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@guarded
def policy_test(ctx: Context, directory: Path, output: str) -> None:
    """Run Kyverno kyverno-test.yaml and Gatekeeper suite.yaml suites under DIRECTORY, scored strictly."""
    from sggitops.policy.testing import render_json, render_text, run_suites

    result = run_suites(directory)
    click.echo(render_json(result) if output == "json" else render_text(result), nl=False)
    failing = result.mismatch > 0 or (ctx.strict and result.unsupported > 0) or not result.cases
    sys.exit(1 if failing else 0)
