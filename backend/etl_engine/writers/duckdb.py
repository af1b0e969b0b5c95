"""DuckDB: Arrow batches registered as views and inserted natively; one connection per run."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import pyarrow as pa

from ..ddl import DUCKDB_NUMERIC
from ..errors import DestinationUnreachable
from ..spec import ColumnSpec, DestinationKind, LoadSpec
from .base import Writer
from .sql import SqlDestination, SqlWriter

# A DuckDB file has one writer process at a time, which holds it for its whole load: so runs of
# other processes into one warehouse queue up (and a second one finds the table the first created).
# Browsing waits briefly for a running load to close the file, a load waits longer; both bounded.
LOCK_WAIT_SECONDS = 10.0
WRITER_LOCK_WAIT_SECONDS = 300.0
# DuckDB's buffer manager caches up to 80 % of the machine's RAM by default: staging 2 M rows kept
# ~500 MB resident. Staging (appends to a table without indexes) evicts to the file and spills to
# `<file>.tmp`, so a small cache costs little; the final transaction (key checks, MERGE, the
# target's indexes) runs with DuckDB's default again.
STAGING_MEMORY_LIMIT = "64MB"


class DuckDBDestination(SqlDestination):
    kind: ClassVar[DestinationKind] = "duckdb"
    placeholder: ClassVar[str] = "?"
    transient_errors: ClassVar[tuple[type[BaseException], ...]] = (duckdb.IOException,)

    def connect(self, wait_seconds: float = LOCK_WAIT_SECONDS, read_only: bool = False) -> Any:
        path = self.config.path
        if not path:
            raise DestinationUnreachable("the DuckDB destination has no file path")
        if not read_only:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                return duckdb.connect(path, read_only=read_only)
            except (duckdb.IOException, duckdb.ConnectionException) as error:
                # A lock: another process holds the file. A ConnectionException: a connection of
                # this process has it open in the other mode (read-only or not); both are brief.
                waits = "lock" in str(error).lower() or isinstance(error, duckdb.ConnectionException)
                if not waits or time.monotonic() > deadline:
                    raise DestinationUnreachable(f"cannot open DuckDB file {path}: {error}") from error
                time.sleep(0.2)

    def connect_read_only(self) -> Any:
        """Never creates the file; waits for a running load like any browse."""
        return self.connect(read_only=True)

    def server_version(self, cursor: Any) -> str:
        return f"DuckDB {duckdb.__version__}"

    def writer(self, load: LoadSpec, columns: list[ColumnSpec], run_id: str) -> Writer:
        return DuckDBWriter(self, load, columns, run_id)


class DuckDBWriter(SqlWriter):
    numeric_limit = DUCKDB_NUMERIC

    def __init__(
        self, destination: DuckDBDestination, load: LoadSpec, columns: list[ColumnSpec], run_id: str
    ):
        super().__init__(destination, load, columns, run_id)
        self.duck = destination
        self._in_transaction = False

    def open(self) -> None:
        self._connection = self.duck.connect(wait_seconds=WRITER_LOCK_WAIT_SECONDS)
        self._cursor = self._connection.cursor()
        # The database instance's setting: this process holds the file alone for the load.
        self.execute(f"SET memory_limit = '{STAGING_MEMORY_LIMIT}'")

    def commit(
        self, rows_read: int, rows_rejected: int, rows_filtered: int, state: dict[str, Any] | None = None
    ) -> int:
        self.execute("RESET memory_limit")
        return super().commit(rows_read, rows_rejected, rows_filtered, state)

    def write(self, batch: pa.RecordBatch) -> None:
        self._cursor.register("_etl_batch", pa.Table.from_batches([batch]))
        try:
            self.execute(f"INSERT INTO {self.staging} SELECT * FROM _etl_batch")
        finally:
            self._cursor.unregister("_etl_batch")
        self.rows_staged += batch.num_rows

    def execute_count(self, sql: str) -> int:
        row = self.execute(sql).fetchone()
        return int(row[0]) if row else 0

    # Transactions go through the cursor as SQL: a DuckDB cursor is a connection of its own, so
    # begin()/commit() on the parent connection would not cover the statements run here.
    def _begin(self) -> None:
        self.execute("BEGIN TRANSACTION")
        self._in_transaction = True

    def _commit(self) -> None:
        # Outside a transaction DuckDB commits each statement by itself.
        if self._in_transaction:
            self._in_transaction = False
            self.execute("COMMIT")

    def _rollback(self) -> None:
        if self._connection is not None and self._in_transaction:
            self._in_transaction = False
            self.execute("ROLLBACK")
