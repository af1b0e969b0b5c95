"""Amazon Redshift: the PostgreSQL writer with what differs overridden.

No binary COPY (Redshift's COPY reads only from S3 and friends), so staging is filled with
parameterised multi-row INSERTs; TRUNCATE would commit by itself, so replacing uses DELETE; upsert
is Redshift's recommended delete-then-insert; text and numerics have Redshift's limits.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import pyarrow as pa
import redshift_connector
from redshift_connector.error import InterfaceError, OperationalError

from ..ddl import REDSHIFT_NUMERIC
from ..errors import DestinationUnreachable
from ..identifiers import quote_identifier
from ..spec import ColumnSpec, DestinationKind, LoadSpec
from .base import Writer
from .postgres import CONNECT_TIMEOUT_SECONDS, PostgresDestination, PostgresWriter
from .sql import SqlWriter

INSERT_ROWS_PER_STATEMENT = 1000
TEXT_MAX_BYTES = 65535


class RedshiftDestination(PostgresDestination):
    kind: ClassVar[DestinationKind] = "redshift"
    transient_errors: ClassVar[tuple[type[BaseException], ...]] = (InterfaceError, OperationalError)

    def connect(self) -> Any:
        c = self.config
        try:
            connection = redshift_connector.connect(
                host=c.host or "localhost",
                port=c.port or 5439,
                database=c.database or "dev",
                user=c.user or "",
                password=c.password or "",
                timeout=CONNECT_TIMEOUT_SECONDS,
                ssl=c.options.get("sslmode", "require") != "disable",
            )
        except (InterfaceError, OperationalError, OSError) as error:
            raise DestinationUnreachable(
                f"cannot connect to Redshift at {c.host}:{c.port or 5439}/{c.database}: {error}"
            ) from error
        connection.autocommit = True
        return connection

    def writer(self, load: LoadSpec, columns: list[ColumnSpec], run_id: str) -> Writer:
        return RedshiftWriter(self, load, columns, run_id)


class RedshiftWriter(PostgresWriter):
    numeric_limit = REDSHIFT_NUMERIC
    text_max_bytes = TEXT_MAX_BYTES
    unlogged_staging = False
    parallel_writes = 1  # INSERTs go through the one statement connection

    def write(self, batch: pa.RecordBatch) -> None:
        for sql, params in self.insert_statements(batch):
            self.execute(sql, params)
        self.rows_staged += batch.num_rows

    def insert_statements(self, batch: pa.RecordBatch) -> Iterator[tuple[str, list[Any]]]:
        columns = ", ".join(quote_identifier(c.target) for c in self.columns)
        row_marks = "(" + ", ".join(["%s"] * batch.num_columns) + ")"
        for start in range(0, batch.num_rows, INSERT_ROWS_PER_STATEMENT):
            chunk = batch.slice(start, INSERT_ROWS_PER_STATEMENT)
            params = [value for row in zip(*chunk.to_pydict().values(), strict=True) for value in row]
            values = ", ".join([row_marks] * chunk.num_rows)
            yield f"INSERT INTO {self.staging} ({columns}) VALUES {values}", params

    def truncate_sql(self) -> str:
        return f"DELETE FROM {self.target}"

    def _unique_index_on_keys(self) -> bool:
        return False  # Redshift neither enforces unique keys nor has ON CONFLICT

    def upsert(self) -> int:
        keys = self.load.upsert_keys
        match = " AND ".join(f"{self.target}.{quote_identifier(k)} = s.{quote_identifier(k)}" for k in keys)
        columns = ", ".join(quote_identifier(c.target) for c in self.columns)
        self.execute(f"DELETE FROM {self.target} USING {self.staging} AS s WHERE {match}")
        return self.execute_count(
            f"INSERT INTO {self.target} ({columns}) SELECT {columns} FROM {self.staging}"
        )

    def create_ledger(self) -> None:
        SqlWriter.create_ledger(self)  # Redshift has no advisory locks

    def lock_new_target(self) -> None:
        # No advisory locks: LOCK on the schema's ledger (which exists by now) makes loads that
        # create tables in this schema take turns until the transaction ends.
        self.execute(f"LOCK {self.ledger}")

    def close(self) -> None:
        SqlWriter.close(self)

    def _begin(self) -> None:
        self._connection.autocommit = False

    def _commit(self) -> None:
        if not self._connection.autocommit:
            self._connection.commit()
            self._connection.autocommit = True

    def _rollback(self) -> None:
        if self._connection is not None and not self._connection.autocommit:
            self._connection.rollback()
            self._connection.autocommit = True
