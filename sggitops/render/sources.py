"""Where a rendered object came from: every input document (kind, name, namespace) with its file:line.

Validators render an overlay, find a problem in an object and need a file to point at. The index holds
every document of every resource file the kustomizations list, plus one entry per ConfigMap/Secret
generator (pointing at the generator entry in kustomization.yaml). Overlays rename objects (namePrefix,
nameSuffix, generator hashes) and move them (namespace), so a lookup falls back from an exact match to
the longest source name contained in the rendered name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sggitops import fsguard, yamlio
from sggitops.errors import InputError
from sggitops.render.kustomization import Kustomization, RefKind
from sggitops.resource import ResourceId


@dataclass(frozen=True)
class Source:
    """One input document, or one generator entry (`generated`)."""

    id: ResourceId
    file: str
    line: int
    col: int
    generated: bool = False


class SourceIndex:
    """Rendered object -> input position; `locate` searches all sources or those in a file set."""

    def __init__(self, sources: Iterable[Source]) -> None:
        self._by_kind: dict[str, list[Source]] = {}
        self._by_name: dict[tuple[str, str], list[Source]] = {}
        for source in sources:
            self._by_kind.setdefault(source.id.kind, []).append(source)
            self._by_name.setdefault((source.id.kind, source.id.name), []).append(source)
        for items in [*self._by_kind.values(), *self._by_name.values()]:
            items.sort(key=lambda s: (s.file, s.line, s.col))

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_kind.values())

    def locate(self, rid: ResourceId, within: Sequence[str] | None = None) -> tuple[str, int, int] | None:
        """`(file, line, col)` of the source of `rid`, or None.

        `within` (an overlay's input closure, nearest files first) limits and orders the candidates, so
        an overlay's own generator wins over a base's of the same name.
        """
        order = {f: i for i, f in enumerate(within)} if within is not None else None

        def usable(items: Iterable[Source]) -> list[Source]:
            found = [s for s in items if not s.id.group or s.id.group == rid.group]
            if order is not None:
                found = sorted((s for s in found if s.file in order), key=lambda s: order[s.file])
            return found

        best = _best(rid, usable(self._by_name.get((rid.kind, rid.name), [])))
        if best is None:
            candidates = usable(self._by_kind.get(rid.kind, []))
            contained = [s for s in candidates if s.id.name and s.id.name in rid.name]
            longest = max((len(s.id.name) for s in contained), default=0)
            best = _best(rid, [s for s in contained if len(s.id.name) == longest])
        return (best.file, best.line, best.col) if best is not None else None


def _best(rid: ResourceId, matches: list[Source]) -> Source | None:
    """Same namespace first, then a source without one (the overlay sets it), then any."""
    for accept in (
        lambda s: s.id.namespace == rid.namespace,
        lambda s: not s.id.namespace,
        lambda s: True,
    ):
        for source in matches:
            if accept(source):
                return source
    return None


def build_index(repo: Path, kustomizations: Iterable[Kustomization]) -> SourceIndex:
    """Index every resource file and generator of the given kustomizations; each file is read once."""
    sources: list[Source] = []
    seen: set[str] = set()
    for k in kustomizations:
        sources += generator_sources(k)
        for ref in k.refs:
            if ref.field == "resources" and ref.kind is RefKind.FILE and ref.path not in seen:
                seen.add(ref.path)
                sources.extend(_file_sources(repo, ref.path))
    return SourceIndex(sources)


def generator_sources(k: Kustomization) -> list[Source]:
    """One source per ConfigMap/Secret generator entry, at the entry."""
    return [
        Source(ResourceId("", gen.kind, gen.namespace, gen.name), k.file, gen.line, gen.col, generated=True)
        for gen in k.generated
    ]


def file_sources(repo: Path, rel: str) -> list[Source]:
    """The objects a resource file defines, with their positions."""
    return _file_sources(repo, rel)


def _file_sources(repo: Path, rel: str) -> list[Source]:
    """The objects a resource file defines, with their positions (the parse is kept for the next run by
    the run's yamlstore, in the cache dir the run uses, and not at all with --no-cache)."""
    try:
        text = fsguard.read_text(repo / rel, repo)
        docs = yamlio.load_plain_all(text, rel)
    except (OSError, InputError, UnicodeDecodeError):
        return []  # unreadable or invalid input: the build reports it
    return [
        Source(ResourceId.of(doc), rel, line, col)
        for line, col, doc in docs
        if isinstance(doc, Mapping) and doc.get("kind")
    ]
