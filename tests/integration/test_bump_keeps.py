"""A bump loses nothing: 2.54 -> 3.0.0 keeps every comment and the dropped istio values commented out,
and the regenerated overlays validate against the real 3.0.0 chart schema (from the Big Bang bundle)."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from sggitops.generate import write
from sggitops.generate.plan import plan_repo
from tests.helpers import run_cli

CASE = Path(__file__).resolve().parents[1] / "cases" / "bump-comments" / "platform.yaml"
MESH = """\
      istio:
        enabled: true
        # mesh for every namespace
        values:
          meshConfig:
            accessLogFile: /dev/stdout
"""


def _fleet(root: Path) -> str:
    spec = CASE.read_text().replace("      istio:\n        enabled: true\n", MESH)
    spec = spec.replace("tracing: jaeger", "tracing: tempo").replace("      jaeger: {enabled: true}\n", "")
    root.mkdir()
    (root / "platform.yaml").write_text(spec)
    _platform, planned = plan_repo(root)
    write.apply(root, planned)
    (root / ".gitignore").write_text(".sggitops-cache/\n")
    repo = git.Repo.init(root, initial_branch="main")
    repo.git.add("-A")
    repo.git.commit("-m", "2.54 fleet", author="T <t@example.mil>")
    return spec


@pytest.mark.integration
def test_254_to_300_keeps_every_comment_and_the_dropped_block(tmp_path: Path, bigbang_mirror: Path) -> None:
    root = tmp_path / "fleet"
    before = _fleet(root)
    result = run_cli(root, "bump", "bigbang", "3.0.0", "--bigbang-repo", str(bigbang_mirror))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "(cluster=" not in result.output
    after = (root / "platform.yaml").read_text()
    comments_after = "\n".join(line[line.index("#") :] for line in after.splitlines() if "#" in line)
    for line in before.splitlines():
        if "#" in line:
            assert line[line.index("#") :] in comments_after, line
    assert "      #   # mesh for every namespace\n" in after
    assert "      #     meshConfig:\n      #       accessLogFile: /dev/stdout\n" in after
    assert "Big Bang 3.0.0 has no equivalent for istio.values" in after
    assert "version: '3.0.0'" in after
    # the bumped fleet validates against the real 3.0.0 chart schema (bigbang/values-schema)
    check = run_cli(root, "validate", "--bigbang-repo", str(bigbang_mirror), "-o", "json")
    assert '"bigbang/values-schema"' not in check.output and '"bigbang/stale-key"' not in check.output, (
        check.output
    )
