from __future__ import annotations

from pathlib import Path

import pytest

from sggitops.findings import Severity
from sggitops.render.graph import scan_repo
from sggitops.render.kustomization import RefKind, is_remote

from .conftest import MakeRepo

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"


@pytest.mark.parametrize(
    "value",
    [
        "https://github.com/org/repo//deploy?ref=v1.2.3",
        "github.com/org/repo//path?ref=main",
        "git@github.com:org/repo.git//deploy?ref=v1",
        "ssh://git@gitlab.example.mil/org/repo.git//base",
        "https://raw.githubusercontent.com/org/repo/main/cm.yaml",
        "git::https://gitlab.com/org/repo.git",
        "gitlab.example.mil/platform/bases//bigbang?ref=3.31.0",
    ],
)
def test_remote_forms_are_findings_at_the_entry(make_repo: MakeRepo, value: str) -> None:
    repo = make_repo({"ov/kustomization.yaml": f"resources:\n  - cm.yaml\n  - {value}\n", "ov/cm.yaml": ""})
    graph = scan_repo(repo)
    assert is_remote(value)
    [finding] = graph.findings
    assert (finding.file, finding.line, finding.col) == ("ov/kustomization.yaml", 3, 5)
    assert finding.rule == "build/remote-base"
    assert finding.severity is Severity.ERROR
    assert value in finding.message
    assert graph.remote_refs("ov")[0].value == value


@pytest.mark.parametrize("value", ["../base", "cm.yaml", "sub/dir", "./local.yaml", "../../x.yml"])
def test_local_paths_are_not_remote(value: str) -> None:
    assert not is_remote(value)


def test_components_and_bases_are_remote_too(make_repo: MakeRepo) -> None:
    repo = make_repo(
        {
            "ov/kustomization.yaml": (
                "bases:\n- github.com/org/a//b?ref=v1\ncomponents:\n- ssh://git@host/org/c.git//comp\n"
            )
        }
    )
    findings = scan_repo(repo).findings
    assert [(f.rule, f.line) for f in findings] == [("build/remote-base", 2), ("build/remote-base", 4)]


def test_file_outside_the_root_is_a_load_restrictor_finding(make_repo: MakeRepo) -> None:
    repo = make_repo(
        {
            "shared/cm.yaml": CM.format(name="x"),
            "shared/p.yaml": CM.format(name="x"),
            "shared/values.env": "a=1\n",
            "base/kustomization.yaml": "resources: [cm.yaml]\n",
            "base/cm.yaml": CM.format(name="b"),
            "ov/kustomization.yaml": (
                "resources:\n"
                "  - ../base\n"  # a directory with its own kustomization: fine
                "  - ../shared/cm.yaml\n"
                "patches:\n"
                "  - path: ../shared/p.yaml\n"
                "configMapGenerator:\n"
                "  - name: env\n"
                "    files: [values=../shared/values.env]\n"
            ),
        }
    )
    findings = scan_repo(repo).findings
    assert [(f.rule, f.file, f.line, f.col) for f in findings] == [
        ("build/load-restrictor", "ov/kustomization.yaml", 3, 5),
        ("build/load-restrictor", "ov/kustomization.yaml", 5, 11),
        ("build/load-restrictor", "ov/kustomization.yaml", 8, 13),
    ]
    assert "../shared/cm.yaml" in findings[0].message
    assert "`ov`" in findings[0].message


def test_symlink_escaping_the_root_is_refused(make_repo: MakeRepo) -> None:
    repo = make_repo(
        {"shared/cm.yaml": CM.format(name="x"), "ov/kustomization.yaml": "resources: [cm.yaml]\n"}
    )
    (repo / "ov/cm.yaml").symlink_to(repo / "shared/cm.yaml")
    [finding] = scan_repo(repo).findings
    assert finding.rule == "build/load-restrictor"


