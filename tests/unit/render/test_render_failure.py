"""kustomize error text -> file:line. The stderr samples are kustomize 5.8's own wording."""

from __future__ import annotations

from pathlib import Path

import pytest

from sggitops.render.failure import explain
from sggitops.render.graph import scan_repo

from .conftest import MakeRepo

FILES = {
    "base/kustomization.yaml": "resources:\n  - cm.yaml\n  - nothere.yaml\n",
    "base/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    "ov/kustomization.yaml": (
        "resources:\n  - ../base\n  - ../shared/cm.yaml\n  - ../emptyd\n  - r.yaml\n"
        "patches:\n  - path: p.yaml\n"
        "  - path: ../shared/p.yaml\n"
        "resourcez: []\n"
    ),
    "ov/r.yaml": "kind: [\n",
    "ov/p.yaml": "kind: [\n",
    "emptyd/README": "",
    "shared/cm.yaml": "",
    "shared/p.yaml": "",
    "remote/kustomization.yaml": "resources:\n- https://github.com/x/y//p?ref=v1\n",
}

CASES = [
    (
        "ov",
        "error: accumulating resources: accumulation err='accumulating resources from '../base': "
        "'{r}/base' must resolve to a file': recursed accumulation of path '{r}/base': accumulating "
        "resources: accumulation err='accumulating resources from 'nothere.yaml': evalsymlink failure on "
        "'{r}/base/nothere.yaml' : lstat {r}/base/nothere.yaml: no such file or directory': must build at "
        "directory: not a valid directory: evalsymlink failure on '{r}/base/nothere.yaml' : lstat "
        "{r}/base/nothere.yaml: no such file or directory",
        ("base/kustomization.yaml", 3, 5),
        "`base/nothere.yaml` does not exist",
    ),
    (
        "ov",
        "error: accumulating resources: accumulation err='accumulating resources from '../shared/cm.yaml': "
        "security; file '{r}/shared/cm.yaml' is not in or below '{r}/ov'': must build at directory: "
        "'{r}/shared/cm.yaml': file is not directory",
        ("ov/kustomization.yaml", 3, 5),
        "`shared/cm.yaml` is not in or below the kustomization root `ov` (load restrictor)",
    ),
    (
        "ov",
        "error: trouble configuring builtin PatchTransformer with config: `\npath: ../shared/p.yaml\n`: "
        "failed to get the patch file from path(../shared/p.yaml): security; file '{r}/shared/p.yaml' "
        "is not in or below '{r}/ov'",
        ("ov/kustomization.yaml", 8, 11),
        "load restrictor",
    ),
    (
        "ov",
        "error: accumulating resources: accumulation err='accumulating resources from '../emptyd': "
        "'{r}/emptyd' must resolve to a file': couldn't make target for path '{r}/emptyd': unable to find "
        "one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '{r}/emptyd'",
        ("ov/kustomization.yaml", 4, 5),
        "directory `emptyd` has no kustomization.yaml",
    ),
    (
        "ov",
        "error: accumulating resources: accumulating resources from 'r.yaml': MalformedYAMLError: yaml: "
        "line 1: did not find expected node content in File: r.yaml",
        ("ov/r.yaml", 1, 0),
        "invalid YAML in `ov/r.yaml`: did not find expected node content",
    ),
    (
        "ov",
        "error: trouble configuring builtin PatchTransformer with config: `\npath: p.yaml\n`: unable to "
        'parse SM or JSON patch from [path: "p.yaml"]',
        ("ov/kustomization.yaml", 7, 11),
        "unable to parse SM or JSON patch",
    ),
    (
        "ov",
        'error: invalid Kustomization: json: unknown field "resourcez"',
        ("ov/kustomization.yaml", 9, 1),
        'invalid kustomization: json: unknown field "resourcez"',
    ),
    (
        "ov",
        "error: accumulating resources: accumulation err='accumulating resources from '../base': "
        "'{r}/base' must resolve to a file': couldn't make target for path '{r}/base': invalid "
        "Kustomization: yaml: line 3: did not find expected key",
        ("base/kustomization.yaml", 3, 0),
        "invalid kustomization: did not find expected key",
    ),
    (
        "remote",
        "error: accumulating resources: accumulation err='accumulating resources from "
        "'https://github.com/x/y//p?ref=v1': Get \"https://github.com/x/y//p?ref=v1\": proxyconnect tcp: "
        "dial tcp 127.0.0.1:9: connect: connection refused'",
        ("remote/kustomization.yaml", 2, 3),
        "remote `https://github.com/x/y//p?ref=v1` cannot be fetched",
    ),
    (
        "ov",
        "error: Found multiple kustomization files under: {r}/ov",
        ("ov/kustomization.yaml", 0, 0),
        "Found multiple kustomization files under: ov",
    ),
]


@pytest.mark.parametrize(("root", "stderr", "where", "message"), CASES)
def test_errors_map_to_the_file_that_caused_them(
    make_repo: MakeRepo, root: str, stderr: str, where: tuple[str, int, int], message: str
) -> None:
    repo = make_repo(FILES)
    graph = scan_repo(repo)
    finding = explain(graph, root, stderr.format(r=repo))
    assert (finding.file, finding.line, finding.col) == where
    assert finding.rule == "build/failed"
    assert message in finding.message
    assert str(repo) not in finding.message  # paths are repo-relative
    assert "\n" not in finding.message
    assert finding.hint


def test_error_in_a_root_without_a_kustomization(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    graph = scan_repo(tmp_path)
    finding = explain(graph, "plain", "error: something odd")
    assert (finding.file, finding.line) == ("plain/kustomization.yaml", 0)
    assert finding.message == "kustomize build of plain failed: something odd"
