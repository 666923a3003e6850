from __future__ import annotations

from pathlib import Path

from sggitops.roots import pointed_paths


def test_paths_named_by_flux_and_argocd_are_normalized_and_kept_inside_the_repo(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    kustomizations = [
        {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization", "spec": {"path": p}}
        for p in ["./a/b", "../a", "/a", ".hidden", "a/../a/b", "./"]
    ]
    app = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "spec": {"source": {"repoURL": "https://x.mil/other.git", "path": "a"}},
    }
    assert pointed_paths([*kustomizations, app], ("https://x.mil/gitops",), tmp_path) == {
        ".",
        ".hidden",
        "a/b",
    }
