"""Where sggitops keeps things in a repo, and the names it reads there (one place for each).

- `cache_root(repo)`: `$SGGITOPS_CACHE_DIR` when set, else `<repo>/.sggitops-cache` (renders, charts,
  findings, whole runs; the generate lock); every command resolves its cache dir here.
- `cluster_of_root(root)`: the cluster a rendered root is for (`overlays/<cluster>/...`), the root
  itself otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

SPEC_FILE = "platform.yaml"  # the fleet spec
CONFIG_FILE = ".sggitops.yaml"  # what a repo tells the validator (repoconfig)
LOCK_PATH = ".sggitops/lock.yaml"  # what produced the generated files (generate.lock)
CACHE_DIR_NAME = ".sggitops-cache"  # the default cache dir, relative to the repo (and ignored by git)
CACHE_DIR_ENV = "SGGITOPS_CACHE_DIR"  # overrides the cache dir of every command
GENERATE_LOCK = "generate.lock"  # in the cache dir: one generate at a time per repo
PARSED_FILE = "parsed.json"  # in the cache dir: parsed YAML by text digest, for the next run (yamlstore)
OVERLAYS_DIR = "overlays"  # overlays/<cluster>: one root per cluster in a generated repo


def cache_root(repo: Path, explicit: Path | None = None) -> Path:
    """The cache dir: `explicit` (--cache-dir), else `$SGGITOPS_CACHE_DIR`, else `<repo>/.sggitops-cache`."""
    if explicit is not None:
        return explicit
    env = os.environ.get(CACHE_DIR_ENV)
    return Path(env) if env else repo / CACHE_DIR_NAME


def cluster_of_root(root: str) -> str:
    """`overlays/<cluster>/...` -> `<cluster>`; any other root stands for itself."""
    parts = PurePosixPath(root).parts
    if len(parts) >= 2 and parts[0] == OVERLAYS_DIR:
        return parts[1]
    return root
