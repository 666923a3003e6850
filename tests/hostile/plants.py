"""Credentials planted in every place a repo can hold one, on two git refs (base and head).

`build_repo(root)` writes a generated fleet (tests.helpers.SMALL_SPEC) whose platform.yaml carries
credentials in its values blocks, plus a plain kustomize root `apps/extra` and unlisted files with
credentials in each other place; commits it as `base`, then changes every value and commits `head`.
Every planted value (and its base64 form) must stay out of every output.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

import git

from sggitops.generate import write
from sggitops.generate.plan import plan_repo
from tests.helpers import SMALL_SPEC


@dataclass(frozen=True)
class Plant:
    name: str
    file: str
    template: str  # the file content (or, for platform.yaml, the text inserted) with {v} for the value
    needle: str = ""  # the finding's line is the first line holding this text (default: the value)
    encode: bool = False  # the file holds the value base64-encoded (Secret `data`)

    def value(self, side: str) -> str:
        return f"{self.name}-{side}-Zq9x"

    def stored(self, side: str) -> str:
        v = self.value(side)
        return base64.b64encode(v.encode()).decode() if self.encode else v


SECRET = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {n}\n  namespace: extra\n"
PLANTS = (
    Plant("spec-fleet", "platform.yaml", "  bigbang:\n    values:\n      sso:\n        client_secret: {v}\n"),
    Plant(
        "spec-env",
        "platform.yaml",
        "    dev:\n      values:\n        addons:\n          gitlab:\n            values:\n              password: {v}\n",
    ),
    Plant(
        "string-data",
        "apps/extra/secret.yaml",
        SECRET.format(n="db") + "stringData:\n  password: {v}\n",
        "stringData:",
    ),
    Plant(
        "data", "apps/extra/data.yaml", SECRET.format(n="dat") + "data:\n  token: {v}\n", "data:", encode=True
    ),
    Plant(
        "helm-values",
        "apps/extra/release.yaml",
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app\n  namespace: extra\n"
        "spec:\n  interval: 5m\n  chart:\n    spec:\n      chart: app\n      sourceRef: {{kind: HelmRepository, name: r}}\n"
        "  values:\n    db:\n      password: {v}\n",
    ),
    Plant(
        "env",
        "apps/extra/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: extra\nspec:\n"
        "  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n"
        "    spec:\n      containers:\n        - name: web\n          image: registry1.dso.mil/web:1\n"
        "          env:\n            - name: DB_PASSWORD\n              value: {v}\n",
    ),
    Plant(
        "configmap",
        "apps/extra/values.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: vals\n  namespace: extra\ndata:\n  values.yaml: |\n"
        "    registryCredentials:\n      - registry: registry1.dso.mil\n        password: {v}\n",
    ),
    Plant(
        "last-applied",
        "apps/extra/applied.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  namespace: extra\n  annotations:\n"
        "    kubectl.kubernetes.io/last-applied-configuration: "
        '\'{{"kind":"Secret","stringData":{{"password":"{v}"}}}}\'\ndata: {{a: b}}\n',
        "last-applied-configuration",
    ),
    Plant(
        "fake-sops",
        "apps/extra/fake-sops.yaml",
        SECRET.format(n="fake") + "stringData:\n  password: {v}\nsops:\n  version: 3.9.0\n",
        "stringData:",
    ),
    Plant(
        "fake-enc",
        "unlisted/enc.yaml",
        SECRET.format(n="enc") + "stringData:\n  password: ENC[{v}]\n",
        "stringData:",
    ),
    Plant(
        "list-json",
        "unlisted/list.json",
        '{{"kind": "List", "items": [{{"apiVersion": "v1", "kind": "Secret", "metadata": {{"name": "l"}}, '
        '"stringData": {{"pw": "{v}"}}}}]}}\n',
        '"kind"',
    ),
    Plant(
        "unlisted",
        "unlisted/secret.yaml",
        SECRET.format(n="u") + "stringData:\n  apiKey: {v}\n",
        "stringData:",
    ),
)

KUSTOMIZATION = (
    "resources:\n"
    + "".join(f"  - {Path(p.file).name}\n" for p in PLANTS if p.file.startswith("apps/extra/"))
    + "  - policy.yaml\n"
)
POLICY = """\
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: no-weak-passwords
spec:
  validationFailureAction: Enforce
  rules:
    - name: weak
      match:
        any:
          - resources:
              kinds: [Secret]
      validate:
        message: "password {{request.object.stringData.password}} is weak"
        deny:
          conditions:
            any:
              - key: "{{request.object.stringData.password || ''}}"
                operator: NotEquals
                value: ""
"""


def _spec(side: str) -> str:
    spec = SMALL_SPEC
    fleet, env = PLANTS[0], PLANTS[1]
    spec = spec.replace(
        '  bigbang:\n    version: "3.31.0"\n',
        fleet.template.format(v=fleet.value(side)) + '    version: "3.31.0"\n',
    )
    return spec.replace("    dev: {values: {}}\n", env.template.format(v=env.value(side)))


def write_side(root: Path, side: str) -> None:
    (root / "platform.yaml").write_text(_spec(side))
    for plant in PLANTS[2:]:
        path = root / plant.file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(plant.template.format(v=plant.stored(side)))
    (root / "apps/extra/kustomization.yaml").write_text(KUSTOMIZATION)
    (root / "apps/extra/policy.yaml").write_text(POLICY)
    _platform, planned = plan_repo(root)
    write.apply(root, planned, force=True)


def build_repo(root: Path) -> git.Repo:
    root.mkdir(parents=True)
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "name", "t")
        config.set_value("user", "email", "t@example.mil")
    repo.create_remote("origin", "https://gitlab.build.acme.mil/platform/gitops.git")
    (root / ".gitignore").write_text(".sggitops-cache/\n")
    for side in ("base", "head"):
        write_side(root, side)
        repo.git.add("-A")
        repo.git.commit("-m", side)
        repo.create_tag(side)
    return repo


def expected_line(root: Path, plant: Plant, side: str = "head") -> int:
    text = (root / plant.file).read_text()
    needle = plant.needle or plant.stored(side)
    if plant.file == "platform.yaml":
        needle = plant.value(side)
    lines = list(enumerate(text.splitlines(), 1))
    starts = [i for i, line in lines if line.lstrip().startswith(needle)]
    return starts[0] if starts else next(i for i, line in lines if needle in line)


def forms(plant: Plant) -> list[str]:
    """Every text that would give a planted value away: both sides, raw and base64."""
    out = []
    for side in ("base", "head"):
        v = plant.value(side)
        out += [v, base64.b64encode(v.encode()).decode()]
    return out
