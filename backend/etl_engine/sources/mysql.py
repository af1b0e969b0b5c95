"""MySQL and MariaDB sources: a table (or a key range of one), or a read-only query, streamed.

    with MySqlTableSource(config, "shop", "orders", batch_size=50_000) as source: ...
    with MySqlQuerySource(config, "SELECT * FROM orders WHERE paid", timeout_seconds=600) as source: ...
    ranges = mysql_key_ranges(config, "shop", "orders", "id", 4)   # four sources, one per range

PyMySQL reads with an unbuffered cursor (SSCursor): rows come off the socket as they are fetched,
`batch_size` at a time, so memory stays flat however large the table. No value is converted in
Python: every column arrives as the bytes of its text form, becomes an Arrow column at once and is
parsed by the mapper like a file's text (DECIMAL keeps every digit, BIGINT UNSIGNED above int64 is
NUMERIC(20, 0)), except binary columns (hex text `\\x00ff`, as PostgreSQL writes bytea) and BIT
(its number). The session reads in UTC, so TIMESTAMP columns are instants (TIMESTAMPTZ).

Type mapping from the result's column metadata: TINYINT(1) and BIT(1) BOOLEAN; TINYINT, SMALLINT,
MEDIUMINT, INT, YEAR INTEGER (INT UNSIGNED BIGINT); BIGINT BIGINT (UNSIGNED NUMERIC(20, 0));
DECIMAL NUMERIC(p, s); FLOAT, DOUBLE FLOAT; DATE DATE; DATETIME TIMESTAMP; TIMESTAMP TIMESTAMPTZ;
TIME, JSON, ENUM, SET, CHAR, VARCHAR, TEXT TEXT; BINARY, VARBINARY, BLOB TEXT (hex). GEOMETRY is
read as WKT text from a table and refused in a query (its bytes are MySQL's internal format: select
ST_AsText(column)).

Zero dates (`0000-00-00`, and dates with a zero month or day) are not dates: by default the row is
rejected by the source with that reason; `zero_dates="null"` loads them as NULL.

Reads run in `START TRANSACTION READ ONLY` (one consistent snapshot on InnoDB) with the session's
statement time limit (MariaDB `max_statement_time`, MySQL `max_execution_time`) for queries. A
query is checked first (sql.single_select) because a read-only transaction does not stop DDL on
MySQL: a DROP commits the transaction implicitly and runs. The connection never allows several
statements per call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
import pymysql
import pymysql.converters
import pymysql.cursors
from pymysql.constants import FIELD_TYPE, FLAG

from ..errors import InvalidJobSpec, SourceFailed, SourceUnreachable
from ..identifiers import unique_sql_identifiers
from ..progress import RejectedRow
from ..spec import ColumnType, Incremental, SourceColumn
from .base import IdBatch, NativeColumn, ProgressUnit, QueryRefused, Source, SourceConfig, check_carried
from .incremental import Cursor, naive_utc
from .ranges import KeyRange, KeyValue, split_range
from .sql import single_select

ZeroDates = Literal["reject", "null"]
CONNECT_TIMEOUT_SECONDS = 10
FETCH_ROWS = 10_000  # rows held as Python objects at once; a batch is several of these
# How long the server waits for the client to take rows before it drops the connection: a slow
# destination write must not cut the read.
NET_WRITE_TIMEOUT_SECONDS = 3600
READ_ONLY_ERRORS = {1792}  # ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
TIMEOUT_ERRORS = {1969, 3024}  # MariaDB max_statement_time, MySQL max_execution_time
_ZERO_DATE = r"^(0000-|\d{4}-00-|\d{4}-\d{2}-00)"

_TYPE_NAMES: dict[int, str] = {}
for _name, _value in vars(FIELD_TYPE).items():  # the first name of each code (TINY, not its alias CHAR)
    if _name.isupper() and isinstance(_value, int):
        _TYPE_NAMES.setdefault(_value, _name.lower())
_INTEGERS = {FIELD_TYPE.TINY, FIELD_TYPE.SHORT, FIELD_TYPE.INT24, FIELD_TYPE.YEAR}
_BLOBS = {
    FIELD_TYPE.TINY_BLOB,
    FIELD_TYPE.MEDIUM_BLOB,
    FIELD_TYPE.LONG_BLOB,
    FIELD_TYPE.BLOB,
    FIELD_TYPE.VAR_STRING,
    FIELD_TYPE.STRING,
    FIELD_TYPE.VARCHAR,
}
Reading = Literal["text", "hex", "bit"]
# PyMySQL's converters for parameters (keyed by Python type), none for results (keyed by field type).
_ENCODERS = {key: value for key, value in pymysql.converters.conversions.items() if not isinstance(key, int)}


@dataclass
class FieldInfo:
    """What the result's column metadata says of one column (PyMySQL's field descriptor)."""

    name: str
    type_code: int
    length: int
    scale: int
    flags: int
    charsetnr: int

    @property
    def unsigned(self) -> bool:
        return bool(self.flags & FLAG.UNSIGNED)

    @property
    def native_type(self) -> str:
        name = _TYPE_NAMES.get(self.type_code, f"type {self.type_code}")
        if self.type_code in _BLOBS and self.charsetnr == 63:
            name = f"{name} (binary)"
        return f"{name} unsigned" if self.unsigned else name


def carried(field: FieldInfo, sql_name: str) -> tuple[NativeColumn, Reading]:
    """The column a field is carried as (None: it cannot be), and how its bytes are read."""
    name, code = field.name, field.type_code

    def column(kind: ColumnType, precision: int | None = None, scale: int | None = None) -> SourceColumn:
        return SourceColumn(name, sql_name, kind, precision, scale)

    reading: Reading = "text"
    kind: SourceColumn | None
    if code == FIELD_TYPE.TINY and field.length == 1:
        kind = column(ColumnType.BOOLEAN)  # tinyint(1): MySQL's BOOLEAN; 2 or -1 are rejected
    elif code in _INTEGERS or (code == FIELD_TYPE.LONG and not field.unsigned):
        kind = column(ColumnType.INTEGER)
    elif code == FIELD_TYPE.LONG or (code == FIELD_TYPE.LONGLONG and not field.unsigned):
        kind = column(ColumnType.BIGINT)
    elif code == FIELD_TYPE.LONGLONG:
        kind = column(ColumnType.NUMERIC, 20, 0)  # up to 2**64 - 1
    elif code in (FIELD_TYPE.DECIMAL, FIELD_TYPE.NEWDECIMAL):
        # The display length counts the digits, a sign unless unsigned, a point when scaled.
        digits = field.length - (1 if field.scale else 0) - (0 if field.unsigned else 1)
        kind = column(ColumnType.NUMERIC, max(digits, field.scale, 1), field.scale)
    elif code in (FIELD_TYPE.FLOAT, FIELD_TYPE.DOUBLE):
        kind = column(ColumnType.FLOAT)
    elif code in (FIELD_TYPE.DATE, FIELD_TYPE.NEWDATE):
        kind = column(ColumnType.DATE)
    elif code == FIELD_TYPE.DATETIME:
        kind = column(ColumnType.TIMESTAMP)
    elif code == FIELD_TYPE.TIMESTAMP:
        kind = SourceColumn(name, sql_name, ColumnType.TIMESTAMPTZ, timezone="UTC")
    elif code == FIELD_TYPE.BIT:
        reading = "bit"
        if field.length == 1:
            kind = column(ColumnType.BOOLEAN)
        else:
            kind = column(ColumnType.BIGINT) if field.length < 64 else column(ColumnType.NUMERIC, 20, 0)
    elif code == FIELD_TYPE.GEOMETRY:
        kind = None
    elif code in _BLOBS and field.charsetnr == 63:
        reading, kind = "hex", column(ColumnType.TEXT)
    else:  # TIME, JSON, ENUM, SET, character strings, NULL
        kind = column(ColumnType.TEXT)
    return NativeColumn(name, field.native_type, kind), reading


def connect(config: SourceConfig, database: str | None = None) -> Any:
    """A PyMySQL connection that hands every value over as its bytes, one statement per call."""
    try:
        return pymysql.connect(
            host=config.host or "localhost",
            port=config.port or 3306,
            user=config.user,
            password=config.password or "",
            database=database or config.database,
            charset="utf8mb4",
            use_unicode=False,
            conv=_ENCODERS,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            ssl=_ssl(config),
            cursorclass=pymysql.cursors.SSCursor,
        )
    except pymysql.err.MySQLError as error:
        raise SourceUnreachable(
            f"cannot connect to MySQL at {config.host}:{config.port}: {_words(error)}"
        ) from error


def _ssl(config: SourceConfig) -> dict[str, Any] | None:
    ssl = {key[4:]: value for key, value in config.options.items() if key.startswith("ssl_")}
    return ssl or None


class _MySqlSource(Source):
    """Streams `statement` (already checked) on an open connection inside a read-only transaction."""

    progress_unit: ProgressUnit = "rows"

    def __init__(
        self,
        config: SourceConfig,
        name: str,
        batch_size: int,
        zero_dates: ZeroDates,
        timeout_seconds: float | None,
    ) -> None:
        self.name = name
        self.batch_size = batch_size
        self.zero_dates = zero_dates
        self.estimate: int | None = None
        self._handed_on = 0
        self._finished = False
        self._connection = connect(config)
        self._identity: Callable[[pa.RecordBatch, int], list[int]] | None = None
        try:
            with self._connection.cursor(pymysql.cursors.Cursor) as cursor:
                cursor.execute("SELECT VERSION()")
                version = cursor.fetchone()[0].decode()
                self.mariadb = "mariadb" in version.lower()
                settings = ["time_zone = '+00:00'", f"net_write_timeout = {NET_WRITE_TIMEOUT_SECONDS}"]
                if timeout_seconds is not None:
                    settings.append(
                        f"max_statement_time = {float(timeout_seconds)}"
                        if self.mariadb
                        else f"max_execution_time = {max(1, round(timeout_seconds * 1000))}"
                    )
                cursor.execute("SET SESSION " + ", ".join(settings))
                cursor.execute("START TRANSACTION READ ONLY")
        except pymysql.err.MySQLError as error:
            self._connection.close()
            raise self._failure(error) from error

    def _describe(
        self, statement: str, params: list[Any] | Mapping[str, Any] | None = None
    ) -> list[FieldInfo]:
        """The result's columns without reading its rows (`sql_select_limit = 0`)."""
        try:
            with self._connection.cursor(pymysql.cursors.Cursor) as cursor:
                cursor.execute("SET SESSION sql_select_limit = 0")
                try:
                    cursor.execute(statement, params)
                    fields = cursor._result.fields if cursor._result else []
                finally:
                    cursor.execute("SET SESSION sql_select_limit = DEFAULT")
        except pymysql.err.MySQLError as error:
            self.close()
            raise self._failure(error) from error
        except (KeyError, TypeError, ValueError) as error:  # PyMySQL's formatting: a missing value
            self.close()
            raise QueryRefused(f"cannot bind the query's parameters: {_words(error)}") from error
        return [
            FieldInfo(
                (f.name or b"").decode() if isinstance(f.name, bytes) else str(f.name),
                int(f.type_code),
                int(f.length),
                int(f.scale),
                int(f.flags),
                int(f.charsetnr),
            )
            for f in fields
        ]

    def _carry(self, fields: list[FieldInfo]) -> list[Reading]:
        names = [f.name for f in fields]
        found = [
            carried(f, sql_name) for f, sql_name in zip(fields, unique_sql_identifiers(names), strict=True)
        ]
        self.native_columns = [native for native, _ in found]
        try:
            self.columns = check_carried(self.native_columns)
        except SourceFailed:
            self.close()
            raise
        return [reading for _, reading in found]

    def _start(
        self, statement: str, params: list[Any] | Mapping[str, Any] | None, readings: list[Reading]
    ) -> None:
        self.statement, self.params, self.readings = statement, params, readings

    @property
    def total(self) -> int | None:
        return self.estimate

    @property
    def position(self) -> int:
        return self._handed_on

    def batches(self) -> Iterator[IdBatch]:
        names = [c.sql_name for c in self.columns]
        dated = [
            i
            for i, c in enumerate(self.columns)
            if c.type in (ColumnType.DATE, ColumnType.TIMESTAMP, ColumnType.TIMESTAMPTZ)
        ]
        cursor = self._connection.cursor()
        try:
            cursor.execute(self.statement, self.params)
            while batch := self._fetch(cursor, names):
                first = self._handed_on + 1
                self._handed_on += batch.num_rows
                ids = (
                    self._identity(batch, first)
                    if self._identity
                    else list(range(first, first + batch.num_rows))
                )
                yield self._without_zero_dates(batch, ids, dated)
            self._finished = True
        except pymysql.err.MySQLError as error:
            raise self._failure(error) from error
        except (pa.ArrowInvalid, UnicodeDecodeError) as error:
            raise SourceFailed(f"cannot read {self.name}: {_words(error)}") from error

    def _fetch(self, cursor: Any, names: list[str]) -> pa.RecordBatch | None:
        """Up to `batch_size` rows as one batch, fetched FETCH_ROWS at a time: a row as PyMySQL
        hands it over is a tuple of bytes objects (~100 bytes per value), so only a small slice
        of the batch exists as Python objects at once, the rest already as Arrow."""
        chunks: list[list[pa.Array]] = []
        fetched = 0
        while fetched < self.batch_size:
            rows = cursor.fetchmany(min(FETCH_ROWS, self.batch_size - fetched))
            if not rows:
                break
            fetched += len(rows)
            chunks.append(
                [
                    _arrow(values, reading)
                    for values, reading in zip(zip(*rows, strict=True), self.readings, strict=True)
                ]
            )
        if not chunks:
            return None
        columns = [pa.concat_arrays([chunk[i] for chunk in chunks]) for i in range(len(names))]
        return pa.RecordBatch.from_arrays(columns, names=names)

    def _without_zero_dates(self, batch: pa.RecordBatch, ids: list[int], dated: list[int]) -> IdBatch:
        """Zero dates NULL (zero_dates="null"), or their rows rejected with the reason (default)."""
        masks = {}
        for i in dated:
            zero = pc.fill_null(pc.match_substring_regex(batch.column(i), _ZERO_DATE), False)
            if pc.any(zero).as_py():
                masks[i] = zero
        if not masks:
            return IdBatch(batch, ids)
        if self.zero_dates == "null":
            arrays = list(batch.columns)
            for i, zero in masks.items():
                arrays[i] = pc.if_else(zero, pa.nulls(len(zero), pa.string()), arrays[i])
            return IdBatch(pa.RecordBatch.from_arrays(arrays, schema=batch.schema), ids)
        rejected_rows: dict[int, RejectedRow] = {}
        for i, zero in masks.items():
            column = self.columns[i]
            for index in pc.indices_nonzero(zero).to_pylist():
                if index not in rejected_rows:
                    value = batch.column(i)[index].as_py()
                    reason = (
                        f"{value!r} is a MySQL zero date, not a date (zero_dates='null' loads it as NULL)"
                    )
                    raw = _csv_line(batch.slice(index, 1).to_pylist()[0].values())
                    rejected_rows[index] = RejectedRow(ids[index], raw, column.name, reason)
        keep = pc.invert(pc.or_(*masks.values()) if len(masks) > 1 else next(iter(masks.values())))
        kept_ids = [ids[i] for i in pc.indices_nonzero(keep).to_pylist()]
        return IdBatch(batch.filter(keep), kept_ids, [rejected_rows[i] for i in sorted(rejected_rows)])

    def _failure(self, error: pymysql.err.MySQLError) -> SourceFailed | SourceUnreachable:
        code = error.args[0] if error.args and isinstance(error.args[0], int) else 0
        words = _words(error)
        if code in READ_ONLY_ERRORS:
            return QueryRefused(
                f"{self.name} tried to write, which a source may not do; nothing was changed ({words})"
            )
        if code in TIMEOUT_ERRORS:
            return QueryRefused(f"{self.name} ran past its statement time limit and was stopped ({words})")
        if 2000 <= code < 3000 or isinstance(error, pymysql.err.InterfaceError):
            return SourceUnreachable(f"lost MySQL while reading {self.name}: {words}")
        return SourceFailed(f"MySQL refused reading {self.name}: {words}")

    def close(self) -> None:
        """Ends the read; an unfinished unbuffered result is dropped with the connection, not read
        to its end (closing PyMySQL's cursor would fetch every remaining row)."""
        connection, self._connection = self._connection, None
        if connection is None or not connection.open:
            return
        try:
            if self._finished:
                connection.rollback()
        except pymysql.err.MySQLError:
            pass
        connection.close()


