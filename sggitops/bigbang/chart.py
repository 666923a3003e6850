"""The Big Bang umbrella chart of one release: `chart/values.yaml` and `chart/values.schema.json` at the tag.

The chart is never vendored: `load_chart(version, source=..., cache_dir=...)` reads it from the Big Bang
git repository at the tag `<version>` (Big Bang tags have no `v`), with gitpython:

- a local path or a `file://` mirror: the two blobs are read straight from the tag's tree (no checkout);
- a remote URL: a shallow fetch of that one tag into a scratch bare repository (non-interactive, with a
  timeout, so an offline run fails fast), then the same blob read.

Either way the two files are written (atomically) to `<cache_dir>/bigbang/<version>/`; tags are
immutable, so a later run reads the cache and needs no git at all. `chart_tree()` does the same for the
whole `chart/` directory (templates included, for `helm template`): it is extracted once to
`<cache_dir>/bigbang/<version>/chart-<git tree sha>/`, and that tree sha is the chart's digest. Failures raise `ChartUnavailable`
(version, reason, hint), never a crash. `chart_source()` picks the source: `--bigbang-repo`, then
`SGGITOPS_BIGBANG_REPO`, then the spec's `bigbang.repo`, then the URL of the render's GitRepository.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import git

from sggitops import yamlio
from sggitops.errors import InputError, ToolError

ENV_VAR = "SGGITOPS_BIGBANG_REPO"
VALUES_PATH = "chart/values.yaml"
SCHEMA_PATH = "chart/values.schema.json"
DEFAULT_TIMEOUT = 30.0
SOURCE_HINT = f"pass --bigbang-repo PATH to a local mirror of the Big Bang repo, or set {ENV_VAR}"

_TAG = re.compile(r"[0-9A-Za-z_+-][0-9A-Za-z._+-]*")
_GIT_ENV = {
    "GIT_TERMINAL_PROMPT": "0",  # never ask for credentials
    "GIT_ASKPASS": "",
    "SSH_ASKPASS": "",
    "GIT_SSH_COMMAND": "ssh -o BatchMode=yes -o ConnectTimeout=10",
    "GIT_HTTP_LOW_SPEED_LIMIT": "1000",  # abort transfers slower than 1 kB/s ...
    "GIT_HTTP_LOW_SPEED_TIME": "10",  # ... for 10 s
}


class ChartUnavailable(ToolError):
    """The chart of a Big Bang version could not be read: missing tag or files, or unreachable source."""

    def __init__(self, version: str, reason: str, *, hint: str = "") -> None:
        super().__init__(f"Big Bang {version} chart is unavailable: {reason}", hint=hint)
        self.version = version
        self.reason = reason


@dataclass(frozen=True)
class Chart:
    """The umbrella chart's defaults and schema for one version; `origin` says where they were read."""

    version: str
    values: dict[str, Any]
    schema: dict[str, Any]
    origin: str


@dataclass(frozen=True)
class ChartSource:
    """Where to read charts from (`location`: a URL or a path) and which setting chose it (`origin`)."""

    location: str
    origin: str

    def __str__(self) -> str:
        return f"{self.location} ({self.origin})"


