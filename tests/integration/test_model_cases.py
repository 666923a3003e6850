"""Small repos built from how Flux and Argo CD document their behaviour, run through `validate`:
each test names the behaviour. Errors are compared as (rule, file, line)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import git
import pytest

from tests.helpers import run_cli

pytestmark = pytest.mark.integration

ORIGIN = "git@github.com:example/fleet.git"
GITREPO = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {{name: {name}, namespace: flux-system}}
spec:
  interval: 1m
  url: {url}
  ref: {{branch: {branch}}}
"""
KS = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  interval: 10m
  prune: true
  path: {path}
  sourceRef: {{kind: {kind}, name: {source}{source_ns}}}
"""
CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: demo, namespace: default}\ndata: {a: b}\n"


def ks(
    name: str,
    path: str,
    source: str = "flux-system",
    *,
    namespace: str = "flux-system",
    kind: str = "GitRepository",
    source_ns: str = "",
) -> str:
    ns = f", namespace: {source_ns}" if source_ns else ""
    return KS.format(name=name, path=path, source=source, namespace=namespace, kind=kind, source_ns=ns)


def gitrepo(
    name: str = "flux-system", url: str = "https://github.com/example/fleet", branch: str = "main"
) -> str:
    return GITREPO.format(name=name, url=url, branch=branch)


def make(tmp_path: Path, files: dict[str, str], origin: str | None = ORIGIN) -> Path:
    root = tmp_path / "repo"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "name", "t")
        config.set_value("user", "email", "t@example.mil")
        config.set_value("commit", "gpgsign", "false")
    if origin:
        repo.create_remote("origin", origin)
    repo.git.add("--all")
    repo.git.commit("-m", "x")
    return root


def validate(root: Path, tmp_path: Path) -> dict[str, Any]:
    report = tmp_path / "r.json"
    result = run_cli(root, "validate", "--no-cache", "-o", f"json={report}")
    assert result.exit_code in {0, 1}, result.output
    data: dict[str, Any] = json.loads(report.read_text())
    return data


def errors(report: dict[str, Any]) -> set[tuple[str, str, int]]:
    return {(f["rule"], f["file"], f["line"]) for f in report["findings"] if f["severity"] == "error"}


def test_plain_folder_is_built_as_flux_generates_its_kustomization(tmp_path: Path) -> None:
    """Flux: a path without kustomization.yaml gets one listing its manifests and subfolders,
    a subfolder with its own kustomization built as a whole."""
    root = make(
        tmp_path,
        {
            "clusters/prod/sync.yaml": gitrepo() + "---\n" + ks("apps", "./apps"),
            "apps/nested/deep/cm.yaml": CM.replace("demo", "deep"),
            "apps/base/kustomization.yaml": "resources: [cm.yaml]\n",
            "apps/base/cm.yaml": CM,
            "apps/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec: {}\n",
        },
    )
    report = validate(root, tmp_path)
    # the Pod two levels above the kustomization is applied, and checked
    assert ("schema/invalid", "apps/pod.yaml", 4) in errors(report)
    assert report["summary"]["objects"] >= 4


def test_source_namespace_defaults_to_the_referring_object(tmp_path: Path) -> None:
    """Flux: `sourceRef.namespace` defaults to the Kustomization's namespace."""
    root = make(
        tmp_path,
        {
            "clusters/prod/sync.yaml": gitrepo()
            + "---\n"
            + ks("apps", "./apps", namespace="team")
            + "---\n"
            + ks("ok", "./apps", namespace="team", source_ns="flux-system").replace("name: ok", "name: ok2"),
            "apps/cm.yaml": CM,
        },
    )
    assert errors(validate(root, tmp_path)) == {("flux/source-missing", "clusters/prod/sync.yaml", 16)}


def test_same_repo_on_another_branch_is_not_this_checkout(tmp_path: Path) -> None:
    """A GitRepository of this URL on another branch: its paths are not this checkout's."""
    root = make(
        tmp_path,
        {
            "clusters/prod/sync.yaml": gitrepo() + "---\n" + ks("apps", "./apps"),
            "clusters/prod/team.yaml": gitrepo("team", branch="team-a")
            + "---\n"
            + ks("team", "./only-on-team-a", "team"),
            "apps/cm.yaml": CM,
        },
    )
    assert errors(validate(root, tmp_path)) == set()


def test_missing_path_of_this_checkout_is_an_error_in_any_url_form(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "clusters/prod/sync.yaml": gitrepo(url="ssh://git@GitHub.com/example/fleet.git")
            + "---\n"
            + ks("apps", "./appz"),
            "apps/cm.yaml": CM,
        },
        origin="https://gitlab-ci-token:abc@github.com/example/fleet",
    )
    assert errors(validate(root, tmp_path)) == {("flux/path-missing", "clusters/prod/sync.yaml", 15)}