class MySqlTableSource(_MySqlSource):
    """A table in primary key order (storage order without one), identities ordinals — or, for a
    `key_range` on an integer column, the key values themselves (unique across the ranges).
    `total` is information_schema's row estimate (None for a view)."""

    def __init__(
        self,
        config: SourceConfig,
        database: str | None,
        table: str,
        batch_size: int = 100_000,
        *,
        key_range: KeyRange | None = None,
        zero_dates: ZeroDates = "reject",
        timeout_seconds: float | None = None,
        incremental: Incremental | None = None,
    ) -> None:
        database = database or config.database
        if not database:
            raise SourceFailed(f"name the database of table {table}")
        super().__init__(config, f"{database}.{table}", batch_size, zero_dates, timeout_seconds)
        keys, self.estimate = self._table_facts(database, table)
        self.primary_key = list(keys)
        fields = self._describe(f"SELECT * FROM {quote(database)}.{quote(table)}")
        selected = [
            f"ST_AsText({quote(f.name)})" if f.type_code == FIELD_TYPE.GEOMETRY else quote(f.name)
            for f in fields
        ]
        for f in fields:
            if f.type_code == FIELD_TYPE.GEOMETRY:  # read as WKT: a text any destination holds
                f.type_code, f.charsetnr = FIELD_TYPE.LONG_BLOB, 45
        readings = self._carry(fields)
        conditions, params = list[str](), list[KeyValue]()
        order = [quote(k) for k in keys]
        self.increment: Cursor | None = None
        if incremental is not None:
            names = [f.name for f in fields]
            if incremental.column not in names:
                self.close()
                raise SourceFailed(f"table {self.name} has no cursor column {incremental.column!r}")
            self.increment_position = names.index(incremental.column)
            try:
                self.increment = Cursor(self.columns[self.increment_position], incremental)
            except InvalidJobSpec:
                self.close()
                raise
            if key_range is None:  # a key range keeps its key order: the identities are the keys
                order = [quote(incremental.column), *[o for o in order if o != quote(incremental.column)]]
        if key_range is not None:
            condition, params = key_range.condition(quote, "%s")
            conditions.append(condition)
            order = [quote(key_range.column), *[o for o in order if o != quote(key_range.column)]]
            position = [f.name for f in fields].index(key_range.column)
            if self.columns[position].type in (ColumnType.INTEGER, ColumnType.BIGINT) and keys == [
                key_range.column
            ]:
                self._identity = lambda batch, first: [int(v) for v in batch.column(position).to_pylist()]
        self._select = f"SELECT {', '.join(selected)} FROM {quote(database)}.{quote(table)}"
        self._conditions, self._params, self._order = conditions, params, order
        self._start(*self._statement(None), readings)

    def _statement(self, lower: KeyValue | None) -> tuple[str, list[KeyValue] | None]:
        conditions, params = list(self._conditions), list(self._params)
        if lower is not None and self.increment is not None:
            conditions.append(f"{quote(self.increment.column.name)} >= %s")
            params.append(naive_utc(lower))  # the session compares in UTC
        statement = self._select + (f" WHERE {' AND '.join(conditions)}" if conditions else "")
        if self._order:
            statement += f" ORDER BY {', '.join(self._order)}"
        return statement, params or None

    def resume(self, state: dict[str, Any] | None) -> None:
        if self.increment is not None:
            self.statement, self.params = self._statement(self.increment.lower(state))

    @property
    def state(self) -> dict[str, Any] | None:
        return None if self.increment is None else self.increment.state

    def batches(self) -> Iterator[IdBatch]:
        for batch in super().batches():
            if self.increment is not None:
                self.increment.see(batch.batch.column(self.increment_position))
            yield batch

    def _table_facts(self, database: str, table: str) -> tuple[list[str], int | None]:
        try:
            with self._connection.cursor(pymysql.cursors.Cursor) as cursor:
                cursor.execute(
                    "SELECT TABLE_ROWS, TABLE_TYPE FROM information_schema.TABLES"
                    " WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
                    (database, table),
                )
                found = cursor.fetchone()
                cursor.execute(
                    "SELECT COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s"
                    " AND TABLE_NAME = %s AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX",
                    (database, table),
                )
                keys = [row[0].decode() for row in cursor.fetchall()]
        except pymysql.err.MySQLError as error:
            self.close()
            raise self._failure(error) from error
        if found is None:
            self.close()
            raise SourceFailed(f"table {self.name} does not exist")
        rows, kind = found
        return keys, int(rows) if rows is not None and kind != b"VIEW" else None


