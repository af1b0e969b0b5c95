"""SQL Server sources through pymssql: a table (or a key range of one), or a read-only query.

UNTESTED AGAINST A LIVE SERVER: no SQL Server can run on this machine. What is tested is pure:
the generated statements (table read in key order with a key range, column metadata queries, the
query's describe), the type mapping and the driver values' conversion to the text every source
yields (tests/engine/test_sqlserver_oracle.py); the connection code follows pymssql's documented
API and has never met a server.

    with SqlServerTableSource(config, "dbo", "orders", batch_size=50_000) as source: ...
    with SqlServerQuerySource(config, "SELECT * FROM dbo.orders WHERE paid = 1") as source: ...

Rows stream with `fetchmany` (pymssql reads rows off the connection as they are fetched). Types:
bit BOOLEAN; tinyint, smallint, int INTEGER; bigint BIGINT; decimal/numeric(p, s) NUMERIC(p, s);
money NUMERIC(19, 4), smallmoney NUMERIC(10, 4); float, real FLOAT; date DATE; datetime,
datetime2, smalldatetime TIMESTAMP; datetimeoffset TIMESTAMPTZ; time, uniqueidentifier, xml and
every character type TEXT; binary, varbinary, image, rowversion TEXT (`\\x` hex). sql_variant and
the CLR types (geography, geometry, hierarchyid) cannot be carried: refused with the column named.

SQL Server has no read-only transaction: a query is checked (one SELECT, no INTO, nothing after a
`;`), described by `sys.dm_exec_describe_first_result_set` without running, and read inside a
transaction that is rolled back; T-SQL functions cannot change data, so a SELECT cannot either.
pymssql's `timeout` is the statement time limit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from ..errors import EngineError, SourceFailed, SourceUnreachable
from ..identifiers import unique_sql_identifiers
from ..spec import ColumnType, Incremental, SourceColumn
from .base import NativeColumn, QueryRefused, SourceConfig, check_carried
from .dbapi import DbApiSource
from .incremental import find_cursor, since
from .ranges import KeyRange, KeyValue
from .sql import single_select

CONNECT_TIMEOUT_SECONDS = 10

TABLE_COLUMNS_SQL = """SELECT c.name, t.name AS type_name, c.precision, c.scale, c.max_length, c.is_nullable,
       COALESCE(ic.key_ordinal, 0) AS key_position
FROM sys.columns c
JOIN sys.types t ON t.user_type_id = c.user_type_id
LEFT JOIN sys.indexes i ON i.object_id = c.object_id AND i.is_primary_key = 1
LEFT JOIN sys.index_columns ic
    ON ic.object_id = c.object_id AND ic.index_id = i.index_id AND ic.column_id = c.column_id
