"""One merge-request note per pipeline, created once and then updated in place (python-gitlab).

`post_note(body, env=os.environ)` reads the merge request from GitLab CI's predefined variables
`CI_SERVER_URL`, `CI_PROJECT_ID` and `CI_MERGE_REQUEST_IID` (set in merge-request pipelines) and the
token from `SGGITOPS_GITLAB_TOKEN`. It looks through the merge request's notes (every page) for one whose
body starts with the hidden marker `<!-- sggitops-diff -->` and updates it; when there is none it
creates one. The marker is prepended when the body lacks it, so the next run finds the note.

Tokens that can post notes (all need the `api` scope and at least the Reporter role on the project):
a project access token, a group access token, or a personal access token (of a bot or service user).
`CI_JOB_TOKEN` cannot: the notes API does not accept job tokens. Store the token as a masked, protected
CI/CD variable named `SGGITOPS_GITLAB_TOKEN`.

Errors: a missing or malformed variable is a `NoteConfigError` (a UsageError, exit 2: the job is set up
wrong); an HTTP or connection failure is a ToolError (exit 4: the external service failed), with a hint
for 401/403/404.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import gitlab
import requests

from sggitops.errors import ToolError, UsageError

MARKER = "<!-- sggitops-diff -->"
TOKEN_VAR = "SGGITOPS_GITLAB_TOKEN"
REQUIRED = ("CI_SERVER_URL", "CI_PROJECT_ID", "CI_MERGE_REQUEST_IID", TOKEN_VAR)
MAX_BODY = 1_000_000
"""GitLab refuses note bodies longer than this many characters."""
TIMEOUT = 30.0


class NoteConfigError(UsageError):
    """The CI variables needed to post a merge-request note are missing or malformed (exit 2)."""

    def __init__(self, message: str, *, missing: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.missing = missing


@dataclass(frozen=True)
class NoteResult:
    """What `post_note` did: `action` is `created` or `updated`."""

    action: str
    note_id: int
    url: str


def post_note(body: str, *, env: Mapping[str, str], marker: str = MARKER) -> NoteResult:
    """Create or update the merge request's sggitops note; see the module docstring for tokens/errors."""
    server, project_id, iid, token = _settings(env)
    if not body.lstrip().startswith(marker):
        body = f"{marker}\n{body}"
    if len(body) > MAX_BODY:
        raise NoteConfigError(
            f"the note has {len(body):,} characters; GitLab accepts at most {MAX_BODY:,} "
            "(render the markdown with a smaller --max-bytes)"
        )
    client = gitlab.Gitlab(server, private_token=token, timeout=TIMEOUT, keep_base_url=True)
    try:
        project = client.projects.get(project_id)
        mr = project.mergerequests.get(iid, lazy=True)
        existing = _find(mr, marker)
        if existing is None:
            note_id = int(_get(mr.notes.create({"body": body}), "id"))
            action = "created"
        else:
            mr.notes.update(existing, {"body": body})
            note_id, action = existing, "updated"
    except gitlab.exceptions.GitlabError as err:
        raise _http_error(err, project_id, iid) from None
    except requests.exceptions.RequestException as err:
        raise ToolError(
            f"cannot reach GitLab at {server}: {type(err).__name__}",
            hint="check CI_SERVER_URL and the runner's network access to GitLab",
        ) from None
    web_url = str(getattr(project, "web_url", "") or f"{server.rstrip('/')}/projects/{project_id}")
    return NoteResult(action, note_id, f"{web_url}/-/merge_requests/{iid}#note_{note_id}")


def _settings(env: Mapping[str, str]) -> tuple[str, str, int, str]:
    missing = tuple(name for name in REQUIRED if not env.get(name, "").strip())
    if missing:
        raise NoteConfigError(
            f"cannot post the merge-request note: {', '.join(missing)} not set "
            "(run in a merge-request pipeline (`rules: - if: $CI_MERGE_REQUEST_IID`) and store a project "
            f"access token with the `api` scope as the masked CI/CD variable {TOKEN_VAR}; CI_JOB_TOKEN "
            "cannot post notes)",
            missing=missing,
        )
    iid = env["CI_MERGE_REQUEST_IID"].strip()
    if not iid.isdigit():
        raise NoteConfigError(f"CI_MERGE_REQUEST_IID must be a number, not {iid!r}")
    return env["CI_SERVER_URL"].strip(), env["CI_PROJECT_ID"].strip(), int(iid), env[TOKEN_VAR].strip()


def _find(mr: Any, marker: str) -> int | None:
    """The id of the first (oldest) non-system note starting with the marker, over every page."""
    for note in mr.notes.list(iterator=True, sort="asc", order_by="created_at"):
        if not _get(note, "system") and str(_get(note, "body") or "").lstrip().startswith(marker):
            return int(_get(note, "id"))
    return None


def _get(obj: Any, name: str) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _http_error(err: gitlab.exceptions.GitlabError, project_id: str, iid: int) -> ToolError:
    code = getattr(err, "response_code", None)
    hints = {
        401: f"{TOKEN_VAR} is not a valid token (expired or revoked?)",
        403: f"the token in {TOKEN_VAR} needs the `api` scope and at least the Reporter role; "
        "CI_JOB_TOKEN cannot post notes",
        404: f"project {project_id} or merge request !{iid} not found, or the token cannot see it",
    }
    status = f"HTTP {code}" if code else "request failed"
    message = str(getattr(err, "error_message", "") or err)
    return ToolError(
        f"GitLab {status} while posting the merge-request note: {message}",
        hint=hints.get(code or 0, "retry; check GitLab's status"),
    )
