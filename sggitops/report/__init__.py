"""sggitops.report."""
