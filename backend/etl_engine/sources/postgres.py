"""A PostgreSQL table as a source: one binary COPY of the table in key order, streamed as Arrow.

ADBC's PostgreSQL driver runs `COPY (SELECT ...) TO STDOUT (FORMAT binary)` and hands the result
on in record batches of a few MiB, so memory stays flat however large the table; batches are cut
to `batch_size` rows here. Rows come in primary key order (physical order without one) and are
identified by their ordinal in it. Types the mapper converts natively come as Arrow values; the
others come as text (numeric keeps every digit that way; uuid, json, arrays, enums... are text).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import adbc_driver_manager
import adbc_driver_postgresql.dbapi
import psycopg

from ..errors import SourceFailed, SourceUnreachable
from ..identifiers import qualified_name, quote_identifier, unique_sql_identifiers
from ..spec import ColumnType, DestinationConfig, SourceColumn
from ..writers.postgres import PostgresDestination
from .base import OrdinalBatch, ProgressUnit, Source

# PostgreSQL types read as Arrow values the mapper converts; every other type is read as text.
NATIVE_TYPES = {
    "int2": ColumnType.INTEGER,
    "int4": ColumnType.INTEGER,
    "int8": ColumnType.BIGINT,
    "float4": ColumnType.FLOAT,
    "float8": ColumnType.FLOAT,
    "bool": ColumnType.BOOLEAN,
    "date": ColumnType.DATE,
    "timestamp": ColumnType.TIMESTAMP,
    "timestamptz": ColumnType.TIMESTAMPTZ,
    "text": ColumnType.TEXT,
    "varchar": ColumnType.TEXT,
    "bpchar": ColumnType.TEXT,
}

_COLUMNS_SQL = """
SELECT a.attname, t.typname, a.atttypmod, c.reltuples,
       coalesce(array_position(i.indkey::int2[], a.attnum) - array_lower(i.indkey::int2[], 1) + 1, 0)
           AS key_position  -- 1, 2... in the primary key, 0 outside it (indkey is 0-based)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p')
ORDER BY a.attnum
"""


class PostgresTableSource(Source):
    """`with PostgresTableSource(config, schema, table, batch_size) as source: ...`; `total` is the
    planner's row estimate (pg_class.reltuples; None before the table was ever analyzed)."""

    progress_unit: ProgressUnit = "rows"

    def __init__(self, config: DestinationConfig, schema: str, table: str, batch_size: int = 100_000) -> None:
        self.batch_size = batch_size
        self.name = f"{schema}.{table}"
        conninfo = PostgresDestination(config).conninfo()
        try:
            with psycopg.connect(conninfo) as conn:
                found = conn.execute(_COLUMNS_SQL, (schema, table)).fetchall()
        except psycopg.OperationalError as error:
            raise SourceUnreachable(f"cannot read {self.name} from PostgreSQL: {_words(error)}") from error
        if not found:
            raise SourceFailed(f"table {self.name} does not exist (or has no columns)")
        names = [str(row[0]) for row in found]
        self.columns = [
            _source_column(name, sql_name, str(typname), int(typmod))
            for name, sql_name, (_, typname, typmod, _, _) in zip(
                names, unique_sql_identifiers(names), found, strict=True
            )
        ]
        estimate = float(found[0][3])
        self.estimate = int(estimate) if estimate >= 0 else None
        keys = sorted((int(row[4]), str(row[0])) for row in found if row[4])
        order = ", ".join(quote_identifier(name) for _, name in keys) or "ctid"
        select = ", ".join(_select(name, column) for name, column in zip(names, self.columns, strict=True))
        self.sql = f"SELECT {select} FROM {qualified_name(schema, table)} ORDER BY {order}"
        self._handed_on = 0
        try:
            self._connection: Any = adbc_driver_postgresql.dbapi.connect(conninfo)
        except adbc_driver_manager.Error as error:
            raise SourceUnreachable(f"cannot read {self.name} from PostgreSQL: {_words(error)}") from error
        self._cursor: Any = None

    @property
    def total(self) -> int | None:
        return self.estimate

    @property
    def position(self) -> int:
        return self._handed_on

    def batches(self) -> Iterator[OrdinalBatch]:
        self._cursor = self._connection.cursor()
        try:
            self._cursor.execute(self.sql)
            for batch in self._cursor.fetch_record_batch():
                for start in range(0, batch.num_rows, self.batch_size):
                    piece = batch.slice(start, self.batch_size)
                    first = self._handed_on + 1
                    self._handed_on += piece.num_rows
                    yield OrdinalBatch(piece, first)
        except adbc_driver_manager.OperationalError as error:
            raise SourceUnreachable(f"lost PostgreSQL while reading {self.name}: {_words(error)}") from error
        except adbc_driver_manager.Error as error:
            raise SourceFailed(f"PostgreSQL refused reading {self.name}: {_words(error)}") from error

    def close(self) -> None:
        if self._cursor is not None:
            self._cursor.close()
        self._connection.close()


def _source_column(name: str, sql_name: str, typname: str, typmod: int) -> SourceColumn:
    if typname == "numeric":
        # typmod packs (precision << 16 | scale) + 4; -1 is a numeric without limits.
        precision, scale = ((typmod - 4) >> 16, (typmod - 4) & 0xFFFF) if typmod >= 0 else (None, None)
        return SourceColumn(name, sql_name, ColumnType.NUMERIC, precision, scale)
    return SourceColumn(name, sql_name, NATIVE_TYPES.get(typname, ColumnType.TEXT))


def _select(name: str, column: SourceColumn) -> str:
    """The column as the batch carries it: named by its sql_name, as text unless read natively."""
    value = quote_identifier(name)
    if column.type is ColumnType.NUMERIC or column.type is ColumnType.TEXT:
        value += "::text"
    return f"{value} AS {quote_identifier(column.sql_name)}"


def _words(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
