"""`canonical_url`: every spelling of one repo is the same repo (what Argo CD's NormalizeGitURL does)."""

from __future__ import annotations

import pytest

from sggitops.model.identity import Identity, canonical_url


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/example/fleet.git",
        "https://github.com/example/fleet",
        "https://github.com/example/fleet/",
        "git@github.com:example/fleet.git",
        "ssh://git@github.com/example/fleet",
        "ssh://git@github.com:22/example/fleet.git",
        "https://gitlab-ci-token:glcbt-abc@github.com/example/fleet.git",
        "HTTPS://GitHub.com/Example/Fleet.GIT",
        "  https://github.com/example/fleet.git  ",
    ],
)
def test_every_form_of_one_repo_is_the_same(url: str) -> None:
    assert canonical_url(url) == "github.com/example/fleet"


def test_other_repos_and_hosts_differ() -> None:
    assert canonical_url("https://github.com/example/fleet-2") != canonical_url(
        "https://github.com/example/fleet"
    )
    assert canonical_url("https://gitlab.com/example/fleet") != canonical_url(
        "https://github.com/example/fleet"
    )
    assert canonical_url("") == ""


def test_a_branch_of_this_revision_or_none_is_this_checkout() -> None:
    ident = Identity(frozenset({"github.com/example/fleet"}), frozenset({"main", "feature-x"}))
    assert ident.is_this_repo("git@github.com:example/fleet.git")
    assert ident.is_this_revision("") and ident.is_this_revision("feature-x")
    assert not ident.is_this_revision("dev-team")
