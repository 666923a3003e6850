"""Golden broken repos: each folder under tests/cases/ is a tiny GitOps repo that must yield exactly the
findings its expected.yaml lists (rule, file, line) and the expected exit code. See tests/cases/README.md.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git
import pytest
from ruamel.yaml import YAML

from sggitops.checks.rules import REGISTRY
from sggitops.findings import Severity
from tests.helpers import run_cli

CASES = Path(__file__).resolve().parent / "cases"
REMOTE = "https://gitlab.example.mil/platform/gitops.git"
BIGBANG_VERSION = "3.31.0"
TEMPLATES_TAG = "3.30.0"
DELETE_LIST = ".delete"
KNOWN_KEYS = {"description", "args", "needs", "exit", "findings", "xfail"}
KNOWN_NEEDS = {"bigbang-chart", "bigbang-mirror"}


@dataclass(frozen=True)
class Case:
    name: str
    folder: Path
    description: str
    args: tuple[str, ...]
    needs: frozenset[str]
    exit: int
    findings: frozenset[tuple[str, str, int]]
    xfail: str | None


def load_case(folder: Path) -> Case:
    data: dict[str, Any] = YAML(typ="safe").load((folder / "expected.yaml").read_text("utf-8")) or {}
    unknown = set(data) - KNOWN_KEYS
    assert not unknown, f"{folder.name}/expected.yaml: unknown keys {sorted(unknown)}"
    needs = frozenset(data.get("needs") or ())
    assert needs <= KNOWN_NEEDS, f"{folder.name}/expected.yaml: unknown needs {sorted(needs - KNOWN_NEEDS)}"
    findings = frozenset((str(f["rule"]), str(f["file"]), int(f["line"])) for f in data.get("findings") or ())
    return Case(
        name=folder.name,
        folder=folder,
        description=str(data.get("description", "")),
        args=tuple(str(a) for a in data.get("args") or ()),
        needs=needs,
        exit=int(data["exit"]),
        findings=findings,
        xfail=data.get("xfail"),
    )


def all_cases() -> Iterator[Any]:
    for folder in sorted(p for p in CASES.iterdir() if (p / "expected.yaml").is_file()):
        yield pytest.param(folder, id=folder.name)


def copy_tree(src: Path, dst: Path) -> None:
    """Copy src's files over dst (dirs merged, files replaced); `.delete` lists paths to remove instead."""
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if path.is_symlink():  # kept as a link (build-unsafe-path): never followed, never read
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            (dst / rel).symlink_to(os.readlink(path))
        elif path.is_dir():
            (dst / rel).mkdir(parents=True, exist_ok=True)
        elif rel.as_posix() == DELETE_LIST:
            for line in path.read_text("utf-8").splitlines():
                if line.strip() and not line.lstrip().startswith("#"):
                    target = dst / line.strip()
                    assert target.exists(), f"{DELETE_LIST}: {line.strip()} does not exist to delete"
                    if target.is_dir():
                        shutil.rmtree(target)
                    else:
                        target.unlink()
        else:
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dst / rel)


def git_commit(root: Path, message: str, *, remote: str | None = None, tag: str | None = None) -> None:
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "name", "sggitops tests")
        config.set_value("user", "email", "tests@example.mil")
        config.set_value("commit", "gpgsign", "false")
    if remote:
        repo.create_remote("origin", remote)
    repo.git.add("--all")
    repo.git.commit("-m", message, "--allow-empty")
    if tag:
        repo.create_tag(tag)


