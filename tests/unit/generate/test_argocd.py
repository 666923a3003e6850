"""The generated Argo CD app-of-apps, AppProjects, policies and Flux objects: valid against the real
upstream CRD schemas, paths that exist and build, destinations their AppProject permits, determinism."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from sggitops import yamlio
from sggitops.checks.globs import destination_permitted, source_permitted
from sggitops.render import Renderer
from tests.helpers import SMALL_SPEC, fleet_spec, run_cli, tree

ROOT = Path(__file__).resolve().parents[3]


def _generate(tmp_path: Path, spec: str) -> Path:
    (tmp_path / "platform.yaml").write_text(spec)
    result = run_cli(tmp_path, "generate")
    assert result.exit_code == 0, result.output
    return tmp_path


def _objects(repo: Path) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(repo.rglob("*.yaml")):
        rel = path.relative_to(repo).as_posix()
        if not rel.startswith(("bases/", "overlays/")):
            continue
        for doc in yamlio.load_all(path.read_text(), rel):
            plain = yamlio.to_plain(doc)
            if isinstance(plain, dict) and "apiVersion" in plain and "kind" in plain:
                out.append((rel, plain))
    return out


def _upstream(reference: Path, obj: dict[str, Any]) -> Draft7Validator | None:
    group, _, version = str(obj["apiVersion"]).rpartition("/")
    path = reference / "crd-json-schemas" / group / f"{str(obj['kind']).lower()}_{version}.json"
    if not path.is_file():
        return None
    return Draft7Validator(json.loads(path.read_text()))


@pytest.mark.parametrize("engine", ["kyverno", "gatekeeper"])
def test_generated_objects_valid_against_upstream_crd_schemas(
    reference: Path, tmp_path: Path, engine: str
) -> None:
    spec = SMALL_SPEC.replace("policyEngine: kyverno", f"policyEngine: {engine}").replace(
        "sets: [baseline]", "sets: [baseline, restricted, best-practices, registries]"
    )
    repo = _generate(tmp_path, spec)
    checked: dict[str, int] = {}
    for rel, obj in _objects(repo):
        validator = _upstream(reference, obj)
        if validator is None:
            continue
        errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(obj)]
        assert not errors, f"{rel} {obj['kind']}: {errors[:3]}"
        checked[obj["kind"]] = checked.get(obj["kind"], 0) + 1
    expected = {"Application", "AppProject", "GitRepository", "HelmRelease", "Kustomization"}
    expected |= {"ValidatingPolicy", "PolicyException"} if engine == "kyverno" else {"ConstraintTemplate"}
    assert expected <= set(checked), checked


def test_application_paths_exist_build_and_destinations_are_permitted(tmp_path: Path) -> None:
    repo = _generate(tmp_path, SMALL_SPEC)
    objects = _objects(repo)
    projects = {o["metadata"]["name"]: (rel, o) for rel, o in objects if o["kind"] == "AppProject"}
    apps = [(rel, o) for rel, o in objects if o["kind"] == "Application"]
    assert len(apps) == 2  # the root app and `web`
    renderer = Renderer(repo)
    for rel, app in apps:
        spec = app["spec"]
        assert ("source" in spec) != ("sources" in spec)
        assert ("name" in spec["destination"]) != ("server" in spec["destination"])
        project_rel, project = projects[spec["project"]]
        assert project_rel.split("/")[1] == rel.split("/")[1], "the project is defined for the same cluster"
        assert source_permitted(project["spec"]["sourceRepos"], spec["source"]["repoURL"])
        dest = spec["destination"]
        assert destination_permitted(
            project["spec"]["destinations"],
            server=dest.get("server", ""),
            name=dest.get("name", ""),
            namespace=dest["namespace"],
        )
        if spec["source"]["repoURL"] == "https://gitlab.build.acme.mil/platform/gitops.git":
            path = spec["source"]["path"]
            assert (repo / path / "kustomization.yaml").is_file(), path
            assert renderer.render(path).ok
    web = next(o for _r, o in apps if o["metadata"]["name"] == "web")
    assert web["spec"]["source"]["path"] == "deploy/overlays/dev"
    assert web["spec"]["syncPolicy"]["syncOptions"] == ["CreateNamespace=true"]
    assert web["metadata"]["finalizers"] == ["resources-finalizer.argocd.argoproj.io"]
    assert int(projects["mission-a"][1]["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]) < int(
        web["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]
    )


def test_bootstrap_applies_app_of_apps_after_argocd_is_healthy(tmp_path: Path) -> None:
    repo = _generate(tmp_path, SMALL_SPEC)
    docs = [
        yamlio.to_plain(d)
        for d in yamlio.load_all((repo / "overlays/run-dev/bootstrap.yaml").read_text(), "b")
    ]
    kustomizations = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Kustomization"}
    apps = kustomizations["argocd-apps"]["spec"]
    assert apps["dependsOn"] == [{"name": "bigbang"}]
    assert apps["path"] == "./overlays/run-dev/argocd"
    # Flux ignores healthChecks when wait is true; stage 1 (bigbang) already waits for Argo CD.
    assert apps["wait"] is True and "healthChecks" not in apps
    platform = kustomizations["bigbang"]["spec"]
    assert any(h["name"] == "argocd" for h in platform["healthChecks"])
    build = [
        yamlio.to_plain(d) for d in yamlio.load_all((repo / "overlays/build/bootstrap.yaml").read_text(), "b")
    ]
    assert [d["metadata"]["name"] for d in build if d["kind"] == "Kustomization"] == ["bigbang", "policies"]


def test_sso_wired_to_keycloak_on_the_build_cluster(tmp_path: Path) -> None:
    repo = _generate(tmp_path, SMALL_SPEC)
    values = yamlio.to_plain(yamlio.load_one((repo / "overlays/run-dev/values.yaml").read_text(), "v"))
    assert values["sso"]["url"] == "https://keycloak.build.acme.mil/auth/realms/baby-yoda"
    assert values["addons"]["argocd"]["sso"]["enabled"] is True
    assert values["addons"]["authservice"]["enabled"] is True


@pytest.mark.parametrize("runs", [1, 50])
def test_fleets_generate_deterministically(tmp_path: Path, runs: int) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    _generate(a, fleet_spec(runs))
    _generate(b, fleet_spec(runs))
    assert tree(a) == tree(b)
    roots = {p.parent.relative_to(a).as_posix() for p in a.glob("overlays/*/argocd/apps/kustomization.yaml")}
    assert len(roots) == runs