def test_closure_follows_resources_components_and_generators(make_repo: MakeRepo) -> None:
    repo = make_repo(
        {
            "base/kustomization.yaml": (
                "resources: [cm.yaml]\nconfigMapGenerator:\n- name: common\n  files: [values.yaml]\n"
                "  envs: [extra.env]\nconfigurations: [conf.yaml]\ncrds: [crd.json]\n"
            ),
            "base/cm.yaml": CM.format(name="x"),
            "base/values.yaml": "a: 1\n",
            "base/extra.env": "b=2\n",
            "base/conf.yaml": "nameReference: []\n",
            "base/crd.json": "{}",
            "comp/kustomization.yaml": (
                "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
                "patches:\n- path: p.yaml\n- patch: |-\n    - op: add\n"
            ),
            "comp/p.yaml": CM.format(name="x"),
            "ov/kustomization.yaml": (
                "resources: [../base]\ncomponents: [../comp]\n"
                "patchesStrategicMerge:\n- smp.yaml\n- |-\n  apiVersion: v1\n  kind: ConfigMap\n"
                "patchesJson6902:\n- path: j.yaml\n  target: {kind: ConfigMap, name: x}\n"
                "transformers:\n- labels.yaml\n"
            ),
            "ov/smp.yaml": CM.format(name="x"),
            "ov/j.yaml": "[]",
            "ov/labels.yaml": "apiVersion: builtin\nkind: LabelTransformer\n",
            "unrelated/kustomization.yaml": "resources: [z.yaml]\n",
            "unrelated/z.yaml": CM.format(name="z"),
        }
    )
    graph = scan_repo(repo)
    assert graph.roots == ["base", "ov", "unrelated"]  # the Component is not built on its own
    assert graph.leaves == ["ov", "unrelated"]
    assert graph.includes("ov") == ["base", "comp"]
    closure = graph.closure("ov")
    assert closure[0] == "ov/kustomization.yaml"
    assert set(closure) == {
        "ov/kustomization.yaml",
        "ov/smp.yaml",
        "ov/j.yaml",
        "ov/labels.yaml",
        "base/kustomization.yaml",
        "base/cm.yaml",
        "base/values.yaml",
        "base/extra.env",
        "base/conf.yaml",
        "base/crd.json",
        "comp/kustomization.yaml",
        "comp/p.yaml",
    }
    assert graph.findings == []


def test_closure_includes_missing_paths_and_survives_cycles(make_repo: MakeRepo) -> None:
    repo = make_repo(
        {
            "a/kustomization.yaml": "resources: [../b, gone.yaml, ../nodir]\n",
            "b/kustomization.yaml": "resources: [../a]\n",
        }
    )
    graph = scan_repo(repo)
    assert set(graph.closure("a")) == {
        "a/kustomization.yaml",
        "a/gone.yaml",
        "b/kustomization.yaml",
        "nodir/kustomization.yaml",
    }
    assert graph.leaves == []


def test_invalid_kustomization_is_recorded_not_raised(make_repo: MakeRepo) -> None:
    repo = make_repo({"ov/kustomization.yaml": "resources: [a\n", "ok/Kustomization": "resources: []\n"})
    graph = scan_repo(repo)
    assert graph.kustomizations["ov"].error.startswith("not valid YAML")
    assert graph.closure("ov") == ("ov/kustomization.yaml",)
    assert graph.kustomizations["ok"].file == "ok/Kustomization"


def test_hidden_directories_are_skipped(make_repo: MakeRepo) -> None:
    repo = make_repo(
        {
            "kustomization.yaml": "resources: [ov]\n",
            "ov/kustomization.yml": "resources: []\n",
            ".sggitops-cache/x/kustomization.yaml": "resources: []\n",
        }
    )
    graph = scan_repo(repo)
    assert graph.roots == [".", "ov"]
    assert graph.leaves == ["."]
    assert graph.normalize(repo / "ov") == "ov"
    assert graph.normalize("ov/") == "ov"


def test_helm_charts_are_noted(make_repo: MakeRepo) -> None:
    repo = make_repo(
        {
            "ov/kustomization.yaml": "helmCharts:\n- name: podinfo\n  valuesFile: values.yaml\n",
            "ov/values.yaml": "a: 1\n",
        }
    )
    graph = scan_repo(repo)
    [finding] = graph.findings
    assert (finding.rule, finding.severity, finding.line) == ("build/helm-chart", Severity.ERROR, 2)
    assert "ov/values.yaml" in graph.closure("ov")
    refs = graph.kustomizations["ov"].refs
    assert [(r.field, r.kind) for r in refs] == [("helmCharts", RefKind.FILE)]


def test_scan_of_an_empty_repo(tmp_path: Path) -> None:
    graph = scan_repo(tmp_path)
    assert graph.roots == [] and graph.leaves == [] and graph.findings == []