def test_checkout_that_is_a_subtree_of_the_synced_repo(tmp_path: Path) -> None:
    """`flux bootstrap --path=./deploy/clusters/prod` in a repo whose deploy/ is what we check out."""
    sync = gitrepo() + "---\n" + ks("flux-system", "./deploy/clusters/prod") + "---\n"
    root = make(
        tmp_path,
        {
            "clusters/prod/flux-system/gotk-sync.yaml": sync,
            "clusters/prod/flux-system/kustomization.yaml": "resources: [gotk-sync.yaml]\n",
            "clusters/prod/apps.yaml": ks("apps", "./deploy/apps"),
            "apps/cm.yaml": CM,
        },
    )
    assert errors(validate(root, tmp_path)) == set()


def test_flux_instance_sync_defines_the_source(tmp_path: Path) -> None:
    """flux-operator: FluxInstance.spec.sync makes GitRepository and Kustomization `flux-system`."""
    instance = """\
    apiVersion: fluxcd.controlplane.io/v1
    kind: FluxInstance
    metadata: {name: flux, namespace: flux-system}
    spec:
      distribution: {version: "2.x", registry: ghcr.io/fluxcd}
      sync: {kind: GitRepository, url: "https://github.com/example/fleet.git", ref: refs/heads/main, path: clusters/prod}
    """
    root = make(
        tmp_path,
        {
            "bootstrap/flux.yaml": instance,
            "clusters/prod/apps.yaml": ks("apps", "./apps"),
            "apps/cm.yaml": CM,
        },
    )
    assert errors(validate(root, tmp_path)) == set()


def test_external_artifact_maps_back_to_repo_paths(tmp_path: Path) -> None:
    """ArtifactGenerator copies `@repo/apps/**` to `@artifact/`: a Kustomization path `./missing` of that
    ExternalArtifact is `apps/missing` of this checkout."""
    generator = """\
    apiVersion: source.extensions.fluxcd.io/v1beta1
    kind: ArtifactGenerator
    metadata: {name: gen, namespace: flux-system}
    spec:
      sources: [{alias: repo, kind: GitRepository, name: flux-system}]
      artifacts:
        - name: apps
          copy: [{from: "@repo/apps/**", to: "@artifact/"}]
    """
    root = make(
        tmp_path,
        {
            "clusters/prod/sync.yaml": gitrepo() + "---\n" + ks("flux-system", "./clusters/prod"),
            "clusters/prod/gen.yaml": generator,
            "clusters/prod/apps.yaml": ks("apps", "./prod", "apps", kind="ExternalArtifact")
            + "---\n"
            + ks("gone", "./missing", "apps", kind="ExternalArtifact"),
            "apps/prod/cm.yaml": CM,
        },
    )
    assert errors(validate(root, tmp_path)) == {("flux/path-missing", "clusters/prod/apps.yaml", 16)}


def test_declared_source_and_variables_from_config(tmp_path: Path) -> None:
    """`.sggitops.yaml` declares a source that exists only on the cluster and a variable it provides."""
    deploy = """\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: app, namespace: default}
    spec:
      replicas: ${REPLICAS}
      selector: {matchLabels: {app: a}}
      template:
        metadata: {labels: {app: a}}
        spec: {containers: [{name: a, image: nginx}]}
    """
    apps = (
        ks("apps", "./apps", "fleet") + "  postBuild:\n    substituteFrom: [{kind: ConfigMap, name: vars}]\n"
    )
    config = (
        "sources: [{kind: GitRepository, name: fleet, namespace: flux-system}]\nvariables: {REPLICAS: 3}\n"
    )
    root = make(
        tmp_path, {"clusters/prod/apps.yaml": apps, "apps/deploy.yaml": deploy, ".sggitops.yaml": config}
    )
    assert errors(validate(root, tmp_path)) == set()


def test_cluster_names_come_from_the_model_and_config(tmp_path: Path) -> None:
    """Clusters are the Flux entry points (not folders); `.sggitops.yaml` may name them. One problem
    seen by two clusters is one finding listing both."""
    pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec: {}\n"
    files = {
        f"clusters/{c}/flux-system/gotk-sync.yaml": gitrepo() + "---\n" + ks("flux-system", f"./clusters/{c}")
        for c in ("prod", "stage")
    }
    files |= {
        f"clusters/{c}/flux-system/kustomization.yaml": "resources: [gotk-sync.yaml]\n"
        for c in ("prod", "stage")
    }
    files |= {f"clusters/{c}/apps.yaml": ks("apps", "./apps") for c in ("prod", "stage")}
    files |= {
        "apps/pod.yaml": pod,
        ".sggitops.yaml": "clusters: [{path: clusters/prod, name: prod, kubernetesVersion: '1.33'}]\n",
    }
    report = validate(make(tmp_path, files), tmp_path)
    (finding,) = [f for f in report["findings"] if f["severity"] == "error"]
    assert (finding["rule"], finding["file"], finding["cluster"]) == (
        "schema/invalid",
        "apps/pod.yaml",
        "clusters/stage,prod",
    )


