"""Hostile: credentials planted in every place (tests/hostile/plants.py) and changed between two refs
never reach any output of `validate` (every format), `diff` (every format) or the merge-request note,
raw or base64; and each is a `secrets/plaintext` finding at its line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import run_cli
from tests.hostile.plants import PLANTS, Plant, build_repo, expected_line, forms

VALIDATE_FORMATS = ("text", "json", "junit", "codequality", "sarif")
DIFF_FORMATS = ("text", "markdown", "json")
OUTPUTS = (*(f"validate-{f}" for f in VALIDATE_FORMATS), *(f"diff-{f}" for f in DIFF_FORMATS), "note")


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The repo at `head`, and every output of one validate run and one diff run (base -> head)."""
    tmp = tmp_path_factory.mktemp("leak")
    root = tmp / "repo"
    build_repo(root)
    outputs: dict[str, str] = {}
    files = {f: tmp / f"validate.{f}" for f in VALIDATE_FORMATS[1:]}
    args = [arg for f, path in files.items() for arg in ("-o", f"{f}={path}")]
    result = run_cli(root, "validate", "--bigbang-repo", str(tmp / "no-mirror"), "-o", "text", *args)
    assert result.exit_code == 1, result.output
    outputs["validate-text"] = result.output
    outputs.update({f"validate-{f}": path.read_text() for f, path in files.items()})
    note = tmp / "note.md"
    diff_json = tmp / "diff.json"
    result = run_cli(
        root,
        "diff",
        "--base",
        "base",
        "--head",
        "head",
        "-o",
        "text",
        "-o",
        f"markdown={note}",
        "-o",
        f"json={diff_json}",
    )
    assert result.exit_code == 0, result.output
    outputs["diff-text"] = result.output
    outputs["diff-markdown"] = outputs["note"] = note.read_text()
    outputs["diff-json"] = diff_json.read_text()
    return root, outputs


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("plant", PLANTS, ids=lambda p: p.name)
def test_no_planted_value_in_any_output(
    planted: tuple[Path, dict[str, str]], plant: Plant, output: str
) -> None:
    text = planted[1][output]
    for form in forms(plant):
        assert form not in text, f"{plant.name}: {form} leaked into {output}"
    assert "Traceback" not in text


@pytest.mark.parametrize("plant", PLANTS, ids=lambda p: p.name)
def test_each_plant_is_a_finding_at_its_line(planted: tuple[Path, dict[str, str]], plant: Plant) -> None:
    root, outputs = planted
    findings = json.loads(outputs["validate-json"])["findings"]
    here = {(f["file"], f["line"]) for f in findings if f["rule"] == "secrets/plaintext"}
    assert (plant.file, expected_line(root, plant)) in here, sorted(here)


def test_the_diff_shows_that_credentials_changed_without_showing_them(
    planted: tuple[Path, dict[str, str]],
) -> None:
    diff = json.loads(planted[1]["diff-json"])
    changed = {c["resource"]: c["diff"] for cluster in diff["clusters"].values() for c in cluster["changed"]}
    assert changed, diff
    assert any("<redacted: changed>" in text for text in changed.values()), changed


@pytest.mark.parametrize("command", ["generate-check", "bump-outside-git"])
def test_spec_values_stay_out_of_file_diffs(
    planted: tuple[Path, dict[str, str]], tmp_path: Path, command: str
) -> None:
    """`generate --check` and a bump outside git print file diffs: the spec's credentials are not in them."""
    root = tmp_path / "copy"
    shutil.copytree(planted[0], root, ignore=shutil.ignore_patterns(".git", ".sggitops-cache"))
    spec = root / "platform.yaml"
    fleet = PLANTS[0]
    spec.write_text(spec.read_text().replace(fleet.value("head"), "third-value-Zq9x"))
    if command == "generate-check":
        result = run_cli(root, "generate", "--check")
        assert result.exit_code == 1
    else:
        result = run_cli(
            root, "bump", "bigbang", "3.30.0", "--allow-downgrade", "--bigbang-repo", str(tmp_path / "none")
        )
        assert result.exit_code == 0, result.output
    assert "<redacted>" in result.output, result.output
    for form in [*forms(fleet), "third-value-Zq9x", *forms(PLANTS[1])]:
        assert form not in result.output, form


def test_no_planted_value_in_the_cached_findings_of_the_run(planted: tuple[Path, dict[str, str]]) -> None:
    """The whole-run cache keeps the findings as they were reported: redacted (it may travel as a CI
    cache; the repo's own files and renders, which hold the values anyway, are another matter)."""
    runs = sorted((planted[0] / ".sggitops-cache" / "runs").glob("*.json"))
    assert runs
    text = "".join(p.read_text() for p in runs)
    assert "secrets/plaintext" in text
    for plant in PLANTS:
        for form in forms(plant):
            assert form not in text, f"{plant.name}: {form} leaked into the run cache"
