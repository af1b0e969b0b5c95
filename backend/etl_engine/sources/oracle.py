"""Oracle sources through python-oracledb (thin mode): a table (or a key range of one), or a
read-only query.

UNTESTED AGAINST A LIVE SERVER: no Oracle database can run on this machine. What is tested is
pure: the generated statements (table read in key order with a key range, the dictionary queries
for columns, keys and estimates), the type mapping and the driver values' conversion to the text
every source yields (tests/engine/test_sqlserver_oracle.py); the connection code follows
python-oracledb's documented API and has never met a server.

    with OracleTableSource(config, "SHOP", "ORDERS", batch_size=50_000) as source: ...
    with OracleQuerySource(config, "SELECT * FROM shop.orders WHERE paid = 1") as source: ...

Rows stream with `fetchmany`, `arraysize` rows per round trip. NUMBER and FLOAT come as Decimal
(an output type handler) so every digit is kept; LOBs are read as str / bytes. Types:
NUMBER(p, 0) INTEGER up to 9 digits, BIGINT up to 18, else NUMERIC(p, 0); NUMBER(p, s)
NUMERIC(p, s); NUMBER and FLOAT without a scale NUMERIC; BINARY_FLOAT, BINARY_DOUBLE FLOAT; DATE
(it has a time) and TIMESTAMP TIMESTAMP; TIMESTAMP WITH (LOCAL) TIME ZONE TIMESTAMPTZ; BOOLEAN
BOOLEAN; VARCHAR2, NVARCHAR2, CHAR, NCHAR, CLOB, NCLOB, LONG, INTERVAL, ROWID, JSON TEXT; RAW,
BLOB, LONG RAW TEXT (`\\x` hex). BFILE (a pointer to a server file), object, collection, REF,
XMLTYPE and VECTOR columns cannot be carried: refused with the column named.

Reads run in `SET TRANSACTION READ ONLY`, with `call_timeout` as the statement time limit; a query
is checked first (one SELECT, no INTO, nothing after a `;`) and parsed without running to learn
its columns. Oracle itself refuses DML inside a query (ORA-14551).
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

TABLE_COLUMNS_SQL = """SELECT c.column_name, c.data_type, c.data_precision, c.data_scale, c.nullable,
       NVL(k.position, 0) AS key_position