@pytest.fixture(scope="session")
def bigbang_repo(reference: Path, bigbang_mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fake Big Bang git repo tagged 3.31.0, built from ../shared/reference at test time (never copied
    into the project): chart/values.yaml + chart/values.schema.json of the reference 3.31.0 chart, over
    the templates of the real chart at TEMPLATES_TAG (the newest tag of the bundle) so it renders."""
    chart = reference / "bigbang" / f"chart-{BIGBANG_VERSION}"
    if not (chart / "values.schema.json").is_file():
        pytest.skip(f"no Big Bang chart reference at {chart}")
    root = tmp_path_factory.mktemp("bigbang")
    archive = subprocess.run(
        ["git", f"--git-dir={bigbang_mirror}", "archive", "--format=tar", TEMPLATES_TAG, "chart"],
        check=True,
        capture_output=True,
        timeout=120,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(root, filter="data")
    for name in ("values.yaml", "values.schema.json"):
        shutil.copyfile(chart / name, root / "chart" / name)
    git_commit(root, f"Big Bang {BIGBANG_VERSION} (test fake)", tag=BIGBANG_VERSION)
    return root


FINDING_LINE = re.compile(
    r"^(?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning|info) \[(?P<rule>[a-z]+/[a-z0-9-]+)\] (?P<message>.*)$"
)


def parse_finding_lines(output: str) -> list[dict[str, Any]]:
    """Findings printed as `file:line:col: severity [rule] message (hint)` lines."""
    return [m.groupdict() for m in map(FINDING_LINE.match, output.splitlines()) if m]


def describe(finding: dict[str, Any]) -> str:
    return (
        f"{finding.get('file')}:{finding.get('line')}: {finding.get('severity')} "
        f"[{finding.get('rule')}] {finding.get('message')}"
    )


def compare(case: Case, report: dict[str, Any]) -> list[str]:
    """Problems (empty when the report matches): missing and unexpected findings, each with its message."""
    got: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
    # an info rule (declared Severity.INFO) the case lists is compared too; other rules' infos are not
    info_rules = {r for r, _f, _l in case.findings if r in REGISTRY and REGISTRY[r].severity is Severity.INFO}
    for f in report["findings"]:
        if f["severity"] in {"error", "warning"} or f["rule"] in info_rules:
            got.setdefault((f["rule"], f["file"], int(f["line"])), []).append(f)
    problems = [f"missing:    {f}:{line}: [{rule}]" for rule, f, line in sorted(case.findings - set(got))]
    for key in sorted(set(got) - case.findings):
        problems += [f"unexpected: {describe(f)}" for f in got[key]]
    return problems


@pytest.mark.parametrize("folder", list(all_cases()))
def test_case(folder: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    case = load_case(folder)
    if case.xfail:
        request.applymarker(pytest.mark.xfail(reason=case.xfail, strict=True))
    root = tmp_path / "repo"
    root.mkdir()
    if (folder / "repo").is_dir():
        copy_tree(folder / "repo", root)
    if (folder / "platform.yaml").is_file():
        shutil.copyfile(folder / "platform.yaml", root / "platform.yaml")
        generated = run_cli(root, "generate")
        assert generated.exit_code == 0, f"generate failed:\n{generated.output}"
    if (folder / "after").is_dir():
        copy_tree(folder / "after", root)
    git_commit(root, f"case {case.name}", remote=REMOTE)

    args = list(case.args)
    if "bigbang-chart" in case.needs:
        args += ["--bigbang-repo", str(request.getfixturevalue("bigbang_repo"))]
    if "bigbang-mirror" in case.needs:
        args += ["--bigbang-repo", str(request.getfixturevalue("bigbang_mirror"))]
    report_path = tmp_path / "report.json"
    result = run_cli(root, "validate", "-o", f"json={report_path}", "-o", "text", *args)

    if case.exit == 3:
        # input not loadable: no report is written; the findings are the `file:line:col: ...` lines
        assert not report_path.exists(), "a report was written although the input is not loadable"
        report = {"findings": parse_finding_lines(result.output)}
    else:
        assert result.exit_code in {0, 1}, f"validate exited {result.exit_code}:\n{result.output}"
        report = json.loads(report_path.read_text("utf-8"))
    problems = compare(case, report)
    assert not problems, f"{case.name}: {case.description}\n" + "\n".join(problems)
    assert result.exit_code == case.exit, f"exit {result.exit_code}, expected {case.exit}:\n{result.output}"


def test_cases_exist() -> None:
    """The acceptance minimum: at least 25 broken repos plus the clean controls."""
    cases = [load_case(p.values[0]) for p in all_cases()]
    assert len([c for c in cases if c.findings]) >= 25
    assert any(not c.findings and c.exit == 0 for c in cases)
