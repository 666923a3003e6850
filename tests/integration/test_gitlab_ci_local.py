"""The generated merge-request pipeline, run for real by gitlab-ci-local 4.64.1 with the shell executor.

A temp GitOps repo is generated from the reference fleet (`platform.yaml` at the project root, with the
generated pipeline switched on), pushed to a bare `origin`, then a branch bumps one app's targetRevision
and regenerates. gitlab-ci-local runs the pipeline as a merge-request pipeline: every job runs in its own
copy of the repo (`--shell-isolation`), sggitops comes from this checkout (`SGGITOPS_INSTALL=true`, the
venv's bin first on PATH), the Big Bang chart from a local mirror (`SGGITOPS_BIGBANG_REPO`, as on an
air-gapped site), and the note goes to a fake GitLab API on 127.0.0.1 (tests/unit/test_gitlab_note.py).

gitlab-ci-local needs a git repo (it copies the tracked files into each job's build folder) and rsync
(artifacts, caches and that copy); a remote is optional (it falls back to placeholder project data), but
the diff job fetches the target branch from `origin`. Skipped with a reason when either tool is missing;
`.ci/run` installs both.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import git
import pytest

from sggitops import __version__, yamlio
from tests.helpers import run_cli
from tests.unit.test_gitlab_note import IID, NOTES, PROJECT, TOKEN, FakeGitLab, serving

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_SPEC = ROOT / "platform.yaml"
GCL_VERSION = "4.64.1"
GCL_CANDIDATES = (
    ROOT / ".venv-ci" / "node" / "node_modules" / ".bin" / "gitlab-ci-local",  # where .ci/run installs it
    ROOT / "node_modules" / ".bin" / "gitlab-ci-local",
)
BIGBANG_VERSION = "3.31.0"
OLD_REVISION, NEW_REVISION = "targetRevision: v1.4.2", "targetRevision: v1.5.0"
JOB_TIMEOUT = 600


def find_gitlab_ci_local() -> str | None:
    """$SGGITOPS_GITLAB_CI_LOCAL, a gitlab-ci-local on PATH, or one installed under the checkout."""
    explicit = os.environ.get("SGGITOPS_GITLAB_CI_LOCAL")
    if explicit:
        return explicit
    found = shutil.which("gitlab-ci-local")
    if found:
        return found
    return next((str(p) for p in GCL_CANDIDATES if p.is_file()), None)


@pytest.fixture(scope="module")
def gcl() -> str:
    """The gitlab-ci-local executable, or skip with what to install."""
    path = find_gitlab_ci_local()
    if path is None:
        pytest.skip(
            f"gitlab-ci-local not found (npm install --prefix .venv-ci/node gitlab-ci-local@{GCL_VERSION}, "
            "as .ci/run does, or set SGGITOPS_GITLAB_CI_LOCAL)"
        )
    if shutil.which("rsync") is None:
        pytest.skip(
            "rsync not found: gitlab-ci-local copies builds, artifacts and caches with it (apt-get install rsync)"
        )
    if shutil.which("node") is None:
        pytest.skip("node not found: gitlab-ci-local runs on Node.js")
    return path


@pytest.fixture
def gitlab() -> Iterator[FakeGitLab]:
    """The fake GitLab notes API of tests/unit/test_gitlab_note.py, serving on 127.0.0.1."""
    with serving() as state:
        yield state


def bigbang_mirror(base: Path) -> Path:
    """A local Big Bang repo: tag 3.31.0 with the real chart files from ../shared/reference when present
    (copied in at test time), else an empty repo (the chart is then reported unavailable, a warning)."""
    path = base / "bigbang"
    (path / "chart").mkdir(parents=True)
    repo = git.Repo.init(path)
    chart = ROOT.parent / "shared" / "reference" / "bigbang" / f"chart-{BIGBANG_VERSION}"
    if (chart / "values.schema.json").is_file():
        with repo:
            for name in ("values.yaml", "values.schema.json"):
                shutil.copyfile(chart / name, path / "chart" / name)
            repo.index.add(["chart/values.yaml", "chart/values.schema.json"])
            who = git.Actor("test", "test@example.com")
            repo.index.commit(f"Big Bang {BIGBANG_VERSION} (test fake)", author=who, committer=who)
            repo.create_tag(BIGBANG_VERSION)
    return path


def reference_spec_with_pipeline(**ci: object) -> str:
    """The reference fleet's platform.yaml with the generated pipeline switched on (and `ci` settings)."""
    data = yamlio.load_one(REFERENCE_SPEC.read_text("utf-8"), "platform.yaml")
    data["spec"]["ci"] = {"gitlab": True, **ci}
    text = yamlio.dump(data)
    assert OLD_REVISION in text
    return text


def git_run(root: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
    }
    done = subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def commit_all(root: Path, message: str) -> str:
    git_run(root, "add", "-A")
    git_run(root, "commit", "-q", "-m", message)
    return git_run(root, "rev-parse", "HEAD")


@pytest.fixture
def merge_request(tmp_path: Path) -> tuple[Path, str]:
    return make_merge_request(tmp_path, reference_spec_with_pipeline())


