"""checks/schema.py: schema/invalid, schema/unknown-kind, schema/version-fallback."""

from __future__ import annotations

from typing import Any

from sggitops import yamlio
from sggitops.checks.schema import check_objects
from sggitops.findings import Severity
from sggitops.resource import ResourceId
from sggitops.schema.registry import SchemaRegistry

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: mission-a
spec:
  replicaz: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry1.dso.mil/web:1.0
          ports:
            - containerPort: http
"""


def config_map(name: str = "a") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "x"},
        "data": {"k": "v"},
    }


def test_valid_objects_give_no_findings() -> None:
    assert list(check_objects([config_map()], SchemaRegistry("1.34"))) == []


def test_invalid_object_names_path_and_problem_with_object_location() -> None:
    (obj,) = yamlio.load_all(DEPLOYMENT, "deploy.yaml")
    plain = yamlio.to_plain(obj)
    located = {ResourceId.of(plain): ("overlays/run-dev/deploy.yaml", 3, 1)}
    findings = list(check_objects([plain], SchemaRegistry("1.34"), locate=located.get, cluster="run-dev"))
    assert [(f.rule, f.severity, f.file, f.line, f.message) for f in findings] == [
        (
            "schema/invalid",
            Severity.ERROR,
            "overlays/run-dev/deploy.yaml",
            3,
            "spec.replicaz: unknown field 'replicaz' (did you mean 'replicas'?)",
        ),
        (
            "schema/invalid",
            Severity.ERROR,
            "overlays/run-dev/deploy.yaml",
            3,
            "spec.template.spec.containers[0].ports[0].containerPort: expected integer, got string",
        ),
    ]
    assert all(f.cluster == "run-dev" and f.resource == "Deployment/mission-a/web" for f in findings)
    assert findings[0].hint == "schema: Kubernetes 1.34"


def test_ruamel_nodes_point_at_the_offending_line() -> None:
    (obj,) = yamlio.load_all(DEPLOYMENT, "deploy.yaml")
    findings = list(check_objects([obj], SchemaRegistry("1.34"), locate=lambda rid: ("deploy.yaml", 1, 1)))
    assert [(f.line, f.col) for f in findings] == [(7, 3), (18, 15)]


def test_default_location_is_empty() -> None:
    bad = {**config_map(), "data": {"k": 1}}
    (finding,) = check_objects([bad], SchemaRegistry("1.34"))
    assert (finding.file, finding.line, finding.col) == ("", 0, 0)
    assert finding.message == "data.k: expected string or null, got integer"


def test_unknown_kind_is_a_warning_or_an_error_when_strict() -> None:
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    (warning,) = check_objects([widget], SchemaRegistry("1.34"))
    assert (warning.rule, warning.severity) == ("schema/unknown-kind", Severity.WARNING)
    assert "Widget" in warning.message and "example.com/v1" in warning.message
    assert "--schema-dir" in warning.hint
    (error,) = check_objects([widget], SchemaRegistry("1.34"), strict=True)
    assert error.severity is Severity.ERROR


def test_missing_api_version_or_kind_is_invalid() -> None:
    (finding,) = check_objects([{"metadata": {"name": "x"}}], SchemaRegistry("1.34"))
    assert finding.rule == "schema/invalid"
    assert finding.message == "object has no apiVersion and no kind"


def test_version_fallback_is_reported_once() -> None:
    findings = list(check_objects([config_map("a"), config_map("b")], SchemaRegistry("1.99")))
    assert [(f.rule, f.severity) for f in findings] == [("schema/version-fallback", Severity.INFO)]
    assert "1.99" in findings[0].message


def test_crd_in_the_repo_validates_its_custom_resources() -> None:
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget", "plural": "widgets"},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "spec": {"type": "object", "properties": {"size": {"type": "integer"}}}
                            },
                        }
                    },
                }
            ],
        },
    }
    widget = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"sise": 1},
    }
    registry = SchemaRegistry("1.34", crd_objects=[crd])
    (finding,) = check_objects([crd, widget], registry)
    assert finding.message == "spec.sise: unknown field 'sise' (did you mean 'size'?)"
    assert finding.hint == "schema: CustomResourceDefinition widgets.example.com"
