"""sggitops.checks."""
