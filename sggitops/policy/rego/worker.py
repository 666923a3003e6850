"""The Rego worker process: the only place regopy (native rego-cpp) runs.

regopy can take its process down: gatekeeper-library's `pod-security-policy/seccomp` templates 1.0.0
and 1.0.1 make rego-cpp 1.5 dereference a bad pointer while building the bundle (SIGSEGV), and any Rego
that names an undefined table the same way (`x := missing[p][_]`) does too. So the parent never loads
regopy: `engine.CompiledPolicy` sends `compile` and `query` requests here, one persistent worker per
parent process, and a crash or hang costs one restart and marks that one policy `engine-failed`.

Protocol: frames of an 8-byte big-endian length and a JSON object, on the worker's stdin and on a
private duplicate of its stdout (fd 1 itself is pointed at stderr, so a native library printing to
stdout cannot corrupt a frame). Requests: `{"op": "compile", "id", "modules", "entrypoints", "data"}`,
`{"op": "query", "id", "entrypoint", "input"}`, `{"op": "query_many", "id", "entrypoint", "inputs"}` (its
value: one `query` reply per input), `{"op": "builtin", "name"}`, `{"op": "forget", "id"}`.
Replies: `{"ok": value}` or `{"error": "compile|unsupported|eval", "message", "feature"}`. The parent watches
the worker's resident memory (`engine.WORKER_MEMORY`): rego-cpp reserves ~250 GiB of address space
while using ~50 MiB, so RLIMIT_AS cannot bound it.
"""

from __future__ import annotations

import ctypes
import json
import os
import struct
import sys
from collections.abc import Mapping, Sequence
from typing import Any, BinaryIO

import regopy
from regopy import rego_shared

from sggitops.policy.rego.compat import HELPER_MODULE, HELPER_PACKAGE, regopy_compat
from sggitops.policy.rego.engine import check_calls, error_messages
from sggitops.policy.rego.errors import RegoCompileError, RegoError, RegoEvalError, RegoUnsupported

HEADER = struct.Struct(">Q")


def _interpreter() -> Any:
    interp = regopy.Interpreter()
    interp.log_level = regopy.LogLevel.NONE
    return interp


_PROBE = _interpreter()


def is_builtin(name: str) -> bool:
    """True when regopy knows the builtin function `name`."""
    return bool(_PROBE.is_builtin(name))


class Bundle:
    """Rego v1 modules (+ base data) compiled once by regopy, queried many times."""

    def __init__(self, modules: Mapping[str, str], entrypoints: Sequence[str], data: Any) -> None:
        check_calls(modules, known=is_builtin)
        compiled: dict[str, str] = {}
        for name, source in modules.items():
            compiled[name], helper = regopy_compat(source)
            if helper:
                compiled[f"{HELPER_PACKAGE}.rego"] = HELPER_MODULE
        builder = _interpreter()
        try:
            for name, source in compiled.items():
                builder.add_module(name, source)
            if data:
                builder.add_data_json(json.dumps(data))
            self._bundle = builder.build(None, list(entrypoints))
        except rego_shared.RegoError as err:
            raise RegoCompileError(f"Rego does not compile: {error_messages(str(err))}") from None
        if not self._bundle.ok():
            raise RegoCompileError("Rego does not compile: the bundle was not built")
        self._builder = builder
        self._runner = _interpreter()

    def query(self, entrypoint: str, input_doc: Any) -> tuple[bool, Any]:
        """(defined, value) of `entrypoint` for `input_doc`; RegoEvalError when evaluation fails."""
        try:
            self._set_input(input_doc)
            out = rego_shared.rego_bundle_query_entrypoint(self._runner._impl, self._bundle._impl, entrypoint)
        except rego_shared.RegoError as err:
            raise RegoEvalError(f"Rego evaluation failed: {error_messages(str(err))}") from None
        try:
            if not rego_shared.rego_output_ok(out):
                raise RegoEvalError(f"Rego evaluation failed: {_node_messages(out)}")
            text = rego_shared.rego_output_string(out)
        finally:
            rego_shared.rego_free_output(out)
        if text.strip() == "undefined":
            return False, None
        if text.lstrip().startswith("("):
            raise RegoEvalError(f"Rego evaluation failed: {error_messages(text)}")
        try:
            result = json.loads(text)
        except json.JSONDecodeError as err:
            raise RegoEvalError(f"regopy returned output that is not JSON ({err.msg})") from None
        if isinstance(result, list):  # several results: not expected for a rule entrypoint
            raise RegoEvalError("Rego evaluation gave several results for one rule")
        expressions = result.get("expressions", [])
        return (True, expressions[0]) if expressions else (False, None)

    def _set_input(self, input_doc: Any) -> None:
        """The input as an in-memory value (twice as fast as rego-cpp parsing its JSON text); as JSON
        text where the value does not convert (an integer past 64 bits, very deep nesting)."""
        try:
            value = regopy.Input(input_doc)
        except (ctypes.ArgumentError, OverflowError, TypeError, ValueError, RecursionError):
            self._runner.set_input_term(json.dumps(input_doc))
            return
        self._runner.set_input(value)


