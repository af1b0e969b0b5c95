"""The destination contract: what `run_job` and the portal call, whatever the destination.

    with destination.writer(load, columns, run_id) as writer:
        if writer.committed() is None:      # None: no earlier attempt of this run committed
            writer.prepare()
            writer.write(batch)             # any number, from up to `parallel_writes` threads
            writer.commit(rows_read, rows_rejected, rows_filtered, state)

A load of a stream (`load.stream`, e.g. an incremental table) reads where the last one stopped:
`writer.last_state()` is the state the newest committed load of the stream stored, and `commit`
stores the new one in the same transaction as the rows, so a failed run moves nothing.

Every destination keeps the same promises: nothing the run writes is visible before `commit`
returns; leaving the block by an exception calls `abort` and leaves the target as it was; a run
that committed is recorded in the destination's ledger, so calling again with the same run id
loads nothing twice; `commit` refuses counts that do not reconcile.

Two families implement it. SQL databases (writers/sql.py: a staging table, one final transaction,
the `_etl_loads` ledger table) and object stores (writers/s3.py: files under a run-scoped
temporary prefix, published, a `_SUCCESS` manifest last, a ledger object).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, ClassVar

import pyarrow as pa

from ..conversion import NumericLimit
from ..ddl import declared_numeric
from ..errors import InvalidJobSpec
from ..spec import ColumnSpec, DestinationConfig, DestinationKind, LoadSpec, LoadStrategy

ALL_STRATEGIES: frozenset[LoadStrategy] = frozenset({"INSERT", "UPSERT", "TRUNCATE_INSERT"})


@dataclass
class ConnectionCheck:
    ok: bool
    message: str
    server_version: str | None
    latency_ms: float | None


@dataclass
class TableRef:
    schema: str
    name: str


@dataclass
class TableColumn:
    name: str
    type: str
    nullable: bool
    has_default: bool = False


@dataclass
class TableSample:
    """A page of a table's rows in storage order, values as the driver reads them."""

    columns: list[TableColumn]
    rows: list[list[Any]]
    total_rows: int


@dataclass
class LedgerEntry:
    run_id: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rows_filtered: int
    state: dict[str, Any] | None = None
    outputs: list[str] = field(default_factory=list)


class Destination(ABC):
    """Browse a destination and open a run's writer. No connection is held between calls."""

    kind: ClassVar[DestinationKind]
    # The load strategies this destination can honour; the others are refused by name.
    strategies: ClassVar[frozenset[LoadStrategy]] = ALL_STRATEGIES
    # Errors that mean the destination went away mid-run: worth a retry, unlike a refused statement.
    transient_errors: ClassVar[tuple[type[BaseException], ...]] = ()

    def __init__(self, config: DestinationConfig) -> None:
        self.config = config

    @abstractmethod
    def test_connection(self) -> ConnectionCheck: ...

    @abstractmethod
    def list_schemas(self) -> list[str]: ...

    @abstractmethod
    def list_tables(self, schema: str) -> list[TableRef]:
        """The tables a user loads into (the destination's own bookkeeping hidden)."""

    @abstractmethod
    def table_columns(self, schema: str, table: str) -> list[TableColumn]:
        """An unknown table has no columns."""

    @abstractmethod
    def sample_rows(self, schema: str, table: str, limit: int, offset: int = 0) -> TableSample:
        """Rows `offset`..`offset + limit` of a table in storage order, and its row count."""

    @abstractmethod
    def writer(self, load: LoadSpec, columns: list[ColumnSpec], run_id: str) -> Writer: ...

    def check_strategy(self, load: LoadSpec) -> None:
        """InvalidJobSpec when this destination cannot load with `load.strategy`."""
        if load.strategy not in self.strategies:
            allowed = ", ".join(sorted(self.strategies))
            raise InvalidJobSpec(
                f"{load.strategy} is not possible on a {self.kind} destination (it takes {allowed})"
            )


class Writer(ABC):
    """One run's load into one target. See the module docstring for the calls and the promises."""

    numeric_limit: ClassVar[NumericLimit | None] = None  # the widest DECIMAL the destination holds
    parallel_writes: ClassVar[int] = 1  # how many write() calls may run at once, from as many threads
    text_max_bytes: ClassVar[int | None] = None

    def __init__(self, destination: Destination, load: LoadSpec, columns: list[ColumnSpec], run_id: str):
        destination.check_strategy(load)
        self.destination = destination
        self.kind = destination.kind
        self.load = load
        self.columns = columns
        self.run_id = run_id
        self.target_exists = False  # set by prepare()
        self.rows_staged = 0  # rows written so far, not yet visible

    def __enter__(self) -> Writer:
        self.open()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc is not None:
                self.abort()
        finally:
            self.close()

    def open(self) -> None:
        """Connect (called on entering the block)."""
        return None

    def close(self) -> None:
        """Release connections (called on leaving the block, after abort if it failed)."""
        return None

    @abstractmethod
    def committed(self) -> LedgerEntry | None:
        """The ledger entry of this run if an earlier attempt committed it."""

    @abstractmethod
    def prepare(self) -> None:
        """Check an existing target against the mapping (SchemaMismatch), set `target_exists`,
        and start from a clean run-scoped staging area (a retry's leftovers removed)."""

    @abstractmethod
    def write(self, batch: pa.RecordBatch) -> None:
        """Stage one batch (columns in `self.columns` order); adds to `rows_staged`."""

    @abstractmethod
    def widen(self, index: int, column: ColumnSpec) -> None:
        """A new target only: column `index` takes the wider type of `column`, rows staged so far
        kept (no write is in flight when this is called)."""

    @abstractmethod
    def last_state(self) -> dict[str, Any] | None:
        """The state stored by the newest committed load of `load.stream` (None: no stream, or none
        committed yet)."""

    @abstractmethod
    def commit(
        self, rows_read: int, rows_rejected: int, rows_filtered: int, state: dict[str, Any] | None = None
    ) -> int:
        """Make the staged rows visible and record the run with the stream's new `state`, atomically
        for readers; ReconciliationFailed when the rows loaded are not rows_read - rows_rejected -
        rows_filtered. Returns rows loaded."""

    def outputs(self) -> list[str]:
        """What the committed load published that a reader fetches (an object store's keys)."""
        return []

    @abstractmethod
    def abort(self) -> None:
        """Undo whatever the run staged; quiet (the connection may be gone), never raises."""

    def column_limits(self) -> list[NumericLimit | None]:
        """Per column, the widest number it holds: a new target's NUMERIC columns are declared with
        the file's scale (ddl.declared_numeric); otherwise the destination's limit."""
        if self.target_exists:
            return [self.numeric_limit for _ in self.columns]
        return [declared_numeric(self.kind, c.precision, c.scale) or self.numeric_limit for c in self.columns]
