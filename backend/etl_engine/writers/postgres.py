"""PostgreSQL: psycopg for statements, ADBC binary COPY of Arrow batches into staging."""

from __future__ import annotations

import hashlib
import threading
from typing import Any, ClassVar

import adbc_driver_manager
import adbc_driver_postgresql
import psycopg
import pyarrow as pa
from adbc_driver_manager import (
    INGEST_OPTION_MODE,
    INGEST_OPTION_MODE_APPEND,
    INGEST_OPTION_TARGET_TABLE,
    StatementOptions,
)
from psycopg.conninfo import make_conninfo

from ..errors import DestinationUnreachable, DuplicateKeys
from ..identifiers import quote_identifier
from ..spec import ColumnSpec, DestinationKind, LoadSpec
from .base import Writer
from .sql import SqlDestination, SqlWriter

CONNECT_TIMEOUT_SECONDS = 10
# Serialises creating schemas and ledgers in one database (pg_advisory_xact_lock's key space is
# shared by every client of the database: a fixed, unlikely key, "ETL_LEDG" in ASCII).
LEDGER_LOCK_KEY = 0x45544C5F4C454447


def target_lock_key(target: str) -> int:
    """The advisory lock key of a qualified table name: 8 bytes of its hash, as a signed bigint."""
    return int.from_bytes(hashlib.blake2b(target.encode(), digest_size=8).digest(), "big", signed=True)


class PostgresDestination(SqlDestination):
    kind: ClassVar[DestinationKind] = "postgres"
    transient_errors: ClassVar[tuple[type[BaseException], ...]] = (
        psycopg.OperationalError,
        adbc_driver_manager.OperationalError,
    )

    def conninfo(self) -> str:
        c = self.config
        params: dict[str, Any] = {
            "host": c.host or "localhost",
            "port": c.port or 5432,
            "dbname": c.database,
            "user": c.user,
            "password": c.password,
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "application_name": "etl-portal",
        }
        if c.options.get("sslmode"):
            params["sslmode"] = c.options["sslmode"]
        return make_conninfo("", **{k: v for k, v in params.items() if v is not None})

    def connect(self) -> Any:
        try:
            return psycopg.connect(self.conninfo(), autocommit=True)
        except psycopg.OperationalError as error:
            raise DestinationUnreachable(self._unreachable_message(error)) from error

    def _unreachable_message(self, error: Exception) -> str:
        c = self.config
        where = f"{c.host}:{c.port or 5432}/{c.database}"
        return f"cannot connect to PostgreSQL at {where}: {self.describe_error(error)}"

    @staticmethod
    def describe_error(error: Exception) -> str:
        lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
        return " ".join(lines) if lines else type(error).__name__

    def server_version(self, cursor: Any) -> str:
        cursor.execute("SELECT version()")
        return str(cursor.fetchone()[0])

    def writer(self, load: LoadSpec, columns: list[ColumnSpec], run_id: str) -> Writer:
        return PostgresWriter(self, load, columns, run_id)


