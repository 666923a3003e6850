"""checks/flux.py: Flux Kustomizations and HelmReleases in renders and bootstrap files, on real renders."""

from __future__ import annotations

from pathlib import Path

from sggitops.checks import flux
from sggitops.checks.context import Target
from sggitops.findings import Finding
from tests.helpers import render_context

URL = "https://git.example/platform/gitops.git"

KUSTOMIZATION = """\
namespace: bigbang
configurations:
  - transformer.yaml
resources:
  - helm.yaml
configMapGenerator:
  - name: values
    literals:
      - replicas=2
"""

TRANSFORMER = """\
nameReference:
  - kind: ConfigMap
    fieldSpecs:
      - path: spec/valuesFrom/name
        kind: HelmRelease
"""

# HelmRelease `web`: sourceRef line 16, dependsOn[0] line 20, valuesFrom[0] line 22
HELM = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: charts
spec:
  url: https://charts.example
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
spec:
  chart:
    spec:
      chart: web
      sourceRef:
        kind: HelmRepository
        name: charts
  dependsOn:
    - name: base
  valuesFrom:
    - kind: ConfigMap
      name: values
    - kind: Secret
      name: extra
      optional: true
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: base
spec:
  chart:
    spec:
      chart: base
      sourceRef: {kind: HelmRepository, name: charts}
"""

# Kustomization `c1`: path line 15, sourceRef line 16, dependsOn[0] line 20
BOOTSTRAP = f"""\
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: acme
  namespace: flux-system
spec:
  url: {URL}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: c1
  namespace: flux-system
spec:
  path: ./overlays/c1
  sourceRef:
    kind: GitRepository
    name: acme
  dependsOn:
    - name: crds
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: crds
  namespace: flux-system
spec:
  path: ./crds
  sourceRef: {{kind: GitRepository, name: acme}}
"""

CRD = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: plain
  namespace: flux-system
"""


def repo_with(tmp_path: Path, overrides: dict[str, str] | None = None) -> Path:
    files = {
        "overlays/c1/kustomization.yaml": KUSTOMIZATION,
        "overlays/c1/transformer.yaml": TRANSFORMER,
        "overlays/c1/helm.yaml": HELM,
        "overlays/c1/bootstrap.yaml": BOOTSTRAP,
        "crds/nested/crd.yaml": CRD,  # plain manifests: Flux generates a kustomization, recursively
    }
    files.update(overrides or {})
    repo = tmp_path / "repo"
    for rel, content in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(content, encoding="utf-8")
    return repo


def run(repo: Path) -> list[Finding]:
    return list(flux.check(render_context(repo, [Target("overlays/c1", "c1", "1.34")], repo_url=URL)))


def where(findings: list[Finding]) -> list[tuple[str, str, int]]:
    return [(f.rule, f.file, f.line) for f in findings]


def test_consistent_flux_objects_pass(tmp_path: Path) -> None:
    # the HelmRelease and its ConfigMap both carry the generator hash after rendering
    assert run(repo_with(tmp_path)) == []


def test_path_missing_in_bootstrap(tmp_path: Path) -> None:
    bootstrap = BOOTSTRAP.replace("./overlays/c1", "./overlays/c2")
    (finding,) = run(repo_with(tmp_path, {"overlays/c1/bootstrap.yaml": bootstrap}))
    assert where([finding]) == [("flux/path-missing", "overlays/c1/bootstrap.yaml", 15)]
    assert (finding.cluster, finding.resource) == ("c1", "Kustomization/flux-system/c1")
    assert "`overlays/c2` does not exist" in finding.message


def test_path_that_does_not_build_is_reported(tmp_path: Path) -> None:
    broken = KUSTOMIZATION.replace("  - helm.yaml", "  - helm.yaml\n  - gone.yaml")
    findings = run(repo_with(tmp_path, {"overlays/c1/kustomization.yaml": broken}))
    assert where(findings) == [("flux/path-missing", "overlays/c1/bootstrap.yaml", 15)]
    assert "does not build" in findings[0].message


