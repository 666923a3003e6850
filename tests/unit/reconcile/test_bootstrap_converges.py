"""Every generated bootstrap converges by the project's own reconcile model: both policy engines,
cert-manager on and off, Big Bang 2.54 and 3.x; the spec switches for credentials and SOPS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sggitops import yamlio
from sggitops.checks import families, reconcile
from sggitops.validate import ValidateOptions, Validator
from tests.helpers import SMALL_SPEC, run_cli


def _spec(engine: str, cert_manager: bool) -> str:
    spec = SMALL_SPEC.replace("policyEngine: kyverno", f"policyEngine: {engine}")
    spec = spec.replace("sets: [baseline]", "sets: [baseline, restricted]")
    assert "certManager" not in spec
    spec = spec.replace(
        f"policyEngine: {engine}", f"policyEngine: {engine}\n    certManager: {str(cert_manager).lower()}"
    )
    # the run cluster (environment dev) is on the last 2.x release: one fleet, two major lines
    pinned = spec.replace("    dev: {values: {}}", '    dev: {bigbang: {version: "2.54.0"}}', 1)
    assert pinned != spec
    return pinned


def _generate(tmp_path: Path, spec: str) -> Path:
    (tmp_path / "platform.yaml").write_text(spec)
    result = run_cli(tmp_path, "generate")
    assert result.exit_code == 0, result.output
    return tmp_path


def _reconcile_findings(repo: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setattr(families, "FAMILIES", [("reconcile", reconcile.check)])
    result = Validator(repo, ValidateOptions(use_cache=False)).run()
    return [f.format() for f in result.findings if f.rule.startswith("reconcile/")]


def _docs(path: Path) -> list[dict[str, Any]]:
    return [yamlio.to_plain(d) for d in yamlio.load_all(path.read_text(), path.name)]


@pytest.mark.parametrize("engine", ["kyverno", "gatekeeper"])
@pytest.mark.parametrize("cert_manager", [False, True])
def test_generated_bootstrap_has_no_reconcile_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str, cert_manager: bool
) -> None:
    spec = _spec(engine, cert_manager)
    repo = _generate(tmp_path, spec)
    assert _reconcile_findings(repo, monkeypatch) == []
    for cluster in ("build", "run-dev"):
        names = [
            d["metadata"]["name"]
            for d in _docs(repo / f"overlays/{cluster}/bootstrap.yaml")
            if d["kind"] == "Kustomization"
        ]
        stages = ["policies"] if engine == "kyverno" else ["policy-templates", "policy-constraints"]
        assert names[: 1 + len(stages)] == ["bigbang", *stages]


def test_gatekeeper_templates_stage_waits_for_constraint_crds(tmp_path: Path) -> None:
    repo = _generate(tmp_path, _spec("gatekeeper", False))
    docs = {d["metadata"]["name"]: d for d in _docs(repo / "overlays/build/bootstrap.yaml")}
    templates, constraints = docs["policy-templates"]["spec"], docs["policy-constraints"]["spec"]
    assert templates["dependsOn"] == [{"name": "bigbang"}]
    assert constraints["dependsOn"] == [{"name": "policy-templates"}]
    checks = templates["healthChecks"]
    assert checks and all(c["kind"] == "CustomResourceDefinition" for c in checks)
    assert all(c["name"].endswith(".constraints.gatekeeper.sh") for c in checks)
    assert {"name": "gatekeeper", "kind": "HelmRelease"}.items() <= docs["bigbang"]["spec"]["healthChecks"][
        1
    ].items()


def test_credentials_and_sops_default_to_big_bang_template_names(tmp_path: Path) -> None:
    repo = _generate(tmp_path, SMALL_SPEC)
    text = (repo / "overlays/build/bootstrap.yaml").read_text()
    docs = {d["kind"] + "/" + d["metadata"]["name"]: d for d in _docs(repo / "overlays/build/bootstrap.yaml")}
    assert docs["GitRepository/acme"]["spec"]["secretRef"] == {"name": "private-git"}
    assert docs["Kustomization/bigbang"]["spec"]["decryption"] == {
        "provider": "sops",
        "secretRef": {"name": "sops-gpg"},
    }
    assert "kubectl create secret generic private-git -n bigbang" in text
    assert "kubectl create secret generic sops-gpg -n bigbang" in text


def test_public_repo_and_no_sops_switch_both_off(tmp_path: Path) -> None:
    url = "    url: https://gitlab.build.acme.mil/platform/gitops.git\n"
    spec = SMALL_SPEC.replace(url, url + "    secretRef: false\n  sops: false\n", 1)
    assert spec != SMALL_SPEC
    repo = _generate(tmp_path, spec)
    text = (repo / "overlays/build/bootstrap.yaml").read_text()
    docs = {d["kind"] + "/" + d["metadata"]["name"]: d for d in _docs(repo / "overlays/build/bootstrap.yaml")}
    assert "secretRef" not in docs["GitRepository/acme"]["spec"]
    assert "decryption" not in docs["Kustomization/bigbang"]["spec"]
    assert "create secret" not in text


def test_private_bigbang_mirror_gets_credentials(tmp_path: Path) -> None:
    spec = SMALL_SPEC.replace("  bigbang:\n", "  bigbang:\n    secretRef: bigbang-mirror\n", 1)
    assert spec != SMALL_SPEC
    repo = _generate(tmp_path, spec)
    source = _docs(repo / "bases/bigbang/gitrepository.yaml")[0]
    assert source["spec"]["secretRef"] == {"name": "bigbang-mirror"}
    assert (
        "create secret generic bigbang-mirror -n bigbang"
        in (repo / "overlays/build/bootstrap.yaml").read_text()
    )


def test_engine_switched_off_in_raw_values_gets_no_health_check_and_no_policy_stage(tmp_path: Path) -> None:
    """Raw values are merged last: a health check on a HelmRelease they disable would never pass."""
    marker = "      cloud: {provider: aws, region: us-gov-west-1}\n    - name: run-dev"
    assert marker in SMALL_SPEC
    spec = SMALL_SPEC.replace(
        marker, marker.replace("\n    - name", "\n      values: {kyverno: {enabled: false}}\n    - name"), 1
    )
    repo = _generate(tmp_path, spec)
    docs = {d["metadata"]["name"]: d for d in _docs(repo / "overlays/build/bootstrap.yaml")}
    assert [c["name"] for c in docs["bigbang"]["spec"]["healthChecks"]] == ["bigbang"]
    assert "policies" not in docs
    assert not (repo / "overlays/build/policies").exists()
