"""The policy sets in Kyverno's current API (ValidatingPolicy) and the CEL beside Gatekeeper's Rego."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from sggitops import yamlio
from sggitops.generate.policies import kyverno_api_version, plan_policy_sets
from sggitops.policy import engines
from sggitops.policy.catalogue import POLICY_SETS
from sggitops.policy.kyverno_versions import kyverno_minor, validating_policy_version
from sggitops.policy.testing import run_suites
from sggitops.spec.model import Policy, PolicyException

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "tests" / "policy_examples"
SCHEMAS = ROOT / "schemas" / "policies.kyverno.io"
RUNNER = PolicyException("disallow-privileged-containers", ("gitlab-*",), "runners", "2099-01-01")


def load(text: str) -> Any:
    return yamlio.to_plain(yamlio.load_one(text, "<test>"))


def vpol_plan(policy: Policy | None = None, version: str = "v1") -> dict[str, str]:
    return plan_policy_sets("kyverno", POLICY_SETS, policy or Policy(sets=POLICY_SETS), kyverno_api=version)


@pytest.mark.parametrize(
    ("bigbang", "minor", "api"),
    [
        ("2.54.0", 13, None),
        ("3.2.0", 13, None),
        ("3.3.0", 14, "v1alpha1"),
        ("3.17.1", 16, "v1alpha1"),
        ("3.18.0", 17, "v1"),
        ("3.31.0", 18, "v1"),
    ],
)
def test_kyverno_release_and_api_per_bigbang_version(bigbang: str, minor: int, api: str | None) -> None:
    assert kyverno_minor(bigbang) == minor
    assert validating_policy_version([bigbang]) == api


def test_the_oldest_cluster_decides_and_the_spec_switch_forces(tmp_path: Path) -> None:
    assert validating_policy_version(["3.31.0", "3.2.0"]) is None
    platform = _platform()
    assert kyverno_api_version(platform) == "v1"
    forced = replace(platform, policy=replace(platform.policy, kyverno_api="ClusterPolicy"))
    assert kyverno_api_version(forced) is None


def _platform() -> Any:
    from sggitops.specfile import load_spec

    return load_spec(ROOT / "platform.yaml")


@pytest.mark.parametrize("version", ["v1alpha1", "v1"])
def test_generated_documents_match_the_project_schemas(version: str) -> None:
    policy = Policy(sets=POLICY_SETS, exceptions=(RUNNER,))
    for path, text in vpol_plan(policy, version).items():
        if path.endswith("kustomization.yaml"):
            continue
        doc = load(text)
        schema = json.loads((SCHEMAS / f"{doc['kind'].lower()}_{version}.json").read_text())
        errors = [e.message for e in Draft202012Validator(schema).iter_errors(doc)]
        assert not errors, (path, errors)
        assert engines.engine_for(doc) is not None, path
        engines.engine_for(doc).load(doc)  # type: ignore[union-attr]  # compiles every expression


def test_example_validating_policies_are_up_to_date() -> None:
    planned = vpol_plan()
    for set_name in POLICY_SETS:
        prefix = f"bases/policies/kyverno/{set_name}/"
        copies = EXAMPLES / "kyverno-cel" / set_name / "policies"
        expected = {p[len(prefix) :]: t for p, t in planned.items() if p.startswith(prefix)}
        if os.environ.get("SGGITOPS_UPDATE_EXAMPLES") == "1":
            for rel, text in expected.items():
                (copies / rel).write_text(text, encoding="utf-8")
        actual = {str(p.relative_to(copies)): p.read_text() for p in copies.rglob("*.yaml")}
        assert actual == expected, "run with SGGITOPS_UPDATE_EXAMPLES=1 to refresh tests/policy_examples"


def test_validating_policies_pass_their_examples() -> None:
    run = run_suites(EXAMPLES / "kyverno-cel")
    assert len(run.cases) >= 50 and run.match == len(run.cases), [c for c in run.cases if c.status != "match"]


def test_gatekeeper_templates_carry_cel_that_passes_the_examples() -> None:
    files = plan_policy_sets("gatekeeper", POLICY_SETS, Policy(sets=POLICY_SETS))
    templates = [
        load(t) for p, t in files.items() if "/templates/" in p and not p.endswith("kustomization.yaml")
    ]
    engines_used = [[c["engine"] for c in t["spec"]["targets"][0]["code"]] for t in templates]
    assert engines_used and all(e == ["K8sNativeValidation", "Rego"] for e in engines_used)
    run = run_suites(EXAMPLES / "gatekeeper")  # Gatekeeper (and sggitops) run the CEL when present
    assert run.cases and run.match == len(run.cases)


def test_cel_exception_skips_only_its_namespaces() -> None:
    policy = Policy(sets=("baseline",), exceptions=(RUNNER,))
    files = vpol_plan(policy)
    units = engines.PolicySet()
    for path, text in files.items():
        if not path.endswith("kustomization.yaml"):
            doc = load(text)
            engine = engines.engine_for(doc)
            assert engine is not None
            units.add(engine, engine.load(doc))
    pods = [_privileged(ns) for ns in ("gitlab-runner", "team-a")]
    results = units.evaluate(pods, engines.EvalInput())
    got = {
        r.resource.namespace: r.outcome.value for r in results if r.policy == "disallow-privileged-containers"
    }
    assert got == {"gitlab-runner": "skip", "team-a": "fail"}


def _privileged(namespace: str) -> dict[str, Any]:
    container = {"name": "c", "image": "registry1.dso.mil/x:1", "securityContext": {"privileged": True}}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": namespace},
        "spec": {"containers": [container]},
    }
