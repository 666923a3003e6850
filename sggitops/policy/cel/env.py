"""Compile (once, cached) and evaluate CEL expressions with the Kubernetes and Kyverno libraries."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sggitops.policy.cel import k8s_lib, kyverno_lib
from sggitops.policy.cel.kyverno_lib import CelUnavailable, Lookups
from sggitops.policy.cel.optional import OptionalSyntaxError, rewrite_optionals
from sggitops.policy.cel.package import cel_package


class CelError(Exception):
    """An expression failed to compile or to evaluate (CEL's error value)."""


class CelUnsupported(CelError):
    """An expression needs something that cannot be evaluated offline (a live lookup)."""


@dataclass(frozen=True)
class Program:
    """One compiled expression. `python` tells whether it calls Python-implemented functions."""

    source: str
    program: Any
    python: bool
    live: str  # the live library it names ("" when none)


NULLABLE = ("object", "oldObject", "params", "namespaceObject", "authorizer")


@lru_cache(maxsize=8192)
def compile_expression(source: str) -> Program:
    """The compiled program of `source` (cached: each distinct expression compiles once per process)."""
    try:
        program = cel_package().compile(rewrite_optionals(source))
    except (ValueError, OptionalSyntaxError) as err:
        raise CelError(f"compile error: {_first_line(err)}") from None
    names = set(program.functions())
    variables = set(program.variables())
    live = next((n for n in kyverno_lib.LIVE_NAMESPACES if n in variables), "")
    python = bool(names & _python_names()) or bool(variables & {"resource", "json", "yaml", "time", "x509"})
    return Program(source, program, python, live)


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


@lru_cache(maxsize=1)
def _python_names() -> frozenset[str]:
    return frozenset(name.rpartition(".")[2] for name in _functions())


@lru_cache(maxsize=1)
def _functions() -> dict[str, Any]:
    return {**k8s_lib.functions(), **kyverno_lib.functions(_lookups)}


class _Current:
    """The context of the activation in use: the `cel` library converts variables to CEL once per
    context, so one context serves every expression evaluated on the same object (the activation is
    recognised by identity); `variables` change per policy and come through a resolver."""

    activation: Mapping[str, Any] | None = None
    context: Any = None
    variables: Mapping[str, Any] = {}
    lookups = Lookups()


def _lookups() -> Lookups:
    return _Current.lookups


def _resolve(name: str) -> Any:
    return _Current.variables if name == "variables" else None


def _context(activation: Mapping[str, Any]) -> Any:
    if _Current.activation is activation and _Current.context is not None:
        return _Current.context
    values = {name: None for name in NULLABLE}
    values.update((k, v) for k, v in activation.items() if k != "variables")
    context = cel_package().Context(values, _functions())
    context.set_variable_resolver(_resolve)
    _Current.activation, _Current.context = activation, context
    return context


@contextlib.contextmanager
def _quiet_stderr(enabled: bool) -> Iterator[None]:
    """The `cel` library prints a line to stderr when a Python function raises: keep the CLI clean."""
    if not enabled:
        yield
        return
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def evaluate(
    program: Program,
    activation: Mapping[str, Any],
    lookups: Lookups | None = None,
    variables: Mapping[str, Any] | None = None,
) -> Any:
    """The value of `program`; raises CelError (an evaluation error) or CelUnsupported (a live lookup).

    Pass the same `activation` object for every expression on one object: its conversion is reused."""
    if program.live:
        raise CelUnsupported(f"`{program.live}.*` needs a live cluster or network")
    context = _context(activation)
    _Current.variables = variables if variables is not None else activation.get("variables") or {}
    _Current.lookups = lookups or Lookups()
    try:
        with _quiet_stderr(program.python):
            return program.program.execute(context)
    except CelError:
        raise
    except (RuntimeError, KeyError, ValueError, TypeError, OverflowError) as err:
        if isinstance(err.__cause__, CelUnavailable) or "CelUnavailable" in str(err):
            raise CelUnsupported(_first_line(err)) from None
        raise CelError(_describe(err)) from None
    finally:
        _Current.variables = {}


def _describe(err: Exception) -> str:
    if isinstance(err, KeyError):
        return f"no such key: {err.args[0] if err.args else ''}"
    return _first_line(err)


def evaluate_source(source: str, activation: Mapping[str, Any], lookups: Lookups | None = None) -> Any:
    """Compile (cached) and evaluate."""
    return evaluate(compile_expression(source), activation, lookups)
