"""The CEL evaluator: optional syntax, Kubernetes and Kyverno libraries, error semantics, caching."""

from __future__ import annotations

from typing import Any

import pytest

from sggitops.policy.cel import CelError, CelUnsupported, Lookups, compile_expression, evaluate_source
from sggitops.policy.cel.optional import rewrite_optionals

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "p", "labels": {"app": "web"}},
    "spec": {"containers": [{"name": "c", "image": "nginx:1.2", "securityContext": {"privileged": True}}]},
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("object.spec.?hostNetwork.orValue(false)", False),
        ("object.spec.containers[0].?securityContext.?privileged.orValue(false)", True),
        ("object.metadata.?labels[?'app'].orValue('') == 'web'", True),
        ("object.metadata.?labels[?'team'].hasValue()", False),
        ("object.spec.?initContainers.orValue([]) + object.spec.containers != []", True),
        ("optional.of(1).orValue(2) + optional.none().orValue(3)", 4),
        # Kyverno's own policies call orValue on plain values; they mean the value itself
        ("object.spec.containers.orValue([]).size()", 1),
    ],
)
def test_optional_syntax(expression: str, expected: Any) -> None:
    assert evaluate_source(expression, {"object": POD}) == expected


def test_sources_without_optional_syntax_are_unchanged() -> None:
    source = "object.spec.containers.all(c, c.name != '')"
    assert rewrite_optionals(source) == source


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("quantity('1Gi').isGreaterThan(quantity('1000Mi'))", True),
        ("quantity('500m').compareTo(quantity('1'))", -1),
        ("isQuantity('12x')", False),
        ("url('https://a.b:8443/x?y=1').getPort()", "8443"),
        ("cidr('10.0.0.0/8').containsIP(ip('10.1.2.3'))", True),
        ("ip('::1').family()", 6),
        ("semver('1.2.3').isLessThan(semver('1.10.0'))", True),
        ("'a-12-b'.find('[0-9]+')", "12"),
        ("[1, 2, 3].isSorted() && [3, 1].sum() == 4", True),
        ("'%s has %d'.format(['x', 2])", "x has 2"),
        ("'ABC'.lowerAscii() + 'a,b'.split(',')[1]", "abcb"),
        ("sets.contains([1, 2], [2])", True),
        ("image('registry1.dso.mil/ironbank/nginx:1.2').registry()", "registry1.dso.mil"),
        ("image('nginx').repository() + ':' + image('nginx').tag()", "library/nginx:latest"),
        ("json.unmarshal('{\"a\": 1}').a", 1),
        ("yaml.parse('a: [1]').a[0]", 1),
        ("sha256('x').size()", 64),
    ],
)
def test_kubernetes_and_kyverno_libraries(expression: str, expected: Any) -> None:
    assert evaluate_source(expression, {}) == expected


def test_resource_get_reads_the_given_objects() -> None:
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "a", "namespace": "n"},
        "data": {"k": "v"},
    }
    expression = "resource.Get('v1', 'configmaps', 'n', 'a').data.k"
    assert evaluate_source(expression, {}, Lookups([cm])) == "v"
    with pytest.raises(CelError):
        evaluate_source(expression, {}, Lookups([]))


@pytest.mark.parametrize("expression", ["http.Get('https://x').ok", "imagedata.Get('nginx').config != null"])
def test_live_lookups_are_unsupported_never_evaluated(expression: str) -> None:
    with pytest.raises(CelUnsupported):
        evaluate_source(expression, {})


def test_error_semantics() -> None:
    # errors are absorbed by a short-circuiting && / || on either side, as in cel-go
    assert evaluate_source("object.spec.missing || true", {"object": POD}) is True
    assert evaluate_source("false && object.spec.missing", {"object": POD}) is False
    with pytest.raises(CelError):
        evaluate_source("object.spec.missing == 1", {"object": POD})
    with pytest.raises(CelError):
        evaluate_source("quantity('nonsense')", {})
    with pytest.raises(CelError, match="compile"):
        compile_expression("object.(")


def test_each_expression_compiles_once() -> None:
    source = "object.kind == 'Pod' && 1 == 1"
    assert compile_expression(source) is compile_expression(source)


def test_null_variables_are_null_not_undefined() -> None:
    assert evaluate_source("oldObject == null && params == null", {"object": POD}) is True


def test_membership_before_a_parenthesised_optional_chain() -> None:
    assert evaluate_source("'app' in (object).metadata.?labels.orValue({})", {"object": POD}) is True