FROM all_tab_columns c
LEFT JOIN (
    SELECT cc.column_name, cc.position
    FROM all_constraints pk
    JOIN all_cons_columns cc
        ON cc.owner = pk.owner AND cc.constraint_name = pk.constraint_name
    WHERE pk.constraint_type = 'P' AND pk.owner = :1 AND pk.table_name = :2
) k ON k.column_name = c.column_name
WHERE c.owner = :1 AND c.table_name = :2
ORDER BY c.column_id"""

ROW_ESTIMATE_SQL = "SELECT num_rows FROM all_tables WHERE owner = :1 AND table_name = :2"

_TEXTS = {"VARCHAR2", "NVARCHAR2", "CHAR", "NCHAR", "CLOB", "NCLOB", "LONG", "ROWID", "UROWID", "JSON"}
_BINARIES = {"RAW", "BLOB", "LONG RAW"}
# python-oracledb's DbType names for a query's columns, as the dictionary writes them.
DB_TYPE_NAMES = {
    "DB_TYPE_NUMBER": "NUMBER",
    "DB_TYPE_BINARY_INTEGER": "NUMBER",
    "DB_TYPE_BINARY_FLOAT": "BINARY_FLOAT",
    "DB_TYPE_BINARY_DOUBLE": "BINARY_DOUBLE",
    "DB_TYPE_DATE": "DATE",
    "DB_TYPE_TIMESTAMP": "TIMESTAMP",
    "DB_TYPE_TIMESTAMP_TZ": "TIMESTAMP WITH TIME ZONE",
    "DB_TYPE_TIMESTAMP_LTZ": "TIMESTAMP WITH LOCAL TIME ZONE",
    "DB_TYPE_VARCHAR": "VARCHAR2",
    "DB_TYPE_NVARCHAR": "NVARCHAR2",
    "DB_TYPE_CHAR": "CHAR",
    "DB_TYPE_NCHAR": "NCHAR",
    "DB_TYPE_CLOB": "CLOB",
    "DB_TYPE_NCLOB": "NCLOB",
    "DB_TYPE_LONG": "LONG",
    "DB_TYPE_LONG_NVARCHAR": "LONG",
    "DB_TYPE_RAW": "RAW",
    "DB_TYPE_BLOB": "BLOB",
    "DB_TYPE_LONG_RAW": "LONG RAW",
    "DB_TYPE_ROWID": "ROWID",
    "DB_TYPE_UROWID": "UROWID",
    "DB_TYPE_JSON": "JSON",
    "DB_TYPE_BOOLEAN": "BOOLEAN",
    "DB_TYPE_INTERVAL_DS": "INTERVAL DAY TO SECOND",
    "DB_TYPE_INTERVAL_YM": "INTERVAL YEAR TO MONTH",
    "DB_TYPE_BFILE": "BFILE",
    "DB_TYPE_OBJECT": "OBJECT",
    "DB_TYPE_XMLTYPE": "XMLTYPE",
    "DB_TYPE_VECTOR": "VECTOR",
    "DB_TYPE_CURSOR": "REF CURSOR",
}


def quote(name: str) -> str:
    """An Oracle identifier in double quotes (case kept: dictionary names are upper case)."""
    return '"' + name.replace('"', '""') + '"'


def carried(
    name: str, sql_name: str, data_type: str, precision: int | None, scale: int | None
) -> NativeColumn:
    """The column an Oracle type is carried as (None: it cannot be), `data_type` as
    ALL_TAB_COLUMNS writes it (`TIMESTAMP(6) WITH TIME ZONE`, `NUMBER`)."""
    base = " ".join(part.split("(")[0] for part in data_type.upper().split())

    def column(kind: ColumnType, p: int | None = None, s: int | None = None) -> SourceColumn:
        return SourceColumn(name, sql_name, kind, p, s)

    found: SourceColumn | None
    if base == "NUMBER" and precision is not None and scale == 0:
        found = (
            column(ColumnType.INTEGER)
            if precision <= 9
            else column(ColumnType.BIGINT)
            if precision <= 18
            else column(ColumnType.NUMERIC, precision, 0)
        )
    elif base == "NUMBER" and precision is not None and scale is not None and scale > 0:
        found = column(ColumnType.NUMERIC, precision, scale)
    elif base in ("NUMBER", "FLOAT"):  # no declared scale: a decimal of any size
        found = column(ColumnType.NUMERIC)
    elif base in ("BINARY_FLOAT", "BINARY_DOUBLE"):
        found = column(ColumnType.FLOAT)
    elif base == "DATE" or base == "TIMESTAMP":
        found = column(ColumnType.TIMESTAMP)
    elif base.startswith("TIMESTAMP") and "TIME ZONE" in base:
        found = column(ColumnType.TIMESTAMPTZ)
    elif base == "BOOLEAN":
        found = column(ColumnType.BOOLEAN)
    elif base in _TEXTS or base in _BINARIES or base.startswith("INTERVAL"):
        found = column(ColumnType.TEXT)
    else:  # BFILE, objects, collections, REF, XMLTYPE, VECTOR, ANYDATA...
        found = None
    return NativeColumn(name, data_type, found)


def native_columns(rows: Sequence[Sequence[Any]]) -> list[NativeColumn]:
    """NativeColumns from TABLE_COLUMNS_SQL rows, or (name, type name, precision, scale) of a
    query's description."""
    names = [str(row[0]) for row in rows]
    return [
        carried(name, sql_name, str(row[1]), _int(row[2]), _int(row[3]))
        for name, sql_name, row in zip(names, unique_sql_identifiers(names), rows, strict=True)
    ]


def described(description: Sequence[Any]) -> list[tuple[str, str, int | None, int | None]]:
    """A cursor's description (python-oracledb FetchInfo or DB-API 7-tuples) as (name, Oracle
    type name, precision, scale)."""
    out = []
    for item in description:
        name, type_code, precision, scale = item[0], item[1], item[4], item[5]
        type_name = DB_TYPE_NAMES.get(getattr(type_code, "name", str(type_code)), str(type_code))
        if type_name == "NUMBER" and scale == -127:  # FLOAT: a NUMBER without a scale
            precision, scale = None, None
        out.append((str(name), type_name, _int(precision), _int(scale)))
    return out


def table_select(
    owner: str,
    table: str,
    columns: list[str],
    keys: list[str],
    key_range: KeyRange | None = None,
    since: tuple[str, KeyValue | None] | None = None,
) -> tuple[str, list[Any]]:
    """The table read: its columns in key order (a key range's column first); `:1`, `:2` binds.
    `since` (an incremental read's cursor column and lower bound, None: all rows): rows at or past
    it, in cursor order."""
    where, params = "", list[Any]()
    conditions: list[str] = []
    order = [quote(k) for k in keys]
    if since is not None and key_range is None:
        order = [quote(since[0]), *[o for o in order if o != quote(since[0])]]
    if key_range is not None:
        condition, params = key_range.condition(quote, ":{}")
        for position in range(1, len(params) + 1):
            condition = condition.replace(":{}", f":{position}", 1)
        conditions.append(condition)
        order = [quote(key_range.column), *[o for o in order if o != quote(key_range.column)]]
    if since is not None and since[1] is not None:
        params.append(since[1])
        conditions.append(f"{quote(since[0])} >= :{len(params)}")
    if conditions:
        where = " WHERE " + " AND ".join(conditions)
    select = ", ".join(quote(c) for c in columns)
    statement = f"SELECT {select} FROM {quote(owner)}.{quote(table)}{where}"
    if order:
        statement += f" ORDER BY {', '.join(order)}"
    return statement, params