def test_path_of_another_repo_is_not_checked(tmp_path: Path) -> None:
    bootstrap = BOOTSTRAP.replace(URL, "https://git.example/other.git").replace("./overlays/c1", "./nowhere")
    assert run(repo_with(tmp_path, {"overlays/c1/bootstrap.yaml": bootstrap})) == []


def test_kustomization_source_missing(tmp_path: Path) -> None:
    bootstrap = BOOTSTRAP.replace("    name: acme\n  dependsOn", "    name: flux-system\n  dependsOn")
    (finding,) = run(repo_with(tmp_path, {"overlays/c1/bootstrap.yaml": bootstrap}))
    assert where([finding]) == [("flux/source-missing", "overlays/c1/bootstrap.yaml", 16)]
    assert "GitRepository `flux-system/flux-system`" in finding.message


def test_source_in_another_namespace_is_missing(tmp_path: Path) -> None:
    bootstrap = BOOTSTRAP.replace(
        "    name: acme\n  dependsOn", "    name: acme\n    namespace: other\n  dependsOn"
    )
    assert where(run(repo_with(tmp_path, {"overlays/c1/bootstrap.yaml": bootstrap}))) == [
        ("flux/source-missing", "overlays/c1/bootstrap.yaml", 16)
    ]


def test_helmrelease_chart_source_missing(tmp_path: Path) -> None:
    helm = HELM.replace("        name: charts", "        name: chart")
    findings = run(repo_with(tmp_path, {"overlays/c1/helm.yaml": helm}))
    assert where(findings) == [("flux/source-missing", "overlays/c1/helm.yaml", 16)]
    assert findings[0].resource == "HelmRelease/bigbang/web"


def test_kustomization_depends_on_missing(tmp_path: Path) -> None:
    bootstrap = BOOTSTRAP.replace("    - name: crds", "    - name: crd")
    (finding,) = run(repo_with(tmp_path, {"overlays/c1/bootstrap.yaml": bootstrap}))
    assert where([finding]) == [("flux/depends-on-missing", "overlays/c1/bootstrap.yaml", 20)]


def test_helmrelease_depends_on_only_helmreleases(tmp_path: Path) -> None:
    # `c1` is a Kustomization, not a HelmRelease: a HelmRelease cannot wait for it
    helm = HELM.replace("    - name: base", "    - name: c1\n      namespace: flux-system")
    (finding,) = run(repo_with(tmp_path, {"overlays/c1/helm.yaml": helm}))
    assert where([finding]) == [("flux/depends-on-missing", "overlays/c1/helm.yaml", 20)]
    assert "HelmRelease `flux-system/c1`" in finding.message


def test_values_from_missing(tmp_path: Path) -> None:
    helm = HELM.replace("      name: values", "      name: valuez")
    (finding,) = run(repo_with(tmp_path, {"overlays/c1/helm.yaml": helm}))
    assert where([finding]) == [("flux/values-from-missing", "overlays/c1/helm.yaml", 22)]
    assert "ConfigMap `valuez`" in finding.message


def test_values_from_compares_rendered_names(tmp_path: Path) -> None:
    # without the nameReference transformer the HelmRelease keeps `values` but the ConfigMap is hashed
    unlinked = KUSTOMIZATION.replace("configurations:\n  - transformer.yaml\n", "")
    findings = run(repo_with(tmp_path, {"overlays/c1/kustomization.yaml": unlinked}))
    assert where(findings) == [("flux/values-from-missing", "overlays/c1/helm.yaml", 22)]


def test_optional_values_from_may_be_missing(tmp_path: Path) -> None:
    helm = HELM.replace("      name: values\n", "      name: values\n      optional: true\n").replace(
        "kind: ConfigMap\n      name: values", "kind: ConfigMap\n      name: absent"
    )
    assert run(repo_with(tmp_path, {"overlays/c1/helm.yaml": helm})) == []
