"""reconcile/* behaviours named after the Flux and Argo CD docs, on small repos, plus the real repos."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sggitops.checks import families, reconcile
from sggitops.findings import Finding
from sggitops.validate import ValidateOptions, Validator
from tests.test_cases import git_commit

REMOTE = "https://gitlab.example.mil/platform/gitops.git"
SOURCE = """apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: gitops, namespace: flux-system}
spec:
  interval: 1m
  url: https://gitlab.example.mil/platform/gitops.git
  ref: {branch: main}
"""


def _ks(name: str, path: str, extra: str = "") -> str:
    return (
        "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
        f"metadata: {{name: {name}, namespace: flux-system}}\n"
        f"spec:\n  interval: 5m\n  prune: true\n  path: {path}\n"
        "  sourceRef: {kind: GitRepository, name: gitops}\n" + extra
    )


def _repo(root: Path, files: dict[str, str], remote: str = REMOTE) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    git_commit(root, "fixture", remote=remote)
    return root


def _findings(repo: Path, monkeypatch: pytest.MonkeyPatch) -> list[Finding]:
    monkeypatch.setattr(families, "FAMILIES", [("reconcile", reconcile.check)])
    return [
        f
        for f in Validator(repo, ValidateOptions(use_cache=False)).run().findings
        if f.rule.startswith("reconcile/")
    ]


CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: default}\ndata: {a: b}\n"
KUSTOMIZATION = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [cm.yaml]\n"


def test_flux_ignores_health_checks_when_wait_is_true(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Flux: with `wait: true`, `.spec.healthChecks` are ignored, so a check on nothing cannot block."""
    check = "  healthChecks:\n    - {apiVersion: helm.toolkit.fluxcd.io/v2, kind: HelmRelease, name: ghost, namespace: flux-system}\n"
    files = {"overlays/dev/cm.yaml": CONFIGMAP, "overlays/dev/kustomization.yaml": KUSTOMIZATION}
    blocked = _repo(
        tmp_path / "a", {**files, "overlays/dev/bootstrap.yaml": SOURCE + _ks("app", "./overlays/dev", check)}
    )
    assert [f.rule for f in _findings(blocked, monkeypatch)] == ["reconcile/health-check-missing"]
    waiting = SOURCE + _ks("app", "./overlays/dev", "  wait: true\n" + check)
    assert (
        _findings(_repo(tmp_path / "b", {**files, "overlays/dev/bootstrap.yaml": waiting}), monkeypatch) == []
    )


def test_secret_ref_is_documented_by_a_kubectl_line_in_the_bootstrap_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = SOURCE.replace(
        "  ref: {branch: main}\n", "  ref: {branch: main}\n  secretRef: {name: private-git}\n"
    )
    files = {"overlays/dev/cm.yaml": CONFIGMAP, "overlays/dev/kustomization.yaml": KUSTOMIZATION}
    bare = _repo(
        tmp_path / "a", {**files, "overlays/dev/bootstrap.yaml": source + _ks("app", "./overlays/dev")}
    )
    found = _findings(bare, monkeypatch)
    assert [(f.rule, f.severity.value, f.line) for f in found] == [
        ("reconcile/secret-undocumented", "info", 8)
    ]
    doc = "# kubectl create secret generic private-git -n flux-system --from-literal=username=u\n"
    told = _repo(
        tmp_path / "b", {**files, "overlays/dev/bootstrap.yaml": doc + source + _ks("app", "./overlays/dev")}
    )
    assert _findings(told, monkeypatch) == []


def test_substitute_from_a_source_outside_the_repo_cannot_be_judged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A substituteFrom ConfigMap that only the cluster holds may define anything: no error."""
    cm = CONFIGMAP.replace("{a: b}", "{a: '${REGION}'}")
    post = "  postBuild:\n    substituteFrom:\n      - {kind: ConfigMap, name: cluster-vars}\n"
    files = {"overlays/dev/cm.yaml": cm, "overlays/dev/kustomization.yaml": KUSTOMIZATION}
    repo = _repo(
        tmp_path, {**files, "overlays/dev/bootstrap.yaml": SOURCE + _ks("app", "./overlays/dev", post)}
    )
    assert _findings(repo, monkeypatch) == []


def test_a_cr_whose_provider_is_unknown_is_a_warning_never_a_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: default}\n"
    files = {
        "overlays/dev/cm.yaml": widget,
        "overlays/dev/kustomization.yaml": KUSTOMIZATION,
        "overlays/dev/bootstrap.yaml": SOURCE + _ks("app", "./overlays/dev"),
    }
    found = _findings(_repo(tmp_path, files), monkeypatch)
    assert [(f.rule, f.severity.value) for f in found] == [("reconcile/crd-unknown", "warning")]
    assert "cannot tell" in found[0].message


REAL = [
    ("flux2-kustomize-helm-example", "https://github.com/fluxcd/flux2-kustomize-helm-example.git"),
    ("flux2-multi-tenancy", "https://github.com/fluxcd/flux2-multi-tenancy.git"),
    ("argocd-example-apps", "https://github.com/argoproj/argocd-example-apps.git"),
    ("flux-local-testdata", "https://github.com/allenporter/flux-local.git"),
    ("cases/crossks", "https://github.com/example/fleet.git"),
    ("cases/crossks-subst", "https://github.com/example/fleet.git"),
    ("cases/sops", "https://github.com/example/fleet.git"),
    ("cases/bootstrap", "https://github.com/example/fleet.git"),
]


@pytest.mark.parametrize(("folder", "origin"), REAL)
def test_no_reconcile_finding_on_real_repos(
    reference: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, folder: str, origin: str
) -> None:
    """REPOS.md lists what is really wrong in these repos; none of it is about convergence."""
    root = tmp_path / "repo"
    shutil.copytree(reference / "real-repos" / folder, root)
    git_commit(root, "copy", remote=origin)
    found = [f for f in _findings(root, monkeypatch) if f.severity.value != "info"]
    assert [(f.rule, f.file, f.line) for f in found] == CANNOT_TELL.get(folder, []), [
        f.format() for f in found
    ]


# flux-local's test clusters apply cert-manager, Rook, CloudNativePG and Kyverno resources that nothing in
# the repo installs (their CRDs are assumed on the cluster): on a fresh cluster these Kustomizations fail
# their dry-run, and the model says it cannot tell what would install them (a warning, never a pass).
CANNOT_TELL = {
    "flux-local-testdata": [
        ("reconcile/crd-unknown", "cluster/clusters/prod/apps.yaml", 3),
        ("reconcile/crd-unknown", "cluster/clusters/prod/infrastructure.yaml", 18),
        ("reconcile/crd-unknown", "cluster/clusters/prod/infrastructure.yaml", 18),
        ("reconcile/crd-unknown", "cluster/clusters/prod/infrastructure.yaml", 18),
        ("reconcile/crd-unknown", "cluster2/apps/networking/ingress-nginx/ks.yaml", 2),
    ]
}


@pytest.mark.parametrize("layout", ["gitRepo", "helmRepo"])
def test_customer_template_has_no_reconcile_error(
    reference: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str
) -> None:
    """Big Bang's customer template: its private-git Secret is documented outside the repo (info only)."""
    root = tmp_path / "repo"
    shutil.copytree(reference / "bigbang" / "customer-template" / layout, root)
    git_commit(root, "copy", remote="https://your-private-repo-domain/your-org/your-repo-name.git")
    found = _findings(root, monkeypatch)
    assert {f.rule for f in found} <= {"reconcile/secret-undocumented"}
    assert all(f.severity.value == "info" for f in found)
