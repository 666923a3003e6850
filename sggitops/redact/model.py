"""What counts as a credential and where it hides: the model behind every redaction (see the package
docstring)."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sggitops import yamlio
from sggitops.errors import InputError

REDACTED = "<redacted>"
CHANGED = "<redacted: changed>"
SECRET_FIELDS = ("data", "stringData")
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
EMBEDDED = "<text>"
"""A path step: the leaf sits inside the YAML/JSON text held by the previous step."""

CREDENTIAL_WORDS = (
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "credential",
    "apikey",
    "accesskey",
    "privatekey",
    "htpasswd",
    "dockerconfigjson",
    "salt",
)
KEY_MATERIAL = ("signing", "encryption", "master", "session", "auth", "license", "ssh", "private")
NOT_A_VALUE_SUFFIXES = (
    "ref",
    "refs",
    "name",
    "names",
    "namespace",
    "file",
    "files",
    "path",
    "enabled",
    "length",
    "type",
    "mode",
    "policy",
    "selector",
    "url",
    "endpoint",
    "provider",
    "format",
    "ttl",
    "duration",
    "expiry",
    "expiration",
    "rotation",
    "header",
    "audience",
    "issuer",
    "store",
    "label",
    "labels",
    "annotations",
    "domain",
    "host",
    "hostname",
    "server",
    "address",
    "email",
    "user",
    "username",
    "id",
    "region",
    "scope",
    "scopes",
)
NOT_A_VALUE_PREFIXES = (
    "existing",
    "use",
    "create",
    "generate",
    "auto",
    "enable",
    "skip",
    "mount",
    "external",
)
REFERENCE_PREFIXES = ("op://", "vault:", "ref+", "secretref+", "awssm:", "gcpsm:", "azkv:", "k8s-secret:")
SOPS_VALUE = re.compile(
    r"^ENC\[AES256_GCM,data:[A-Za-z0-9+/=]*,iv:[A-Za-z0-9+/=]+,tag:[A-Za-z0-9+/=]+,type:[a-z]+\]$"
)
PUBLIC_MARKERS = (
    "-----BEGIN PUBLIC KEY-----",
    "-----BEGIN RSA PUBLIC KEY-----",
    "-----BEGIN CERTIFICATE-----",
    "-----BEGIN SSH2 PUBLIC KEY-----",
    "-----BEGIN PGP PUBLIC KEY BLOCK-----",
)
SSH_PUBLIC = re.compile(r"^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-\S+|sk-\S+@openssh\.com) AAAA[A-Za-z0-9+/=]+")
_TEMPLATE = re.compile(r"\{\{.*?\}\}|\$\{[^}]*\}|\$\([A-Za-z_][A-Za-z0-9_]*\)", re.S)
_BASE64 = re.compile(r"^[A-Za-z0-9+/\s]+={0,2}$")
MIGHT_HOLD = re.compile("|".join((*CREDENTIAL_WORDS, "pwd", "key")), re.I)
MIN_SCRUB = 4
"""Values shorter than this are redacted where they sit, never searched for in free text."""

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Leaf:
    """One credential value and where it sits in its document (`EMBEDDED` steps enter a text)."""

    path: Path
    value: Any
    in_secret: bool  # under data/stringData of a Secret or SOPS object (the whole object is secret)


def _normal(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


def is_credential_key(key: Any) -> bool:
    """Whether a mapping key says its value is a credential (see the module docstring for the list)."""
    if not isinstance(key, str) or not key:
        return False
    n = _normal(key)
    if not n or n.startswith(NOT_A_VALUE_PREFIXES) or n.rstrip("0123456789").endswith(NOT_A_VALUE_SUFFIXES):
        return False
    if any(word in n for word in CREDENTIAL_WORDS) or n == "pwd" or n.endswith("pwd"):
        return True
    if key.lower().endswith(".key") or key.lower() == "key.pem":
        return True
    return n.endswith("key") and any(
        n.endswith(m + "key") for m in (*KEY_MATERIAL, "api", "access", "secret")
    )


def is_secret_object(obj: Mapping[str, Any] | None) -> bool:
    """A Secret, or any SOPS-encrypted object (a top-level `sops:` key): all its data is secret."""
    return isinstance(obj, Mapping) and (obj.get("kind") == "Secret" or "sops" in obj)


def is_sops_value(value: Any) -> bool:
    """A value in SOPS's own encrypted format (not just anything starting `ENC[`)."""
    return isinstance(value, str) and bool(SOPS_VALUE.match(value.strip()))


