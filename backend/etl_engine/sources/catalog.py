"""Database catalogs for the portal's browser: schemas, tables and views (row estimates, sizes),
columns (types, nullability, defaults), primary and unique keys, a table's rows a page at a time,
and a read-only query's rows a page at a time — for PostgreSQL, MySQL/MariaDB and DuckDB.

    schemas = list_schemas(config)
    tables = list_tables(config, "public")              # [CatalogTable(name, kind, row_estimate, size_bytes)]
    detail = describe_table(config, "public", "orders")  # columns and keys; None when unknown
    page = preview_table(config, "public", "orders", offset=0, limit=50, timeout_seconds=30)
    page = run_query(config, "SELECT * FROM orders", offset=0, limit=50, timeout_seconds=30)

Rows are read through the sources (PostgresQuerySource, MySqlQuerySource), so a page has the
types a run would load and the query passes the same guards: one SELECT checked before it is sent
(sql.single_select), a read-only transaction, a statement timeout. DuckDB files are opened
read-only with external access off (a query cannot read or attach the server's files) and a
query is interrupted at its timeout. Values are JSON-safe (`json_value`): exact numerics as
strings, binary as `\\x` hex text, dates and timestamps ISO 8601, integers beyond ±2**53 as
strings (a JavaScript number would round them), NaN and infinities as strings.

Every call opens and closes its own connections; nothing is held between calls.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa

from ..errors import DestinationUnreachable, SourceFailed, SourceUnreachable
from ..identifiers import qualified_name, quote_identifier
from ..spec import ColumnType, DestinationConfig
from ..writers.sql import LEDGER_TABLE, STAGING_PREFIX
from .base import NativeColumn, QueryRefused, SourceConfig
from .sql import single_select

TableKind = Literal["table", "view", "materialized_view", "foreign_table"]
ValueType = Literal[
    "integer", "float", "decimal", "boolean", "date", "timestamp", "timestamptz", "text", "bytes", "json"
]
Config = DestinationConfig | SourceConfig
BROWSABLE_KINDS = ("postgres", "mysql", "duckdb")
SAFE_INTEGER = 2**53 - 1
_MYSQL_SYSTEM = ("information_schema", "mysql", "performance_schema", "sys")
_MYSQL_GEOMETRY = {
    "geometry",
    "point",
    "linestring",
    "polygon",
    "multipoint",
    "multilinestring",
    "multipolygon",
    "geometrycollection",
}


@dataclass
class CatalogTable:
    schema: str
    name: str
    kind: TableKind
    row_estimate: int | None  # the database's statistics, not a count; None when it has none
    size_bytes: int | None  # data and indexes; None for views or where the database does not say


@dataclass
class CatalogColumn:
    name: str
    type: str  # as the database declares it, e.g. numeric(12,2), varchar(40), BIGINT
    nullable: bool
    default: str | None


@dataclass
class TableDetail(CatalogTable):
    columns: list[CatalogColumn] = field(default_factory=list)
    primary_key: list[str] = field(default_factory=list)
    unique_keys: list[list[str]] = field(default_factory=list)


@dataclass
class ResultColumn:
    name: str
    type: str  # the database's type name
    value_type: ValueType  # how its JSON values read


@dataclass
class ResultPage:
    columns: list[ResultColumn]
    rows: list[list[Any]]  # JSON-safe values
    has_more: bool  # a row follows the page


def list_schemas(config: Config) -> list[str]:
    if config.kind == "postgres":
        with _pg(config) as conn:
            rows = conn.execute(_PG_SCHEMAS_SQL).fetchall()
        return [str(row[0]) for row in rows]
    if config.kind == "mysql":
        rows = _mysql_rows(
            config,
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN %s ORDER BY 1",
            (_MYSQL_SYSTEM,),
        )
        return [str(row[0]) for row in rows]
    if config.kind == "duckdb":
        with _duckdb(config) as conn:
            rows = conn.execute(_DUCKDB_SCHEMAS_SQL).fetchall()
        return [str(row[0]) for row in rows]
    raise _unsupported(config)


def list_tables(config: Config, schema: str) -> list[CatalogTable]:
    """Tables and views of `schema` by name; the engine's own staging tables and ledger hidden."""
    if config.kind == "postgres":
        with _pg(config) as conn:
            found = [
                CatalogTable(schema, str(name), _PG_KINDS[str(kind)], _estimate(rows), _int(size))
                for name, kind, rows, size in conn.execute(_PG_TABLES_SQL, (schema,)).fetchall()
            ]
    elif config.kind == "mysql":
        found = [
            CatalogTable(
                schema,
                str(name),
                "view" if kind == "VIEW" else "table",
                None if kind == "VIEW" else _int(rows),
                None if kind == "VIEW" else _int(size),
            )
            for name, kind, rows, size in _mysql_rows(config, _MYSQL_TABLES_SQL, (schema,))
        ]
    elif config.kind == "duckdb":
        with _duckdb(config) as conn:
            found = [
                CatalogTable(schema, str(name), "view" if kind == "VIEW" else "table", _int(rows), None)
                for name, kind, rows in conn.execute(_DUCKDB_TABLES_SQL, [schema, schema]).fetchall()
            ]
    else:
        raise _unsupported(config)
    return [t for t in found if t.name != LEDGER_TABLE and not t.name.startswith(STAGING_PREFIX)]