class MySqlQuerySource(_MySqlSource):
    """One SELECT, read in a read-only transaction stopped after `timeout_seconds`; identities are
    ordinals in the query's own order (give it an ORDER BY for stable identities). `params`: the
    values of its `%(name)s` placeholders, escaped by PyMySQL."""

    def __init__(
        self,
        config: SourceConfig,
        query: str,
        batch_size: int = 100_000,
        *,
        zero_dates: ZeroDates = "reject",
        timeout_seconds: float = 3600,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        statement = single_select(query, "mysql")
        super().__init__(config, "the query", batch_size, zero_dates, timeout_seconds)
        # PyMySQL formats the statement only when given parameters (even none): then %(name)s is
        # a bound value and a literal % is written %% (templating.render_query); else % is as written.
        readings = self._carry(self._describe(statement, params))
        self._start(statement, params, readings)


def mysql_key_ranges(
    config: SourceConfig, database: str | None, table: str, column: str, parts: int
) -> list[KeyRange]:
    """`parts` ranges of `column` (a NOT NULL numeric or date/datetime column, the primary key
    usually) covering every row of the table exactly once; each is a MySqlTableSource's key_range."""
    database = database or config.database
    if not database:
        raise SourceFailed(f"name the database of table {table}")
    connection = pymysql.connect(
        host=config.host or "localhost",
        port=config.port or 3306,
        user=config.user,
        password=config.password or "",
        database=database,
        charset="utf8mb4",
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        ssl=_ssl(config),
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT IS_NULLABLE FROM information_schema.COLUMNS"
                " WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s AND COLUMN_NAME = %s",
                (database, table, column),
            )
            found = cursor.fetchone()
            if found is None:
                raise SourceFailed(f"table {database}.{table} has no column {column!r}")
            if found[0] != "NO":
                raise SourceFailed(f"column {column!r} may be NULL: split a table on a NOT NULL key")
            cursor.execute(
                f"SELECT MIN({quote(column)}), MAX({quote(column)}) FROM {quote(database)}.{quote(table)}"
            )
            low, high = cursor.fetchone()
    except pymysql.err.MySQLError as error:
        raise SourceFailed(f"cannot split {database}.{table}: {_words(error)}") from error
    finally:
        connection.close()
    if low is None:
        return [KeyRange(column)]  # an empty table: one range, open both ways
    try:
        bounds = split_range(_key(low), _key(high), parts)
    except ValueError as error:
        raise SourceFailed(f"cannot split {database}.{table} on {column!r}: {error}") from error
    return [KeyRange(column, lower, upper) for lower, upper in bounds]


def _key(value: Any) -> KeyValue:
    if isinstance(value, bytes):
        raise ValueError("the key is not a number or a date")
    return value  # type: ignore[no-any-return]


def quote(name: str) -> str:
    """A MySQL identifier in backticks."""
    return "`" + name.replace("`", "``") + "`"


def _arrow(values: tuple[bytes | None, ...], reading: Reading) -> pa.Array:
    """One column of raw values as Arrow text."""
    if reading == "hex":
        return pa.array([None if v is None else "\\x" + v.hex() for v in values], pa.string())
    if reading == "bit":
        return pa.array([None if v is None else str(int.from_bytes(v, "big")) for v in values], pa.string())
    return pa.array(values, pa.binary()).cast(pa.string())


def _csv_line(cells: Any) -> str:
    out = []
    for cell in cells:
        text = "" if cell is None else str(cell)
        if any(ch in text for ch in ',"\n\r'):
            text = '"' + text.replace('"', '""') + '"'
        out.append(text)
    return ",".join(out)


def _words(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