def is_reference(value: Any) -> bool:
    """A pointer to a secret kept elsewhere, not the secret: `op://`, `vault:`, `ref+...`, or a value
    that is nothing but `${VAR}` / `$(VAR)` substitutions and `{{ ... }}` templates (and punctuation)."""
    if not isinstance(value, str):
        return False
    v = value.strip()
    if v.lower().startswith(REFERENCE_PREFIXES):
        return True
    if not _TEMPLATE.search(v):
        return False
    rest = _TEMPLATE.sub("", v)
    return not re.search(r"[A-Za-z0-9]", rest)


def is_public_key(value: Any) -> bool:
    """A public key or certificate (PEM, OpenSSH), also when base64-encoded (Secret `data`)."""
    if not isinstance(value, str):
        return False
    for text in (value, decode_base64(value) or ""):
        stripped = text.strip()
        if any(stripped.startswith(m) for m in PUBLIC_MARKERS) and "PRIVATE KEY" not in stripped:
            return True
        if SSH_PUBLIC.match(stripped):
            return True
    return False


def is_plaintext(value: Any) -> bool:
    """A readable credential value: not empty, not a reference, not SOPS-encrypted, not a public key."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, (int, float)):
        return True
    if not isinstance(value, str) or not value.strip():
        return False
    return not (is_reference(value) or is_sops_value(value) or is_public_key(value))


def decode_base64(value: str) -> str | None:
    """The UTF-8 text a base64 value encodes, or None when it is not base64 of text."""
    v = value.strip()
    if len(v) < 8 or not _BASE64.match(v):
        return None
    try:
        decoded = base64.b64decode("".join(v.split()), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return decoded if decoded.isprintable() or "\n" in decoded else None


def _embedded(value: str) -> Any:
    """The data a string holds when it is a YAML or JSON mapping or list that may hold credentials."""
    if len(value) > 2_000_000 or ("\n" not in value and not value.lstrip().startswith(("{", "["))):
        return None
    if not MIGHT_HOLD.search(value):
        return None
    try:
        return json.loads(value)
    except ValueError:
        pass
    try:
        docs = yamlio.load_plain_all(value, "embedded")
    except (InputError, RecursionError, ValueError):
        return None
    data = [doc for _line, _col, doc in docs]
    if len(data) == 1 and isinstance(data[0], (Mapping, list)):
        return data[0]
    return None


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def credential_leaves(doc: Any) -> Iterator[Leaf]:
    """Every credential leaf of one document (see the module docstring), in document order."""
    if isinstance(doc, Mapping) and is_secret_object(doc):
        for field in SECRET_FIELDS:
            values = doc.get(field)
            if isinstance(values, Mapping):
                for key, value in values.items():
                    if _scalar(value):
                        yield Leaf((field, key), value, True)
            elif values is not None:
                yield Leaf((field,), values, True)
        rest = {k: v for k, v in doc.items() if k not in (*SECRET_FIELDS, "sops")}
        yield from _walk(rest, ())
        return
    yield from _walk(doc, ())


def _walk(node: Any, path: Path) -> Iterator[Leaf]:
    if isinstance(node, Mapping):
        name = node.get("name")
        if isinstance(name, str) and is_credential_key(name) and _scalar(node.get("value")):
            yield Leaf((*path, "value"), node["value"], False)
        for key, value in node.items():
            step = (*path, key)
            if is_credential_key(key) and _scalar(value):
                yield Leaf(step, value, False)
            elif is_credential_key(key) and isinstance(value, list) and value and all(map(_scalar, value)):
                for i, item in enumerate(value):
                    yield Leaf((*step, i), item, False)
            elif key == "value" and isinstance(name, str) and is_credential_key(name):
                continue
            else:
                yield from _walk(value, step)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _walk(item, (*path, i))
    elif isinstance(node, str):
        inner = _embedded(node)
        if inner is not None:
            for leaf in credential_leaves(inner):
                yield Leaf((*path, EMBEDDED, *leaf.path), leaf.value, leaf.in_secret)
