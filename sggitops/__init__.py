"""sggitops: generate and validate the GitOps repository of a Big Bang fleet."""

__version__ = "0.1.0"
