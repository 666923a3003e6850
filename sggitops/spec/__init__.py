"""sggitops.spec."""
