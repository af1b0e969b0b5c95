"""PostgreSQL sources: a table, or a read-only query, streamed by one binary COPY as Arrow.

    with PostgresTableSource(config, "public", "orders", batch_size=50_000) as source: ...
    with PostgresQuerySource(config, "SELECT * FROM orders WHERE paid", timeout_seconds=600) as source: ...

ADBC's PostgreSQL driver runs `COPY (SELECT ...) TO STDOUT (FORMAT binary)` and hands the result
on in record batches of a few MiB, so memory stays flat however large the result; batches are cut
to `batch_size` rows here. Rows are identified by their ordinal in the read: a table comes in
primary key order (physical order without one); a query in its own ORDER BY (give one, or the
identities of a second read may differ).

Types the mapper converts natively come as Arrow values; numeric comes as text with its declared
precision and scale (every digit kept; money as numeric); arrays, composite values and records
as JSON text; every other type as its PostgreSQL text (uuid, json, enums, time, interval, bytea
as `\\x00ff`...). Other pseudo types (void, cstring...: only a query returns them) cannot be
carried and are refused before anything is read, with the column named.

Every read runs in a read-only session (`default_transaction_read_only`), with a statement timeout
for queries. A query is checked first (sql.single_select: one SELECT, nothing after a `;`, no
INTO), described without running (a prepared statement, which the server refuses to make of two
statements), then read as `SELECT <columns> FROM (<query>) AS q(...)`, where a data-modifying
statement cannot stand; a function that writes (`nextval`, an INSERT inside) is stopped by the
read-only transaction, and the source is left as it was: QueryRefused says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import adbc_driver_manager
import adbc_driver_postgresql.dbapi
import psycopg
import pyarrow as pa
from psycopg import pq, sql
from psycopg.conninfo import make_conninfo

from ..errors import SourceFailed, SourceUnreachable
from ..identifiers import qualified_name, quote_identifier, unique_sql_identifiers
from ..spec import ColumnType, DestinationConfig, Incremental, SourceColumn
from .base import (
    IdBatch,
    NativeColumn,
    OrdinalBatch,
    ProgressUnit,
    QueryRefused,
    Source,
    SourceConfig,
    check_carried,
)
from .incremental import Cursor
from .ranges import KeyRange, KeyValue, split_range
from .sql import single_select

CONNECT_TIMEOUT_SECONDS = 10
READ_ONLY = "25006"  # read_only_sql_transaction
QUERY_CANCELED = "57014"  # statement_timeout
_STATE_TEXTS = {READ_ONLY: "in a read-only transaction", QUERY_CANCELED: "canceling statement due to"}

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

_TABLE_COLUMNS_SQL = """
SELECT a.attname, a.atttypid::int8, a.atttypmod, c.reltuples,
       coalesce(array_position(i.indkey::int2[], a.attnum) - array_lower(i.indkey::int2[], 1) + 1, 0)
           AS key_position  -- 1, 2... in the primary key, 0 outside it (indkey is 0-based)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p')
ORDER BY a.attnum
"""

# A domain is read as its base type.
_TYPES_SQL = """
SELECT t.oid::int8, coalesce(b.typname, t.typname), coalesce(b.typtype, t.typtype),
       coalesce(b.typcategory, t.typcategory)
