"""The project's own schemas (schemas/{group}/{kind}_{version}.json).

A corpus of valid objects, written here and taken from the reference data (Big Bang's base and customer
template, kyverno/policies, gatekeeper-library), must pass both our schema and the upstream-derived one
in reference/crd-json-schemas; the same objects with a typo'd field must fail ours.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from jsonschema.validators import validator_for

from sggitops.schema.registry import SchemaRegistry

SCHEMAS = Path(str(resources.files("sggitops.schemas")))
OWN_FILES = sorted(p for p in SCHEMAS.glob("*/*.json"))
META = {"name": "bigbang", "namespace": "bigbang", "labels": {"app.kubernetes.io/managed-by": "sggitops"}}

EXAMPLES: list[dict[str, Any]] = [
    {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "GitRepository",
        "metadata": META,
        "spec": {
            "interval": "10m",
            "url": "https://repo1.dso.mil/big-bang/bigbang.git",
            "ref": {"tag": "3.31.0"},
            "secretRef": {"name": "private-git"},
            "ignore": "/**/*.md\n",
            "timeout": "60s",
        },
    },
    {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": META,
        "spec": {
            "interval": "10m",
            "targetNamespace": "bigbang",
            "releaseName": "bigbang",
            "chart": {"spec": {"chart": "chart", "sourceRef": {"kind": "GitRepository", "name": "bigbang"}}},
            "install": {"remediation": {"retries": -1}, "crds": "CreateReplace"},
            "upgrade": {"remediation": {"retries": 5, "remediateLastFailure": True}, "cleanupOnFail": True},
            "rollback": {"timeout": "10m", "cleanupOnFail": False},
            "test": {"enable": False},
            "dependsOn": [{"name": "flux-system"}],
            "values": {"istiod": {"enabled": True}, "anything": [1, 2]},
            "valuesFrom": [
                {"kind": "Secret", "name": "common-bb", "optional": True},
                {"kind": "ConfigMap", "name": "environment", "valuesKey": "values.yaml"},
            ],
            "postRenderers": [{"kustomize": {"images": [{"name": "nginx", "newTag": "1.27"}]}}],
        },
    },
    {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": META,
        "spec": {
            "interval": "5m",
            "path": "./overlays/run-dev",
            "prune": True,
            "sourceRef": {"kind": "GitRepository", "name": "platform"},
            "decryption": {"provider": "sops", "secretRef": {"name": "sops-gpg"}},
            "dependsOn": [{"name": "bigbang"}],
            "postBuild": {"substitute": {"cluster": "run-dev"}},
            "healthChecks": [
                {"apiVersion": "apps/v1", "kind": "Deployment", "name": "argocd", "namespace": "argocd"}
            ],
        },
    },
    {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": "web",
            "namespace": "argocd",
            "finalizers": ["resources-finalizer.argocd.argoproj.io"],
        },
        "spec": {
            "project": "mission-a",
            "source": {
                "repoURL": "https://gitlab.build.acme.mil/mission-a/web.git",
                "path": "deploy/overlays/dev",
                "targetRevision": "v1.4.2",
                "kustomize": {"commonLabels": {"team": "a"}},
            },
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "mission-a-web"},
            "syncPolicy": {
                "automated": {"prune": True, "selfHeal": True},
                "syncOptions": ["CreateNamespace=true"],
                "retry": {"limit": 5, "backoff": {"duration": "5s", "factor": 2, "maxDuration": "3m"}},
            },
            "ignoreDifferences": [
                {"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"]}
            ],
        },
    },
    {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": "mission-a", "namespace": "argocd"},
        "spec": {
            "description": "Mission A",
            "sourceRepos": ["https://gitlab.build.acme.mil/mission-a/*"],
            "destinations": [{"server": "https://kubernetes.default.svc", "namespace": "mission-a-*"}],
            "clusterResourceWhitelist": [{"group": "", "kind": "Namespace"}],
            "namespaceResourceBlacklist": [{"group": "", "kind": "ResourceQuota"}],
            "roles": [
                {
                    "name": "developers",
                    "groups": ["/mission-a/developers"],
                    "policies": ["p, proj:mission-a:developers, applications, sync, mission-a/*, allow"],
                }
            ],
        },
    },
    {
        "apiVersion": "kyverno.io/v1",
        "kind": "ClusterPolicy",
        "metadata": {"name": "restrict-image-registries"},
        "spec": {
            "validationFailureAction": "Enforce",
            "background": True,
            "rules": [
                {
                    "name": "validate-registries",
                    "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
                    "exclude": {"any": [{"resources": {"namespaces": ["kube-system"]}}]},
                    "validate": {
                        "message": "Images must come from registry1.dso.mil.",
                        "pattern": {"spec": {"containers": [{"image": "registry1.dso.mil/*"}]}},
                    },
                },
                {
                    "name": "deny-latest",
                    "match": {"any": [{"resources": {"kinds": ["Pod"], "operations": ["CREATE", "UPDATE"]}}]},
                    "preconditions": {
                        "all": [
                            {"key": "{{ request.operation }}", "operator": "NotEquals", "value": "DELETE"}
                        ]
                    },
                    "validate": {
                        "message": "no latest",
                        "foreach": [
                            {
                                "list": "request.object.spec.containers",
                                "deny": {
                                    "conditions": {
                                        "any": [
                                            {
                                                "key": "{{ element.image }}",
                                                "operator": "Equals",
                                                "value": "*:latest",
                                            }
                                        ]
                                    }
                                },
                            }
                        ],
                    },
                },
            ],
        },
    },
    {
        "apiVersion": "kyverno.io/v2",
        "kind": "PolicyException",
        "metadata": {"name": "gitlab-runner-privileged", "namespace": "kyverno"},
        "spec": {
            "exceptions": [
                {"policyName": "disallow-privileged-containers", "ruleNames": ["privileged-containers"]}
            ],
            "match": {"any": [{"resources": {"kinds": ["Pod"], "namespaces": ["gitlab-runner"]}}]},
        },
    },
    {
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {"name": "k8sallowedrepos"},
        "spec": {
            "crd": {
                "spec": {
                    "names": {"kind": "K8sAllowedRepos"},
                    "validation": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {"repos": {"type": "array", "items": {"type": "string"}}},
                        }
                    },
                }
            },
            "targets": [{"target": "admission.k8s.gatekeeper.sh", "rego": "package k8sallowedrepos\n"}],
        },
    },
    {
        "apiVersion": "constraints.gatekeeper.sh/v1beta1",
        "kind": "K8sAllowedRepos",
        "metadata": {"name": "allowed-repos"},
        "spec": {
            "enforcementAction": "deny",
            "match": {
                "kinds": [{"apiGroups": [""], "kinds": ["Pod"]}],
                "excludedNamespaces": ["kube-system"],
            },
            "parameters": {"repos": ["registry1.dso.mil/"]},
        },
    },
]
EXAMPLES.append({**copy.deepcopy(EXAMPLES[6]), "apiVersion": "kyverno.io/v2beta1"})

FLUX_GROUPS = ("source.toolkit.fluxcd.io/", "helm.toolkit.fluxcd.io/", "kustomize.toolkit.fluxcd.io/")


def _load(path: Path) -> Iterator[dict[str, Any]]:
    for doc in yaml.load_all(path.read_text(), Loader=yaml.CSafeLoader):
        if isinstance(doc, dict):
            yield doc


def reference_objects(reference: Path) -> list[dict[str, Any]]:
    """Big Bang's Flux objects (HelmRepository aside: sggitops does not write it) and real Kyverno / Gatekeeper policies from the reference data."""
    found: list[dict[str, Any]] = []
    bigbang = reference / "bigbang"
    for path in sorted([*bigbang.glob("base-3.31.0/*.yaml"), *bigbang.glob("customer-template/**/*.yaml")]):
        found += [
            d
            for d in _load(path)
            if str(d.get("apiVersion", "")).startswith(FLUX_GROUPS) and d.get("kind") != "HelmRepository"
        ]
    for path in sorted(reference.glob("kyverno-policies/*/*/*.yaml")):
        found += [d for d in _load(path) if d.get("kind") == "ClusterPolicy"]
    for path in sorted(reference.glob("gatekeeper-library/general/*/template.yaml")):
        found += list(_load(path))
    for path in sorted(reference.glob("gatekeeper-library/general/*/samples/*/constraint.yaml")):
        found += list(_load(path))
    return found


