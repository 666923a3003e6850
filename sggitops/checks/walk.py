"""Kept for the check modules' imports: `sggitops.context.walk` is the home (below the families, the
model and the reconcile graph, so none of them import `sggitops.checks`)."""

from sggitops.context.walk import *  # noqa: F403
