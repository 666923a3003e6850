"""The reference fleet (platform.yaml at the repo root) and generated fleets, checked with real tools:
committed output is current, every kustomization builds offline as Argo CD builds it, and the merged
Big Bang values are valid against the real chart schema of the pinned version."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, Draft202012Validator

from sggitops import yamlio
from sggitops.bigbang.values import helm_releases, merged_values, value_sources
from sggitops.generate import write
from sggitops.generate.plan import plan_repo
from sggitops.render.command import find_kustomize
from tests.helpers import fleet_spec, run_cli

ROOT = Path(__file__).resolve().parents[2]


def _build(directory: Path) -> list[dict[str, Any]]:
    tool = find_kustomize()
    result = tool.build(directory, timeout=120).run()
    return [d for d in (yamlio.to_plain(x) for x in yamlio.load_all(result.stdout, str(directory))) if d]


def _kustomization_dirs(repo: Path) -> list[Path]:
    return sorted(
        p.parent
        for p in repo.glob("**/kustomization.yaml")
        if ".git" not in p.parts and not any(part.startswith(".venv") for part in p.parts)
    )


def test_committed_reference_output_is_current() -> None:
    _platform, planned = plan_repo(ROOT)
    changes = write.compare(ROOT, planned)
    assert not changes.changed, (
        "bases/ and overlays/ are stale: run `sggitops generate` at the repo root and commit\n"
        + write.diff(ROOT, planned)
    )


@pytest.mark.integration
def test_every_reference_kustomization_builds_offline() -> None:
    dirs = [d for d in _kustomization_dirs(ROOT) if d.relative_to(ROOT).parts[0] in {"bases", "overlays"}]
    assert len(dirs) >= 4 + 3 * 2 + 1
    for directory in dirs:
        objects = _build(directory)
        if directory.name == "apps" or directory.parent.name == "overlays":
            assert objects, f"{directory} rendered nothing"


def _schema_validator(reference: Path, version: str) -> Any:
    schema = json.loads((reference / "bigbang" / f"chart-{version}" / "values.schema.json").read_text())
    cls = Draft7Validator if "draft-07" in str(schema.get("$schema", "")) else Draft202012Validator
    return cls(schema)


def _chart_defaults(reference: Path, version: str) -> dict[str, Any]:
    text = (reference / "bigbang" / f"chart-{version}" / "values.yaml").read_text()
    return yamlio.to_plain(yamlio.load_one(text, "values.yaml"))  # type: ignore[no-any-return]


VARIANTS = [
    ("2.54.0", "{policyEngine: kyverno}"),
    ("2.54.0", "{policyEngine: gatekeeper, runtimeSecurity: twistlock, tracing: jaeger, certManager: true}"),
    ("3.31.0", "{policyEngine: kyverno}"),
    ("3.31.0", "{policyEngine: gatekeeper, runtimeSecurity: twistlock, tracing: tempo, certManager: true}"),
]


@pytest.mark.integration
@pytest.mark.parametrize(
    ("version", "choices"), VARIANTS, ids=[f"{v}-{i}" for i, (v, _c) in enumerate(VARIANTS)]
)
def test_merged_values_valid_against_real_chart_schema(
    reference: Path, tmp_path: Path, version: str, choices: str
) -> None:
    spec = fleet_spec(2, version=version).replace("choices: {policyEngine: kyverno}", f"choices: {choices}")
    spec = spec.replace(
        "sets: [baseline, restricted, best-practices, registries]", "sets: [baseline, registries]"
    )
    (tmp_path / "platform.yaml").write_text(spec)
    result = run_cli(tmp_path, "generate")
    assert result.exit_code == 0, result.output
    validator = _schema_validator(reference, version)
    defaults = _chart_defaults(reference, version)
    for overlay in ("build", "run-000", "run-001"):
        objects = _build(tmp_path / "overlays" / overlay)
        (release,) = [r for r in helm_releases(objects) if r["metadata"]["name"] == "bigbang"]
        layers = value_sources(release, objects)
        assert [(s.kind, s.found) for s in layers if not s.optional] == [
            ("ConfigMap", True),
            ("ConfigMap", True),
        ]
        values = merged_values(defaults, layers)
        errors = sorted(validator.iter_errors(values), key=lambda e: list(map(str, e.absolute_path)))
        assert not errors, f"{overlay}: " + "; ".join(
            f"{'.'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors[:5]
        )
        assert values["domain"] == f"{overlay}.fleet.mil"


def test_git_tree_has_no_secret_objects() -> None:
    out = subprocess.run(
        ["git", "-C", str(ROOT), "grep", "-l", "^kind: Secret", "--", "bases", "overlays"],
        capture_output=True,
        text=True,
    )
    assert out.stdout == "", "generated output must hold no Secret objects"