def describe_table(config: Config, schema: str, table: str) -> TableDetail | None:
    """Columns in their order, the primary key's columns and each unique key's; None when
    `schema.table` is no table or view."""
    if config.kind == "postgres":
        return _pg_describe(config, schema, table)
    if config.kind == "mysql":
        return _mysql_describe(config, schema, table)
    if config.kind == "duckdb":
        return _duckdb_describe(config, schema, table)
    raise _unsupported(config)


def preview_table(
    config: Config, schema: str, table: str, offset: int, limit: int, timeout_seconds: float
) -> ResultPage:
    """Rows `offset`..`offset + limit` of a table in primary key order (storage order without
    one). SourceFailed when the table is unknown."""
    detail = describe_table(config, schema, table)
    if detail is None:
        raise SourceFailed(f"table {schema}.{table} does not exist")
    if config.kind == "mysql":
        quote = _mysql_quote
        selected = ", ".join(
            f"ST_AsText({quote(c.name)}) AS {quote(c.name)}"
            if c.type.split("(")[0].lower() in _MYSQL_GEOMETRY
            else quote(c.name)
            for c in detail.columns
        )
        target = f"{quote(schema)}.{quote(table)}"
    else:
        quote = quote_identifier
        selected = ", ".join(quote(c.name) for c in detail.columns)
        target = qualified_name(schema, table)
    order = f" ORDER BY {', '.join(quote(k) for k in detail.primary_key)}" if detail.primary_key else ""
    statement = f"SELECT {selected} FROM {target}{order}"
    return _page(config, statement, offset, limit, timeout_seconds)


def run_query(config: Config, query: str, offset: int, limit: int, timeout_seconds: float) -> ResultPage:
    """Rows `offset`..`offset + limit` of one read-only SELECT; QueryRefused (never run) when it
    is not one, or (stopped, nothing changed) when it tries to write or runs past the timeout."""
    statement = single_select(query, "mysql" if config.kind == "mysql" else "postgres")
    return _page(config, statement, offset, limit, timeout_seconds)


def server_version(config: Config) -> str:
    """The server's version: a connection test for a source-only kind."""
    if config.kind == "mysql":
        [(version,)] = _mysql_rows(config, "SELECT VERSION()", ())
        return f"MySQL/MariaDB {version}"
    if config.kind == "postgres":
        with _pg(config) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return f"PostgreSQL {row[0] if row else '?'}"
    raise _unsupported(config)


# -- pages -------------------------------------------------------------------------------------


def _page(config: Config, statement: str, offset: int, limit: int, timeout_seconds: float) -> ResultPage:
    if config.kind == "postgres":
        return _pg_page(config, statement, offset, limit, timeout_seconds)
    if config.kind == "mysql":
        return _mysql_page(config, statement, offset, limit, timeout_seconds)
    if config.kind == "duckdb":
        return _duckdb_page(config, statement, offset, limit, timeout_seconds)
    raise _unsupported(config)


