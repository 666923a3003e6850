"""Plan, then write: `plan(platform)` is pure and returns every owned file in memory.

`--check`, drift findings and golden tests all reuse the plan; `sggitops.generate.write` applies it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sggitops import __version__
from sggitops.bigbang.resolve import resolve_cluster
from sggitops.generate import argocd, bigbang, bootstrap
from sggitops.generate.gitlabci import plan_gitlab_ci
from sggitops.generate.policies import kyverno_api_version, plan_policy_sets
from sggitops.spec.load import SPEC_FILE
from sggitops.spec.model import Platform
from sggitops.specfile import load_spec_with_digest

REPO_CONFIG = (
    "# Written by sggitops generate (see schemas/sggitops-config.schema.json): a generated repo promises\n"
    "# air-gapped builds, so validate reports a remote base or resource as an error.\n"
    "hermetic: true\n"
)


@dataclass(frozen=True)
class Plan:
    """Every file the generator owns: repo-relative POSIX path -> text, plus the spec digest."""

    files: Mapping[str, str]
    spec_digest: str
    generator_version: str = __version__


def plan(platform: Platform, spec_digest: str) -> Plan:
    """spec -> files. Deterministic: the same spec gives the same bytes."""
    files: dict[str, str] = {}
    common = bigbang.common_values(platform)
    files.update(bigbang.plan_base(platform, common))
    policy_dirs = _plan_policies(platform, files)
    for cluster in platform.clusters:
        resolved = resolve_cluster(platform, cluster.name)
        files.update(bigbang.plan_overlay(platform, resolved, common, []))
        files.update(bootstrap.plan_policy_overlays(platform, resolved, policy_dirs))
        objects = bootstrap.bootstrap_objects(platform, resolved)
        if cluster.role == "run":
            files.update(argocd.plan_argocd(platform, cluster.name))
            objects.append(bootstrap.argocd_kustomization(platform, resolved))
        files[f"overlays/{cluster.name}/bootstrap.yaml"] = bootstrap.render_bootstrap(
            platform, objects, cluster.name
        )
    files[".sggitops.yaml"] = REPO_CONFIG
    if platform.ci.enabled:
        files[".gitlab-ci.yml"] = plan_gitlab_ci(platform)
    return Plan(files=dict(sorted(files.items())), spec_digest=spec_digest)


def _plan_policies(platform: Platform, files: dict[str, str]) -> list[str]:
    """bases/policies/<engine>/...; returns the kustomization dirs each overlay includes."""
    engine = platform.choices.policy_engine
    api = kyverno_api_version(platform)
    policy_files = plan_policy_sets(engine, platform.policy.sets, platform.policy, kyverno_api=api)
    files.update(policy_files)
    return sorted(
        path.rsplit("/", 1)[0]
        for path in policy_files
        if path.endswith("/kustomization.yaml") and path.count("/") == 4
    )


def plan_repo(root: Path) -> tuple[Platform, Plan]:
    """Load `platform.yaml` of a repo and plan its files."""
    platform, spec_digest = load_spec_with_digest(root / SPEC_FILE, display=SPEC_FILE)
    return platform, plan(platform, spec_digest)
