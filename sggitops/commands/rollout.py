"""`sggitops rollout`: the predicted order of a fresh bootstrap per cluster."""

from __future__ import annotations

import click

from sggitops.commands.base import Context, Outputs, common_options, emit, finish, guarded, output_option
from sggitops.errors import UsageError
from sggitops.reconcile.rollout import to_json, to_mermaid, to_text
from sggitops.rollout import repo_rollout


@click.command()
@common_options
@click.option("--cluster", "clusters", multiple=True, metavar="C", help="Only this cluster (repeatable).")
@output_option(("text", "json", "mermaid"))
@click.option(
    "--kustomize", "kustomize_bin", metavar="PATH", help="A kustomize binary instead of `kubectl kustomize`."
)
@guarded
def rollout(ctx: Context, clusters: tuple[str, ...], outputs: Outputs, kustomize_bin: str | None) -> None:
    """Per cluster, the predicted order of a fresh bootstrap: stages, what each waits for, what becomes ready."""
    with ctx.step("model the bootstrap"):
        found = repo_rollout(ctx.root, clusters, kustomize=kustomize_bin)
    missing = sorted(set(clusters) - {r.cluster for r in found})
    if missing:
        raise UsageError(f"no such cluster: {', '.join(missing)}")
    emit(
        ctx,
        outputs,
        {
            "text": lambda: to_text(found),
            "json": lambda: to_json(found),
            "mermaid": lambda: to_mermaid(found),
        },
    )
    finish(ctx, [])