def _pg_page(config: Config, statement: str, offset: int, limit: int, timeout_seconds: float) -> ResultPage:
    """The page is cut by the server: the checked statement as a subquery with LIMIT and OFFSET,
    read by the PostgreSQL query source (its order kept: a subquery scan does not reorder)."""
    from .postgres import PostgresQuerySource

    paged = f"SELECT * FROM (\n{statement}\n) AS page LIMIT {int(limit) + 1} OFFSET {int(offset)}"
    try:
        with PostgresQuerySource(
            config, paged, batch_size=limit + 1, timeout_seconds=timeout_seconds
        ) as source:
            batches = [raw.batch for raw in source.batches()]
            return _result(source.native_columns, batches, limit)
    except QueryRefused:
        raise
    except SourceFailed as error:
        if "data-modifying" in str(error):  # WITH ... (INSERT/UPDATE/DELETE): refused by the server
            raise QueryRefused(f"the query may only read; nothing was run ({error})") from error
        raise


def _mysql_page(
    config: Config, statement: str, offset: int, limit: int, timeout_seconds: float
) -> ResultPage:
    """The statement as written (a derived table would lose its ORDER BY on MariaDB), streamed
    unbuffered: `offset` rows skipped, the page taken, and the connection dropped, not drained."""
    from .mysql import MySqlQuerySource

    if not isinstance(config, SourceConfig):
        raise _unsupported(config)
    taken: list[pa.RecordBatch] = []
    skip, wanted = offset, limit + 1
    with MySqlQuerySource(
        config, statement, batch_size=min(max(limit, 100), 1000), zero_dates="null",
        timeout_seconds=timeout_seconds,
    ) as source:  # fmt: skip
        for raw in source.batches():
            batch = raw.batch
            if skip:
                dropped = min(skip, batch.num_rows)
                batch, skip = batch.slice(dropped), skip - dropped
            if batch.num_rows:
                taken.append(batch.slice(0, wanted))
                wanted -= taken[-1].num_rows
            if wanted <= 0:
                break
        return _result(source.native_columns, taken, limit)


def _duckdb_page(
    config: Config, statement: str, offset: int, limit: int, timeout_seconds: float
) -> ResultPage:
    import duckdb

    paged = f"SELECT * FROM (\n{statement}\n) AS page LIMIT {int(limit) + 1} OFFSET {int(offset)}"
    with _duckdb(config) as conn:
        timer = threading.Timer(timeout_seconds, conn.interrupt)
        timer.start()
        try:
            relation = conn.sql(paged)
            types = [str(t) for t in relation.types]
            table = relation.to_arrow_table()
        except duckdb.InterruptException as error:
            raise QueryRefused(
                f"the query ran past its statement timeout ({timeout_seconds:g} s) and was stopped"
            ) from error
        except duckdb.PermissionException as error:  # a file, ATTACH, an extension: refused
            raise QueryRefused(f"the query may only read this database ({_words(error)})") from error
        except duckdb.Error as error:
            if "read-only" in str(error).lower():
                raise QueryRefused(f"the query may only read this database ({_words(error)})") from error
            raise SourceFailed(f"DuckDB refused the query: {_words(error)}") from error
        finally:
            timer.cancel()
    native = [
        NativeColumn(name, native_type, None)
        for name, native_type in zip(table.column_names, types, strict=True)
    ]
    return _result(native, table.to_batches(), limit, arrow_types=True)


def _result(
    native: list[NativeColumn], batches: list[pa.RecordBatch], limit: int, arrow_types: bool = False
) -> ResultPage:
    rows: list[list[Any]] = []
    columns: list[ResultColumn] = []
    types: list[ValueType] = []
    for index, column in enumerate(native):
        arrow = batches[0].schema.field(index).type if batches else None
        value_type = _value_type(column, arrow if arrow_types else None)
        types.append(value_type)
        columns.append(ResultColumn(column.name, column.native_type, value_type))
    for batch in batches:
        values = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        for row in zip(*values, strict=True):
            rows.append([json_value(v, t) for v, t in zip(row, types, strict=True)])
    return ResultPage(columns, rows[:limit], len(rows) > limit)


