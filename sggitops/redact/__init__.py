"""One redaction for every output: what counts as a credential, where it hides, and how it is replaced.

A *credential leaf* of a document is:
- every value under `data` / `stringData` of a `Secret` or of any SOPS-encrypted object (a top-level
  `sops:` key), and the `sops` block itself;
- a scalar (or a list of scalars) under a key that says credential (`is_credential_key`): password,
  passwd, passphrase, pwd, secret, token, credential(s), apikey, accesskey, secretkey, privatekey,
  client_secret, cookieSecret, htpasswd, dockerconfigjson, salt, and key material named `*.key` (`tls.key`)
  or `*_key`/`*Key` after signing, encryption, master, session, auth, license, ssh, private, api,
  access or secret; keys that only *name* a credential are not credentials: suffixes ref, refs, name,
  names, namespace, file, path, enabled, length, type, mode, policy, selector, url, domain, host,
  user, username, email, id, ... and prefixes
  existing, use, create, generate, auto (`secretRef`, `existingSecret`, `passwordFile`);
- the `value` of an env-style item `{name: DB_PASSWORD, value: ...}` whose name says credential;
- the same, inside a string that holds YAML or JSON (a values file in a ConfigMap, Helm inline values,
  a `last-applied-configuration` annotation).

`credential_leaves` yields them with their path. Booleans and nulls are never credentials. Whether a
leaf is *plaintext* (what `secrets/plaintext` reports) is `is_plaintext`: references (`op://`,
`vault:`, `ref+`, whole `${VAR}` / `$(VAR)` substitutions, whole `{{ ... }}` templates), values in
SOPS's own format (`ENC[AES256_GCM,data:...,iv:...,tag:...,type:...]`), public keys and certificates
(`-----BEGIN PUBLIC KEY-----`, `ssh-rsa AAAA...`), also base64-encoded, are not.

Outputs are redacted two ways. Structurally (diff): every leaf becomes `<redacted>` (`<redacted:
changed>` on the head side of a value that changed). By value (every text that leaves the tool: diff
formats, the note, every report format, policy messages): a `Scrubber` built from the leaves of the
objects involved replaces each value, each of its lines, its base64 form and (for base64 values) its
decoded form wherever it appears. Placeholders carry no digest: a hash of a short password can be
guessed.
"""

from sggitops.redact.model import (
    CHANGED,
    EMBEDDED,
    LAST_APPLIED,
    REDACTED,
    SECRET_FIELDS,
    Leaf,
    credential_leaves,
    decode_base64,
    is_credential_key,
    is_plaintext,
    is_public_key,
    is_reference,
    is_secret_object,
    is_sops_value,
)
from sggitops.redact.scrub import (
    Scrubber,
    redact,
    redact_pair,
    scrub_findings,
    scrubber_for,
    scrubber_for_texts,
)

__all__ = [
    "CHANGED",
    "EMBEDDED",
    "LAST_APPLIED",
    "REDACTED",
    "SECRET_FIELDS",
    "Leaf",
    "Scrubber",
    "credential_leaves",
    "decode_base64",
    "is_credential_key",
    "is_plaintext",
    "is_public_key",
    "is_reference",
    "is_secret_object",
    "is_sops_value",
    "redact",
    "redact_pair",
    "scrub_findings",
    "scrubber_for",
    "scrubber_for_texts",
]
