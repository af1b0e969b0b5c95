"""PostgreSQL: psycopg for statements, ADBC binary COPY of Arrow batches into staging."""

from __future__ import annotations

from typing import Any, ClassVar

import adbc_driver_postgresql.dbapi as adbc
import psycopg
import pyarrow as pa
from psycopg.conninfo import make_conninfo

from ..errors import DestinationUnreachable
from ..spec import ColumnSpec, DestinationKind, LoadSpec
from .base import Destination, Writer

CONNECT_TIMEOUT_SECONDS = 10


class PostgresDestination(Destination):
    kind: ClassVar[DestinationKind] = "postgres"

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
        detail = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
        return f"cannot connect to PostgreSQL at {c.host}:{c.port or 5432}/{c.database}: {detail}"

    def server_version(self, cursor: Any) -> str:
        cursor.execute("SELECT version()")
        return str(cursor.fetchone()[0])

    def writer(self, load: LoadSpec, columns: list[ColumnSpec], run_id: str) -> Writer:
        return PostgresWriter(self, load, columns, run_id)


class PostgresWriter(Writer):
    unlogged_staging = True

    def __init__(
        self, destination: PostgresDestination, load: LoadSpec, columns: list[ColumnSpec], run_id: str
    ):
        super().__init__(destination, load, columns, run_id)
        self.pg = destination
        self._bulk: Any = None

    def write(self, batch: pa.RecordBatch) -> None:
        if self._bulk is None:
            self._bulk = self._connect_bulk()
        with self._bulk.cursor() as cursor:
            cursor.adbc_ingest(self.stage, batch, mode="append", db_schema_name=self.load.schema)
        self.rows_staged += batch.num_rows

    def _connect_bulk(self) -> Any:
        c = self.pg.config
        try:
            # libpq, under ADBC, takes the same key=value string as psycopg.
            return adbc.connect(self.pg.conninfo(), autocommit=True)
        except Exception as error:
            raise DestinationUnreachable(f"cannot open a COPY connection to {c.host}: {error}") from error

    def close(self) -> None:
        if self._bulk is not None:
            self._bulk.close()
            self._bulk = None
        super().close()

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