def _value_type(column: NativeColumn, arrow: pa.DataType | None) -> ValueType:
    """How a result column's values read in JSON, from its carried type (or its Arrow type)."""
    if arrow is not None:
        if pa.types.is_integer(arrow):
            return "integer"
        if pa.types.is_floating(arrow):
            return "float"
        if pa.types.is_decimal(arrow):
            return "decimal"
        if pa.types.is_boolean(arrow):
            return "boolean"
        if pa.types.is_date(arrow):
            return "date"
        if pa.types.is_timestamp(arrow):
            return "timestamptz" if arrow.tz else "timestamp"
        if (
            pa.types.is_binary(arrow)
            or pa.types.is_large_binary(arrow)
            or pa.types.is_fixed_size_binary(arrow)
        ):
            return "bytes"
        if pa.types.is_nested(arrow):
            return "json"
        return "text"
    native = column.native_type.lower()
    if native in ("bytea",) or native.endswith("(binary)"):
        return "bytes"
    if native in ("json", "jsonb"):
        return "json"
    kind = column.column.type if column.column is not None else ColumnType.TEXT
    return {
        ColumnType.INTEGER: "integer",
        ColumnType.BIGINT: "integer",
        ColumnType.FLOAT: "float",
        ColumnType.NUMERIC: "decimal",
        ColumnType.BOOLEAN: "boolean",
        ColumnType.DATE: "date",
        ColumnType.TIMESTAMP: "timestamp",
        ColumnType.TIMESTAMPTZ: "timestamptz",
    }.get(kind, "text")  # type: ignore[return-value]


def json_value(value: Any, value_type: ValueType) -> Any:
    """A value as JSON carries it without loss (see the module docstring)."""
    if value is None:
        return None
    if isinstance(value, str):
        return _from_text(value, value_type)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if -SAFE_INTEGER <= value <= SAFE_INTEGER else str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return value if math.isfinite(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): json_value(v, "json") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v, "json") for v in value]
    return str(value)


def _from_text(text: str, value_type: ValueType) -> Any:
    """A value the source carried as text (MySQL's every value, PostgreSQL's numerics...)."""
    if value_type == "integer":
        return json_value(int(text), value_type)
    if value_type == "float":
        return json_value(float(text), value_type)
    if value_type == "boolean":
        return {"1": True, "0": False, "true": True, "false": False}.get(text.lower(), text)
    if value_type == "timestamp":
        return text.replace(" ", "T", 1)
    if value_type == "timestamptz":
        iso = text.replace(" ", "T", 1)
        return iso if "+" in iso[10:] or iso.endswith("Z") or "-" in iso[19:] else iso + "+00:00"
    return text


# -- PostgreSQL -----------------------------------------------------------------------------------

_PG_SCHEMAS_SQL = """
SELECT nspname FROM pg_namespace
WHERE nspname NOT IN ('information_schema', 'pg_catalog', 'pg_toast')
  AND nspname NOT LIKE 'pg\\_temp\\_%' AND nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
  AND has_schema_privilege(oid, 'USAGE')
ORDER BY nspname
"""

_PG_TABLES_SQL = """
SELECT c.relname, c.relkind::text,
       CASE WHEN c.relkind IN ('r', 'm', 'p') THEN c.reltuples::float8 END,
       CASE WHEN c.relkind IN ('r', 'm', 'p') THEN pg_total_relation_size(c.oid) END
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
ORDER BY c.relname
"""

_PG_KINDS: dict[str, TableKind] = {
    "r": "table",
    "p": "table",
    "v": "view",
    "m": "materialized_view",
    "f": "foreign_table",
}

_PG_TABLE_SQL = """
SELECT c.oid::int8, c.relkind::text,
       CASE WHEN c.relkind IN ('r', 'm', 'p') THEN c.reltuples::float8 END,
       CASE WHEN c.relkind IN ('r', 'm', 'p') THEN pg_total_relation_size(c.oid) END
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
"""

_PG_COLUMNS_SQL = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, pg_get_expr(d.adbin, d.adrelid)
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = %s::int8::oid AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""

# Unique indexes on plain columns, the primary key first (an expression or partial index is no key).
_PG_KEYS_SQL = """
SELECT i.indisprimary,
       ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.ord)
FROM pg_index i
WHERE i.indrelid = %s::int8::oid AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
ORDER BY i.indisprimary DESC, i.indexrelid
"""