def _node_messages(out: Any) -> str:
    messages: list[str] = []

    def walk(node: Any, depth: int) -> None:
        if depth > 8:
            return
        try:
            value = rego_shared.rego_node_value(node)
        except rego_shared.RegoError:
            value = ""
        if value and not value.startswith("rego-"):
            messages.append(value)
        for index in range(rego_shared.rego_node_size(node)):
            walk(rego_shared.rego_node_get(node, index), depth + 1)

    walk(rego_shared.rego_output_node(out), 0)
    return "; ".join(dict.fromkeys(messages)) or "unknown error"


def read_frame(stream: BinaryIO) -> Any:
    """One frame from a stream; None at end of stream."""
    head = stream.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    (size,) = HEADER.unpack(head)
    body = stream.read(size)
    if len(body) < size:
        return None
    return json.loads(body)


def write_frame(stream: BinaryIO, message: Any) -> None:
    body = json.dumps(message, separators=(",", ":")).encode("utf-8")
    stream.write(HEADER.pack(len(body)) + body)
    stream.flush()


def handle(bundles: dict[int, Bundle], request: Mapping[str, Any]) -> Any:
    """The reply to one request (errors become replies; only a native crash ends the worker)."""
    op = request.get("op")
    try:
        if op == "compile":
            bundles[request["id"]] = Bundle(request["modules"], request["entrypoints"], request.get("data"))
            return {"ok": True}
        if op == "query":
            defined, value = bundles[request["id"]].query(request["entrypoint"], request["input"])
            return {"ok": value} if defined else {"undefined": True}
        if op == "query_many":  # one exchange for many inputs; each input's reply as `query` gives it
            bundle = bundles[request["id"]]
            return {"ok": [_one(bundle, request["entrypoint"], doc) for doc in request["inputs"]]}
        if op == "builtin":
            return {"ok": is_builtin(request["name"])}
        if op == "forget":
            bundles.pop(request["id"], None)
            return {"ok": True}
        return {"error": "eval", "message": f"unknown request {op!r}"}
    except RegoUnsupported as err:
        return {"error": "unsupported", "message": str(err), "feature": err.feature}
    except RegoCompileError as err:
        return {"error": "compile", "message": str(err)}
    except (RegoError, KeyError, TypeError, ValueError) as err:
        return {"error": "eval", "message": str(err)}


def _one(bundle: Bundle, entrypoint: str, input_doc: Any) -> Any:
    try:
        defined, value = bundle.query(entrypoint, input_doc)
    except RegoUnsupported as err:
        return {"error": "unsupported", "message": str(err), "feature": err.feature}
    except RegoError as err:
        return {"error": "eval", "message": str(err)}
    return {"ok": value} if defined else {"undefined": True}


def main() -> None:
    """Serve requests until stdin closes."""
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray native prints go to stderr, never into a frame
    requests = sys.stdin.buffer
    bundles: dict[int, Bundle] = {}
    while (request := read_frame(requests)) is not None:
        write_frame(replies, handle(bundles, request))


if __name__ == "__main__":
    main()
