"""sggitops.policy."""
