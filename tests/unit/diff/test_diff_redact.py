"""Secret values are replaced before anything compares or prints them."""

from __future__ import annotations

from typing import Any

from sggitops.redact import CHANGED, LAST_APPLIED, REDACTED, redact, redact_pair


def secret(**data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "x"}, "data": data}


def test_same_value_is_redacted_alike_and_a_changed_value_is_marked() -> None:
    old, new = redact_pair(
        secret(user="YWRtaW4=", password="aHVudGVyMg=="), secret(user="YWRtaW4=", password="czNjcjN0")
    )
    assert old is not None and new is not None
    assert old["data"] == {"user": REDACTED, "password": REDACTED}
    assert new["data"] == {"user": REDACTED, "password": CHANGED}


def test_new_key_is_plainly_redacted_and_inputs_are_not_modified() -> None:
    before = secret(a="MQ==")
    after = {**secret(a="MQ=="), "stringData": {"token": "plain-token"}}
    _old, new = redact_pair(before, after)
    assert new is not None and new["stringData"] == {"token": REDACTED}
    assert after["stringData"] == {"token": "plain-token"}
    assert before["data"] == {"a": "MQ=="}


def test_sops_encrypted_objects_of_any_kind_are_redacted_with_their_metadata() -> None:
    obj = {
        "kind": "ConfigMap",
        "metadata": {"name": "c", "annotations": {LAST_APPLIED: '{"data":{"k":"v"}}'}},
        "data": {"k": "ENC[AES256_GCM,data:abc]"},
        "sops": {"mac": "ENC[...]", "lastmodified": "2025-01-01"},
    }
    out = redact(obj)
    assert out["data"] == {"k": REDACTED}
    assert out["sops"] == REDACTED
    assert out["metadata"]["annotations"][LAST_APPLIED] == REDACTED


def test_sops_reencryption_shows_as_changed() -> None:
    a = {**secret(k="ENC[1]"), "sops": {"mac": "1"}}
    b = {**secret(k="ENC[2]"), "sops": {"mac": "2"}}
    _old, new = redact_pair(a, b)
    assert new is not None and new["sops"] == CHANGED and new["data"] == {"k": CHANGED}


def test_non_mapping_data_is_still_hidden_and_other_kinds_are_untouched() -> None:
    weird = {"kind": "Secret", "metadata": {"name": "w"}, "data": "c2VjcmV0"}
    assert redact(weird)["data"] == REDACTED
    cm = {"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}}
    assert redact(cm) == cm
