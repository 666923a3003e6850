"""sggitops.bigbang."""
