"""sggitops.diff."""
