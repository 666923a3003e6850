"""The project's own CI files: the root `.gitlab-ci.yml` (valid for GitLab, one job per `.ci/run` step),
`.ci/run` itself, and `.pre-commit-hooks.yaml` (whose entries run for real on a generated repo)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

from sggitops import yamlio
from tests.helpers import SMALL_SPEC, run_cli

ROOT = Path(__file__).resolve().parents[2]
CI_RUN = ROOT / ".ci" / "run"


def load(path: Path) -> Any:
    return yamlio.to_plain(yamlio.load_one(path.read_text("utf-8"), path.name))


def ci_run_default_steps() -> list[str]:
    """The steps `bash .ci/run` runs without arguments (its `set -- ...` line)."""
    found = re.search(r"^\s*set -- ([a-z -]+)$", CI_RUN.read_text("utf-8"), re.MULTILINE)
    assert found, ".ci/run names its default steps with `set -- STEP...`"
    return found.group(1).split()


def test_project_pipeline_is_valid_gitlab_ci() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.gitlab-ci",
            str(ROOT / ".gitlab-ci.yml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_project_pipeline_runs_exactly_the_steps_of_ci_run() -> None:
    pipeline = load(ROOT / ".gitlab-ci.yml")
    jobs = {name: job for name, job in pipeline.items() if isinstance(job, dict) and "script" in job}
    steps: dict[str, str] = {}
    for name, job in jobs.items():
        assert len(job["script"]) == 1, name
        command = shlex.split(job["script"][0])
        assert command[:2] == ["bash", ".ci/run"] and len(command) == 3, job["script"]
        steps[command[2]] = name
    assert sorted(steps) == sorted(ci_run_default_steps())
    assert set(steps) == {"lint", "types", "tests", "self-check"}

    tests = jobs[steps["tests"]]
    junit = tests["artifacts"]["reports"]["junit"]
    assert tests["variables"]["PYTEST_ADDOPTS"] == f"--junitxml={junit}"
    assert tests["artifacts"]["when"] == "always"


def test_ci_run_is_valid_bash_and_keeps_the_readme_commands() -> None:
    subprocess.run(["bash", "-n", str(CI_RUN)], check=True)
    text = CI_RUN.read_text("utf-8")
    for command in (
        "python -m pip install -q -e '.[dev]'",
        "ruff check sggitops tests benchmarks",
        "ruff format --check sggitops tests benchmarks",
        "mypy",
        "python -m pytest -q",
        "gitlab-ci-local@$GCL_VERSION",
        "sggitops generate --check",
    ):
        assert command in text, command
    assert "GCL_VERSION=4.64.1" in text


def test_unknown_ci_run_step_is_a_usage_error(tmp_path: Path) -> None:
    # Only the dispatch: a copy of the script whose setup does nothing.
    script = CI_RUN.read_text("utf-8").replace('cd "$(dirname "$0")/.."', f"cd {shlex.quote(str(tmp_path))}")
    script = re.sub(r"^setup\(\) \{.*?^\}", "setup() { :; }", script, flags=re.MULTILINE | re.DOTALL)
    done = subprocess.run(["bash", "-c", script, "run", "nope"], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "unknown step 'nope'" in done.stderr


def test_reference_fleet_does_not_own_the_project_pipeline() -> None:
    spec = load(ROOT / "platform.yaml")
    assert spec["spec"]["ci"]["gitlab"] is False
    lock = load(ROOT / ".sggitops" / "lock.yaml")
    assert ".gitlab-ci.yml" not in lock["files"]


def hooks() -> dict[str, dict[str, Any]]:
    listed = load(ROOT / ".pre-commit-hooks.yaml")
    assert isinstance(listed, list)
    return {hook["id"]: hook for hook in listed}


def test_pre_commit_hooks_are_declared() -> None:
    found = hooks()
    assert set(found) == {"sggitops-validate", "sggitops-generate-check"}
    for hook in found.values():
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False
        assert shlex.split(hook["entry"])[0] == "sggitops"  # the console script of pyproject.toml
        pattern = re.compile(hook["files"])
        for name in (
            "platform.yaml",
            "overlays/run-dev/kustomization.yaml",
            ".gitlab-ci.yml",
            ".sggitopsignore",
        ):
            assert pattern.search(name), name
        assert not pattern.search("README.md")


def test_pre_commit_hook_entries_run_on_a_generated_repo(tmp_path: Path) -> None:
    (tmp_path / "platform.yaml").write_text(SMALL_SPEC, encoding="utf-8")
    assert run_cli(tmp_path, "generate").exit_code == 0
    found = hooks()
    check = shlex.split(found["sggitops-generate-check"]["entry"])[1:]
    validate = shlex.split(found["sggitops-validate"]["entry"])[1:]
    assert run_cli(tmp_path, *check).exit_code == 0
    result = run_cli(tmp_path, *validate, "--bigbang-repo", str(tmp_path / "no-mirror"))
    assert result.exit_code == 0, result.output

    values = tmp_path / "overlays" / "run-dev" / "values.yaml"
    values.write_text(values.read_text("utf-8") + "# hand edit\n", encoding="utf-8")
    drift = run_cli(tmp_path, *check)
    assert drift.exit_code == 1
    assert "overlays/run-dev/values.yaml" in drift.output
