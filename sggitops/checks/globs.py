"""Argo CD's glob matching, so AppProject rules are judged the way the Argo CD API server judges them.

Argo CD matches AppProject `sourceRepos` and `destinations` with github.com/gobwas/glob (its
`util/glob.Match`). The syntax, compiled here to a Python regex:

    *        any run of characters except the separators (any run at all when there are none)
    **       any run of characters, separators included
    ?        one character that is not a separator
    [abc]    one of the characters; `[a-z]` a range; `[!abc]` / `[!a-z]` none of them (any character)
    {a,b}    one of the alternatives, each itself a glob (may nest)
    \\x       the character x literally

A pattern that does not compile (an unclosed `[` or `{`, a trailing `\\`) never matches, as in Argo CD,
which logs the compile error and answers false.

Repos are compared after Argo CD's `git.NormalizeGitURL` (trimmed, lower case, `git@host:path` as
`host/path`, no `.git`) with `/` as the only separator, so `https://host/group/*` matches the repos of
`group` but not of its subgroups, and `**` matches both. A bare `*` always matches. Destination server,
name and namespace patterns have no separators.

Negation: a `!` entry matches what its pattern does not. Sources: the repo is permitted when some
entry matches and no `!` entry excludes it; a `!` entry that does not exclude the repo counts as a
match (so `["!https://bad/*"]` alone permits every other repo). Destinations: permitted when some entry
matches by (server or name) and namespace, and no entry whose `!` pattern excludes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from sggitops.policy.goregex import GoRegexError, compile_go

REPO_SEPARATORS = "/"
_SSH_URL = re.compile(r"^(ssh://)?([^/:]*?)@[^@]+$")


class GlobSyntaxError(ValueError):
    """The pattern is not a valid gobwas glob."""


@lru_cache(maxsize=4096)
def compile_glob(pattern: str, separators: str = "") -> Any:
    """The regex equivalent of a gobwas glob (on RE2: an AppProject's `*a*a*...*b` against a long URL
    stays linear, as gobwas is), or None when gobwas would refuse the pattern."""
    try:
        body, _ = _sequence(pattern, 0, separators, in_braces=False)
        return compile_go("(?s)" + body)
    except (GlobSyntaxError, GoRegexError):
        return None


def glob_match(pattern: str, text: str, separators: str = "") -> bool:
    """gobwas `glob.MustCompile(pattern, separators...).Match(text)`; a bad pattern matches nothing."""
    compiled = compile_glob(pattern, separators)
    return compiled is not None and compiled.fullmatch(text) is not None


def _sequence(pattern: str, i: int, seps: str, *, in_braces: bool) -> tuple[str, int]:
    """Translate from `i` until the end, or (inside braces) until an unescaped `,` or `}`."""
    not_sep = f"[^{re.escape(seps)}]" if seps else "."
    out: list[str] = []
    while i < len(pattern):
        ch = pattern[i]
        if in_braces and ch in ",}":
            return "".join(out), i
        if ch == "\\":
            if i + 1 >= len(pattern):
                raise GlobSyntaxError("trailing backslash")
            out.append(re.escape(pattern[i + 1]))
            i += 2
        elif ch == "*":
            if pattern.startswith("**", i):
                out.append(".*")
                i += 2
            else:
                out.append(f"{not_sep}*")
                i += 1
        elif ch == "?":
            out.append(not_sep)
            i += 1
        elif ch == "[":
            cls, i = _char_class(pattern, i + 1)
            out.append(cls)
        elif ch == "{":
            alt, i = _alternatives(pattern, i + 1, seps)
            out.append(alt)
        else:
            out.append(re.escape(ch))
            i += 1
    if in_braces:
        raise GlobSyntaxError("unclosed `{`")
    return "".join(out), i


def _char_class(pattern: str, i: int) -> tuple[str, int]:
    negate = i < len(pattern) and pattern[i] == "!"
    if negate:
        i += 1
    items: list[str] = []
    while i < len(pattern) and pattern[i] != "]":
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= len(pattern):
                raise GlobSyntaxError("trailing backslash")
            ch = pattern[i + 1]
            i += 1
        if i + 2 < len(pattern) and pattern[i + 1] == "-" and pattern[i + 2] != "]":
            lo, hi = ch, pattern[i + 2]
            if lo > hi:
                raise GlobSyntaxError("bad range")
            items.append(f"{re.escape(lo)}-{re.escape(hi)}")
            i += 3
        else:
            items.append(re.escape(ch))
            i += 1
    if i >= len(pattern) or not items:
        raise GlobSyntaxError("unclosed or empty `[`")
    return f"[{'^' if negate else ''}{''.join(items)}]", i + 1


def _alternatives(pattern: str, i: int, seps: str) -> tuple[str, int]:
    alts: list[str] = []
    while True:
        body, i = _sequence(pattern, i, seps, in_braces=True)
        alts.append(body)
        if pattern[i] == "}":
            return "(?:" + "|".join(alts) + ")", i + 1
        i += 1  # the `,`


def normalize_git_url(url: str) -> str:
    """Argo CD's `git.NormalizeGitURL`: lower case, trimmed, SSH scp-style as `host/path`, no `.git`."""
    repo = url.strip().lower()
    if _SSH_URL.match(repo) and not repo.startswith("ssh://"):
        repo = "ssh://" + repo.replace(":", "/", 1)
    repo = repo.removesuffix(".git")
    return repo.removeprefix("ssh://")


def is_deny(pattern: str) -> bool:
    return pattern.startswith("!")


def argo_glob_match(pattern: str, value: str, separators: str = "") -> bool:
    """Argo CD's `globMatch` with negation allowed: `!p` matches what `p` does not; `*` matches all."""
    if is_deny(pattern):
        return not glob_match(pattern[1:], value, separators)
    if pattern == "*":
        return True
    return glob_match(pattern, value, separators)


def source_permitted(source_repos: Iterable[str], repo_url: str) -> bool:
    """AppProject.IsSourcePermitted: some entry matches the repo and no `!` entry excludes it."""
    source = normalize_git_url(repo_url)
    any_matched = False
    for entry in source_repos:
        pattern = "!" + normalize_git_url(entry[1:]) if is_deny(entry) else normalize_git_url(entry)
        if argo_glob_match(pattern, source, REPO_SEPARATORS):
            any_matched = True
        elif is_deny(pattern):
            return False
    return any_matched


def destination_permitted(
    destinations: Iterable[Mapping[str, Any]], *, server: str, name: str, namespace: str
) -> bool:
    """AppProject.isDestinationMatched: (server or name) and namespace match one entry, no `!` excludes."""
    any_matched = False
    no_deny_matched = True
    for item in destinations:
        p_server = str(item.get("server") or "")
        p_name = str(item.get("name") or "")
        p_namespace = str(item.get("namespace") or "")
        name_ok = bool(name) and argo_glob_match(p_name, name)
        server_ok = bool(server) and argo_glob_match(p_server, server)
        namespace_ok = argo_glob_match(p_namespace, namespace)
        if (server_ok or name_ok) and namespace_ok:
            any_matched = True
        elif (
            (not name_ok and is_deny(p_name))
            or (not server_ok and is_deny(p_server))
            or (not namespace_ok and is_deny(p_namespace))
        ):
            no_deny_matched = False
    return any_matched and no_deny_matched