def key_bounds_sql(owner: str, table: str, column: str) -> str:
    """MIN and MAX of a split column (see ranges.split_range)."""
    return f"SELECT MIN({quote(column)}), MAX({quote(column)}) FROM {quote(owner)}.{quote(table)}"


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _connect(config: SourceConfig, timeout_seconds: float | None) -> Any:
    import oracledb

    try:
        connection = oracledb.connect(
            user=config.user,
            password=config.password,
            host=config.host or "localhost",
            port=config.port or 1521,
            service_name=config.options.get("service_name") or config.database,
            tcp_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        )
        connection.outputtypehandler = _output_type
        if timeout_seconds is not None:
            connection.call_timeout = max(1, round(timeout_seconds * 1000))
        with connection.cursor() as cursor:
            cursor.execute("ALTER SESSION SET TIME_ZONE = 'UTC'")
            cursor.execute("SET TRANSACTION READ ONLY")
        return connection
    except oracledb.Error as error:
        raise SourceUnreachable(f"cannot connect to Oracle at {config.host}: {_words(error)}") from error


def _output_type(cursor: Any, metadata: Any) -> Any:
    """NUMBER as Decimal (no digit lost to a float), LOBs as str / bytes (no locator round trips)."""
    import decimal

    import oracledb

    if metadata.type_code is oracledb.DB_TYPE_NUMBER:
        return cursor.var(decimal.Decimal, arraysize=cursor.arraysize)
    lobs = {
        oracledb.DB_TYPE_CLOB: oracledb.DB_TYPE_LONG,
        oracledb.DB_TYPE_NCLOB: oracledb.DB_TYPE_LONG_NVARCHAR,
        oracledb.DB_TYPE_BLOB: oracledb.DB_TYPE_LONG_RAW,
    }
    if metadata.type_code in lobs:
        return cursor.var(lobs[metadata.type_code], arraysize=cursor.arraysize)
    return None


def _failure(name: str) -> Any:
    def failure(error: Exception) -> SourceFailed | SourceUnreachable:
        text = _words(error)
        if "DPI-1067" in text or "DPI-1080" in text:
            return QueryRefused(f"{name} ran past its statement time limit and was stopped ({text})")
        if "ORA-01456" in text or "ORA-14551" in text:  # DML in a read-only transaction / a query
            return QueryRefused(
                f"{name} tried to write, which a source may not do; nothing was changed ({text})"
            )
        if any(code in text for code in ("DPY-4011", "DPY-6005", "ORA-03113", "ORA-03135")):
            return SourceUnreachable(f"lost Oracle while reading {name}: {text}")
        return SourceFailed(f"Oracle refused reading {name}: {text}")

    return failure


class OracleTableSource(DbApiSource):
    """A table of `owner` in primary key order (storage order without one); identities are
    ordinals; `total` is the optimizer statistics' NUM_ROWS."""

    def __init__(
        self,
        config: SourceConfig,
        owner: str,
        table: str,
        batch_size: int = 100_000,
        *,
        key_range: KeyRange | None = None,
        timeout_seconds: float | None = None,
        incremental: Incremental | None = None,
    ) -> None:
        import oracledb

        name = f"{owner}.{table}"
        connection = _connect(config, timeout_seconds)
        try:
            with connection.cursor() as cursor:
                rows = cursor.execute(TABLE_COLUMNS_SQL, [owner, table]).fetchall()
                estimate = cursor.execute(ROW_ESTIMATE_SQL, [owner, table]).fetchone()
        except oracledb.Error as error:
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
        keys = [str(row[0]) for row in sorted(rows, key=lambda r: int(r[5])) if int(row[5])]
        names = [str(r[0]) for r in rows]
        try:
            increment = find_cursor(incremental, names, columns, name)
        except EngineError:
            connection.close()
            raise
        self._select = partial(table_select, owner, table, names, keys, key_range)
        statement, params = self._select(since(increment, None))
        total = None if not estimate or estimate[0] is None else int(estimate[0])
        super().__init__(
            connection, statement, params, columns, batch_size, total, _failure(name), (oracledb.Error,)
        )
        self.track(increment)

    def resume(self, state: dict[str, Any] | None) -> None:
        if self.increment is not None:
            self.statement, self.params = self._select(since(self.increment, self.increment.lower(state)))


class OracleQuerySource(DbApiSource):
    """One SELECT, parsed without running to learn its columns, read in a read-only transaction."""

    def __init__(
        self,
        config: SourceConfig,
        query: str,
        batch_size: int = 100_000,
        *,
        timeout_seconds: float = 3600,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        """`params`: the values of the query's `:name` binds (ParamStyle.NAMED), bound by oracledb."""
        import oracledb

        statement = single_select(query, "oracle")
        connection = _connect(config, timeout_seconds)
        try:
            with connection.cursor() as cursor:
                cursor.parse(statement)
                fields = described(cursor.description or [])
        except oracledb.Error as error:
            connection.close()
            raise _failure("the query")(error) from error
        self.native_columns = native_columns(fields)
        try:
            columns = check_carried(self.native_columns)
        except SourceFailed:
            connection.close()
            raise
        super().__init__(
            connection, statement, params, columns, batch_size, None, _failure("the query"), (oracledb.Error,)
        )


def _words(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
