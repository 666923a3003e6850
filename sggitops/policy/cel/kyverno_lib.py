"""Kyverno's CEL libraries that work offline, and the names of those that need a live cluster or network.

Offline: `resource.Get/List` answered from the objects a test or repo provides (`Lookups`), `image()`
and its methods, `json.unmarshal`/`json.marshal`, `yaml.parse`, `time.now/truncate/toCron`, hashes
(`sha256`, `sha1`, `md5`), `user.parseServiceAccount`, `x509.decode` when the optional `cryptography`
package is installed. Live (`http.*`, `imagedata.*`, `globalContext.*`, `authorizer`, `generator.*`):
an expression naming them is `unsupported` before it runs, never evaluated to a guess.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML

from sggitops.policy.cel.k8s_lib import CelFunctionError, tagged
from sggitops.policy.kinds import plural

LIVE_NAMESPACES = ("http", "imagedata", "globalContext", "authorizer", "generator", "gctx")
_IMAGE = re.compile(
    r"^(?:(?P<registry>[a-zA-Z0-9.-]+(?::\d+)?|localhost(?::\d+)?)/)?"
    r"(?P<path>[a-z0-9]+(?:[._-][a-z0-9]+|__)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>[A-Za-z0-9_+.-]+:[A-Fa-f0-9]{32,}))?$"
)


@dataclass
class Lookups:
    """Objects `resource.Get/List` may return (a test's context, the repo's objects)."""

    objects: Sequence[Mapping[str, Any]] = field(default_factory=list)

    def get(self, api_version: str, resource: str, namespace: str, name: str) -> Any:
        for obj in self.list(api_version, resource, namespace)["items"]:
            if (obj.get("metadata") or {}).get("name") == name:
                return obj
        raise CelFunctionError(f"{resource} {namespace}/{name} not found")

    def list(self, api_version: str, resource: str, namespace: str = "") -> dict[str, Any]:
        items = [
            o
            for o in self.objects
            if plural(str(o.get("kind") or "")) == resource.lower()
            and str(o.get("apiVersion") or "") == api_version
            and (not namespace or (o.get("metadata") or {}).get("namespace") == namespace)
        ]
        return {"items": items}


def parse_image(text: str) -> dict[str, Any]:
    found = _IMAGE.match(text)
    if not found:
        raise CelFunctionError(f"invalid image reference {text!r}")
    registry, path = found.group("registry"), found.group("path")
    if registry and "." not in registry and ":" not in registry and registry != "localhost":
        registry, path = None, f"{registry}/{path}"
    registry = registry or "docker.io"
    if registry == "docker.io" and "/" not in path:
        path = f"library/{path}"
    tag, digest = found.group("tag") or "", found.group("digest") or ""
    return tagged(
        "image",
        registry=registry,
        repository=path,
        tag=tag or ("" if digest else "latest"),
        digest=digest,
        identifier=digest or tag or "latest",
        reference=text,
    )


def _image_field(name: str) -> Callable[[Any], Any]:
    def get(value: Any) -> Any:
        if not isinstance(value, Mapping) or value.get("@cel") != "image":
            raise CelFunctionError("expected an image")
        return value[name]

    return get


def _is_image(text: Any) -> bool:
    return isinstance(text, str) and _IMAGE.match(text) is not None


def _yaml_parse(text: str) -> Any:
    return YAML(typ="safe").load(text)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _truncate(time: dt.datetime, step: dt.timedelta) -> dt.datetime:
    seconds = step.total_seconds()
    if seconds <= 0:
        return time
    epoch = time.timestamp()
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, tz=dt.UTC)


def _service_account(username: str) -> dict[str, str]:
    parts = username.split(":")
    if len(parts) != 4 or parts[:2] != ["system", "serviceaccount"]:
        return {"namespace": "", "name": ""}
    return {"namespace": parts[2], "name": parts[3]}


def _hash(algorithm: str) -> Callable[[Any], str]:
    def digest(value: Any) -> str:
        data = value if isinstance(value, bytes) else str(value).encode()
        return hashlib.new(algorithm, data).hexdigest()

    return digest


def _x509_decode(pem: str) -> dict[str, Any]:
    try:
        from cryptography import x509  # type: ignore[import-not-found]  # optional dependency
    except ImportError as err:
        raise CelUnavailable("x509.decode needs the optional `cryptography` package") from err
    cert = x509.load_pem_x509_certificate(pem.encode())
    return {
        "Subject": cert.subject.rfc4514_string(),
        "Issuer": cert.issuer.rfc4514_string(),
        "NotBefore": cert.not_valid_before_utc,
        "NotAfter": cert.not_valid_after_utc,
        "SerialNumber": str(cert.serial_number),
    }


class CelUnavailable(CelFunctionError):
    """A library function cannot run here (missing optional dependency): the rule is unsupported."""


def functions(lookups: Callable[[], Lookups]) -> dict[str, Callable[..., Any]]:
    """Kyverno's offline functions; `lookups` gives the current evaluation's objects."""
    return {
        "resource.Get": lambda api, res, ns, name: lookups().get(api, res, ns, name),
        "resource.List": lambda api, res, ns="": lookups().list(api, res, ns),
        "image": parse_image,
        "parseImageReference": parse_image,
        "isImage": _is_image,
        "registry": _image_field("registry"),
        "repository": _image_field("repository"),
        "tag": _image_field("tag"),
        "digest": _image_field("digest"),
        "identifier": _image_field("identifier"),
        "containsDigest": lambda v: bool(_image_field("digest")(v)),
        "json.unmarshal": json.loads,
        "json.marshal": lambda v: json.dumps(v, separators=(",", ":"), sort_keys=True, default=str),
        "yaml.parse": _yaml_parse,
        "time.now": _now,
        "time.truncate": _truncate,
        "sha256": _hash("sha256"),
        "sha1": _hash("sha1"),
        "md5": _hash("md5"),
        "user.parseServiceAccount": _service_account,
        "x509.decode": _x509_decode,
    }