WHERE c.object_id = OBJECT_ID(%s)
ORDER BY c.column_id"""

ROW_ESTIMATE_SQL = """SELECT SUM(p.rows) FROM sys.partitions p
WHERE p.object_id = OBJECT_ID(%s) AND p.index_id IN (0, 1)"""

# Describes a statement's result without running it (SQL Server 2012 and later).
DESCRIBE_SQL = """SELECT name, system_type_name, precision, scale, max_length, is_nullable
FROM sys.dm_exec_describe_first_result_set(%s, NULL, 0)
WHERE is_hidden = 0
ORDER BY column_ordinal"""

_INTEGERS = {"tinyint": ColumnType.INTEGER, "smallint": ColumnType.INTEGER, "int": ColumnType.INTEGER}
_TEXTS = {
    "char",
    "varchar",
    "nchar",
    "nvarchar",
    "text",
    "ntext",
    "xml",
    "uniqueidentifier",
    "time",
    "sysname",
}
_BINARIES = {"binary", "varbinary", "image", "timestamp", "rowversion"}
UNCARRIED = {"sql_variant", "geography", "geometry", "hierarchyid"}


def quote(name: str) -> str:
    """A SQL Server identifier in brackets."""
    return "[" + name.replace("]", "]]") + "]"


def carried(name: str, sql_name: str, type_name: str, precision: int, scale: int) -> NativeColumn:
    """The column a SQL Server type is carried as (None: it cannot be). `type_name` as
    sys.types or system_type_name writes it (`decimal(38,18)`, `nvarchar(max)`)."""
    base = type_name.split("(")[0].strip().lower()

    def column(kind: ColumnType, p: int | None = None, s: int | None = None) -> SourceColumn:
        return SourceColumn(name, sql_name, kind, p, s)

    found: SourceColumn | None
    if base in UNCARRIED:
        found = None
    elif base == "bit":
        found = column(ColumnType.BOOLEAN)
    elif base in _INTEGERS:
        found = column(_INTEGERS[base])
    elif base == "bigint":
        found = column(ColumnType.BIGINT)
    elif base in ("decimal", "numeric"):
        found = column(ColumnType.NUMERIC, precision, scale)
    elif base == "money":
        found = column(ColumnType.NUMERIC, 19, 4)
    elif base == "smallmoney":
        found = column(ColumnType.NUMERIC, 10, 4)
    elif base in ("float", "real"):
        found = column(ColumnType.FLOAT)
    elif base == "date":
        found = column(ColumnType.DATE)
    elif base in ("datetime", "datetime2", "smalldatetime"):
        found = column(ColumnType.TIMESTAMP)
    elif base == "datetimeoffset":
        found = column(ColumnType.TIMESTAMPTZ)
    elif base in _TEXTS or base in _BINARIES:
        found = column(ColumnType.TEXT)
    else:  # a user-defined (CLR) type or one this engine does not know
        found = None
    return NativeColumn(name, type_name, found)


def table_select(
    schema: str,
    table: str,
    columns: list[str],
    keys: list[str],
    key_range: KeyRange | None = None,
    since: tuple[str, KeyValue | None] | None = None,
) -> tuple[str, list[Any]]:
    """The table read: its columns in key order (a key range's column first), `%s` parameters.
    `since` (an incremental read's cursor column and lower bound, None: all rows): rows at or past
    it, in cursor order."""
    where, params = "", list[Any]()
    conditions: list[str] = []
    order = [quote(k) for k in keys]
    if since is not None and key_range is None:
        order = [quote(since[0]), *[o for o in order if o != quote(since[0])]]
    if key_range is not None:
        condition, params = key_range.condition(quote, "%s")
        conditions.append(condition)
        order = [quote(key_range.column), *[o for o in order if o != quote(key_range.column)]]
    if since is not None and since[1] is not None:
        conditions.append(f"{quote(since[0])} >= %s")
        params.append(since[1])
    if conditions:
        where = " WHERE " + " AND ".join(conditions)
    select = ", ".join(quote(c) for c in columns)
    statement = f"SELECT {select} FROM {quote(schema)}.{quote(table)}{where}"
    if order:
        statement += f" ORDER BY {', '.join(order)}"
    return statement, params


def key_bounds_sql(schema: str, table: str, column: str) -> str:
    """MIN and MAX of a split column (see ranges.split_range)."""
    return f"SELECT MIN({quote(column)}), MAX({quote(column)}) FROM {quote(schema)}.{quote(table)}"


def native_columns(rows: Sequence[Sequence[Any]]) -> list[NativeColumn]:
    """NativeColumns from TABLE_COLUMNS_SQL or DESCRIBE_SQL rows (name, type, precision, scale...)."""
    names = [str(row[0]) for row in rows]
    return [
        carried(name, sql_name, str(row[1]), int(row[2] or 0), int(row[3] or 0))
        for name, sql_name, row in zip(names, unique_sql_identifiers(names), rows, strict=True)
    ]


def _connect(config: SourceConfig, timeout_seconds: float | None) -> Any:
    import pymssql

    try:
        return pymssql.connect(
            server=config.host or "localhost",
            port=str(config.port or 1433),
            user=config.user,
            password=config.password,
            database=config.database or "",
            login_timeout=CONNECT_TIMEOUT_SECONDS,
            timeout=int(timeout_seconds or 0),
            appname="etl-portal-source",
            autocommit=False,  # the read runs in a transaction that is rolled back at close
            read_only=bool(config.options.get("read_only_intent", False)),
        )
    except pymssql.Error as error:
        raise SourceUnreachable(f"cannot connect to SQL Server at {config.host}: {_words(error)}") from error


def _failure(name: str) -> Any:
    def failure(error: Exception) -> SourceFailed | SourceUnreachable:
        import pymssql

        if isinstance(error, pymssql.OperationalError) and "timeout" in str(error).lower():
            return QueryRefused(f"{name} ran past its statement time limit and was stopped ({_words(error)})")
        if isinstance(error, (pymssql.OperationalError, pymssql.InterfaceError)):
            return SourceUnreachable(f"lost SQL Server while reading {name}: {_words(error)}")
        return SourceFailed(f"SQL Server refused reading {name}: {_words(error)}")

    return failure


class SqlServerTableSource(DbApiSource):
    """A table in primary key order (storage order without one); identities are ordinals."""

    def __init__(
        self,
        config: SourceConfig,
        schema: str,
        table: str,
        batch_size: int = 100_000,
        *,
        key_range: KeyRange | None = None,
        timeout_seconds: float | None = None,
        incremental: Incremental | None = None,
    ) -> None:
        import pymssql

        name = f"{schema}.{table}"
        connection = _connect(config, timeout_seconds)
        try:
            with connection.cursor() as cursor:
                cursor.execute(TABLE_COLUMNS_SQL, (f"{quote(schema)}.{quote(table)}",))
                rows = cursor.fetchall()
                cursor.execute(ROW_ESTIMATE_SQL, (f"{quote(schema)}.{quote(table)}",))
                estimate = cursor.fetchone()[0]
        except pymssql.Error as error:
            connection.close()
            raise _failure(name)(error) from error
        if not rows:
            connection.close()
            raise SourceFailed(f"table {name} does not exist (or has no columns)")
        self.native_columns = native_columns(rows)
        try:
            columns = check_carried(self.native_columns)
        except SourceFailed:
            connection.close()
            raise
        keys = [str(row[0]) for row in sorted(rows, key=lambda r: int(r[6])) if int(row[6])]
        names = [str(r[0]) for r in rows]
        try:
            increment = find_cursor(incremental, names, columns, name)
        except EngineError:
            connection.close()
            raise
        self._select = partial(table_select, schema, table, names, keys, key_range)
        statement, params = self._select(since(increment, None))
        super().__init__(
            connection,
            statement,
            params,
            columns,
            batch_size,
            None if estimate is None else int(estimate),
            _failure(name),
            (pymssql.Error,),
        )
        self.track(increment)

    def resume(self, state: dict[str, Any] | None) -> None:
        if self.increment is not None:
            self.statement, self.params = self._select(since(self.increment, self.increment.lower(state)))


class SqlServerQuerySource(DbApiSource):
    """One SELECT, described without running, read in a transaction rolled back at close."""

    def __init__(
        self,
        config: SourceConfig,
        query: str,
        batch_size: int = 100_000,
        *,
        timeout_seconds: float = 3600,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        """`params`: the values of the query's `%(name)s` placeholders, quoted into the statement
        by pymssql (as its execute does) so that the statement described is the one read."""
        import pymssql
        import pymssql._mssql

        if params is not None:
            query = pymssql._mssql.substitute_params(query, dict(params)).decode()

        statement = single_select(query, "sqlserver")
        connection = _connect(config, timeout_seconds)
        try:
            with connection.cursor() as cursor:
                cursor.execute(DESCRIBE_SQL, (statement,))
                rows = cursor.fetchall()
        except pymssql.Error as error:
            connection.close()
            raise _failure("the query")(error) from error
        self.native_columns = native_columns(rows)
        try:
            columns = check_carried(self.native_columns)
        except SourceFailed:
            connection.close()
            raise
        super().__init__(
            connection, statement, None, columns, batch_size, None, _failure("the query"), (pymssql.Error,)
        )


def _words(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
