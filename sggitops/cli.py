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
@click.option(
    "--commit", is_flag=True, help="Commit the regenerated files on a new branch sggitops/generate-<digest>."
)
@click.option("--push", is_flag=True, help="With --commit: push that branch to origin.")
@guarded
def generate(ctx: Context, check: bool, force: bool, commit: bool, push: bool) -> None:
    """Write the bases, overlays and lock from platform.yaml."""
    from sggitops.generate import write
    from sggitops.generate.plan import plan_repo

    if push and not commit:
        raise click.UsageError("--push goes with --commit")
    if commit and check:
        raise click.UsageError("--commit cannot go with --check")
    if commit:
        from sggitops.bump.vcs import ensure_clean

        ensure_clean(ctx.root)
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
    kept = [] if force else [p for p in changes.conflicts if p in changes.update]
    if changes.conflicts and not force:
        for path in changes.conflicts:
            ctx.error(
                f"{path}:1:1: error [drift/edited] generated file was edited by hand; left as it is"
                " (move the change into platform.yaml, or re-run with --force to overwrite it)"
            )
    ctx.info(
        f"generated {len(planned.files)} files and the lock: {len(changes.create)} created, "
        f"{len(changes.update) - len(kept)} updated, {len(changes.remove)} removed, {changes.unchanged} unchanged"
        + (f", {len(kept)} left as edited" if kept else "")
    )
    if changes.conflicts and not force:
        sys.exit(1)
    if commit:
        from sggitops.bump.vcs import commit_generate

        if not changes.changed:
            ctx.info("nothing to commit: the generated files were up to date")
            return
        info = commit_generate(ctx.root, changes, planned.spec_digest, push=push)
        ctx.info(f"committed {len(info.paths)} files on branch {info.branch} ({info.sha[:12]})")
        if info.pushed_to:
            ctx.info(f"pushed {info.branch} to {info.pushed_to}")


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


@main.command()
@click.option(
    "--base", required=True, metavar="REF", help="The git ref to compare against (e.g. origin/main)."
)
@click.option("--head", metavar="REF", help="The git ref to compare (default: the working tree).")
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    metavar="FORMAT[=FILE]",
    help="markdown, json or text; repeat for several (default: text).",
)
@click.option("--jobs", type=click.IntRange(1, 64), help="Parallel renders (default: CPU count).")
@click.option(
    "--max-bytes",
    type=click.IntRange(10_000),
    default=900_000,
    show_default=True,
    help="Size cap of the markdown report (GitLab notes hold about 1 MB).",
)
@guarded
def diff(
    ctx: Context, base: str, head: str | None, outputs: tuple[str, ...], jobs: int | None, max_bytes: int
) -> None:
    """Rendered per-cluster, per-resource diff between two git refs (Secret values redacted)."""
    import os

    from sggitops.diff import diff_refs, to_json, to_markdown, to_text
    from sggitops.report import parse_output_option, write_atomic

    formats = {"markdown": lambda r: to_markdown(r, max_bytes=max_bytes), "json": to_json, "text": to_text}
    targets = [parse_output_option(value, formats) for value in outputs or ("text",)]
    if sum(1 for _n, f in targets if f is None) > 1:
        raise click.UsageError("at most one -o format may go to standard output")
    result = diff_refs(
        ctx.root.resolve(),
        base,
        head,
        cache_dir=ctx.root.resolve() / ".sggitops-cache",
        jobs=jobs or (os.cpu_count() or 2),
    )
    for name, out in targets:
        text = formats[name](result)
        if out is None:
            click.echo(text, nl=not text.endswith("\n"))
        else:
            write_atomic(Path(out), text)
            ctx.info(f"wrote {name} diff to {out}")
    for finding in result.findings:
        ctx.error(finding.format())
    sys.exit(1 if result.findings else 0)


@main.group()
def gitlab() -> None:
    """GitLab integration."""


@gitlab.command("note")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@guarded
def gitlab_note(ctx: Context, file: Path) -> None:
    """Create or update (in place) this tool's note on the current merge request.

    Reads CI_SERVER_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID and a token in SGGITOPS_GITLAB_TOKEN
    (a project/group access token or a personal access token with the `api` scope; CI_JOB_TOKEN cannot post).
    """
    import os

    from sggitops.gitlab import post_note

    result = post_note(file.read_text("utf-8"), env=os.environ)
    ctx.info(f"{result.action} note {result.note_id}: {result.url}")


@main.group()
def bump() -> None:
    """Version bumps."""


