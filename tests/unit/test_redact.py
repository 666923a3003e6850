"""sggitops.redact: which keys say credential, which values are references or public, and scrubbing."""

from __future__ import annotations

import base64

import pytest

from sggitops.redact import (
    CHANGED,
    EMBEDDED,
    REDACTED,
    Scrubber,
    credential_leaves,
    is_credential_key,
    is_plaintext,
    redact_pair,
    scrubber_for,
)

PUBLIC_PEM = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "adminPassword",
        "DB_PASSWORD",
        "passwd",
        "passphrase",
        "client_secret",
        "clientSecret",
        "cookieSecret",
        "token",
        "apiToken",
        "registryCredentials",
        "credentials",
        "apiKey",
        "api_key",
        "accessKey",
        "secretKey",
        "privateKey",
        "tls.key",
        "signingKey",
        "htpasswd",
        ".dockerconfigjson",
        "db_pwd",
    ],
)
def test_credential_keys(key: str) -> None:
    assert is_credential_key(key)


@pytest.mark.parametrize(
    "key",
    [
        "secretRef",
        "secretName",
        "existingSecret",
        "passwordSecretRef",
        "secretKeyRef",
        "tokenFile",
        "passwordPath",
        "usePassword",
        "key",
        "valuesKey",
        "sortKey",
        "name",
        "enabled",
        "automountServiceAccountToken",
    ],
)
def test_keys_that_only_name_a_credential_are_not_credentials(key: str) -> None:
    assert not is_credential_key(key)


@pytest.mark.parametrize(
    "value",
    [
        "op://vault/item/field",
        "vault:secret/data/db#password",
        "ref+vault://secret/db#/password",
        "${DB_PASSWORD}",
        "$(DB_PASSWORD)",
        "{{ .Values.password }}",
        "{{ .a }}-{{ .b }}",
        "ENC[AES256_GCM,data:Zm9v,iv:aXY=,tag:dGFn,type:str]",
        PUBLIC_PEM,
        base64.b64encode(PUBLIC_PEM.encode()).decode(),
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq user@host",
        "",
        True,
        None,
    ],
)
def test_references_public_keys_and_empty_values_are_not_plaintext(value: object) -> None:
    assert not is_plaintext(value)


@pytest.mark.parametrize("value", ["hunter2", "ENC[plaintext]", "hunter{{ x }}", "pre-${X}-secret", 123456])
def test_readable_values_are_plaintext(value: object) -> None:
    assert is_plaintext(value)


def test_leaves_everywhere_env_values_embedded_values_and_lists() -> None:
    doc = {
        "kind": "ConfigMap",
        "data": {"values.yaml": "sso:\n  client_secret: s3cr3t-value\n"},
        "spec": {"env": [{"name": "DB_PASSWORD", "value": "env-pw"}, {"name": "HOST", "value": "db"}]},
        "items": [{"tokens": ["t-one", "t-two"]}],
    }
    leaves = {leaf.path: leaf.value for leaf in credential_leaves(doc)}
    assert leaves == {
        ("data", "values.yaml", EMBEDDED, "sso", "client_secret"): "s3cr3t-value",
        ("spec", "env", 0, "value"): "env-pw",
        ("items", 0, "tokens", 0): "t-one",
        ("items", 0, "tokens", 1): "t-two",
    }


def test_scrubber_replaces_values_their_lines_and_base64_forms() -> None:
    scrub = scrubber_for(
        [{"kind": "Secret", "data": {"k": base64.b64encode(b"multi\nline-secret").decode()}}]
    )
    text = "a multi\nline-secret b line-secret " + base64.b64encode(b"multi\nline-secret").decode()
    out = scrub.scrub(text)
    assert "line-secret" not in out and base64.b64encode(b"multi\nline-secret").decode() not in out
    assert Scrubber(["abc"]).scrub("abc") == "abc"  # too short to search for in free text


def test_structural_redaction_marks_changed_credentials_outside_secrets() -> None:
    def release(password: str) -> dict[str, object]:
        values = {"db": {"password": password}, "note": f"uses {password}"}
        return {"kind": "HelmRelease", "metadata": {"name": "r"}, "spec": {"values": values}}

    old, new = redact_pair(release("old-pass-1"), release("new-pass-2"))
    assert old is not None and new is not None
    assert old["spec"]["values"]["db"]["password"] == REDACTED
    assert new["spec"]["values"]["db"]["password"] == CHANGED
    assert "old-pass-1" not in str(old) and "new-pass-2" not in str(new)