def make_merge_request(tmp_path: Path, spec_text: str) -> tuple[Path, str]:
    """A GitOps repo on branch `bump-web` (one app's targetRevision changed, regenerated, committed) whose
    `main` is pushed to a bare `origin`; returns the repo and main's commit."""
    root = tmp_path / "gitops"
    root.mkdir()
    (root / "platform.yaml").write_text(spec_text, encoding="utf-8")
    assert run_cli(root, "generate").exit_code == 0
    assert (root / ".gitlab-ci.yml").is_file()
    git_run(root, "init", "-q", "-b", "main")
    base = commit_all(root, "fleet")
    origin = tmp_path / "origin.git"
    git_run(tmp_path, "init", "-q", "--bare", str(origin))
    git_run(root, "remote", "add", "origin", str(origin))
    git_run(root, "push", "-q", "origin", "main")
    git_run(root, "checkout", "-q", "-b", "bump-web")
    spec = root / "platform.yaml"
    spec.write_text(spec.read_text("utf-8").replace(OLD_REVISION, NEW_REVISION), encoding="utf-8")
    assert run_cli(root, "generate").exit_code == 0
    commit_all(root, "web: v1.5.0")
    return root, base


def run_pipeline(
    gcl: str, root: Path, gitlab: FakeGitLab, base: str, bigbang: Path, *jobs: str
) -> subprocess.CompletedProcess[str]:
    """gitlab-ci-local as a merge-request pipeline of `root`, sggitops from this checkout's venv."""
    variables = {
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_MERGE_REQUEST_IID": str(IID),
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": base,
        "CI_SERVER_URL": gitlab.base,
        "CI_PROJECT_ID": str(PROJECT),
        "CI_DEFAULT_BRANCH": "main",
        "SGGITOPS_GITLAB_TOKEN": TOKEN,
        "SGGITOPS_INSTALL": "true",
        "SGGITOPS_BIGBANG_REPO": str(bigbang),
    }
    args = [gcl, "--force-shell-executor", "--shell-isolation", "--home", str(root.parent / "gcl-home")]
    for key, value in variables.items():
        args += ["--variable", f"{key}={value}"]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env["GCL_IGNORE_PREDEFINED_VARS"] = ",".join(variables)
    env.pop("CI", None)  # the jobs' environment comes from gitlab-ci-local, not from the outer CI
    return subprocess.run(
        [*args, *jobs], cwd=root, env=env, capture_output=True, text=True, timeout=JOB_TIMEOUT, check=False
    )


def artifact(root: Path, job: str, name: str) -> Path:
    return root / ".gitlab-ci-local" / "artifacts" / job / name


def test_merge_request_pipeline_passes_reports_and_posts_the_diff(
    gcl: str, gitlab: FakeGitLab, merge_request: tuple[Path, str], tmp_path: Path
) -> None:
    root, base = merge_request
    bigbang = bigbang_mirror(tmp_path)
    started = time.monotonic()
    done = run_pipeline(gcl, root, gitlab, base, bigbang)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log
    for job in ("generate-check", "validate", "diff"):
        assert f"PASS  {job}" in log, log

    junit = ET.parse(artifact(root, "validate", "sggitops-junit.xml")).getroot()
    assert junit.tag in {"testsuites", "testsuite"}
    quality = json.loads(artifact(root, "validate", "gl-code-quality-report.json").read_text("utf-8"))
    assert isinstance(quality, list)
    assert all(item.get("severity") != "blocker" for item in quality)

    ours = [n for n in gitlab.notes if n["body"].startswith("<!-- sggitops-diff -->")]
    assert len(ours) == 1, gitlab.notes
    assert "v1.5.0" in ours[0]["body"]
    assert ("POST", NOTES, TOKEN) in gitlab.requests
    assert artifact(root, "diff", "sggitops-diff.md").read_text("utf-8") in ours[0]["body"]
    caches = list((root / ".gitlab-ci-local" / "cache").glob("sggitops-*validate*/.sggitops-cache"))
    assert caches, f"no render cache kept for validate: {sorted((root / '.gitlab-ci-local').rglob('cache'))}"
    print(f"gitlab-ci-local merge-request pipeline: {time.monotonic() - started:.1f}s")


def test_a_removed_resource_file_fails_validate(
    gcl: str, gitlab: FakeGitLab, merge_request: tuple[Path, str], tmp_path: Path
) -> None:
    root, base = merge_request
    removed = root / "bases" / "bigbang" / "namespace.yaml"
    assert removed.is_file(), sorted(p.name for p in removed.parent.iterdir())
    removed.unlink()
    commit_all(root, "oops: a resource file is gone")
    done = run_pipeline(gcl, root, gitlab, base, bigbang_mirror(tmp_path), "validate")
    log = done.stdout + done.stderr
    assert done.returncode != 0, log
    assert "FAIL  validate" in log, log
    junit = artifact(root, "validate", "sggitops-junit.xml").read_text("utf-8")
    assert "<failure" in junit
    assert "build/" in junit


def test_a_sharded_fleet_validates_in_parallel_jobs_with_their_own_caches(
    gcl: str, gitlab: FakeGitLab, tmp_path: Path
) -> None:
    root, base = make_merge_request(tmp_path, reference_spec_with_pipeline(shardThreshold=1, shards=3))
    done = run_pipeline(gcl, root, gitlab, base, bigbang_mirror(tmp_path), "validate")
    log = done.stdout + done.stderr
    assert done.returncode == 0, log
    for index in (1, 2, 3):
        assert f"PASS  validate: [{index}/3]" in log, log
    states = root / ".gitlab-ci-local"
    assert len(list(states.glob("artifacts/validate*/sggitops-junit.xml"))) == 3
    assert len(list(states.glob("artifacts/validate*/gl-code-quality-report.json"))) == 3
    caches = sorted(p.parent.name for p in states.glob("cache/*/.sggitops-cache"))
    assert caches == [f"sggitops-{__version__}-validate-{i}-3" for i in (1, 2, 3)]
