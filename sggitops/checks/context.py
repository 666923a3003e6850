"""Kept for the check modules' imports: `sggitops.context.repo` is the home (below the families, the
model and the reconcile graph, so none of them import `sggitops.checks`)."""

from sggitops.context.repo import *  # noqa: F403
