"""Kubernetes' CEL libraries (apiserver `library` package) as functions for the `cel` library.

Quantity, URL, IP/CIDR, semver and image values are maps tagged `{"@cel": type, ...}`: the `cel` library
carries only JSON-like values across its Python boundary, so every method of those types (called as
`x.f(a)`, which the library dispatches to `f(x, a)`) checks the tag and fails on any other value. Also:
the regex `find`/`findAll`, the list library (`isSorted`, `sum`, `min`, `max`, `indexOf`,
`lastIndexOf`) and `format`. The strings, math, sets, encoders and lists extensions come from the
library's own `cel.stdlib`.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sggitops.policy.cel.optional import OR_VALUE
from sggitops.policy.cel.package import cel_package

TAG = "@cel"
_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$")
_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$"
)


class CelFunctionError(ValueError):
    """A library function got a value it does not accept (a CEL evaluation error)."""


def tagged(kind: str, **fields: Any) -> dict[str, Any]:
    return {TAG: kind, **fields}


def _is(value: Any, kind: str) -> bool:
    return isinstance(value, Mapping) and value.get(TAG) == kind


def _need(value: Any, kind: str) -> Mapping[str, Any]:
    if not _is(value, kind):
        raise CelFunctionError(f"expected a {kind}, got {type(value).__name__}")
    return value  # type: ignore[no-any-return]


# ---- quantity ----------------------------------------------------------------------------------


def _parse_quantity(text: str) -> Fraction:
    found = _QUANTITY.match(text.strip()) if isinstance(text, str) else None
    if not found:
        raise CelFunctionError(f"invalid quantity {text!r}")
    number, suffix = Fraction(found.group(1)), found.group(2) or ""
    if suffix in _BINARY:
        return number * Fraction(1024) ** _BINARY[suffix]
    if suffix in _DECIMAL:
        return number * Fraction(10) ** _DECIMAL[suffix]
    return number * Fraction(10) ** int(suffix[1:])


def quantity(text: str) -> dict[str, Any]:
    _parse_quantity(text)
    return tagged("quantity", value=text)


def is_quantity(text: Any) -> bool:
    try:
        _parse_quantity(text)
    except CelFunctionError:
        return False
    return True


def _amount(value: Any) -> Fraction:
    if isinstance(value, int) and not isinstance(value, bool):
        return Fraction(value)
    return _parse_quantity(str(_need(value, "quantity")["value"]))


def _compare(a: Any, b: Any) -> int:
    if _is(a, "semver"):
        left, right = _semver_key(a), _semver_key(_need(b, "semver"))
        return (left > right) - (left < right)
    x, y = _amount(a), _amount(b)
    return (x > y) - (x < y)


def _format_amount(value: Fraction) -> str:
    return (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator * 1000 // value.denominator}m"
    )


def quantity_add(a: Any, b: Any) -> dict[str, Any]:
    return tagged("quantity", value=_format_amount(_amount(a) + _amount(b)))


def quantity_sub(a: Any, b: Any) -> dict[str, Any]:
    return tagged("quantity", value=_format_amount(_amount(a) - _amount(b)))


def as_integer(a: Any) -> int:
    value = _amount(a)
    if value.denominator != 1 or abs(value) >= 2**63:
        raise CelFunctionError("the quantity is not an int64")
    return int(value)


def is_integer(a: Any) -> bool:
    value = _amount(a)
    return value.denominator == 1 and abs(value) < 2**63


def sign(a: Any) -> int:
    value = _amount(a)
    return (value > 0) - (value < 0)


# ---- url ---------------------------------------------------------------------------------------


def url(text: str) -> dict[str, Any]:
    parts = urlsplit(text)
    if not (parts.scheme and (parts.netloc or text.startswith("/"))) and not text.startswith("/"):
        raise CelFunctionError(f"invalid URL {text!r}")
    return tagged("url", value=text)


def is_url(text: Any) -> bool:
    try:
        url(str(text))
    except (CelFunctionError, ValueError):
        return False
    return True


def _url_part(part: str) -> Callable[[Any], Any]:
    def get(value: Any) -> Any:
        parts = urlsplit(str(_need(value, "url")["value"]))
        if part == "host":
            return parts.netloc.rpartition("@")[2]
        if part == "hostname":
            host = parts.hostname or ""
            return host.split("%")[0]
        if part == "port":
            return str(parts.port or "")
        if part == "path":
            return parts.path
        if part == "query":
            return _query_pairs(parts.query)
        return parts.scheme

    return get


def _query_pairs(query: str) -> dict[str, list[str]]:
    return parse_qs(query, keep_blank_values=True)


# ---- ip / cidr ---------------------------------------------------------------------------------


def ip(value: Any) -> dict[str, Any]:
    if _is(value, "cidr"):
        network = ipaddress.ip_interface(str(value["value"]))
        return tagged("ip", value=str(network.ip))
    text = str(value)
    if "%" in text:
        raise CelFunctionError("IP addresses with zones are not allowed")
    parsed = ipaddress.ip_address(text)
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped:
        raise CelFunctionError("IPv4-mapped IPv6 addresses are not allowed")
    return tagged("ip", value=str(parsed))


def cidr(text: str) -> dict[str, Any]:
    ipaddress.ip_interface(text)
    if "/" not in text:
        raise CelFunctionError(f"invalid CIDR {text!r}")
    return tagged("cidr", value=text)


def _checker(build: Callable[[Any], Any]) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        try:
            build(value)
        except (CelFunctionError, ValueError):
            return False
        return True

    return check


def _address(value: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(str(_need(value, "ip")["value"]))


def _network(value: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_interface(str(_need(value, "cidr")["value"])).network


def family(value: Any) -> int:
    return _address(value).version


def contains_ip(net: Any, addr: Any) -> bool:
    target = ipaddress.ip_address(addr) if isinstance(addr, str) else _address(addr)
    return target in _network(net)


def contains_cidr(net: Any, other: Any) -> bool:
    inner = ipaddress.ip_network(other, strict=False) if isinstance(other, str) else _network(other)
    outer = _network(net)
    return inner.version == outer.version and inner.subnet_of(outer)  # type: ignore[arg-type]


def masked(net: Any) -> dict[str, Any]:
    return tagged("cidr", value=str(_network(net)))


def prefix_length(net: Any) -> int:
    return _network(net).prefixlen


# ---- semver ------------------------------------------------------------------------------------


def semver(text: str, normalize: bool = False) -> dict[str, Any]:
    value = text
    if normalize:
        found = re.match(r"^(\d+(?:\.\d+){0,2})(.*)$", value.removeprefix("v"))
        if found:
            numbers = [str(int(n)) for n in found.group(1).split(".")]
            value = ".".join(numbers + ["0"] * (3 - len(numbers))) + found.group(2)
    if not _SEMVER.match(value):
        raise CelFunctionError(f"invalid semver {text!r}")
    return tagged("semver", value=value)


def _semver_key(value: Any) -> tuple[int, int, int, int, list[tuple[int, Any]]]:
    found = _SEMVER.match(str(value["value"]))
    assert found is not None
    pre = found.group(4)
    parts = [(0, int(p)) if p.isdigit() else (1, p) for p in pre.split(".")] if pre else []
    return (int(found.group(1)), int(found.group(2)), int(found.group(3)), 0 if pre else 1, parts)


def _semver_part(index: int) -> Callable[[Any], int]:
    def get(value: Any) -> int:
        return _semver_key(_need(value, "semver"))[index]  # type: ignore[return-value]

    return get


# ---- regex, lists, format ----------------------------------------------------------------------


def find(text: str, pattern: str) -> str:
    found = re.search(pattern, text)
    return found.group(0) if found else ""


def find_all(text: str, pattern: str, limit: int = -1) -> list[str]:
    found = [m.group(0) for m in re.finditer(pattern, text)]
    return found if limit < 0 else found[:limit]


def index_of(container: Any, item: Any) -> int:
    if isinstance(container, str):
        return container.find(str(item))
    return next((i for i, x in enumerate(container) if x == item), -1)


def last_index_of(container: Any, item: Any) -> int:
    if isinstance(container, str):
        return container.rfind(str(item))
    return next((i for i in range(len(container) - 1, -1, -1) if container[i] == item), -1)


def is_sorted(items: list[Any]) -> bool:
    return all(_compare_any(a, b) <= 0 for a, b in itertools.pairwise(items))


def _compare_any(a: Any, b: Any) -> int:
    if isinstance(a, Mapping):
        return _compare(a, b)
    return int(a > b) - int(a < b)


def is_greater_than(a: Any, b: Any) -> bool:
    return _compare(a, b) > 0


def is_less_than(a: Any, b: Any) -> bool:
    return _compare(a, b) < 0


def format_string(template: str, args: list[Any]) -> str:
    out, index = [], 0
    for piece in re.split(r"(%%|%[.\d]*[sdfeoxXb])", template):
        if piece == "%%":
            out.append("%")
        elif piece.startswith("%") and len(piece) > 1:
            if index >= len(args):
                raise CelFunctionError("format: not enough arguments")
            out.append(_format_one(piece, args[index]))
            index += 1
        else:
            out.append(piece)
    return "".join(out)


def _format_one(verb: str, value: Any) -> str:
    kind = verb[-1]
    if kind == "s":
        return str(value).lower() if isinstance(value, bool) else str(value)
    if kind in "fe":
        return ("%" + verb[1:]) % float(value) if len(verb) > 2 else ("%f" if kind == "f" else "%e") % value
    return ("%" + kind) % int(value) if kind != "b" else format(int(value), "b")


def or_value_of(value: Any, default: Any) -> Any:
    """`x.orValue(d)`: the optional's value or `d`; a plain value is itself (as Kyverno's policies expect)."""
    if isinstance(value, cel_package().OptionalValue):
        return value.or_value(default)
    return value


def functions() -> dict[str, Callable[..., Any]]:
    """The Kubernetes library functions, on top of the `cel` library's extended standard library."""
    stdlib = cel_package().stdlib
    out: dict[str, Callable[..., Any]] = dict(stdlib.STDLIB_FUNCTIONS)
    for library in stdlib.EXTENSIONS.values():
        out.update(library)
    out.update(
        {
            "quantity": quantity,
            "isQuantity": is_quantity,
            "add": quantity_add,
            "sub": quantity_sub,
            "asInteger": as_integer,
            "isInteger": is_integer,
            "asApproximateFloat": lambda a: float(_amount(a)),
            "sign": sign,
            "compareTo": _compare,
            "isGreaterThan": is_greater_than,
            "isLessThan": is_less_than,
            "url": url,
            "isURL": is_url,
            "getScheme": _url_part("scheme"),
            "getHost": _url_part("host"),
            "getHostname": _url_part("hostname"),
            "getPort": _url_part("port"),
            "getEscapedPath": _url_part("path"),
            "getQuery": _url_part("query"),
            "ip": ip,
            "isIP": _checker(ip),
            "cidr": cidr,
            "isCIDR": _checker(cidr),
            "family": family,
            "isUnspecified": lambda a: _address(a).is_unspecified,
            "isLoopback": lambda a: _address(a).is_loopback,
            "isLinkLocalMulticast": lambda a: _address(a).is_multicast and _address(a).is_link_local,
            "isLinkLocalUnicast": lambda a: _address(a).is_link_local and not _address(a).is_multicast,
            "isGlobalUnicast": lambda a: _address(a).is_global and not _address(a).is_multicast,
            "containsIP": contains_ip,
            "containsCIDR": contains_cidr,
            "masked": masked,
            "prefixLength": prefix_length,
            "semver": semver,
            "isSemver": _checker(semver),
            "major": _semver_part(0),
            "minor": _semver_part(1),
            "patch": _semver_part(2),
            "find": find,
            "findAll": find_all,
            "indexOf": index_of,
            "lastIndexOf": last_index_of,
            "isSorted": is_sorted,
            "format": format_string,
            OR_VALUE: or_value_of,
        }
    )
    return out
