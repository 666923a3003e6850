"""drift/* on a generated repo: hand edits with file and line, formatting-only edits, missing, orphaned, stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from sggitops.checks import drift
from sggitops.checks.context import RepoContext
from sggitops.findings import Finding, Severity
from sggitops.render import scan_repo
from sggitops.specfile import load_spec_with_digest
from tests.helpers import SMALL_SPEC, run_cli

VALUES = "overlays/run-dev/values.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "platform.yaml").write_text(SMALL_SPEC)
    assert run_cli(tmp_path, "generate").exit_code == 0
    return tmp_path


def findings(root: Path) -> list[Finding]:
    platform, _digest = load_spec_with_digest(root / "platform.yaml", display="platform.yaml")
    ctx = RepoContext(root, scan_repo(root), {}, {}, platform=platform)
    return list(drift.check(ctx))


def test_generated_repo_has_no_drift(repo: Path) -> None:
    assert findings(repo) == []


def test_no_spec_no_findings(tmp_path: Path) -> None:
    assert list(drift.check(RepoContext(tmp_path, scan_repo(tmp_path), {}, {}))) == []


def test_hand_edit_is_reported_with_file_line_and_key(repo: Path) -> None:
    path = repo / VALUES
    lines = path.read_text().splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith("  gitlab:"))
    assert lines[index + 1] == "    enabled: false\n"
    lines[index + 1] = "    enabled: true  # turned on by hand\n"
    path.write_text("".join(lines))
    (finding,) = findings(repo)
    assert (finding.file, finding.line, finding.col) == (VALUES, index + 2, 14)
    assert finding.rule == "drift/edited" and finding.severity is Severity.ERROR
    assert "`addons.gitlab.enabled` is true, generated false" in finding.message
    assert "platform.yaml" in finding.hint and "sggitops generate" in finding.hint


def test_added_and_removed_keys_and_list_items(repo: Path) -> None:
    path = repo / VALUES
    path.write_text(
        path.read_text().replace("kiali:\n  enabled: true\n", "kiali:\n  enabled: true\n  extra: 1\n")
    )
    (finding,) = findings(repo)
    assert "`kiali.extra` is not generated" in finding.message
    assert path.read_text().splitlines()[finding.line - 1] == "  extra: 1"

    k = repo / "overlays/run-dev/policies/kustomization.yaml"
    k.write_text(k.read_text().replace("  - ../../../bases/policies/kyverno/exceptions\n", ""))
    messages = [f.message for f in findings(repo) if f.file.endswith("kustomization.yaml")]
    assert messages == [
        "overlays/run-dev/policies/kustomization.yaml was edited by hand: `resources` has 1 item(s), 2 generated"
    ]


def test_formatting_comments_and_key_order_are_no_drift(repo: Path) -> None:
    path = repo / "overlays/run-dev/argocd/root-application.yaml"
    text = path.read_text()
    head, _, rest = text.partition("apiVersion: argoproj.io/v1alpha1\nkind: Application\n")
    path.write_text(
        "# reviewed by ops\n" + rest + "kind:   Application\napiVersion: 'argoproj.io/v1alpha1'\n"
    )
    assert head.startswith("# Generated")
    assert findings(repo) == []


def test_multi_document_file_names_the_document(repo: Path) -> None:
    path = repo / "overlays/run-dev/bootstrap.yaml"
    path.write_text(path.read_text().replace("interval: 1m", "interval: 10m"))
    (finding,) = findings(repo)
    assert '`document 2.spec.interval` is "10m", generated "1m"' in finding.message


def test_invalid_yaml_is_edited_at_the_error(repo: Path) -> None:
    (repo / VALUES).write_text("domain: [\n")
    (finding,) = findings(repo)
    assert finding.rule == "drift/edited" and "not valid YAML" in finding.message and finding.line >= 1


def test_missing_and_orphaned_files(repo: Path) -> None:
    (repo / "overlays/run-dev/argocd/apps/web.yaml").unlink()
    spec = repo / "platform.yaml"
    spec.write_text(spec.read_text().replace("    sets: [baseline]\n", "    sets: []\n"))
    got = findings(repo)
    rules = {(f.rule, f.file) for f in got}
    assert ("drift/missing", "overlays/run-dev/argocd/apps/web.yaml") in rules
    assert ("drift/orphaned", "bases/policies/kyverno/baseline/kustomization.yaml") in rules
    # the spec changed without `generate`: files the generator wrote are stale, not hand-edited
    stale = [f for f in got if f.file == "overlays/run-dev/bootstrap.yaml"]  # no policies stage any more
    assert [f.rule for f in stale] == ["drift/stale"]


def test_generated_overlay_of_a_removed_cluster_is_orphaned(repo: Path) -> None:
    stray = repo / "overlays/run-old/kustomization.yaml"
    stray.parent.mkdir()
    stray.write_text((repo / "overlays/run-dev/kustomization.yaml").read_text())
    (repo / "overlays/run-old/notes.md").write_text("mine\n")
    (finding,) = findings(repo)
    assert (finding.rule, finding.file, finding.severity) == (
        "drift/orphaned",
        "overlays/run-old/kustomization.yaml",
        Severity.WARNING,
    )


def test_lock_missing_or_corrupt(repo: Path) -> None:
    lock = repo / ".sggitops/lock.yaml"
    lock.write_text("files: [\n")
    assert [f.rule for f in findings(repo)] == ["drift/lock"]
    lock.unlink()
    assert [(f.rule, f.file) for f in findings(repo)] == [("drift/missing", ".sggitops/lock.yaml")]
