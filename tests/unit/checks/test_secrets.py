"""checks/secrets.py: secrets/plaintext in renders, generators and stray YAML files; values never shown."""

from __future__ import annotations

from pathlib import Path

from sggitops.checks import secrets
from sggitops.checks.context import Target
from sggitops.findings import Finding, Severity
from tests.helpers import render_context

VALUE = "hunter2-do-not-print"

# `stringData:` on line 6
PLAIN = f"""\
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: app
stringData:
  password: {VALUE}
"""

SOPS = """\
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: app
stringData:
  password: ENC[AES256_GCM,data:abc=,iv:def=,tag:ghi=,type:str]
sops:
  version: 3.9.0
"""

ENCRYPTED_VALUES_ONLY = SOPS.split("sops:")[0]

NO_DATA = """\
apiVersion: v1
kind: Secret
metadata:
  name: token
  namespace: app
type: kubernetes.io/service-account-token
"""


def repo_with(tmp_path: Path, files: dict[str, str]) -> Path:
    repo = tmp_path / "repo"
    for rel, content in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(content, encoding="utf-8")
    return repo


def run(repo: Path, roots: tuple[str, ...] = ("overlays/c1",)) -> list[Finding]:
    targets = [Target(root, root.rpartition("/")[2], "1.34") for root in roots]
    return list(secrets.check(render_context(repo, targets)))


def where(findings: list[Finding]) -> list[tuple[str, str, int, str]]:
    return [(f.rule, f.file, f.line, f.cluster) for f in findings]


def test_plaintext_secret_in_a_render(tmp_path: Path) -> None:
    repo = repo_with(
        tmp_path,
        {"overlays/c1/kustomization.yaml": "resources: [secret.yaml]\n", "overlays/c1/secret.yaml": PLAIN},
    )
    (finding,) = run(repo)
    assert where([finding]) == [("secrets/plaintext", "overlays/c1/secret.yaml", 6, "c1")]
    assert finding.severity is Severity.ERROR
    assert finding.resource == "Secret/app/db"
    assert "password" in finding.message
    assert VALUE not in finding.format()


def test_encrypted_or_empty_secrets_pass(tmp_path: Path) -> None:
    repo = repo_with(
        tmp_path,
        {
            "overlays/c1/kustomization.yaml": "resources: [sops.yaml, token.yaml]\n",
            "overlays/c1/sops.yaml": SOPS,
            "overlays/c1/token.yaml": NO_DATA,
            "docs/encrypted-values.yaml": ENCRYPTED_VALUES_ONLY,
            "docs/templated.yaml": PLAIN.replace(VALUE, '"{{ .Values.password }}"'),
        },
    )
    assert run(repo) == []


def test_plaintext_secret_in_a_stray_file(tmp_path: Path) -> None:
    data = PLAIN.replace("stringData:", "data:").replace(VALUE, "aHVudGVyMg==")
    repo = repo_with(
        tmp_path,
        {
            "overlays/c1/kustomization.yaml": "resources: [token.yaml]\n",
            "overlays/c1/token.yaml": NO_DATA,
            "examples/db.yaml": "# an example someone committed\n---\n" + data,
        },
    )
    (finding,) = run(repo)
    assert where([finding]) == [("secrets/plaintext", "examples/db.yaml", 8, "")]
    assert "aHVudGVyMg==" not in finding.format()


def test_files_under_git_and_other_kinds_are_ignored(tmp_path: Path) -> None:
    repo = repo_with(
        tmp_path,
        {
            "overlays/c1/kustomization.yaml": "resources: [token.yaml]\n",
            "overlays/c1/token.yaml": NO_DATA,
            ".git/objects/secret.yaml": PLAIN,
            "crds/not-core.yaml": PLAIN.replace("apiVersion: v1", "apiVersion: example.com/v1"),
        },
    )
    assert run(repo) == []


def test_secret_generator_literals_reported_at_the_entry(tmp_path: Path) -> None:
    kustomization = f"""\
namespace: app
secretGenerator:
  - name: cfg
    literals: [mode=fast]
  - name: db
    literals: [password={VALUE}]
"""
    repo = repo_with(tmp_path, {"overlays/c1/kustomization.yaml": kustomization})
    findings = run(repo)
    assert where(findings) == [
        ("secrets/plaintext", "overlays/c1/kustomization.yaml", 3, "c1"),
        ("secrets/plaintext", "overlays/c1/kustomization.yaml", 5, "c1"),
    ]
    assert "keys: password" in findings[1].message
    assert all(VALUE not in f.format() for f in findings)


def test_secret_generator_files_plain_or_sops(tmp_path: Path) -> None:
    kustomization = """\
secretGenerator:
  - name: sealed
    files: [password.enc]
  - name: open
    files: [key=password.txt]
"""
    repo = repo_with(
        tmp_path,
        {
            "overlays/c1/kustomization.yaml": kustomization,
            "overlays/c1/password.enc": "ENC[AES256_GCM,data:abc=,iv:def=,tag:ghi=,type:str]\n",
            "overlays/c1/password.txt": VALUE + "\n",
        },
    )
    (finding,) = run(repo)
    assert where([finding]) == [("secrets/plaintext", "overlays/c1/kustomization.yaml", 4, "c1")]
    assert "password.txt" in finding.message
    assert VALUE not in finding.format()


def test_real_sops_case_references_and_public_keys_are_not_secrets(reference: Path, tmp_path: Path) -> None:
    """../shared/reference/real-repos/cases/sops: a 1Password reference, a cosign public key and a SOPS file."""
    source = reference / "real-repos" / "cases" / "sops"
    files = {p.name: p.read_text("utf-8") for p in source.iterdir() if p.is_file()}
    repo = repo_with(tmp_path, {f"overlays/c1/{name}": text for name, text in files.items()})
    assert run(repo) == []


def test_credentials_outside_secrets_are_findings_at_their_line(tmp_path: Path) -> None:
    files = {
        "overlays/c1/kustomization.yaml": "resources: [cm.yaml]\n",
        "overlays/c1/cm.yaml": (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: common, namespace: bigbang}\ndata:\n"
            "  values.yaml: |\n    sso:\n      client_secret: " + VALUE + "\n"
        ),
        "unlisted/list.json": (
            '{"kind": "List", "items": [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},'
            ' "stringData": {"pw": "' + VALUE + '"}}]}'
        ),
        "unlisted/fake-sops.yaml": PLAIN + "sops:\n  version: 3.9.0\n",
        "unlisted/enc.yaml": PLAIN.replace(VALUE, "ENC[" + VALUE + "]"),
    }
    found = run(repo_with(tmp_path, files))
    lines = sorted((f.file, f.line) for f in found)
    assert lines == [
        ("overlays/c1/cm.yaml", 7),
        ("unlisted/enc.yaml", 6),
        ("unlisted/fake-sops.yaml", 6),
        ("unlisted/list.json", 1),
    ]
    assert all(VALUE not in f.message + f.hint for f in found)


def test_configmap_generator_literals_with_credential_keys(tmp_path: Path) -> None:
    files = {
        "overlays/c1/kustomization.yaml": (
            "configMapGenerator:\n  - name: app\n    literals:\n      - LOG_LEVEL=debug\n"
            f"      - DB_PASSWORD={VALUE}\n      - API_TOKEN=${{TOKEN}}\n"
        )
    }
    found = run(repo_with(tmp_path, files))
    assert [(f.file, f.line) for f in found] == [("overlays/c1/kustomization.yaml", 5)]
    assert VALUE not in found[0].message
