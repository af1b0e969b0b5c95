"""Schema drift: how a source's columns now differ from the columns a job expects.

    found = source_columns_now(spec, state)        # the table's columns, or the new files' header
    drift = diff(spec.source_columns, found)       # added, removed, renamed-looking, type changed
    if drift: ...drift.as_dict(), str(drift)

Columns are matched by name as the source writes it, else by SQL name (case, spacing and accents
aside), so reordered columns are no drift. A removed and an added column of the same type whose
names look alike are reported as renamed (and not again as removed and added). A file column's
type changed only when its sampled values no longer read as the expected type: an empty column or
integers in a NUMERIC column are no change. The policy (fail, evolve, ignore) is the caller's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from .errors import TerminalError
from .identifiers import sql_identifier
from .spec import ArrivingFiles, FileSource, JobSpec, SourceColumn

# Names at least this alike (difflib's ratio on SQL names) look like a rename.
RENAME_SIMILARITY = 0.6


class SchemaDriftFound(TerminalError):
    """The source's columns differ from the job's and its policy says fail (or a mapped column is
    gone); `drift` is the difference, `str()` says it in words."""

    def __init__(self, drift: Drift, message: str | None = None) -> None:
        super().__init__(message or f"the source's columns changed: {drift}")
        self.drift = drift


@dataclass
class Drift:
    """`renamed` and `type_changed` pair an expected column with the column found."""

    added: list[SourceColumn] = field(default_factory=list)
    removed: list[SourceColumn] = field(default_factory=list)
    renamed: list[tuple[SourceColumn, SourceColumn]] = field(default_factory=list)
    type_changed: list[tuple[SourceColumn, SourceColumn]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.renamed or self.type_changed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": [{"name": c.name, "type": c.type.value} for c in self.added],
            "removed": [c.name for c in self.removed],
            "renamed": [{"from": old.name, "to": new.name} for old, new in self.renamed],
            "type_changed": [
                {"name": old.name, "from": old.type.value, "to": new.type.value}
                for old, new in self.type_changed
            ],
        }

    def __str__(self) -> str:
        parts = []
        if self.added:
            parts.append("added " + ", ".join(f"{c.name!r} ({c.type.value})" for c in self.added))
        if self.removed:
            parts.append("removed " + ", ".join(repr(c.name) for c in self.removed))
        if self.renamed:
            parts.append(
                "renamed " + ", ".join(f"{old.name!r} to {new.name!r}?" for old, new in self.renamed)
            )
        if self.type_changed:
            parts.append(
                "type changed "
                + ", ".join(
                    f"{old.name!r} {old.type.value} -> {new.type.value}" for old, new in self.type_changed
                )
            )
        return "; ".join(parts) if parts else "no change"


def match_columns(expected: Sequence[SourceColumn], names: Sequence[str]) -> list[SourceColumn | None]:
    """For each of `names` (a header, a table's columns), the expected column it is, or None.

    By name as written first, then by SQL name; each expected column is taken once."""
    result: list[SourceColumn | None] = [None] * len(names)
    free = list(expected)
    for index, name in enumerate(names):
        hit = next((c for c in free if c.name == name), None)
        if hit is not None:
            result[index] = hit
            free.remove(hit)
    for index, name in enumerate(names):
        if result[index] is None:
            wanted = sql_identifier(name, f"column_{index + 1}")
            hit = next((c for c in free if c.sql_name == wanted), None)
            if hit is not None:
                result[index] = hit
                free.remove(hit)
    return result


def diff(expected: Sequence[SourceColumn], found: Sequence[SourceColumn], *, types: bool = True) -> Drift:
    """What changed from `expected` to `found`. `types` False: the expected types are not known
    (a database job keeps its mapping's types, not the source's): no type change is reported and
    renames are judged by name only."""
    matched = match_columns(expected, [c.name for c in found])
    drift = Drift()
    for now, was in zip(found, matched, strict=True):
        if was is None:
            drift.added.append(now)
        elif types and now.type is not was.type:
            drift.type_changed.append((was, now))
    taken = {id(c) for c in matched if c is not None}
    drift.removed = [c for c in expected if id(c) not in taken]
    for old in list(drift.removed):
        candidates = [new for new in drift.added if not types or new.type is old.type]
        best = max(candidates, key=lambda new: _similarity(old, new), default=None)
        if best is not None and _similarity(old, best) >= RENAME_SIMILARITY:
            drift.renamed.append((old, best))
            drift.removed.remove(old)
            drift.added.remove(best)
    return drift


def _similarity(old: SourceColumn, new: SourceColumn) -> float:
    a, b = old.sql_name, new.sql_name
    if a in b or b in a:
        return 1.0
    return SequenceMatcher(None, a, b).ratio()


def source_columns_now(spec: JobSpec, state: dict[str, Any] | None = None) -> list[SourceColumn]:
    """The columns the spec's source has now, typed.

    Arriving files: the columns of the files the next run reads given the stream's `state` (the
    ones every new file has, then the ones some add; see sources/files.py); none new: the job's
    own. An uploaded file: its profile. A table or query: as the database describes them."""
    source = spec.source
    if isinstance(source, ArrivingFiles):
        from .sources.files import arriving_columns

        return arriving_columns(source, spec.source_columns, state)
    if isinstance(source, FileSource):
        from .sources.files import file_columns

        return file_columns(source.path, source.csv, spec.source_columns)
    from .sources import open_source

    with open_source(spec) as opened:
        return list(opened.columns)
