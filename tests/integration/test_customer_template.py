"""`sggitops validate` on Big Bang's customer template (gitRepo and helmRepo): real repos no one here wrote.

Both are copied from ../shared/reference into tmp_path at test time and git-initialised. They must not
crash (exit 0 or 1, never 2/3/4, no traceback) and must yield the findings a reviewer would expect: the
remote Big Bang base (gitRepo), the `*.enc.yaml` files the kustomizations name but the template ships
unencrypted under `*.yaml` (so the build fails on them), and those plaintext Secrets themselves.
"""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path
from typing import Any

import git
import pytest

from tests.helpers import run_cli

pytestmark = pytest.mark.integration

REMOTE = "https://gitlab.example.mil/platform/gitops.git"

# (rule, file, line) that must be among the findings; others may be added as checks grow.
EXPECTED: dict[str, set[tuple[str, str, int]]] = {
    "gitRepo": {
        ("build/remote-base", "base/kustomization.yaml", 10),
        ("secrets/plaintext", "base/common-bb-secret.yaml", 5),
        ("secrets/plaintext", "dev/secrets/dev-bb-secret.yaml", 8),
    },
    "helmRepo": {
        ("build/failed", "base/kustomization.yaml", 8),  # common-bb-secret.enc.yaml is not in the template
        ("secrets/plaintext", "base/common-bb-secret.yaml", 6),
        ("secrets/plaintext", "dev/secrets/dev-bb-secret.yaml", 8),
        ("secrets/plaintext", "staging/secrets/staging-bb-secret.yaml", 8),
        ("secrets/plaintext", "prod/secrets/prod-bb-secret.yaml", 8),
    },
}


def copy_template(source: Path, root: Path) -> None:
    shutil.copytree(source, root)
    for path in [root, *root.rglob("*")]:  # the reference is read-only; the copy must be writable
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "name", "sggitops tests")
        config.set_value("user", "email", "tests@example.mil")
        config.set_value("commit", "gpgsign", "false")
    repo.create_remote("origin", REMOTE)
    repo.git.add("--all")
    repo.git.commit("-m", "customer template")


def validate(root: Path, report: Path) -> tuple[int, str, dict[str, Any]]:
    result = run_cli(root, "validate", "-o", f"json={report}", "-o", "text")
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    assert result.exit_code in {0, 1}, f"exit {result.exit_code}:\n{result.output}"
    return result.exit_code, result.output, json.loads(report.read_text("utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_customer_template(name: str, reference: Path, tmp_path: Path) -> None:
    source = reference / "bigbang" / "customer-template" / name
    if not source.is_dir():
        pytest.skip(f"no customer template at {source}")
    root = tmp_path / name
    copy_template(source, root)

    code, output, report = validate(root, tmp_path / "report.json")

    assert report["version"] == 1
    findings = report["findings"]
    for finding in findings:
        assert not Path(finding["file"]).is_absolute(), finding
        assert finding["severity"] in {"error", "warning", "info"}, finding
    got = {(f["rule"], f["file"], int(f["line"])) for f in findings}
    missing = EXPECTED[name] - got
    assert not missing, f"missing {sorted(missing)}; got:\n{output}"
    # the cosign public key Secret holds no secret (a base64 `-----BEGIN PUBLIC KEY-----`)
    assert not [
        f for f in findings if f["file"] == "base/cosignsecret.yaml" and f["rule"] == "secrets/plaintext"
    ]
    # nor does any output quote the template's placeholder credentials
    assert "your-iron-bank-pat-or-cli-secret" not in output
    assert code == 1
    assert report["summary"]["errors"] == sum(f["severity"] == "error" for f in findings)