@contextmanager
def _pg(config: Config) -> Iterator[Any]:
    import psycopg

    from .postgres import conninfo

    try:
        conn = psycopg.connect(conninfo(config))
    except psycopg.OperationalError as error:
        raise SourceUnreachable(f"cannot connect to PostgreSQL: {_words(error)}") from error
    try:
        yield conn
    except psycopg.OperationalError as error:
        raise SourceUnreachable(f"lost PostgreSQL: {_words(error)}") from error
    except psycopg.Error as error:
        raise SourceFailed(f"PostgreSQL refused reading its catalog: {_words(error)}") from error
    finally:
        conn.close()


def _pg_describe(config: Config, schema: str, table: str) -> TableDetail | None:
    with _pg(config) as conn:
        found = conn.execute(_PG_TABLE_SQL, (schema, table)).fetchone()
        if found is None:
            return None
        oid, kind, rows, size = found
        columns = conn.execute(_PG_COLUMNS_SQL, (oid,)).fetchall()
        keys = conn.execute(_PG_KEYS_SQL, (oid,)).fetchall()
    primary = next((list(names) for is_primary, names in keys if is_primary), [])
    return TableDetail(
        schema,
        table,
        _PG_KINDS[str(kind)],
        _estimate(rows),
        _int(size),
        [
            CatalogColumn(str(n), str(t), bool(null), None if d is None else str(d))
            for n, t, null, d in columns
        ],
        primary,
        [list(names) for is_primary, names in keys if not is_primary],
    )


def _estimate(reltuples: Any) -> int | None:
    """pg_class.reltuples: -1 before the table was first analyzed (PostgreSQL 14 and later)."""
    if reltuples is None or float(reltuples) < 0:
        return None
    return int(reltuples)


# -- MySQL / MariaDB ------------------------------------------------------------------------------

_MYSQL_TABLES_SQL = """SELECT TABLE_NAME, TABLE_TYPE, TABLE_ROWS, DATA_LENGTH + INDEX_LENGTH
FROM information_schema.TABLES
WHERE TABLE_SCHEMA = %s AND TABLE_TYPE IN ('BASE TABLE', 'VIEW', 'SYSTEM VERSIONED')
ORDER BY TABLE_NAME"""

_MYSQL_COLUMNS_SQL = """SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION"""

_MYSQL_KEYS_SQL = """SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s AND NON_UNIQUE = 0
ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX"""