def chart_source(
    explicit: str | None,
    *,
    spec_repo: str | None = None,
    render_url: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> ChartSource | None:
    """The source to read charts from, by precedence; None when nothing names one."""
    env = os.environ if environ is None else environ
    for location, origin in (
        (explicit, "--bigbang-repo"),
        (env.get(ENV_VAR), ENV_VAR),
        (spec_repo, "platform.yaml spec.bigbang.repo"),
        (render_url, "GitRepository bigbang"),
    ):
        if location and location.strip():
            return ChartSource(location.strip(), origin)
    return None


def local_path(source: str) -> Path | None:
    """The directory of a local source (a path or a `file://` URL); None for a remote URL."""
    if source.startswith("file://"):
        return Path(unquote(urlparse(source).path))
    if "://" in source or re.match(r"^[\w.-]+@[\w.-]+:", source):
        return None
    return Path(source).expanduser()


_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()
_MEMORY: dict[tuple[str, str], Chart] = {}
_TREES: dict[tuple[str, str], Any] = {}  # chart_tree's memory (a ChartTree per source and version)


def _lock(key: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.Lock())


def forget_loaded() -> None:
    """Drop the charts kept in memory (the on-disk cache stays); for long-running processes and tests."""
    with _LOCKS_GUARD:
        _MEMORY.clear()
        _TREES.clear()


def load_chart(
    version: str, *, source: str | None, cache_dir: Path, timeout: float = DEFAULT_TIMEOUT
) -> Chart:
    """The chart of `version`: from memory, the cache, or `source` at the tag (then cached).

    `source` None reads the cache only (nothing names a Big Bang repo).

    Raises ChartUnavailable when the tag, the files or the source cannot be read. Thread-safe: callers
    loading the same version wait for one another; different versions load in parallel.
    """
    if not _TAG.fullmatch(version):
        raise ChartUnavailable(version, "not a valid git tag name", hint="Big Bang tags look like 3.31.0")
    folder = cache_dir / "bigbang" / version
    key = (str(folder.resolve()), version)
    with _lock(key[0]):
        if key in _MEMORY:
            return _MEMORY[key]
        chart = _read_cache(folder, version)
        if chart is None:
            if source is None:
                raise ChartUnavailable(
                    version, f"no Big Bang repo is configured and {folder} holds no copy", hint=SOURCE_HINT
                )
            values_text, schema_text = _read_source(version, source, folder.parent, timeout)
            chart = _parse(version, values_text, schema_text, origin=source)
            _write_cache(folder, values_text, schema_text)
        _MEMORY[key] = chart
        return chart


def _parse(version: str, values_text: str, schema_text: str, *, origin: str) -> Chart:
    try:
        values = yamlio.to_plain(yamlio.load_one(values_text, f"{origin}@{version}:{VALUES_PATH}"))
    except InputError as err:
        raise ChartUnavailable(version, f"{VALUES_PATH} is not valid YAML: {err.message}") from None
    try:
        schema = json.loads(schema_text)
    except ValueError as err:
        raise ChartUnavailable(version, f"{SCHEMA_PATH} is not valid JSON: {err}") from None
    if not isinstance(values, dict) or not isinstance(schema, dict):
        raise ChartUnavailable(version, f"{VALUES_PATH} or {SCHEMA_PATH} is not a mapping")
    return Chart(version, values, schema, origin)


def _read_cache(folder: Path, version: str) -> Chart | None:
    """The cached chart, or None when it is absent or damaged (then it is read again from the source)."""
    try:
        values_text = (folder / "values.yaml").read_text(encoding="utf-8")
        schema_text = (folder / "values.schema.json").read_text(encoding="utf-8")
        return _parse(version, values_text, schema_text, origin=f"cache {folder}")
    except (OSError, UnicodeDecodeError, ChartUnavailable):
        return None


def _write_cache(folder: Path, values_text: str, schema_text: str) -> None:
    """Atomic writes: a reader sees a whole file or none. A cache that cannot be written is only slower."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in (("values.yaml", values_text), ("values.schema.json", schema_text)):
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                os.replace(tmp, folder / name)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
    except OSError:
        pass


def _read_source(version: str, source: str, scratch_parent: Path, timeout: float) -> tuple[str, str]:
    path = local_path(source)
    if path is not None:
        return _read_local(version, path)
    return _fetch_remote(version, source, scratch_parent, timeout)


def _read_local(version: str, path: Path) -> tuple[str, str]:
    result: tuple[str, str] = with_local(version, path, lambda repo: _read_tag(repo, version, str(path)))
    return result


def with_local(version: str, path: Path, action: Any) -> Any:
    """`action(repo)` on the git repo (clone or mirror) at `path`; ChartUnavailable when there is none."""
    if not path.exists():
        raise ChartUnavailable(version, f"{path} does not exist", hint=SOURCE_HINT)
    try:
        repo = git.Repo(path)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise ChartUnavailable(
            version, f"{path} is not a git repository", hint="point at a clone or mirror of the Big Bang repo"
        ) from None
    with repo:
        return action(repo)


def _read_tag(repo: Any, version: str, where: str) -> tuple[str, str]:
    """The two chart files from the tree of tag `version` (annotated or lightweight) of a gitpython Repo."""
    try:
        tree = git.TagReference(repo, f"refs/tags/{version}").commit.tree
    except (ValueError, git.BadName, git.GitCommandError):
        raise ChartUnavailable(
            version,
            f"{where} has no tag {version}",
            hint="check the version (Big Bang tags have no 'v'), or update the mirror",
        ) from None
    texts = []
    for name in (VALUES_PATH, SCHEMA_PATH):
        try:
            blob = tree / name
            texts.append(blob.data_stream.read().decode("utf-8"))
        except KeyError:
            raise ChartUnavailable(
                version,
                f"tag {version} of {where} has no {name}",
                hint="is this the Big Bang umbrella repo (big-bang/bigbang)?",
            ) from None
        except UnicodeDecodeError:
            raise ChartUnavailable(version, f"{name} at tag {version} is not UTF-8 text") from None
    return texts[0], texts[1]


def _fetch_remote(version: str, url: str, scratch_parent: Path, timeout: float) -> tuple[str, str]:
    """Shallow-fetch one tag into a scratch bare repo (removed afterwards) and read the two blobs."""
    texts: tuple[str, str] = _with_remote(
        version, url, scratch_parent, timeout, lambda repo: _read_tag(repo, version, url)
    )
    return texts


def _with_remote(version: str, url: str, scratch_parent: Path, timeout: float, action: Any) -> Any:
    """Shallow-fetch one tag into a scratch bare repo (removed afterwards) and run `action(repo)`."""
    try:
        scratch_parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(dir=scratch_parent, prefix=f".fetch-{version}-"))
    except OSError as err:
        raise ChartUnavailable(
            version, f"cannot create a scratch repo under {scratch_parent}: {err}"
        ) from None
    try:
        repo = git.Repo.init(scratch, bare=True)
        with repo:
            try:
                repo.git.fetch(
                    "--depth=1",
                    "--no-tags",
                    url,
                    f"+refs/tags/{version}:refs/tags/{version}",
                    env={**os.environ, **_GIT_ENV},
                    kill_after_timeout=timeout,
                )
            except git.GitCommandError as err:
                raise _fetch_error(version, url, err, timeout) from None
            return action(repo)
    except git.GitCommandNotFound:
        raise ChartUnavailable(
            version, "git is not installed", hint="install git, or " + SOURCE_HINT
        ) from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _fetch_error(version: str, url: str, err: Any, timeout: float) -> ChartUnavailable:
    text = str(getattr(err, "stderr", "") or err)
    if "couldn't find remote ref" in text or "not our ref" in text:
        return ChartUnavailable(
            version,
            f"{url} has no tag {version}",
            hint="check the version (Big Bang tags have no 'v')",
        )
    detail = next(
        (line.strip().removeprefix("stderr: ").strip("' ") for line in text.splitlines() if "fatal:" in line),
        "",
    )
    if "did not complete" in text or "Timeout" in text:
        detail = f"no answer within {timeout:g} s"
    reason = f"cannot fetch {url}" + (f": {detail.removeprefix('fatal: ')}" if detail else "")
    return ChartUnavailable(version, reason, hint=SOURCE_HINT)


# --- the whole chart/ directory (for rendering) ---------------------------------------------------

CHART_DIR = "chart"
