"""Schema problems memoised by schema and object digest: same answers, computed once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sggitops.schema import memo
from sggitops.schema.registry import SchemaRegistry


def deployment(replicas: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "apps"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "w", "image": "x"}]},
            },
        },
    }


def test_memo_gives_the_validators_answers_and_computes_each_once(monkeypatch: Any) -> None:
    validator = SchemaRegistry("1.34").validator_for("apps/v1", "Deployment")
    assert validator is not None
    calls: list[object] = []
    original = type(validator).problems

    def counting(self: Any, obj: Any) -> Any:
        calls.append(obj)
        return original(self, obj)

    monkeypatch.setattr(type(validator), "problems", counting)
    bad, good = deployment("two"), deployment(2)
    assert memo.problems(validator, bad) == original(validator, bad) != []
    assert memo.problems(validator, good) == []
    calls.clear()
    assert memo.problems(validator, deployment("two")) == original(validator, bad)
    assert memo.problems(validator, deployment(2)) == []
    assert calls == []  # both were hits: equal objects, the same schema


def test_equal_text_of_another_type_is_not_a_hit() -> None:
    # a YAML timestamp and the string of it validate differently: their digests must differ
    validator = SchemaRegistry("1.34").validator_for("v1", "ConfigMap")
    assert validator is not None
    as_date = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c"},
        "data": {"d": dt.date(2020, 1, 1)},
    }
    as_text = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c"},
        "data": {"d": "2020-01-01"},
    }
    assert memo.problems(validator, as_text) == []
    assert memo.problems(validator, as_date) == validator.problems(as_date) != []


def test_another_schema_is_not_a_hit() -> None:
    older, newer = SchemaRegistry("1.34"), SchemaRegistry("1.34", strict=False)
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "datta": {}}
    strict_v, open_v = older.validator_for("v1", "ConfigMap"), newer.validator_for("v1", "ConfigMap")
    assert strict_v is not None and open_v is not None
    assert memo.problems(strict_v, obj) != [] and memo.problems(open_v, obj) == open_v.problems(obj)
