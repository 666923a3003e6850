"""Entry files (Flux bootstrap files, standalone Argo CD Applications) that are not valid YAML are
reported (`yaml/syntax`), except the Go templates of a Helm chart, which Helm renders."""

from __future__ import annotations

from pathlib import Path

from sggitops.context.entries import entry_documents
from sggitops.context.walk import flux_entry_files
from sggitops.render.graph import scan_repo

BROKEN = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nspec: {path: ./x\n  prune: true\n"
TEMPLATE = "{{- range .Values.apps }}\napiVersion: argoproj.io/v1alpha1\nkind: Application\n{{- end }}\n"


def test_a_broken_bootstrap_file_is_an_entry_and_a_yaml_syntax_error(tmp_path: Path) -> None:
    (tmp_path / "clusters").mkdir()
    (tmp_path / "clusters" / "bootstrap.yaml").write_text(BROKEN)
    entries = flux_entry_files(tmp_path, scan_repo(tmp_path))
    assert entries == ["clusters/bootstrap.yaml"]
    docs, errors = entry_documents(tmp_path, entries)
    assert docs == []
    assert [(e.rule, e.file, e.line, e.severity.value) for e in errors] == [
        ("yaml/syntax", "clusters/bootstrap.yaml", 4, "error")
    ]


def test_helm_chart_templates_are_not_entries(tmp_path: Path) -> None:
    chart = tmp_path / "apps"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: apps\nversion: 0.1.0\n")
    (chart / "templates" / "applications.yaml").write_text(TEMPLATE)
    assert flux_entry_files(tmp_path, scan_repo(tmp_path)) == []