def own_schema(obj: dict[str, Any]) -> Draft202012Validator:
    group, _, version = obj["apiVersion"].rpartition("/")
    path = SCHEMAS / group / f"{obj['kind'].lower()}_{version}.json"
    if not path.is_file():
        path = SCHEMAS / group / f"_any_{version}.json"
    return Draft202012Validator(json.loads(path.read_text()))


def upstream_schema(reference: Path, obj: dict[str, Any]) -> Any:
    group, _, version = obj["apiVersion"].rpartition("/")
    path = reference / "crd-json-schemas" / group / f"{obj['kind'].lower()}_{version}.json"
    if not path.is_file():
        return None
    schema = json.loads(path.read_text())
    return validator_for(schema, default=Draft202012Validator)(schema)


def with_typo(obj: dict[str, Any]) -> dict[str, Any]:
    bad = copy.deepcopy(obj)
    spec = bad.get("spec", {})
    if "interval" in spec:
        spec["intervall"] = "5m"
    else:
        bad["sepc"] = spec
    return bad


@pytest.mark.parametrize("path", OWN_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_schema_file_is_valid_draft_2020_12_with_matching_id(path: Path) -> None:
    schema = json.loads(path.read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(f"/{path.parent.name}/{path.name}")
    assert schema["additionalProperties"] is False


def test_every_generated_kind_has_a_schema() -> None:
    names = {f"{p.parent.name}/{p.name}" for p in OWN_FILES}
    assert {
        "source.toolkit.fluxcd.io/gitrepository_v1.json",
        "helm.toolkit.fluxcd.io/helmrelease_v2.json",
        "kustomize.toolkit.fluxcd.io/kustomization_v1.json",
        "argoproj.io/application_v1alpha1.json",
        "argoproj.io/appproject_v1alpha1.json",
        "kyverno.io/clusterpolicy_v1.json",
        "kyverno.io/policyexception_v2.json",
        "kyverno.io/policyexception_v2beta1.json",
        "templates.gatekeeper.sh/constrainttemplate_v1.json",
        "constraints.gatekeeper.sh/_any_v1beta1.json",
    } <= names


@pytest.mark.parametrize("obj", EXAMPLES, ids=lambda o: f"{o['apiVersion']}/{o['kind']}")
def test_examples_pass_ours_and_typos_fail(obj: dict[str, Any]) -> None:
    assert list(own_schema(obj).iter_errors(obj)) == []
    assert list(own_schema(obj).iter_errors(with_typo(obj)))


@pytest.mark.parametrize("obj", EXAMPLES, ids=lambda o: f"{o['apiVersion']}/{o['kind']}")
def test_examples_pass_upstream(reference: Path, obj: dict[str, Any]) -> None:
    upstream = upstream_schema(reference, obj)
    if upstream is None:
        pytest.skip(f"no upstream schema for {obj['apiVersion']} {obj['kind']} in reference/crd-json-schemas")
    assert [e.message for e in upstream.iter_errors(obj)] == []


def test_reference_objects_pass_ours_and_upstream_and_typos_fail_ours(reference: Path) -> None:
    objects = reference_objects(reference)
    kinds = {o["kind"] for o in objects}
    assert {"GitRepository", "HelmRelease", "Kustomization", "ClusterPolicy", "ConstraintTemplate"} <= kinds
    assert len(objects) > 100
    for obj in objects:
        label = f"{obj['kind']}/{obj['metadata'].get('name')}"
        assert [e.message for e in own_schema(obj).iter_errors(obj)] == [], label
        upstream = upstream_schema(reference, obj)
        if upstream is not None:
            assert [e.message for e in upstream.iter_errors(obj)] == [], label
        assert list(own_schema(obj).iter_errors(with_typo(obj))), label


@pytest.mark.parametrize(
    ("obj_index", "path", "value"),
    [
        (1, ("spec", "chart", "spec", "sourceRef", "kind"), "OCIRepo"),
        (1, ("spec", "valuesFrom", 0, "valueKey"), "values.yaml"),
        (2, ("spec", "sourceRef", "namespce"), "flux-system"),
        (3, ("spec", "syncPolicy", "automated", "selfheal"), True),
        (3, ("spec", "source", "kustomize", "commonLabels"), "team=a"),
        (4, ("spec", "roles", 0, "group"), ["x"]),
        (5, ("spec", "rules", 0, "validate", "mesage"), "x"),
        (5, ("spec", "rules", 0, "match", "any", 0, "resources", "kind"), ["Pod"]),
        (6, ("spec", "exceptions", 0, "ruleName"), "x"),
        (8, ("spec", "match", "excludeNamespaces"), ["x"]),
        (0, ("metadata", "lables"), {"a": "b"}),
    ],
)
def test_deep_typos_are_rejected_with_a_path(obj_index: int, path: tuple[Any, ...], value: Any) -> None:
    obj = copy.deepcopy(EXAMPLES[obj_index])
    node: Any = obj
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    validator = SchemaRegistry("1.34").validator_for(obj["apiVersion"], obj["kind"])
    assert validator is not None
    problems = validator.problems(obj)
    assert problems, path
    assert any(p.path[: len(path) - 1] == path[:-1] for p in problems), problems
