"""Go's regular expressions, in linear time: what Kyverno and Gatekeeper evaluate, through RE2.

Kyverno's `regex_match`, `regex_replace_all` and friends and gator's expected-message patterns run Go's
`regexp` package, which is RE2: no backtracking, so `^(a+)+$` against a long string costs microseconds
instead of hanging, and no lookaround or backreferences (such a pattern is an error, as in Go). Python's
`re` backtracks and speaks a different dialect, so policy regexes never go through it. RE2 also caps the
memory of one compiled program (`max_mem`), so a pathological pattern is refused instead of growing.
"""

from __future__ import annotations

import functools
from typing import Any

import re2

MAX_PROGRAM_BYTES = 8 << 20
"""RE2's memory budget for one compiled pattern (Go has no such cap; RE2's default is 8 MiB too)."""


class GoRegexError(ValueError):
    """The pattern is not valid Go (RE2) syntax, or too large to compile."""


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # RE2 would print each refused pattern to stderr
    options.max_mem = MAX_PROGRAM_BYTES
    return options


@functools.lru_cache(maxsize=1024)
def compile_go(pattern: str) -> Any:
    """The compiled pattern (search/match/fullmatch/sub as in `re`); GoRegexError when it is invalid."""
    try:
        return re2.compile(pattern, _options())
    except re2.error as err:
        detail = err.args[0] if err.args else "invalid"
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise GoRegexError(f"invalid regular expression {pattern!r}: {detail}") from None
    except (TypeError, ValueError) as err:
        raise GoRegexError(f"invalid regular expression {pattern!r}: {err}") from None
