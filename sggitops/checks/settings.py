"""Kept for the check modules' imports: `sggitops.context.settings` is the home (below the families, the
model and the reconcile graph, so none of them import `sggitops.checks`)."""

from sggitops.context.settings import *  # noqa: F403
