"""Pattern matching: anchors, wildcards, operators, quantities, null and type mismatches (Kyverno semantics)."""

from __future__ import annotations

from typing import Any

import pytest

from sggitops.policy.kyverno.pattern import (
    Anchor,
    PatternUnsupported,
    compile_pattern,
    match_pattern,
    parse_anchor,
)
from sggitops.policy.kyverno.scalar import compile_scalar
from sggitops.policy.kyverno.values import parse_duration, parse_quantity, wildcard_match


def outcome(pattern: Any, resource: Any) -> str:
    return match_pattern(compile_pattern(pattern), resource).outcome


@pytest.mark.parametrize(
    ("key", "anchor", "bare"),
    [
        ("(name)", Anchor.CONDITION, "name"),
        ("=(spec)", Anchor.EQUALITY, "spec"),
        ("X(hostPath)", Anchor.NEGATION, "hostPath"),
        ("^(containers)", Anchor.EXISTENCE, "containers"),
        ("<(image)", Anchor.GLOBAL, "image"),
        ("+(label)", Anchor.ADD, "label"),
        ("plain", Anchor.NONE, "plain"),
    ],
)
def test_parse_anchor(key: str, anchor: Anchor, bare: str) -> None:
    assert parse_anchor(key) == (anchor, bare)


@pytest.mark.parametrize(
    ("pattern", "value", "ok"),
    [
        ("*:*", "nginx:1.2", True),
        ("*:*", "nginx", False),
        ("?*", "", False),
        ("?*", "x", True),
        ("!*:latest", "nginx:latest", False),
        ("!*:latest", "nginx:1", True),
        ("eu.foo.io/* | bar.io/*", "bar.io/app", True),
        ("eu.foo.io/* | bar.io/*", "docker.io/app", False),
        (">0", 1000, True),
        (">0", 0, False),
        (">0", None, False),  # null counts as 0 for numeric comparisons
        (">=1 & <=3", 2, True),
        (">=1 & <=3", 4, False),
        ("5000-6000", 5500, True),
        ("5000-6000", 6001, False),
        ("5000!-6000", 6001, True),
        ("5000!-6000", 5500, False),
        ("<=1Gi", "512Mi", True),
        ("<=1Gi", "2Gi", False),
        (">100m", "0.5", True),
        ("<1", "500m", True),
        (">1h", "90m", True),  # 1h is no quantity, so both sides compare as Go durations
        ("<1h", "90m", False),
        ("<2h", "1h30m", True),
        ("false", False, True),
        ("true", False, False),
        ("null", None, False),  # the string "null" is just a string
        (">a", "b", False),  # greater-than never applies to strings
        ("RuntimeDefault | Localhost", "Unconfined", False),
        (True, True, True),
        (True, "true", False),  # a bool pattern needs a bool
        (0, 0, True),
        (0, "0", True),
        (0, False, False),
        (None, "", True),
        (None, 0, True),
        (None, "x", False),
        ("1.5", 1.5, True),
    ],
)
def test_scalar_values(pattern: Any, value: Any, ok: bool) -> None:
    assert compile_scalar(pattern)(value) is ok


def test_wildcards_and_quantities() -> None:
    assert wildcard_match("a?c", "abc") and not wildcard_match("a?c", "ac")
    assert wildcard_match("*", "") and not wildcard_match("", "x")
    assert parse_quantity("100Mi") == 100 * 1024**2
    assert parse_quantity("500m") == parse_quantity("0.5")
    assert parse_quantity("1e3") == 1000
    assert parse_quantity("abc") is None
    assert parse_duration("1h30m") == 5400
    assert parse_duration("5") is None


def test_plain_keys_must_match_and_lists_apply_to_every_item() -> None:
    pattern = {"spec": {"containers": [{"securityContext": {"readOnlyRootFilesystem": True}}]}}
    good = {"spec": {"containers": [{"securityContext": {"readOnlyRootFilesystem": True}}]}}
    bad = {"spec": {"containers": [good["spec"]["containers"][0], {"name": "x"}]}}
    assert outcome(pattern, good) == "pass"
    assert outcome(pattern, bad) == "fail"
    assert outcome(pattern, {"spec": {}}) == "fail"
    assert outcome(pattern, {"spec": {"containers": []}}) == "pass"


def test_equality_anchor_checks_only_when_present() -> None:
    pattern = {"spec": {"=(hostNetwork)": "false"}}
    assert outcome(pattern, {"spec": {}}) == "pass"
    assert outcome(pattern, {"spec": {"hostNetwork": False}}) == "pass"
    assert outcome(pattern, {"spec": {"hostNetwork": True}}) == "fail"