@bump.command("bigbang")
@click.argument("version")
@click.option(
    "--environment", "environments", multiple=True, metavar="E", help="Pin this environment (a wave)."
)
@click.option("--cluster", "clusters", multiple=True, metavar="C", help="Pin this cluster.")
@click.option(
    "--allow-skip", is_flag=True, help="Allow skipping minor versions (Big Bang asks for one at a time)."
)
@click.option("--allow-downgrade", is_flag=True, help="Allow moving to an older version.")
@click.option(
    "--bigbang-repo",
    envvar="SGGITOPS_BIGBANG_REPO",
    metavar="URL-or-PATH",
    help="Big Bang git repo or local mirror (tags and chart schema).",
)
@click.option("--force", is_flag=True, help="Overwrite generated files that were edited by hand.")
@click.option(
    "--commit", is_flag=True, help="Commit on a new branch sggitops/bump-bigbang-<version>[-<scope>]."
)
@click.option("--push", is_flag=True, help="With --commit: push that branch to origin.")
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
) -> None:
    """Pin Big Bang VERSION for the fleet, environments or clusters; migrate values; regenerate; show the diff."""
    from sggitops.bump.bump import apply_bump, plan_bump
    from sggitops.bump.vcs import commit_bump, ensure_clean
    from sggitops.diff import to_text

    if push and not commit:
        raise click.UsageError("--push goes with --commit")
    if commit:
        ensure_clean(ctx.root)
    planned = plan_bump(
        ctx.root,
        version,
        environments=environments,
        clusters=clusters,
        allow_skip=allow_skip,
        allow_downgrade=allow_downgrade,
        bigbang_repo=bigbang_repo,
    )
    for move in planned.moved:
        ctx.info(f"{move}")
    if planned.skipped:
        ctx.info(f"skipping minors ({planned.skipped_from}): {', '.join(planned.skipped)}")
    for change in planned.choice_changes:
        ctx.info(f"choice: {change}")
    for note in planned.migrations:
        ctx.info(str(note))
    for warning in planned.warnings:
        ctx.error(f"warning: {warning}")
    if not planned.changed:
        ctx.info(f"nothing to do: the scope already runs Big Bang {version}")
        return
    result = apply_bump(ctx.root, planned, force=force)
    for warning in result.warnings:
        ctx.error(f"warning: {warning}")
    if result.schema_errors:
        from sggitops.spec.load import parse_spec

        bumped = parse_spec(planned.spec_after)
    for cluster, problems in sorted(result.schema_errors.items()):
        loc = bumped.cluster(cluster).location
        where = str(loc) if loc is not None else "platform.yaml:1:1"
        for problem in problems:
            ctx.error(
                f"{where}: error [bigbang/values-schema] cluster {cluster}: {problem}"
                " (fix the cluster's values in platform.yaml, then run `sggitops generate`)"
            )
    if result.rendered is not None:
        click.echo(to_text(result.rendered), nl=False)
    else:
        click.echo(result.files_diff, nl=False)
    if commit:
        info = commit_bump(ctx.root, planned, result, push=push)
        ctx.info(f"committed on branch {info.branch} ({info.sha[:12]})")
        if info.pushed_to:
            ctx.info(f"pushed {info.branch} to {info.pushed_to}")
    sys.exit(0 if result.ok else 1)


@main.command()
@click.option(
    "--max-behind",
    type=click.IntRange(0),
    default=2,
    show_default=True,
    help="Warn when a cluster is more than N minor releases behind the fleet's newest.",
)
@guarded
def versions(ctx: Context, max_behind: int) -> None:
    """The fleet matrix (cluster, environment, Big Bang, Kubernetes) with skew warnings."""
    from sggitops.bump.versions import fleet_matrix, render_matrix_text
    from sggitops.checks.skew import skew_findings
    from sggitops.spec.load import SPEC_FILE, load_spec

    platform = load_spec(ctx.root / SPEC_FILE, display=SPEC_FILE)
    rows = fleet_matrix(platform)
    warnings = list(skew_findings(platform, max_behind=max_behind))
    click.echo(render_matrix_text(rows, warnings), nl=False)
    sys.exit(1 if warnings and ctx.strict else 0)


# --- rollout (issue 13): the predicted order of a fresh bootstrap ----------------------------------


@main.command()
@click.option("--cluster", "clusters", multiple=True, metavar="C", help="Only this cluster (repeatable).")
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    metavar="FORMAT[=FILE]",
    help="text, json or mermaid; repeat for several (default: text).",
)
@click.option(
    "--kustomize", "kustomize_bin", metavar="PATH", help="A kustomize binary instead of `kubectl kustomize`."
)
@guarded
def rollout(
    ctx: Context, clusters: tuple[str, ...], outputs: tuple[str, ...], kustomize_bin: str | None
) -> None:
    """Per cluster, the predicted order of a fresh bootstrap: stages, what each waits for, what becomes ready."""
    from sggitops.reconcile.repo import repo_rollout
    from sggitops.reconcile.rollout import to_json, to_mermaid, to_text

    writers = {"text": to_text, "json": to_json, "mermaid": to_mermaid}
    targets = [(v.partition("=")[0], v.partition("=")[2] or None) for v in outputs] or [("text", None)]
    for fmt, _file in targets:
        if fmt not in writers:
            raise click.UsageError(f"unknown output format {fmt!r} (choose from text, json, mermaid)")
    found = repo_rollout(ctx.root, clusters, kustomize=kustomize_bin)
    missing = sorted(set(clusters) - {r.cluster for r in found})
    if missing:
        raise click.UsageError(f"no such cluster: {', '.join(missing)}")
    for fmt, file in targets:
        text = writers[fmt](found)
        if file:
            Path(file).write_text(text, encoding="utf-8")
        else:
            click.echo(text, nl=False)