class PostgresWriter(SqlWriter):
    unlogged_staging = True
    # Two COPY sessions into the staging table: the server parses binary rows on two cores while
    # this process parses CSV, which is what lets a load outrun a single `COPY` of the same file.
    parallel_writes = 2

    def __init__(
        self, destination: PostgresDestination, load: LoadSpec, columns: list[ColumnSpec], run_id: str
    ):
        super().__init__(destination, load, columns, run_id)
        self.pg = destination
        self._local = threading.local()
        self._lock = threading.Lock()
        self._bulks: list[_BulkCopy] = []
        self.keys_unique = False

    def write(self, batch: pa.RecordBatch) -> None:
        """Thread-safe: each writing thread COPYs over its own connection (see `parallel_writes`)."""
        bulk = getattr(self._local, "bulk", None)
        if bulk is None:
            bulk = self._local.bulk = _BulkCopy(self.pg)
            with self._lock:
                self._bulks.append(bulk)
        rows = bulk.append(self.load.schema, self.stage, batch)
        with self._lock:
            self.rows_staged += rows

    def commit(
        self, rows_read: int, rows_rejected: int, rows_filtered: int, state: dict[str, Any] | None = None
    ) -> int:
        for bulk in self._bulks:  # staged rows become visible to the final transaction
            bulk.finish()
        return super().commit(rows_read, rows_rejected, rows_filtered, state)

    def widen(self, index: int, column: ColumnSpec) -> None:
        for bulk in self._bulks:  # their open COPY transactions would block the rewrite of staging
            bulk.finish()
        super().widen(index, column)

    def abandon_writes(self) -> None:
        self._close_bulks()  # closing an ADBC connection rolls its COPY transaction back

    def close(self) -> None:
        self._close_bulks()
        super().close()

    def _close_bulks(self) -> None:
        for bulk in self._bulks:
            bulk.close()
        self._bulks.clear()

    def create_ledger(self) -> None:
        # Concurrent CREATE ... IF NOT EXISTS can both find the name free and then collide on the
        # catalog's unique index (UniqueViolation on pg_namespace / pg_type): first loads into a
        # fresh schema take turns, each in a transaction that holds the lock until it commits.
        self._begin()
        try:
            self.execute("SELECT pg_advisory_xact_lock(%s)", (LEDGER_LOCK_KEY,))
            super().create_ledger()
        except BaseException:
            self._rollback()
            raise

    def lock_new_target(self) -> None:
        self.execute("SELECT pg_advisory_xact_lock(%s)", (target_lock_key(self.target),))

    def _find_target(self) -> bool:
        found = super()._find_target()
        # At prepare, and again when another load created the table meanwhile: a unique index on
        # the upsert keys lets the merge use ON CONFLICT.
        self.keys_unique = found and self._unique_index_on_keys()
        return found

    def needs_key_check(self) -> bool:
        # A unique index on the keys lets INSERT ... ON CONFLICT find duplicates by itself.
        return not self.keys_unique

    def upsert(self) -> int:
        if not self.keys_unique:
            return super().upsert()
        keys = ", ".join(quote_identifier(k) for k in self.load.upsert_keys)
        columns = ", ".join(quote_identifier(c.target) for c in self.columns)
        values = [quote_identifier(c.target) for c in self.columns if c.target not in self.load.upsert_keys]
        action = (
            "DO UPDATE SET " + ", ".join(f"{v} = EXCLUDED.{v}" for v in values) if values else "DO NOTHING"
        )
        try:
            inserted_or_updated = self.execute_count(
                f"INSERT INTO {self.target} ({columns}) SELECT {columns} FROM {self.staging} "
                f"ON CONFLICT ({keys}) {action}"
            )
        except psycopg.errors.CardinalityViolation as error:
            raise DuplicateKeys("upsert keys are not unique in the incoming data") from error
        if not values:  # DO NOTHING counts only new rows; the others matched and stay as they are
            return self.rows_staged
        return inserted_or_updated

    def _unique_index_on_keys(self) -> bool:
        rows = self.execute(
            "SELECT array_agg(a.attname::text) FROM pg_index i JOIN pg_attribute a "
            "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = to_regclass(%s) AND i.indisunique AND i.indpred IS NULL "
            "AND i.indexprs IS NULL GROUP BY i.indexrelid",
            (self.target,),
        ).fetchall()
        return any(set(row[0]) == set(self.load.upsert_keys) for row in rows)

    def truncate_sql(self) -> str:
        # Transactional in PostgreSQL (unlike Redshift), and far cheaper than DELETE.
        return f"TRUNCATE {self.target}"

    def _begin(self) -> None:
        self.execute("BEGIN")

    def _commit(self) -> None:
        if self._connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            self.execute("COMMIT")

    def _rollback(self) -> None:
        if self._connection is None or self._connection.closed:
            return
        if self._connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            self.execute("ROLLBACK")


class _BulkCopy:
    """Binary COPY of Arrow batches through ADBC's low-level API (its DB-API layer imports pandas
    and more at once). Each append is one COPY into staging; `finish` commits them."""

    def __init__(self, destination: PostgresDestination) -> None:
        try:
            self.database = adbc_driver_postgresql.connect(destination.conninfo())
            self.connection = adbc_driver_manager.AdbcConnection(self.database)
            # One transaction per session, committed before the final transaction: a commit per
            # batch would wait for a WAL flush every few thousand rows.
            self.connection.set_autocommit(False)
        except adbc_driver_manager.Error as error:
            raise DestinationUnreachable(
                f"cannot open a COPY connection: {destination.describe_error(error)}"
            ) from error

    def append(self, schema: str, table: str, batch: pa.RecordBatch) -> int:
        statement = adbc_driver_manager.AdbcStatement(self.connection)
        try:
            statement.set_options(
                **{
                    INGEST_OPTION_TARGET_TABLE: table,
                    INGEST_OPTION_MODE: INGEST_OPTION_MODE_APPEND,
                    StatementOptions.INGEST_TARGET_DB_SCHEMA.value: schema,
                }
            )
            statement.bind(batch)
            rows = statement.execute_update()
        finally:
            statement.close()
        return int(rows) if rows is not None and rows >= 0 else int(batch.num_rows)

    def finish(self) -> None:
        self.connection.commit()

    def close(self) -> None:
        self.connection.close()
        self.database.close()
