"""Rego tokenizer and v0 -> v1 rewrite: each rewrite is checked by running it on regopy next to a
hand-written v1 equivalent with the same input."""

from __future__ import annotations

from typing import Any

import pytest

from sggitops.policy.rego.engine import UNDEFINED, CompiledPolicy
from sggitops.policy.rego.errors import RegoRewriteRefused, RegoSyntaxError
from sggitops.policy.rego.rewrite import declares_v1, to_v1
from sggitops.policy.rego.tokens import Kind, tokenize, untokenize


def run(source: str, rule: str, input_doc: Any) -> Any:
    return CompiledPolicy({"m.rego": source}, [f"t/{rule}"]).query(f"t/{rule}", input_doc)


def test_tokenizer_round_trips_and_keeps_strings_and_comments_whole() -> None:
    src = 'package t\n# a { comment }\np := `raw {\nmulti` # c\nq := "a \\" { b" + 1.5e3\n'
    toks = tokenize(src)
    assert untokenize(toks) == src
    kinds = {t.text: t.kind for t in toks}
    assert kinds["# a { comment }"] is Kind.COMMENT
    assert kinds["`raw {\nmulti`"] is Kind.RAW_STRING
    assert kinds['"a \\" { b"'] is Kind.STRING
    assert kinds["1.5e3"] is Kind.NUMBER
    assert kinds[":="] is Kind.OP


@pytest.mark.parametrize("src", ['p := "open', "p := `open", "p := $"])
def test_tokenizer_rejects_broken_source(src: str) -> None:
    with pytest.raises(RegoSyntaxError):
        tokenize(src)


CASES = [
    (  # partial set with a brace inside a string and a comment
        'package t\nv[{"msg": m}] {\n  x := input.xs[_]  # } not a close\n  m := sprintf("{%v}", [x])\n}\n',
        'package t\nv contains {"msg": m} if {\n  x := input.xs[_]\n  m := sprintf("{%v}", [x])\n}\n',
        "v",
        {"xs": [1, 2]},
    ),
    (  # partial object
        "package t\nobj[k] = v {\n  some k, v in input.m\n  v > 1\n}\n",
        "package t\nobj[k] := v if {\n  some k, v in input.m\n  v > 1\n}\n",
        "obj",
        {"m": {"a": 1, "b": 2}},
    ),
    (  # function with else chain
        'package t\nf(x) = "big" { x > 10 } else = "small" { x > 0 } else = "none" { true }\n'
        "out := [f(x) | x := input.xs[_]]\n",
        'package t\nf(x) := "big" if { x > 10 } else := "small" if { x > 0 } else := "none"\n'
        "out := [f(x) | x := input.xs[_]]\n",
        "out",
        {"xs": [20, 5, -1]},
    ),
    (  # several bodies, default, constant partial set element
        'package t\ndefault allow = false\nallow { input.a } { input.b }\ns["lit"]\n',
        'package t\ndefault allow := false\nallow if input.a\nallow if input.b\ns contains "lit"\n',
        "allow",
        {"b": True},
    ),
    (  # else without a body (v0), as in gatekeeper-library's storageclass
        'package t\nm := "a" { input.x } else := "b"\n',
        'package t\nm := "a" if { input.x } else := "b"\n',
        "m",
        {},
    ),
]


@pytest.mark.parametrize(("v0", "v1", "rule", "input_doc"), CASES)
def test_rewrite_behaves_like_handwritten_v1(v0: str, v1: str, rule: str, input_doc: Any) -> None:
    rewritten = to_v1(v0)
    assert rewritten != v0
    got = run(rewritten, rule, input_doc)
    assert got is not UNDEFINED
    assert got == run(v1, rule, input_doc)


def test_rewrite_output_is_v1_form_and_stable() -> None:
    out = to_v1('package t\nimport future.keywords.in\ndeny[msg] {\n  some x in input.xs\n  msg := "m"\n}\n')
    assert "deny contains msg if {" in out
    assert to_v1(out) == out


def test_v0_partial_set_as_is_is_misread_by_regopy_which_is_why_we_rewrite() -> None:
    v0 = 'package t\nv[{"msg": "m"}] { true }\n'
    assert run(v0, "v", {}) != [{"msg": "m"}]  # regopy reads it as a partial object
    assert run(to_v1(v0), "v", {}) == [{"msg": "m"}]


def test_v1_sources_are_left_alone() -> None:
    src = "package t\nimport rego.v1\np[x] if { x := 1 }\n"
    assert declares_v1(src)
    assert to_v1(src) == src
    plain = "package t\np contains 1 if { true }\n"
    assert to_v1(plain, version="v1") == plain


@pytest.mark.parametrize(
    "src",
    [
        "package t\nin := 5\n",  # a v1 keyword used as a name
        "package t\np { x := input.every }\n",
        "package t\na.b[x] { x := 1 }\n",  # dotted rule head
        "package t\np { true\n",  # unclosed body
        "package t\np\n",  # neither value nor body
        "package t\np { true } else\n",
    ],
)
def test_ambiguous_v0_is_refused(src: str) -> None:
    with pytest.raises(RegoRewriteRefused):
        to_v1(src)


def test_v0_function_without_value_or_body_is_true() -> None:
    """v0 `accept("RunAsAny", _)` (gatekeeper-library psp users) means `accept("RunAsAny", _) := true`."""
    src = 'package t\naccept("RunAsAny", _)\np { accept(input.rule, 1) }\n'
    out = to_v1(src, version="v0")
    assert 'accept("RunAsAny", _) := true' in out
    policy = CompiledPolicy({"m.rego": out}, ["t/p"])
    assert policy.query("t/p", {"rule": "RunAsAny"}) is True
    assert policy.query("t/p", {"rule": "MustRunAs"}) is UNDEFINED
