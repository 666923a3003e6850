"""generate: spec -> files (`plan`, pure) and the atomic writer (`write`)."""
