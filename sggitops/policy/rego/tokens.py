"""A tokenizer for Rego source: strings (quoted and raw), comments, numbers, names and operators.

Every character of the source belongs to exactly one token, so joining the token texts gives the
source back; rewrites insert or replace tokens and keep everything else byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sggitops.policy.rego.errors import RegoSyntaxError


class Kind(StrEnum):
    """What a token is."""

    SPACE = "space"  # spaces and tabs (and \r)
    NEWLINE = "newline"
    COMMENT = "comment"  # from `#` to the end of the line, newline excluded
    STRING = "string"  # "..." with escapes
    RAW_STRING = "raw"  # `...`, may span lines
    NUMBER = "number"
    NAME = "name"  # identifiers and keywords
    OP = "op"  # operators and punctuation


@dataclass(frozen=True)
class Token:
    """One token with its 1-based position."""

    kind: Kind
    text: str
    line: int
    col: int

    @property
    def trivia(self) -> bool:
        """Spaces and comments: never significant to the structure."""
        return self.kind in (Kind.SPACE, Kind.COMMENT)

    def is_op(self, *texts: str) -> bool:
        """True when this is one of the operators `texts`."""
        return self.kind is Kind.OP and self.text in texts

    def is_name(self, *texts: str) -> bool:
        """True when this is one of the names `texts`."""
        return self.kind is Kind.NAME and self.text in texts


_TWO_CHAR_OPS = (":=", "==", "!=", "<=", ">=")
_ONE_CHAR_OPS = "=<>+-*/%&|.,;:()[]{}"
_ESCAPES = '"\\/bfnrtu'


def tokenize(source: str) -> list[Token]:
    """All tokens of `source`; raises RegoSyntaxError on an unterminated string or a stray character."""
    tokens: list[Token] = []
    i, line, col = 0, 1, 1
    n = len(source)
    while i < n:
        ch = source[i]
        start = i
        if ch == "\n":
            kind, i = Kind.NEWLINE, i + 1
        elif ch in " \t\r\f":
            while i < n and source[i] in " \t\r\f":
                i += 1
            kind = Kind.SPACE
        elif ch == "#":
            while i < n and source[i] != "\n":
                i += 1
            kind = Kind.COMMENT
        elif ch == '"':
            kind, i = Kind.STRING, _scan_string(source, i, line, col)
        elif ch == "`":
            end = source.find("`", i + 1)
            if end < 0:
                raise RegoSyntaxError("unterminated raw string", line=line, col=col)
            kind, i = Kind.RAW_STRING, end + 1
        elif ch.isdigit():
            kind, i = Kind.NUMBER, _scan_number(source, i)
        elif ch.isalpha() or ch == "_":
            while i < n and (source[i].isalnum() or source[i] == "_"):
                i += 1
            kind = Kind.NAME
        elif source.startswith(_TWO_CHAR_OPS, i):
            kind, i = Kind.OP, i + 2
        elif ch in _ONE_CHAR_OPS:
            kind, i = Kind.OP, i + 1
        else:
            raise RegoSyntaxError(f"unexpected character {ch!r}", line=line, col=col)
        text = source[start:i]
        tokens.append(Token(kind, text, line, col))
        newlines = text.count("\n")
        if newlines:
            line += newlines
            col = len(text) - text.rfind("\n")
        else:
            col += len(text)
    return tokens


def _scan_string(source: str, i: int, line: int, col: int) -> int:
    n = len(source)
    i += 1
    while i < n:
        ch = source[i]
        if ch == '"':
            return i + 1
        if ch == "\n":
            break
        if ch == "\\":
            if i + 1 >= n or source[i + 1] not in _ESCAPES:
                raise RegoSyntaxError("invalid escape in string", line=line, col=col)
            i += 2
            continue
        i += 1
    raise RegoSyntaxError("unterminated string", line=line, col=col)


def _scan_number(source: str, i: int) -> int:
    n = len(source)
    while i < n and source[i].isdigit():
        i += 1
    if i + 1 < n and source[i] == "." and source[i + 1].isdigit():
        i += 1
        while i < n and source[i].isdigit():
            i += 1
    if i < n and source[i] in "eE":
        j = i + 1
        if j < n and source[j] in "+-":
            j += 1
        if j < n and source[j].isdigit():
            i = j
            while i < n and source[i].isdigit():
                i += 1
    return i


def untokenize(tokens: list[Token]) -> str:
    """The source text of `tokens`."""
    return "".join(t.text for t in tokens)
