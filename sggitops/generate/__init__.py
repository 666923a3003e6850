"""sggitops.generate."""