def test_repo_bootstrapped_from_outside_syncs_from_flux_system(tmp_path: Path) -> None:
    """No source of this checkout in the repo (Flux bootstrapped by a helmfile or from another repo):
    `flux-system/flux-system` is the source Flux syncs from, so its Kustomizations are followed and a
    path only the cluster's variables complete is not judged."""
    cluster_ks = (
        ks("cluster-apps", "./kubernetes/apps")
        + "  postBuild:\n    substituteFrom: [{kind: Secret, name: s}]\n"
    )
    root = make(
        tmp_path,
        {
            "kubernetes/flux/cluster/ks.yaml": cluster_ks,
            "kubernetes/apps/web/ks.yaml": ks("web", "./kubernetes/apps/web/${APP_DIR}")
            + "---\n"
            + ks("gone", "./kubernetes/apps/gone"),
            "kubernetes/apps/web/app/cm.yaml": CM,
        },
    )
    assert errors(validate(root, tmp_path)) == {("flux/path-missing", "kubernetes/apps/web/ks.yaml", 16)}


HOSTILE = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: a, namespace: flux-system}
spec: {path: [1], sourceRef: [x], dependsOn: "b", postBuild: {substitute: [1], substituteFrom: 3}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: b}
spec: "text"
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: h, namespace: x}
spec: {chart: {spec: {sourceRef: 7}}, valuesFrom: {kind: ConfigMap}, chartRef: "y"}
---
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: s}
spec:
  generators: [{list: {elements: 5}}, {matrix: {generators: {a: 1}}}, {git: {repoURL: 3, directories: 4, files: "x"}}, 9]
  template: {metadata: {name: "{{x}}"}, spec: {source: [1]}}
---
apiVersion: source.extensions.fluxcd.io/v1beta1
kind: ArtifactGenerator
metadata: {name: g, namespace: flux-system}
spec: {sources: {a: 1}, artifacts: [{name: z, copy: 5}, 3]}
---
apiVersion: fluxcd.controlplane.io/v1
kind: FluxInstance
metadata: {name: f}
spec: {sync: "nope"}
"""


def test_hostile_shapes_end_in_findings_not_tracebacks(tmp_path: Path) -> None:
    root = make(tmp_path, {"clusters/x/all.yaml": HOSTILE, "clusters/x/flux-system/gotk-sync.yaml": ""})
    report = validate(root, tmp_path)
    assert any(f["rule"] == "schema/invalid" for f in report["findings"])


APP = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: {name}, namespace: argocd}}
spec:
  project: default
  source: {{repoURL: "https://github.com/example/fleet.git", path: {path}, targetRevision: {revision}}}
  destination: {{server: "https://kubernetes.default.svc", namespace: default}}
"""


def test_argo_path_at_another_revision_is_a_warning(tmp_path: Path) -> None:
    """Argo CD reads the path at targetRevision: at another branch this checkout cannot tell."""
    root = make(
        tmp_path,
        {
            "apps/main.yaml": APP.format(name="a", path="gone", revision="main"),
            "apps/other.yaml": APP.format(name="b", path="gone", revision="env/prod"),
        },
    )
    found = {
        (f["file"], f["severity"])
        for f in validate(root, tmp_path)["findings"]
        if f["rule"] == "argocd/path-missing"
    }
    assert found == {("apps/main.yaml", "error"), ("apps/other.yaml", "warning")}


def test_values_from_a_secret_an_external_secret_makes(tmp_path: Path) -> None:
    """helm-controller reads valuesFrom on the cluster: a Secret made there by an ExternalSecret counts."""
    hr = """\
    apiVersion: helm.toolkit.fluxcd.io/v2
    kind: HelmRelease
    metadata: {name: web, namespace: default}
    spec:
      interval: 1h
      chart: {spec: {chart: web, sourceRef: {kind: HelmRepository, name: charts, namespace: flux-system}}}
      valuesFrom:
        - {kind: Secret, name: web-values}
        - {kind: ConfigMap, name: web-config}
    """
    es = """\
    apiVersion: external-secrets.io/v1
    kind: ExternalSecret
    metadata: {name: web, namespace: default}
    spec: {target: {name: web-values}, secretStoreRef: {name: vault, kind: ClusterSecretStore}}
    """
    repo = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: charts, namespace: flux-system}\nspec: {url: https://charts.example.com}\n"
    root = make(
        tmp_path,
        {
            "clusters/prod/flux-system/gotk-sync.yaml": gitrepo()
            + "---\n"
            + ks("flux-system", "./clusters/prod"),
            "clusters/prod/flux-system/kustomization.yaml": "resources: [gotk-sync.yaml]\n",
            "clusters/prod/apps.yaml": ks("apps", "./apps"),
            "apps/hr.yaml": hr,
            "apps/es.yaml": es,
            "apps/repo.yaml": repo,
        },
    )
    report = validate(root, tmp_path)
    assert {(f["rule"], f["line"]) for f in report["findings"] if f["severity"] == "error"} == {
        ("flux/values-from-missing", 9)
    }
