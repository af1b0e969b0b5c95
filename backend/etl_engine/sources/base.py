"""The source contract: what `run_job` reads from, whatever the data comes from.

A source is opened from a resolved spec (`open_source`) and used as a context manager:

    with open_source(spec) as source:
        for batch in source.batches():   # bounded SourceBatches, in order
            ... batch.batch, batch.row_id(i), batch.rejected, source.position / source.total

The mapper, rejects, throttle, writers and progress see only this: they never ask which source
they have. Row identities are what a rejected row is reported under (`RejectedRow.line_number`):
the record number for files, a row ordinal (or an integer primary key) for tables; they increase
through the read and are the same on every read of the same data.

A change stream (CDC) fits the same shape: its batches also carry an operation column
(insert/update/delete) and the stream position of their last change; the writer commits that
position with the rows and the ledger in one transaction, and the source is acknowledged only
after that commit (see docs/architecture.md, "Sources"). Nothing calls those hooks yet, so they
are not part of the code.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, Protocol, Self

import pyarrow as pa

from ..errors import SourceFailed
from ..progress import RejectedRow
from ..spec import DatabaseKind as DatabaseKind  # re-exported: the sources import them from here
from ..spec import SourceColumn
from ..spec import SourceConfig as SourceConfig

ProgressUnit = Literal["bytes", "rows"]


class QueryRefused(SourceFailed):
    """A source query that is not one read-only SELECT (a second statement, a write, a DROP, a
    function with side effects): refused before it runs, or stopped by the read-only transaction
    before it changed anything."""


class UncarriedColumns(SourceFailed):
    """Source columns whose type the engine cannot carry to a destination; `columns` names them."""

    def __init__(self, columns: list[NativeColumn]) -> None:
        self.columns = [c.name for c in columns]
        listed = ", ".join(f"{c.name!r} ({c.native_type})" for c in columns)
        super().__init__(
            f"cannot carry column{'s' if len(columns) > 1 else ''} {listed}: no destination type "
            "holds it; leave the column out or convert it in a query (e.g. to text)"
        )


@dataclass
class NativeColumn:
    """A database column as the source found it: its type in the database's words and the
    SourceColumn it is carried as, None when no destination type can hold it."""

    name: str
    native_type: str
    column: SourceColumn | None


def check_carried(columns: list[NativeColumn]) -> list[SourceColumn]:
    """The columns as carried; raises UncarriedColumns naming every column that cannot be, so a run
    is refused before it reads a row."""
    refused = [c for c in columns if c.column is None]
    if refused:
        raise UncarriedColumns(refused)
    return [c.column for c in columns if c.column is not None]


class SourceBatch(Protocol):
    """Consecutive rows of a source.

    `batch` has one column per `Source.columns` entry, named by its `sql_name`: text that the
    mapper parses as the column's type (files), or values already of an Arrow type the mapper
    converts (tables). `rejected` are rows the source itself could not read (a CSV record with the
    wrong number of fields), reported under their identities; they are not in `batch`.
    """

    @property
    def batch(self) -> pa.RecordBatch: ...

    @property
    def rejected(self) -> list[RejectedRow]: ...

    @property
    def records(self) -> int:
        """Rows this batch consumed from the source: `batch`'s rows plus `rejected`."""

    def row_id(self, index: int) -> int:
        """The identity of `batch`'s row `index`."""


@dataclass
class OrdinalBatch:
    """A SourceBatch of a table: identities are row ordinals, `first` for row 0."""

    batch: pa.RecordBatch
    first: int
    rejected: list[RejectedRow] = field(default_factory=list)

    @property
    def records(self) -> int:
        return int(self.batch.num_rows)

    def row_id(self, index: int) -> int:
        return self.first + index


@dataclass
class IdBatch:
    """A SourceBatch whose rows carry explicit identities (ordinals with gaps where the source
    rejected rows itself, or integer keys)."""

    batch: pa.RecordBatch
    ids: list[int]
    rejected: list[RejectedRow] = field(default_factory=list)

    @property
    def records(self) -> int:
        return int(self.batch.num_rows) + len(self.rejected)

    def row_id(self, index: int) -> int:
        return self.ids[index]


class Source(ABC):
    """Bounded Arrow batches with stable row identities, a total when known and the position in it.

    `columns` are the source's columns with their types. `total` is what `position` runs up to, in
    `progress_unit`: file bytes (exact) or rows (an estimate, which `position` may pass); None when
    unknown. `position` counts what the batches handed out so far take, not read-ahead, and is the
    end (an exact `total`, or the rows read) once `batches()` is exhausted. Each batch holds at most
    `batch_size` rows. Closing releases every handle; the same spec opened again reads the same rows
    with the same identities.
    """

    progress_unit: ProgressUnit
    columns: list[SourceColumn]

    @property
    @abstractmethod
    def total(self) -> int | None: ...

    @property
    @abstractmethod
    def position(self) -> int: ...

    @abstractmethod
    def batches(self) -> Iterator[SourceBatch]:
        """The rows, once, in identity order; raises an EngineError naming what cannot be read."""

    @abstractmethod
    def close(self) -> None: ...

    def resume(self, state: dict[str, Any] | None) -> None:
        """Called once before `batches()` with the stream's last committed state (None: none yet),
        for sources that read on from where the last load stopped."""
        return None

    @property
    def state(self) -> dict[str, Any] | None:
        """Read once the batches are exhausted: the state to commit with the rows (incremental:
        {"cursor": value}; arriving files: {"files": [...]}); None keeps none."""
        return None

    @property
    def nothing_new(self) -> bool:
        """True when the source had nothing new to read (no new file): the run loads nothing."""
        return False

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
