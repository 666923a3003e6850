"""post_note against a small GitLab API on 127.0.0.1 that records what python-gitlab asks for."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from sggitops.errors import ToolError, UsageError
from sggitops.gitlab import MARKER, NoteConfigError, post_note

PROJECT = 42
IID = 7
TOKEN = "glpat-test-token"
NOTES = f"/api/v4/projects/{PROJECT}/merge_requests/{IID}/notes"


@dataclass
class FakeGitLab:
    """The state behind the handler: notes of one merge request, and every request seen."""

    base: str = ""
    notes: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # method, path, token header
    fail_with: int = 0

    def add(self, body: str, *, system: bool = False) -> dict[str, Any]:
        note = {"id": 100 + len(self.notes), "body": body, "system": system, "noteable_iid": IID}
        self.notes.append(note)
        return note


def make_handler(state: FakeGitLab) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b"{}"
            return dict(json.loads(raw or b"{}"))

        def _record(self) -> tuple[str, dict[str, list[str]]] | None:
            url = urlsplit(self.path)
            state.requests.append((self.command, url.path, self.headers.get("PRIVATE-TOKEN", "")))
            if state.fail_with:
                self._send(state.fail_with, {"message": f"{state.fail_with} Forbidden"})
                return None
            if self.headers.get("PRIVATE-TOKEN") != TOKEN:
                self._send(401, {"message": "401 Unauthorized"})
                return None
            return url.path, parse_qs(url.query)

        def do_GET(self) -> None:
            got = self._record()
            if got is None:
                return
            path, query = got
            if path == f"/api/v4/projects/{PROJECT}":
                self._send(200, {"id": PROJECT, "web_url": f"{state.base}/group/gitops"})
            elif path == NOTES:
                self._list(query)
            else:
                self._send(404, {"message": "404 Not Found"})

        def _list(self, query: dict[str, list[str]]) -> None:
            page = int(query.get("page", ["1"])[0])
            per_page = int(query.get("per_page", ["20"])[0])
            items = state.notes[(page - 1) * per_page : page * per_page]
            pages = max(1, -(-len(state.notes) // per_page))
            headers = {"X-Page": str(page), "X-Total-Pages": str(pages), "X-Per-Page": str(per_page)}
            if page < pages:
                headers["X-Next-Page"] = str(page + 1)
                headers["Link"] = f'<{state.base}{NOTES}?page={page + 1}&per_page={per_page}>; rel="next"'
            self._send(200, items, headers)

        def do_POST(self) -> None:
            got = self._record()
            if got is None:
                return
            if got[0] != NOTES:
                self._send(404, {"message": "404 Not Found"})
                return
            self._send(201, state.add(str(self._body()["body"])))

        def do_PUT(self) -> None:
            got = self._record()
            if got is None:
                return
            path = got[0]
            for note in state.notes:
                if path == f"{NOTES}/{note['id']}":
                    note["body"] = str(self._body()["body"])
                    self._send(200, note)
                    return
            self._send(404, {"message": "404 Not Found"})

    return Handler


@contextmanager
def serving() -> Iterator[FakeGitLab]:
    """The fake GitLab on a free 127.0.0.1 port, shut down on exit (also used by the pipeline test)."""
    state = FakeGitLab()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    httpd.timeout = 5
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def server() -> Iterator[FakeGitLab]:
    with serving() as state:
        yield state


def env_for(state: FakeGitLab, **extra: str) -> dict[str, str]:
    env = {
        "CI_SERVER_URL": state.base,
        "CI_PROJECT_ID": str(PROJECT),
        "CI_MERGE_REQUEST_IID": str(IID),
        "SGGITOPS_GITLAB_TOKEN": TOKEN,
    }
    env.update(extra)
    return env


def test_creates_then_updates_in_place(server: FakeGitLab) -> None:
    server.add("LGTM")
    first = post_note(f"{MARKER}\nfirst diff", env=env_for(server))
    assert first.action == "created"
    assert [n["body"] for n in server.notes] == ["LGTM", f"{MARKER}\nfirst diff"]
    assert first.url == f"{server.base}/group/gitops/-/merge_requests/{IID}#note_{first.note_id}"

    second = post_note(f"{MARKER}\nsecond diff", env=env_for(server))
    assert second.action == "updated"
    assert second.note_id == first.note_id
    assert [n["body"] for n in server.notes] == ["LGTM", f"{MARKER}\nsecond diff"]
    methods = [(m, p) for m, p, _ in server.requests]
    assert ("POST", NOTES) in methods
    assert methods[-1] == ("PUT", f"{NOTES}/{first.note_id}")
    assert methods.count(("POST", NOTES)) == 1
    assert {token for _, _, token in server.requests} == {TOKEN}


def test_finds_the_marker_on_a_later_page(server: FakeGitLab) -> None:
    for i in range(45):
        server.add(f"comment {i}")
    server.add(f"{MARKER}\nold", system=True)  # a system note quoting the marker is not ours
    ours = server.add(f"  {MARKER}\nold diff")
    result = post_note("new diff", env=env_for(server))
    assert result.action == "updated"
    assert result.note_id == ours["id"]
    assert ours["body"] == f"{MARKER}\nnew diff"  # the marker is added when the body lacks it
    pages = [p for m, p, _ in server.requests if m == "GET" and p == NOTES]
    assert len(pages) >= 3


def test_missing_variables_are_a_usage_error_naming_them() -> None:
    with pytest.raises(NoteConfigError) as info:
        post_note("x", env={"CI_SERVER_URL": "http://127.0.0.1:9", "CI_JOB_TOKEN": "job"})
    assert isinstance(info.value, UsageError)
    assert info.value.exit_code == 2
    assert info.value.missing == ("CI_PROJECT_ID", "CI_MERGE_REQUEST_IID", "SGGITOPS_GITLAB_TOKEN")
    assert "CI_JOB_TOKEN cannot post notes" in str(info.value)


def test_bad_iid_is_a_usage_error(server: FakeGitLab) -> None:
    with pytest.raises(NoteConfigError, match="must be a number"):
        post_note("x", env=env_for(server, CI_MERGE_REQUEST_IID="abc"))
    assert server.requests == []


def test_wrong_token_is_a_tool_error_with_a_hint(server: FakeGitLab) -> None:
    with pytest.raises(ToolError) as info:
        post_note("x", env=env_for(server, SGGITOPS_GITLAB_TOKEN="nope"))
    assert info.value.exit_code == 4
    assert "HTTP 401" in info.value.message
    assert "not a valid token" in info.value.hint


def test_forbidden_explains_token_types(server: FakeGitLab) -> None:
    server.fail_with = 403
    with pytest.raises(ToolError) as info:
        post_note("x", env=env_for(server))
    assert "HTTP 403" in info.value.message
    assert "api" in info.value.hint and "CI_JOB_TOKEN" in info.value.hint


def test_unreachable_server_is_a_tool_error() -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        "CI_SERVER_URL": f"http://127.0.0.1:{port}",
        "CI_PROJECT_ID": "1",
        "CI_MERGE_REQUEST_IID": "1",
        "SGGITOPS_GITLAB_TOKEN": TOKEN,
    }
    with pytest.raises(ToolError, match="cannot reach GitLab"):
        post_note("x", env=env)


def test_too_long_body_is_refused_before_any_request(server: FakeGitLab) -> None:
    with pytest.raises(NoteConfigError, match="at most"):
        post_note("x" * 1_000_001, env=env_for(server))
    assert server.requests == []