def _mysql_rows(config: Config, statement: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """Rows of a catalog statement, values decoded (the source connection hands over bytes)."""
    import pymysql

    from .mysql import connect

    if not isinstance(config, SourceConfig):
        raise _unsupported(config)
    connection = connect(config)
    try:
        with connection.cursor(pymysql.cursors.Cursor) as cursor:
            cursor.execute(statement, params or None)
            rows = cursor.fetchall()
    except pymysql.err.MySQLError as error:
        code = error.args[0] if error.args and isinstance(error.args[0], int) else 0
        if 2000 <= code < 3000:
            raise SourceUnreachable(f"lost MySQL: {_words(error)}") from error
        raise SourceFailed(f"MySQL refused reading its catalog: {_words(error)}") from error
    finally:
        connection.close()
    return [tuple(v.decode() if isinstance(v, bytes) else v for v in row) for row in rows]


def _mysql_describe(config: Config, schema: str, table: str) -> TableDetail | None:
    [found] = _mysql_rows(
        config,
        "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
        (schema, table),
    ) or [(0,)]
    if not int(found[0]):
        return None
    [info] = [t for t in _mysql_table_rows(config, schema) if t.name == table] or [
        CatalogTable(schema, table, "table", None, None)
    ]
    columns = [  # MariaDB says NULL for a NULL default (a text default comes quoted)
        CatalogColumn(
            str(name), str(kind), nullable == "YES", None if default in (None, "NULL") else str(default)
        )
        for name, kind, nullable, default in _mysql_rows(config, _MYSQL_COLUMNS_SQL, (schema, table))
    ]
    keys: dict[str, list[str]] = {}
    for index, column in _mysql_rows(config, _MYSQL_KEYS_SQL, (schema, table)):
        keys.setdefault(str(index), []).append(str(column))
    primary = keys.pop("PRIMARY", [])
    return TableDetail(
        schema, table, info.kind, info.row_estimate, info.size_bytes, columns, primary, list(keys.values())
    )


def _mysql_table_rows(config: Config, schema: str) -> list[CatalogTable]:
    return [
        CatalogTable(
            schema,
            str(name),
            "view" if kind == "VIEW" else "table",
            None if kind == "VIEW" else _int(rows),
            None if kind == "VIEW" else _int(size),
        )
        for name, kind, rows, size in _mysql_rows(config, _MYSQL_TABLES_SQL, (schema,))
    ]


def _mysql_quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


# -- DuckDB ---------------------------------------------------------------------------------------

_DUCKDB_SCHEMAS_SQL = """SELECT DISTINCT schema_name FROM duckdb_schemas()
WHERE database_name = current_database() AND NOT internal
   OR (database_name = current_database() AND schema_name = 'main')
ORDER BY 1"""

_DUCKDB_TABLES_SQL = """SELECT table_name, 'BASE TABLE', estimated_size FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = ? AND NOT internal
UNION ALL
SELECT view_name, 'VIEW', NULL FROM duckdb_views()
WHERE database_name = current_database() AND schema_name = ? AND NOT internal
ORDER BY 1"""


@contextmanager
def _duckdb(config: Config) -> Iterator[Any]:
    """The file opened read-only (waiting briefly for a running load, as every browse does), with
    external access off for the rest of the connection: no file read, no ATTACH, no extension."""
    import duckdb

    from ..writers.duckdb import DuckDBDestination

    if not isinstance(config, DestinationConfig):
        raise _unsupported(config)
    try:
        if config.path and not Path(config.path).exists():
            conn = duckdb.connect(":memory:")  # a warehouse before its first load: empty
        else:
            conn = DuckDBDestination(config).connect_read_only()
    except (DestinationUnreachable, duckdb.Error) as error:  # held by a load too long, unreadable
        raise SourceUnreachable(str(error)) from error
    try:
        _lock_down(conn)
        yield conn
    except duckdb.Error as error:
        raise SourceFailed(f"DuckDB refused reading its catalog: {error}") from error
    finally:
        conn.close()


# DuckDB shares one database instance among a process's connections to a file, settings included:
# a browse opened while another is still open finds the instance already locked down.
_LOCKING_DOWN = threading.Lock()


def _lock_down(conn: Any) -> None:
    with _LOCKING_DOWN:
        if not conn.execute("SELECT current_setting('lock_configuration')").fetchone()[0]:
            conn.execute("SET enable_external_access = false")
            conn.execute("SET lock_configuration = true")


def _duckdb_describe(config: Config, schema: str, table: str) -> TableDetail | None:
    with _duckdb(config) as conn:
        found = [t for t in conn.execute(_DUCKDB_TABLES_SQL, [schema, schema]).fetchall() if t[0] == table]
        if not found:
            return None
        _, kind, rows = found[0]
        columns = conn.execute(
            "SELECT column_name, data_type, is_nullable, column_default FROM duckdb_columns() "
            "WHERE database_name = current_database() AND schema_name = ? AND table_name = ? "
            "ORDER BY column_index",
            [schema, table],
        ).fetchall()
        keys = conn.execute(
            "SELECT constraint_type, constraint_column_names FROM duckdb_constraints() "
            "WHERE database_name = current_database() AND schema_name = ? AND table_name = ? "
            "AND constraint_type IN ('PRIMARY KEY', 'UNIQUE') ORDER BY constraint_index",
            [schema, table],
        ).fetchall()
    primary = next((list(names) for kind_, names in keys if kind_ == "PRIMARY KEY"), [])
    return TableDetail(
        schema,
        table,
        "view" if kind == "VIEW" else "table",
        _int(rows),
        None,
        [
            CatalogColumn(str(n), str(t), bool(null), None if d is None else str(d))
            for n, t, null, d in columns
        ],
        primary,
        [list(names) for kind_, names in keys if kind_ == "UNIQUE"],
    )


# -- shared ---------------------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _unsupported(config: Config) -> SourceFailed:
    return SourceFailed(
        f"a {config.kind} connection cannot be browsed (browsable: {', '.join(BROWSABLE_KINDS)})"
    )


def _words(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


__all__ = [
    "BROWSABLE_KINDS",
    "CatalogColumn",
    "CatalogTable",
    "ResultColumn",
    "ResultPage",
    "TableDetail",
    "describe_table",
    "json_value",
    "list_schemas",
    "list_tables",
    "preview_table",
    "run_query",
    "server_version",
]
