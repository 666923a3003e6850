"""ApplicationSet generators expanded offline the way the controller expands them
(argo-cd.readthedocs.io/en/stable/operator-manual/applicationset/Generators-*)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sggitops.model.appsets import Context, expand
from sggitops.model.identity import Identity

IDENT = Identity(frozenset({"github.com/example/fleet"}), frozenset({"main"}))


def _appset(generators: list[Any], *, go: bool = False, path: str = "{{path}}") -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": "set", "namespace": "argocd"},
        "spec": {
            "goTemplate": go,
            "generators": generators,
            "template": {
                "metadata": {"name": "{{.path.basename}}" if go else "{{path.basename}}"},
                "spec": {
                    "project": "p",
                    "source": {"repoURL": "https://github.com/example/fleet", "path": path},
                },
            },
        },
    }


def test_list_generator(tmp_path: Path) -> None:
    appset = _appset([{"list": {"elements": [{"cluster": "a"}, {"cluster": "b"}]}}], path="envs/{{cluster}}")
    out = expand(appset, Context(tmp_path, IDENT))
    assert [a["spec"]["source"]["path"] for a in out.applications] == ["envs/a", "envs/b"]
    assert all(a["metadata"]["namespace"] == "argocd" for a in out.applications)


def test_git_directories_with_exclude(tmp_path: Path) -> None:
    for d in ("apps/web", "apps/api", "apps/old"):
        (tmp_path / d).mkdir(parents=True)
    git = {
        "repoURL": "git@github.com:example/fleet.git",
        "directories": [{"path": "apps/*"}, {"path": "apps/old", "exclude": True}],
    }
    out = expand(_appset([{"git": git}]), Context(tmp_path, IDENT))
    assert sorted(a["metadata"]["name"] for a in out.applications) == ["api", "web"]
    go = expand(_appset([{"git": git}], go=True, path="{{.path.path}}"), Context(tmp_path, IDENT))
    assert sorted(a["spec"]["source"]["path"] for a in go.applications) == ["apps/api", "apps/web"]


def test_git_files_flattened_params(tmp_path: Path) -> None:
    (tmp_path / "clusters" / "dev").mkdir(parents=True)
    (tmp_path / "clusters" / "dev" / "config.json").write_text('{"cluster": {"name": "dev"}}')
    git = {"repoURL": "https://github.com/example/fleet", "files": [{"path": "clusters/*/config.json"}]}
    out = expand(_appset([{"git": git}], path="envs/{{cluster.name}}"), Context(tmp_path, IDENT))
    assert [a["spec"]["source"]["path"] for a in out.applications] == ["envs/dev"]


def test_matrix_of_list_and_list(tmp_path: Path) -> None:
    matrix = {
        "matrix": {
            "generators": [
                {"list": {"elements": [{"env": "dev"}, {"env": "prod"}]}},
                {"list": {"elements": [{"app": "web"}]}},
            ]
        }
    }
    out = expand(_appset([matrix], path="{{app}}/{{env}}"), Context(tmp_path, IDENT))
    assert [a["spec"]["source"]["path"] for a in out.applications] == ["web/dev", "web/prod"]


def test_declared_clusters_and_the_rest_named(tmp_path: Path) -> None:
    gens = [{"clusters": {}}, {"scmProvider": {"github": {"organization": "example"}}}]
    none = expand(_appset(gens, path="c/{{name}}"), Context(tmp_path, IDENT))
    assert none.applications == [] and len(none.unexpanded) == 2
    declared = expand(_appset(gens, path="c/{{name}}"), Context(tmp_path, IDENT, (("prod", "https://p"),)))
    assert [a["spec"]["source"]["path"] for a in declared.applications] == ["c/prod"]
    assert declared.unexpanded == ["scmProvider"]


def test_git_of_another_repo_is_not_expanded(tmp_path: Path) -> None:
    git = {"repoURL": "https://github.com/other/repo", "directories": [{"path": "*"}]}
    out = expand(_appset([{"git": git}]), Context(tmp_path, IDENT))
    assert out.applications == [] and out.unexpanded == ["git (another repository)"]
