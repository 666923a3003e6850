"""`validate` on real GitOps repos this project did not write (../shared/reference/real-repos, see its
REPOS.md): no false errors, the true findings kept, no finding printed twice, whatever form `origin` has.

Each repo is copied to a temp dir, committed to a fresh git repo on branch `main` and given an
`origin`; validate runs in-process through the CLI. Errors are pinned exactly as (rule, file, line).
Secret detection (op:// references, public keys) belongs to the secrets family and is pinned apart,
in `test_secret_findings_on_real_repos`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import git
import pytest

from sggitops.validate import ValidateOptions, Validator
from tests.helpers import run_cli

pytestmark = pytest.mark.integration

ORIGIN_FORMS = {
    "https": "https://{host}/{path}.git",
    "https-no-git": "https://{host}/{path}",
    "ssh-scp": "git@{host}:{path}.git",
    "ssh-url": "ssh://git@{host}/{path}",
    "gitlab-ci-token": "https://gitlab-ci-token:glcbt-xyz@{host}/{path}.git",
    "upper-case": "https://{HOST}/{path}.git",
}

Key = tuple[str, str, int]

# repo folder -> (host/path of origin, the errors that are really there)
REPOS: dict[str, tuple[str, set[Key]]] = {
    "flux2-kustomize-helm-example": ("github.com/fluxcd/flux2-kustomize-helm-example", set()),
    "flux2-multi-tenancy": ("github.com/fluxcd/flux2-multi-tenancy", set()),
    "argocd-example-apps": (
        "github.com/argoproj/argocd-example-apps",
        # a string entry under `patches:` that kustomize 5 refuses
        {("build/failed", "plugins/kustomized-helm/kustomization.yaml", 0)},
    ),
    "flux-local-testdata": (
        "github.com/allenporter/flux-local",
        {
            # a Kustomization in namespace `controllers` whose sourceRef has no namespace: Flux looks
            # for GitRepository controllers/flux-system, which does not exist
            ("flux/source-missing", "cluster5/clusters/prod/infrastructure.yaml", 11),
            # Pods without containers; an image given as an object
            ("schema/invalid", "cluster8/apps/pods.yaml", 26),
            ("schema/invalid", "image_error/apps/pods.yaml", 26),
            ("schema/invalid", "image_error/apps/pods.yaml", 29),
            # Flux Kustomizations without `interval` and `prune`
            ("schema/invalid", "cluster6/cluster/apps.yaml", 7),
            ("schema/invalid", "cluster11/cluster/apps.yaml", 7),
            # a HelmRelease without `interval`, which helm-controller's v2 CRD requires (v1.6.0
            # config/crd/bases, ../shared/reference/crds): the API server refuses it
            ("schema/invalid", "cluster7/flux/apps/ingress-nginx/release.yaml", 7),
        },
    ),
}

SECRET_RULES = {"secrets/plaintext"}


def _real_repos(reference: Path) -> Path:
    folder = reference / "real-repos"
    if not (folder / "REPOS.md").is_file():
        pytest.skip(f"no real repos at {folder}")
    return folder


def _origin(form: str, host_path: str) -> str:
    host, path = host_path.split("/", 1)
    return ORIGIN_FORMS[form].format(host=host, HOST=host.upper(), path=path)


def _checkout(src: Path, dst: Path, origin: str | None) -> Path:
    shutil.copytree(src, dst)
    repo = git.Repo.init(dst, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "name", "sggitops tests")
        config.set_value("user", "email", "tests@example.mil")
        config.set_value("commit", "gpgsign", "false")
    if origin:
        repo.create_remote("origin", origin)
    repo.git.add("--all")
    repo.git.commit("-m", "copy", "--allow-empty")
    return dst


def _validate(root: Path, tmp_path: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    report = tmp_path / "report.json"
    result = run_cli(root, "validate", "--no-cache", "-o", f"json={report}", "-o", "text", *args)
    assert result.exit_code in {0, 1}, f"validate exited {result.exit_code}:\n{result.output}"
    return result.exit_code, json.loads(report.read_text("utf-8")), result.output


def _errors(report: dict[str, Any], *, skip: set[str] = SECRET_RULES) -> set[Key]:
    return {
        (f["rule"], f["file"], int(f["line"]))
        for f in report["findings"]
        if f["severity"] == "error" and f["rule"] not in skip
    }


def _describe(report: dict[str, Any], keys: set[Key]) -> str:
    lines = [
        f"{f['file']}:{f['line']}: {f['severity']} [{f['rule']}] {f['message']}"
        for f in report["findings"]
        if (f["rule"], f["file"], int(f["line"])) in keys
    ]
    return "\n".join(lines)


def _assert_no_repeats(output: str) -> None:
    lines = [ln for ln in output.splitlines() if ": error [" in ln or ": warning [" in ln]
    repeated = sorted({ln for ln in lines if lines.count(ln) > 1})
    assert not repeated, "findings printed more than once:\n" + "\n".join(repeated)


@pytest.mark.parametrize("name", sorted(REPOS))
def test_real_repo_has_only_true_errors(name: str, reference: Path, tmp_path: Path) -> None:
    host_path, expected = REPOS[name]
    root = _checkout(_real_repos(reference) / name, tmp_path / name, _origin("https", host_path))
    code, report, output = _validate(root, tmp_path)
    got = _errors(report)
    assert not got - expected, "false errors:\n" + _describe(report, got - expected)
    assert not expected - got, f"true findings lost: {sorted(expected - got)}"
    assert code == (1 if expected else 0)
    _assert_no_repeats(output)
    flux_unknown = [
        f for f in report["findings"] if f["rule"] == "schema/unknown-kind" and "fluxcd.io" in f["message"]
    ]
    assert not flux_unknown, f"Flux's own kinds unknown to the schema family: {flux_unknown[:3]}"


@pytest.mark.parametrize("form", sorted(ORIGIN_FORMS))
@pytest.mark.parametrize("name", ["flux2-multi-tenancy", "flux-local-testdata"])
def test_real_repo_result_does_not_depend_on_origin_form(
    name: str, form: str, reference: Path, tmp_path: Path
) -> None:
    host_path, expected = REPOS[name]
    root = _checkout(_real_repos(reference) / name, tmp_path / name, _origin(form, host_path))
    _code, report, _output = _validate(root, tmp_path)
    got = _errors(report)
    assert got == expected, "false errors:\n" + _describe(report, got - expected)


def test_real_repo_without_origin(reference: Path, tmp_path: Path) -> None:
    """No remote at all: the bootstrap layout still says which GitRepository is this checkout."""
    root = _checkout(_real_repos(reference) / "flux2-multi-tenancy", tmp_path / "r", None)
    _code, report, _output = _validate(root, tmp_path)
    assert _errors(report) == set(), _describe(report, _errors(report))


# --- cases/: minimal repos for causes seen on larger repos ----------------------------------------

CASE_ORIGIN = "github.com/example/fleet"
CASES: dict[str, set[Key]] = {
    "bootstrap": set(),
    "sibling": set(),
    "crossks": set(),
    "crossks-subst": set(),
    "equals": set(),
    "argo-root": {
        ("argocd/path-missing", "root-app.yaml", 10),
        ("argocd/project-missing", "root-app.yaml", 7),
    },
}


@pytest.mark.parametrize("form", ["https", "ssh-scp", "ssh-url", "gitlab-ci-token", "https-no-git"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_real_case(name: str, form: str, reference: Path, tmp_path: Path) -> None:
    src = _real_repos(reference) / "cases" / name
    root = _checkout(src, tmp_path / name, _origin(form, CASE_ORIGIN))
    code, report, output = _validate(root, tmp_path)
    got = _errors(report)
    assert got == CASES[name], (
        "unexpected:\n" + _describe(report, got - CASES[name]) + (f"\nmissing: {sorted(CASES[name] - got)}")
    )
    if not _errors(report, skip=set()) - got:  # secrets are pinned apart
        assert code == (1 if CASES[name] else 0)
    assert report["summary"]["objects"] > 0, "nothing was checked"
    _assert_no_repeats(output)


def test_equals_value_is_checked_not_refused(reference: Path, tmp_path: Path) -> None:
    """kustomize prints `matchType: =`: valid YAML for the cluster, so the ConfigMap is checked."""
    root = _checkout(_real_repos(reference) / "cases" / "equals", tmp_path / "eq", None)
    _code, report, _output = _validate(root, tmp_path)
    assert report["summary"]["objects"] == 1
    assert not [f for f in report["findings"] if f["rule"].startswith("build/")]


def test_crossks_subst_replicas_become_an_integer(reference: Path, tmp_path: Path) -> None:
    """postBuild.substitute gives REPLICAS=2: `replicas: ${REPLICAS:=1}` is the integer 2, no schema error."""
    src = _real_repos(reference) / "cases" / "crossks-subst"
    root = _checkout(src, tmp_path / "s", _origin("https", CASE_ORIGIN))
    _code, report, _output = _validate(root, tmp_path)
    assert not [f for f in report["findings"] if f["rule"] == "schema/invalid"], report["findings"]


# --- secrets: the secrets family's part, verified by the lead after merge -------------------------


SECRET_EXPECTED: dict[str, set[Key]] = {
    "cases/sops": set(),  # SOPS file fine; op:// references and a cosign public key are not secrets
    # test fixtures, but plaintext values in git all the same
    "flux-local-testdata": {
        ("secrets/plaintext", "cluster/clusters/prod/flux-system/cluster-secrets.yaml", 7),
        ("secrets/plaintext", "cluster8/apps/podinfo-tls-values.yaml", 6),
        ("secrets/plaintext", "cluster9/apps/podinfo/repository.yaml", 26),
        ("secrets/plaintext", "repo/cluster-secrets.yaml", 7),
    },
}


def test_flux_variable_in_a_secret_is_not_plaintext(reference: Path, tmp_path: Path) -> None:
    """`${SECRET_APP_PASSWORD}` is filled on the cluster by postBuild.substituteFrom a Secret that is not
    in git: the repo holds no secret value."""
    src = _real_repos(reference) / "cases" / "crossks-subst"
    root = _checkout(src, tmp_path / "s", _origin("https", CASE_ORIGIN))
    _code, report, _output = _validate(root, tmp_path)
    assert not [f for f in report["findings"] if f["rule"] in SECRET_RULES], report["findings"]


@pytest.mark.parametrize("name", sorted(SECRET_EXPECTED))
def test_secret_findings_on_real_repos(name: str, reference: Path, tmp_path: Path) -> None:
    src = _real_repos(reference) / name
    origin = REPOS[name][0] if name in REPOS else CASE_ORIGIN
    root = _checkout(src, tmp_path / "repo", _origin("https", origin))
    _code, report, _output = _validate(root, tmp_path)
    got = {k for k in _errors(report, skip=set()) if k[0] in SECRET_RULES}
    assert got == SECRET_EXPECTED[name], _describe(report, got)


def test_model_of_flux_example_follows_artifacts_to_repo_paths(reference: Path, tmp_path: Path) -> None:
    """The model behind the findings: two clusters from the bootstrap layout, each applying the repo
    paths its ExternalArtifacts copy (clusters/<c>/artifacts.yaml), all from this checkout."""
    host_path, _ = REPOS["flux2-kustomize-helm-example"]
    src = _real_repos(reference) / "flux2-kustomize-helm-example"
    root = _checkout(src, tmp_path / "r", _origin("ssh-scp", host_path))
    model = Validator(root, ValidateOptions(use_cache=False)).run().model
    assert model is not None
    assert sorted(model.fleet.clusters) == ["clusters/production", "clusters/staging"]
    assert model.fleet.rooted == {"clusters/production", "clusters/staging"}
    paths = {(k.cluster, k.name): k.path for k in model.flux_kustomizations}
    assert paths[("clusters/staging", "apps")] == "apps/staging"
    assert paths[("clusters/production", "apps")] == "apps/production"
    assert paths[("clusters/production", "infra-configs")] == "infrastructure/configs"
    apps = next(k for k in model.flux_kustomizations if (k.cluster, k.name) == ("clusters/staging", "apps"))
    assert apps.depends_on == [("flux-system", "infra-configs")]
    assert {o.rid.kind for o in apps.objects} >= {"HelmRelease", "HelmRepository"}
