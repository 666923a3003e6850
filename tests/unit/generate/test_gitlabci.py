"""The generated `.gitlab-ci.yml`: valid for GitLab (check-jsonschema's vendored GitLab CI schema, run as a
subprocess), jobs wired to GitLab's widgets, sharded on big fleets, configurable, air-gap friendly, owned."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sggitops import yamlio
from sggitops.generate.gitlabci import DEFAULT_IMAGE, plan_gitlab_ci, shard_count
from sggitops.specfile import parse_spec
from tests.helpers import SMALL_SPEC, fleet_spec, run_cli

MR = '$CI_PIPELINE_SOURCE == "merge_request_event"'
SHARD = "--shard $CI_NODE_INDEX/$CI_NODE_TOTAL"


def with_ci(spec: str, ci: str) -> str:
    """The spec with `spec.ci` set to the flow mapping `ci`."""
    assert spec.count("\nspec:\n") == 1
    return spec.replace("\nspec:\n", f"\nspec:\n  ci: {ci}\n")


def pipeline_text(spec: str) -> str:
    return plan_gitlab_ci(parse_spec(spec))


def pipeline(spec: str) -> dict[str, Any]:
    plain = yamlio.to_plain(yamlio.load_one(pipeline_text(spec), ".gitlab-ci.yml"))
    assert isinstance(plain, dict)
    return plain


def check_gitlab_schema(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.gitlab-ci", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param(SMALL_SPEC, id="small"),
        pytest.param(fleet_spec(59), id="sixty-clusters-sharded"),
        pytest.param(
            with_ci(
                SMALL_SPEC,
                "{image: registry.acme.mil/python:3.11, sggitopsVersion: 9.9.9, shardThreshold: 1, shards: 7}",
            ),
            id="configured",
        ),
    ],
)
def test_pipeline_is_valid_gitlab_ci(spec: str, tmp_path: Path) -> None:
    path = tmp_path / ".gitlab-ci.yml"
    path.write_text(pipeline_text(spec), encoding="utf-8")
    result = check_gitlab_schema(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_catches_a_broken_pipeline(tmp_path: Path) -> None:
    path = tmp_path / ".gitlab-ci.yml"
    path.write_text(pipeline_text(SMALL_SPEC).replace("when: always", "when: sometimes"), encoding="utf-8")
    assert check_gitlab_schema(path).returncode != 0


def test_sixty_cluster_fleet_validates_in_parallel_shards() -> None:
    spec = fleet_spec(59)
    assert shard_count(parse_spec(spec)) == 4
    validate = pipeline(spec)["validate"]
    assert validate["parallel"] == 4
    assert next(line for line in validate["script"] if line.startswith("sggitops validate")).endswith(SHARD)


def test_threshold_is_the_largest_unsharded_fleet() -> None:
    at_threshold = pipeline(fleet_spec(49))  # 50 clusters
    assert "parallel" not in at_threshold["validate"]
    assert not any(SHARD in line for line in at_threshold["validate"]["script"])
    custom = pipeline(with_ci(SMALL_SPEC, "{shardThreshold: 1, shards: 3}"))
    assert custom["validate"]["parallel"] == 3


def test_image_and_version_are_configurable() -> None:
    default = pipeline(SMALL_SPEC)
    assert default["default"]["image"] == DEFAULT_IMAGE
    configured = pipeline(
        with_ci(SMALL_SPEC, "{image: registry.acme.mil/ci/python:3.11, sggitopsVersion: 1.2.3}")
    )
    assert configured["default"]["image"] == "registry.acme.mil/ci/python:3.11"
    install = configured["variables"]["SGGITOPS_INSTALL"]["value"]
    assert install.endswith("sggitops==1.2.3")
    assert "1.2.3" in configured["default"]["cache"]["key"]


def test_install_step_is_a_variable_and_names_no_host() -> None:
    text = pipeline_text(SMALL_SPEC)
    plain = pipeline(SMALL_SPEC)
    assert plain["default"]["before_script"][0] == 'eval "$SGGITOPS_INSTALL"'
    for needle in ("://", "pypi", "--index-url", "PIP_INDEX_URL:", "repo1.dso.mil", "curl", "wget"):
        assert needle not in text, (
            needle
        )  # pip and sggitops read PIP_INDEX_URL / SGGITOPS_BIGBANG_REPO from the project


def test_jobs_feed_gitlabs_widgets_and_run_when_they_should() -> None:
    plain = pipeline(SMALL_SPEC)
    assert plain["workflow"]["rules"] == [{"if": MR}, {"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]
    assert plain["generate-check"]["script"] == ["sggitops generate --check"]

    validate = plain["validate"]
    command = validate["script"][0]
    reports = validate["artifacts"]["reports"]
    assert f"-o junit={reports['junit']}" in command
    assert f"-o codequality={reports['codequality']}" in command
    assert validate["artifacts"]["when"] == "always"  # a failing run still shows its findings

    diff = plain["diff"]
    assert diff["rules"] == [{"if": MR}]
    assert diff["variables"]["GIT_DEPTH"] == "0"
    script = " ; ".join(diff["script"])
    assert "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" in script
    assert "sggitops diff --base" in script and "-o markdown=sggitops-diff.md" in script
    base = "${CI_MERGE_REQUEST_TARGET_BRANCH_SHA:-${CI_MERGE_REQUEST_DIFF_BASE_SHA:-origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME}}"
    assert f'--base "{base}"' in script
    assert diff["script"][-1] == "sggitops gitlab note sggitops-diff.md"
    assert all(plain[job]["needs"] == [] for job in ("generate-check", "validate", "diff"))


def test_render_cache_is_kept_per_job() -> None:
    cache = pipeline(SMALL_SPEC)["default"]["cache"]
    assert cache["paths"] == [".sggitops-cache/"]
    assert "$CI_JOB_NAME_SLUG" in cache["key"]  # one cache per validate shard; a key may not hold '/'
    assert cache["when"] == "always"


def test_output_is_deterministic() -> None:
    first = pipeline_text(fleet_spec(59))
    assert first == pipeline_text(fleet_spec(59))
    assert first.startswith("# Generated by sggitops")


def test_generated_by_default_and_left_alone_when_opted_out(tmp_path: Path) -> None:
    spec = tmp_path / "platform.yaml"
    spec.write_text(SMALL_SPEC, encoding="utf-8")
    assert run_cli(tmp_path, "generate").exit_code == 0
    assert (tmp_path / ".gitlab-ci.yml").read_text("utf-8") == pipeline_text(SMALL_SPEC)

    spec.write_text(with_ci(SMALL_SPEC, "{gitlab: false}"), encoding="utf-8")
    assert run_cli(tmp_path, "generate").exit_code == 0
    assert not (tmp_path / ".gitlab-ci.yml").exists()  # no longer planned: the owned file is removed

    own = "# mine\njob:\n  script: [make]\n"
    (tmp_path / ".gitlab-ci.yml").write_text(own, encoding="utf-8")
    assert run_cli(tmp_path, "generate").exit_code == 0
    assert run_cli(tmp_path, "generate", "--check").exit_code == 0
    assert (tmp_path / ".gitlab-ci.yml").read_text("utf-8") == own