FROM pg_type t LEFT JOIN pg_type b ON t.typtype = 'd' AND b.oid = t.typbasetype
WHERE t.oid::int8 = ANY(%s::int8[])
"""


def conninfo(
    config: DestinationConfig | SourceConfig, timeout_seconds: float | None = None, read_only: bool = True
) -> str:
    """libpq connection string of a source: read-only session, hex bytea, optional statement timeout."""
    settings = ["-c bytea_output=hex"]
    if read_only:
        settings.append("-c default_transaction_read_only=on")
    if timeout_seconds is not None:
        settings.append(f"-c statement_timeout={max(1, round(timeout_seconds * 1000))}")
    params: dict[str, Any] = {
        "host": config.host or "localhost",
        "port": config.port or 5432,
        "dbname": config.database,
        "user": config.user,
        "password": config.password,
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "application_name": "etl-portal-source",
        "options": " ".join(settings),
    }
    if config.options.get("sslmode"):
        params["sslmode"] = config.options["sslmode"]
    return make_conninfo("", **{k: v for k, v in params.items() if v is not None})


class _CopySource(Source):
    """Streams `self.sql` with one binary COPY; subclasses set `sql`, `name`, `columns`, `estimate`."""

    progress_unit: ProgressUnit = "rows"
    sql: str
    name: str
    estimate: int | None
    key_position: int | None = None  # a column whose integer values are the rows' identities

    def __init__(self, info: str, batch_size: int) -> None:
        self.batch_size = batch_size
        self._handed_on = 0
        self._cursor: Any = None
        try:
            self._connection: Any = adbc_driver_postgresql.dbapi.connect(info)
        except adbc_driver_manager.Error as error:
            raise SourceUnreachable(f"cannot read {self.name} from PostgreSQL: {_words(error)}") from error

    @property
    def total(self) -> int | None:
        return self.estimate

    @property
    def position(self) -> int:
        return self._handed_on

    def batches(self) -> Iterator[OrdinalBatch | IdBatch]:
        self._cursor = self._connection.cursor()
        try:
            self._cursor.execute(self.sql)
            for batch in self._cursor.fetch_record_batch():
                for start in range(0, batch.num_rows, self.batch_size):
                    piece = batch.slice(start, self.batch_size)
                    first = self._handed_on + 1
                    self._handed_on += piece.num_rows
                    if self.key_position is None:
                        yield OrdinalBatch(piece, first)
                    else:
                        yield IdBatch(piece, piece.column(self.key_position).to_pylist())
        except (adbc_driver_manager.Error, pa.ArrowException, OSError) as error:
            # The driver's errors carry the SQLSTATE; errors met while streaming only the message.
            words = _words(error)
            coded = re.search(r"SQLSTATE: (\w{5})", words)
            words = re.split(r" Query was: | SQLSTATE: ", words.split("ERROR: ", 1)[-1])[0].strip()
            sqlstate = getattr(error, "sqlstate", None) or (coded.group(1) if coded else None)
            sqlstate = sqlstate or next(
                (state for state, text in _STATE_TEXTS.items() if text in words), None
            )
            if isinstance(error, adbc_driver_manager.OperationalError) and sqlstate is None:
                raise SourceUnreachable(f"lost PostgreSQL while reading {self.name}: {words}") from error
            raise _refusal(sqlstate, words, self.name) from error

    def close(self) -> None:
        if self._cursor is not None:
            self._cursor.close()
        self._connection.close()


class PostgresTableSource(_CopySource):
    """`with PostgresTableSource(config, schema, table, batch_size) as source: ...`; `total` is the
    planner's row estimate (pg_class.reltuples; None before the table was ever analyzed).
    `incremental`: rows at or past the resumed cursor only, in cursor order (see incremental.py)."""

    def __init__(
        self,
        config: DestinationConfig | SourceConfig,
        schema: str,
        table: str,
        batch_size: int = 100_000,
        *,
        key_range: KeyRange | None = None,
        incremental: Incremental | None = None,
    ) -> None:
        self.name = f"{schema}.{table}"
        info = conninfo(config)
        try:
            with psycopg.connect(info) as conn:
                found = conn.execute(_TABLE_COLUMNS_SQL, (schema, table)).fetchall()
                types = _types(conn, [int(row[1]) for row in found])
        except psycopg.OperationalError as error:
            raise SourceUnreachable(f"cannot read {self.name} from PostgreSQL: {_words(error)}") from error
        if not found:
            raise SourceFailed(f"table {self.name} does not exist (or has no columns)")
        names = [str(row[0]) for row in found]
        native = [
            _carried(name, sql_name, types[int(oid)], int(typmod))
            for name, sql_name, (_, oid, typmod, _, _) in zip(
                names, unique_sql_identifiers(names), found, strict=True
            )
        ]
        self.native_columns = [column for column, _ in native]
        self.columns = check_carried(self.native_columns)
        estimate = float(found[0][3])
        self.estimate = int(estimate) if estimate >= 0 else None
        keys = [name for _, name in sorted((int(row[4]), str(row[0])) for row in found if row[4])]
        self.primary_key = list(keys)
        bounds: list[str] = []
        self.increment: Cursor | None = None  # the incremental read's cursor
        if incremental is not None:
            if incremental.column not in names:
                raise SourceFailed(f"table {self.name} has no cursor column {incremental.column!r}")
            self.increment_position = names.index(incremental.column)
            self.increment = Cursor(self.columns[self.increment_position], incremental)
            if key_range is None:  # a key range keeps its key order: the identities are the keys
                keys = [incremental.column, *[k for k in keys if k != incremental.column]]
        if key_range is not None:
            if key_range.column not in names:
                raise SourceFailed(f"table {self.name} has no column {key_range.column!r}")
            # The bounds are literals: COPY takes no parameters (psycopg quotes them).
            with psycopg.connect(info) as conn:
                bounds = [
                    f"{quote_identifier(key_range.column)} {operator} {sql.Literal(value).as_string(conn)}"
                    for operator, value in ((">=", key_range.lower), ("<", key_range.upper))
                    if value is not None
                ]
            keys = [key_range.column, *[k for k in keys if k != key_range.column]]
            if keys == [key_range.column] and self.columns[names.index(key_range.column)].type in (
                ColumnType.INTEGER,
                ColumnType.BIGINT,
            ):
                self.key_position = names.index(key_range.column)  # identities are the keys
        order = ", ".join(quote_identifier(name) for name in keys) or "ctid"
        select = ", ".join(
            f"{read.format(quote_identifier(name))} AS {quote_identifier(column.sql_name)}"
            for name, column, (_, read) in zip(names, self.columns, native, strict=True)
        )
        self._select, self._bounds, self._order = (
            f"SELECT {select} FROM {qualified_name(schema, table)}",
            bounds,
            order,
        )
        self.sql = self._statement(None)
        super().__init__(info, batch_size)

    def _statement(self, lower: KeyValue | None) -> str:
        bounds = list(self._bounds)
        if lower is not None and self.increment is not None:
            # A literal, as the key range's: COPY takes no parameters. Numbers, dates and
            # timestamps only, which need no connection to be quoted.
            column = quote_identifier(self.increment.column.name)
            bounds.append(f"{column} >= {sql.Literal(lower).as_string()}")
        where = " WHERE " + " AND ".join(bounds) if bounds else ""
        return f"{self._select}{where} ORDER BY {self._order}"

    def resume(self, state: dict[str, Any] | None) -> None:
        if self.increment is not None:
            self.sql = self._statement(self.increment.lower(state))

    @property
    def state(self) -> dict[str, Any] | None:
        return None if self.increment is None else self.increment.state

    def batches(self) -> Iterator[OrdinalBatch | IdBatch]:
        for batch in super().batches():
            if self.increment is not None:
                self.increment.see(batch.batch.column(self.increment_position))
            yield batch


class PostgresQuerySource(_CopySource):
    """`with PostgresQuerySource(config, query, batch_size, timeout_seconds) as source: ...` — one
    SELECT, read in a read-only transaction that stops after `timeout_seconds` (QueryRefused says
    so). `total` is the planner's row estimate for the query.

    `params`: values for the query's `%(name)s` placeholders (a literal % then written %%, as
    templating.render_query writes it). COPY takes no parameters, so psycopg quotes them into the
    statement on the client, as the server's settings require, before the statement is checked."""

    def __init__(
        self,
        config: DestinationConfig | SourceConfig,
        query: str,
        batch_size: int = 100_000,
        timeout_seconds: float = 3600,
        *,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        self.name = "the query"
        info = conninfo(config, timeout_seconds)
        try:
            with psycopg.connect(info) as conn:
                if params is not None:
                    query = psycopg.ClientCursor(conn).mogrify(query, params)
                statement = single_select(query, "postgres")
                fields = _describe(conn, statement)
                types = _types(conn, [oid for _, oid, _ in fields])
                self.estimate = _estimate(conn, statement)
        except psycopg.OperationalError as error:
            raise SourceUnreachable(f"cannot run the query on PostgreSQL: {_words(error)}") from error
        except psycopg.ProgrammingError as error:  # a placeholder without a value, a stray %
            raise QueryRefused(f"cannot bind the query's parameters: {_words(error)}") from error
        if not fields:
            raise QueryRefused("the query returns no columns")
        names = [name for name, _, _ in fields]
        native = [
            _carried(name, sql_name, types[oid], typmod)
            for name, sql_name, (_, oid, typmod) in zip(
                names, unique_sql_identifiers(names), fields, strict=True
            )
        ]
        self.native_columns = [column for column, _ in native]
        self.columns = check_carried(self.native_columns)
        # The query's own names may repeat (or be ?column?): its columns are renamed by position.
        inner = [f"c{position}" for position in range(1, len(fields) + 1)]
        select = ", ".join(
            f"{read.format('q.' + quote_identifier(alias))} AS {quote_identifier(column.sql_name)}"
            for alias, column, (_, read) in zip(inner, self.columns, native, strict=True)
        )
        aliases = ", ".join(quote_identifier(alias) for alias in inner)
        self.sql = f"SELECT {select} FROM (\n{statement}\n) AS q({aliases})"
        super().__init__(info, batch_size)


def _describe(conn: psycopg.Connection[Any], statement: str) -> list[tuple[str, int, int]]:
    """(name, type oid, typmod) of each result column, from a prepared statement: nothing runs."""
    prepared = conn.pgconn.prepare(b"", statement.encode())
    if prepared.status != pq.ExecStatus.COMMAND_OK:
        raise _result_error(prepared)
    described = conn.pgconn.describe_prepared(b"")
    if described.status != pq.ExecStatus.COMMAND_OK:
        raise _result_error(described)
    return [
        ((described.fname(i) or b"").decode(), described.ftype(i), described.fmod(i))
        for i in range(described.nfields)
    ]


def _result_error(result: pq.abc.PGresult) -> SourceFailed:
    sqlstate = result.error_field(pq.DiagnosticField.SQLSTATE)
    message = (result.error_field(pq.DiagnosticField.MESSAGE_PRIMARY) or result.error_message).decode(
        errors="replace"
    )
    return _refusal(sqlstate.decode() if sqlstate else None, " ".join(message.split()), "the query")


def _refusal(sqlstate: str | None, words: str, name: str) -> SourceFailed:
    if sqlstate == READ_ONLY:
        return QueryRefused(
            f"{name} tried to write, which a source may not do; nothing was changed ({words})"
        )
    if sqlstate == QUERY_CANCELED:
        return QueryRefused(f"{name} ran past its statement timeout and was stopped ({words})")
    return SourceFailed(f"PostgreSQL refused reading {name}: {words}")


def _estimate(conn: psycopg.Connection[Any], statement: str) -> int | None:
    """The planner's row estimate for the query (EXPLAIN plans it without running it)."""
    try:
        [(plan,)] = conn.execute(f"EXPLAIN (FORMAT JSON) {statement}".encode()).fetchall()
    except psycopg.Error:
        conn.rollback()
        return None
    document = json.loads(plan) if isinstance(plan, str) else plan
    return int(document[0]["Plan"]["Plan Rows"])


def _types(conn: psycopg.Connection[Any], oids: list[int]) -> dict[int, tuple[str, str, str]]:
    """oid -> (type name, typtype, typcategory), domains as their base type."""
    rows = conn.execute(_TYPES_SQL, (oids,)).fetchall()
    return {int(oid): (str(name), str(kind), str(category)) for oid, name, kind, category in rows}


def _carried(name: str, sql_name: str, found: tuple[str, str, str], typmod: int) -> tuple[NativeColumn, str]:
    """The column as carried (None: it cannot be) and how it is read: `{}` is the column."""
    typname, typtype, category = found
    text = SourceColumn(name, sql_name, ColumnType.TEXT)
    if typname == "record" or category == "A" or typtype == "c":  # rows and arrays as JSON
        return NativeColumn(name, typname, text), "to_json({})::text"
    if typtype == "p":  # void, cstring, anyelement...: no value a destination could hold
        return NativeColumn(name, typname, None), "{}"
    if typname == "numeric":
        # typmod packs (precision << 16 | scale) + 4; -1 is a numeric without limits.
        precision, scale = ((typmod - 4) >> 16, (typmod - 4) & 0xFFFF) if typmod >= 0 else (None, None)
        return NativeColumn(
            name, typname, SourceColumn(name, sql_name, ColumnType.NUMERIC, precision, scale)
        ), "{}::text"
    if typname == "money":
        return NativeColumn(
            name, typname, SourceColumn(name, sql_name, ColumnType.NUMERIC)
        ), "{}::numeric::text"
    if typname in NATIVE_TYPES:
        kind = NATIVE_TYPES[typname]
        read = "{}::text" if kind is ColumnType.TEXT else "{}"
        return NativeColumn(name, typname, SourceColumn(name, sql_name, kind)), read
    return NativeColumn(name, typname, text), "{}::text"


def _words(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def postgres_key_ranges(
    config: DestinationConfig | SourceConfig, schema: str, table: str, column: str, parts: int
) -> list[KeyRange]:
    """`parts` ranges of `column` (a NOT NULL numeric or date/timestamp column, the primary key
    usually) covering every row exactly once; each is a PostgresTableSource's key_range."""
    name = f"{schema}.{table}"
    try:
        with psycopg.connect(conninfo(config)) as conn:
            found = conn.execute(
                """SELECT a.attnotnull FROM pg_attribute a
                JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = %s AND c.relname = %s AND a.attname = %s AND a.attnum > 0""",
                (schema, table, column),
            ).fetchone()
            if found is None:
                raise SourceFailed(f"table {name} has no column {column!r}")
            if not found[0]:
                raise SourceFailed(f"column {column!r} may be NULL: split a table on a NOT NULL key")
            column_sql, table_sql = sql.Identifier(column), sql.Identifier(schema, table)
            bounds = conn.execute(
                sql.SQL("SELECT min({0}), max({0}) FROM {1}").format(column_sql, table_sql)
            ).fetchone()
    except psycopg.OperationalError as error:
        raise SourceUnreachable(f"cannot split {name}: {_words(error)}") from error
    except psycopg.Error as error:
        raise SourceFailed(f"cannot split {name}: {_words(error)}") from error
    low, high = bounds if bounds else (None, None)
    if low is None:
        return [KeyRange(column)]  # an empty table: one range, open both ways
    try:
        return [KeyRange(column, lower, upper) for lower, upper in split_range(low, high, parts)]
    except ValueError as error:
        raise SourceFailed(f"cannot split {name} on {column!r}: {error}") from error