def test_negation_anchor_forbids_the_key() -> None:
    pattern = {"spec": {"=(volumes)": [{"X(hostPath)": "null"}]}}
    assert outcome(pattern, {"spec": {"volumes": [{"emptyDir": {}}]}}) == "pass"
    result = match_pattern(compile_pattern(pattern), {"spec": {"volumes": [{"hostPath": {"path": "/"}}]}})
    assert result.outcome == "fail"
    assert "hostPath" in result.path


def test_conditional_anchor_skips_items_and_rules() -> None:
    pattern = {"spec": {"containers": [{"(name)": "web*", "image": "registry.io/*"}]}}
    web_good = {"name": "web", "image": "registry.io/web"}
    web_bad = {"name": "web", "image": "docker.io/web"}
    other = {"name": "sidecar", "image": "docker.io/x"}
    assert outcome(pattern, {"spec": {"containers": [web_good, other]}}) == "pass"
    assert outcome(pattern, {"spec": {"containers": [web_bad, other]}}) == "fail"
    assert outcome(pattern, {"spec": {"containers": [other]}}) == "skip"


def test_conditional_anchor_on_a_missing_key_skips() -> None:
    assert outcome({"metadata": {"(labels)": {"app": "x"}}, "spec": {"x": 1}}, {"metadata": {}}) == "skip"


def test_global_anchor_skips_the_rule_when_its_condition_fails() -> None:
    pattern = {"spec": {"containers": [{"<(image)": "*:latest", "imagePullPolicy": "Always"}]}}
    assert (
        outcome(pattern, {"spec": {"containers": [{"image": "a:1", "imagePullPolicy": "IfNotPresent"}]}})
        == "skip"
    )
    assert (
        outcome(pattern, {"spec": {"containers": [{"image": "a:latest", "imagePullPolicy": "Never"}]}})
        == "fail"
    )
    assert (
        outcome(pattern, {"spec": {"containers": [{"image": "a:latest", "imagePullPolicy": "Always"}]}})
        == "pass"
    )


def test_existence_anchor_needs_one_matching_item() -> None:
    pattern = {"spec": {"^(containers)": [{"image": "nginx*"}]}}
    assert outcome(pattern, {"spec": {"containers": [{"image": "busybox"}, {"image": "nginx:1"}]}}) == "pass"
    assert outcome(pattern, {"spec": {"containers": [{"image": "busybox"}]}}) == "fail"
    assert outcome(pattern, {"spec": {}}) == "pass"


def test_star_requires_a_present_value() -> None:
    assert outcome({"metadata": {"name": "*"}}, {"metadata": {"name": "x"}}) == "pass"
    assert outcome({"metadata": {"name": "*"}}, {"metadata": {}}) == "fail"


def test_wildcard_keys_in_metadata_annotations_expand_to_resource_keys() -> None:
    pattern = {
        "=(metadata)": {
            "=(annotations)": {
                "=(container.apparmor.security.beta.kubernetes.io/*)": "runtime/default | localhost/*"
            }
        }
    }
    key = "container.apparmor.security.beta.kubernetes.io/c1"
    assert outcome(pattern, {"metadata": {"annotations": {key: "runtime/default"}}}) == "pass"
    assert outcome(pattern, {"metadata": {"annotations": {key: "unconfined"}}}) == "fail"
    assert outcome(pattern, {"metadata": {"annotations": {"other": "x"}}}) == "pass"


def test_type_mismatch_fails() -> None:
    assert outcome({"spec": {"containers": [{"name": "x"}]}}, {"spec": {"containers": "oops"}}) == "fail"
    assert outcome({"spec": {"x": 1}}, {"spec": "text"}) == "fail"


def test_scalar_pattern_against_a_list_checks_every_element() -> None:
    assert outcome({"spec": {"ports": "<1024"}}, {"spec": {"ports": [80, 443]}}) == "pass"
    assert outcome({"spec": {"ports": "<1024"}}, {"spec": {"ports": [80, 8080]}}) == "fail"


def test_add_anchor_is_refused_in_validate() -> None:
    with pytest.raises(PatternUnsupported):
        compile_pattern({"metadata": {"+(labels)": {"a": "b"}}})


def test_a_failure_with_an_absent_existence_anchor_key_is_an_error() -> None:
    pattern = {"spec": {"^(containers)": [{"image": "nginx*"}], "x": "y"}}
    assert outcome(pattern, {"spec": {"x": "z"}}) == "error"
    assert outcome(pattern, {"spec": {"containers": [{"image": "nginx"}], "x": "z"}}) == "fail"
