"""sggitops.render."""
