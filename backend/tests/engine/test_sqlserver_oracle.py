"""SQL Server and Oracle sources without a server: no SQL Server or Oracle can run here, so their
generated statements, type mapping and value conversion are asserted, and the driver values of
the shared tricky rows must type exactly as every other source's do. The connection code is
untested against a live server (the modules say so)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

import etl_engine as e
from etl_engine.sources import oracle, sqlserver
from etl_engine.sources.base import QueryRefused, SourceConfig, UncarriedColumns, check_carried
from etl_engine.sources.dbapi import as_text, text_batch
from etl_engine.sources.ranges import KeyRange

from .tricky import TRICKY_COLUMNS, TRICKY_ROWS, driver_rows, typed_rows

T = e.ColumnType
SQLSERVER_TYPES = [  # (sys.types name, precision, scale) per tricky column
    ("bigint", 19, 0),
    ("decimal", 38, 18),
    ("decimal", 20, 0),
    ("int", 10, 0),
    ("float", 53, 0),
    ("bit", 1, 0),
    ("date", 10, 0),
    ("datetime2", 27, 6),
    ("datetimeoffset", 34, 7),
    ("time", 8, 0),
    ("uniqueidentifier", 0, 0),
    ("nvarchar", 0, 0),
    ("nvarchar", 0, 0),
    ("varchar", 0, 0),
    ("varbinary", 0, 0),
    ("nvarchar", 0, 0),
    ("varchar", 0, 0),
]
ORACLE_TYPES = [  # (ALL_TAB_COLUMNS data_type, precision, scale) per tricky column
    ("NUMBER", 18, 0),
    ("NUMBER", 38, 18),
    ("NUMBER", 20, 0),
    ("NUMBER", 9, 0),
    ("BINARY_DOUBLE", None, None),
    ("BOOLEAN", None, None),
    ("DATE", None, None),
    ("TIMESTAMP(6)", None, 6),
    ("TIMESTAMP(6) WITH TIME ZONE", None, 6),
    ("INTERVAL DAY(2) TO SECOND(0)", None, None),
    ("VARCHAR2", None, None),
    ("JSON", None, None),
    ("CLOB", None, None),
    ("VARCHAR2", None, None),
    ("BLOB", None, None),
    ("NVARCHAR2", None, None),
    ("VARCHAR2", None, None),
]


def expected_columns(kind: str) -> list[tuple[e.ColumnType, int | None, int | None]]:
    columns = [(c.type, c.precision, c.scale) for c in TRICKY_COLUMNS]
    if kind == "oracle":  # DATE holds a time in Oracle
        columns[6] = (T.TIMESTAMP, None, None)
    return columns


def test_sqlserver_types_map_like_the_other_sources() -> None:
    rows = [
        (name, *found) for name, found in zip([c.name for c in TRICKY_COLUMNS], SQLSERVER_TYPES, strict=True)
    ]
    columns = check_carried(sqlserver.native_columns(rows))
    assert [(c.type, c.precision, c.scale) for c in columns] == expected_columns("sqlserver")
    assert [c.name for c in columns] == [c.name for c in TRICKY_COLUMNS]
    more = {
        "money": (T.NUMERIC, 19, 4),
        "smallmoney": (T.NUMERIC, 10, 4),
        "tinyint": (T.INTEGER, None, None),
        "smalldatetime": (T.TIMESTAMP, None, None),
        "real": (T.FLOAT, None, None),
        "xml": (T.TEXT, None, None),
        "rowversion": (T.TEXT, None, None),
        "nvarchar(max)": (T.TEXT, None, None),
        "numeric(12,3)": (T.NUMERIC, 12, 3),
    }
    for type_name, (kind, precision, scale) in more.items():
        found = sqlserver.carried("c", "c", type_name, precision or 0, scale or 0).column
        assert found is not None and (found.type, found.precision, found.scale) == (kind, precision, scale)


def test_oracle_types_map_like_the_other_sources() -> None:
    rows = [
        (name, *found) for name, found in zip([c.name for c in TRICKY_COLUMNS], ORACLE_TYPES, strict=True)
    ]
    columns = check_carried(oracle.native_columns(rows))
    assert [(c.type, c.precision, c.scale) for c in columns] == expected_columns("oracle")
    cases = {
        ("NUMBER", 10, 0): (T.BIGINT, None, None),
        ("NUMBER", 19, 0): (T.NUMERIC, 19, 0),
        ("NUMBER", None, None): (T.NUMERIC, None, None),
        ("FLOAT", 126, None): (T.NUMERIC, None, None),
        ("TIMESTAMP(3) WITH LOCAL TIME ZONE", None, 3): (T.TIMESTAMPTZ, None, None),
        ("RAW", None, None): (T.TEXT, None, None),
        ("LONG RAW", None, None): (T.TEXT, None, None),
        ("NCLOB", None, None): (T.TEXT, None, None),
        ("INTERVAL YEAR(2) TO MONTH", None, None): (T.TEXT, None, None),
    }
    for (data_type, precision, scale), (kind, p, s) in cases.items():
        found = oracle.carried("C", "c", data_type, precision, scale).column
        assert found is not None and (found.type, found.precision, found.scale) == (kind, p, s), data_type


@pytest.mark.parametrize(
    ("module", "types", "refused"),
    [
        (sqlserver, ["int", "sql_variant", "geography", "hierarchyid", "geometry"], ["b", "c", "d", "e"]),
        (oracle, ["NUMBER", "BFILE", "SDO_GEOMETRY", "XMLTYPE", "VECTOR"], ["b", "c", "d", "e"]),
    ],
)
def test_types_that_cannot_be_carried_are_refused_with_the_columns_named(
    module: object, types: list[str], refused: list[str]
) -> None:
    rows = [(name, type_name, None, None) for name, type_name in zip("abcde", types, strict=True)]
    with pytest.raises(UncarriedColumns, match=rf"cannot carry columns 'b' \({types[1]}\), 'c'") as caught:
        check_carried(module.native_columns(rows))  # type: ignore[attr-defined]
    assert caught.value.columns == refused


@pytest.mark.parametrize("kind", ["sqlserver", "oracle"])
def test_driver_values_type_exactly_as_every_other_source(kind: str) -> None:
    """The rows pymssql / python-oracledb would hand over become the same typed rows as the CSV,
    PostgreSQL and MariaDB sources give (test_source_contract.py)."""
    columns = TRICKY_COLUMNS
    batch = text_batch(driver_rows(kind), columns)
    assert batch.schema.names == [c.sql_name for c in columns]
    assert typed_rows([batch], columns) == TRICKY_ROWS


def test_values_become_exact_text() -> None:
    assert as_text(Decimal("1E+3"), T.NUMERIC) == "1000"
    assert as_text(Decimal("-0.000000000000000001"), T.NUMERIC) == "-0.000000000000000001"
    assert as_text(0.1, T.FLOAT) == "0.1"
    assert as_text(dt.datetime(2024, 1, 1, 10), T.TIMESTAMPTZ) == "2024-01-01 10:00:00+00:00"
    assert as_text(dt.datetime(2024, 1, 1, 10), T.TIMESTAMP) == "2024-01-01 10:00:00"
    assert as_text(b"\x00\xff", T.TEXT) == "\\x00ff"
    assert as_text(False, T.BOOLEAN) == "false"


def test_sqlserver_table_read_in_key_order_within_a_key_range() -> None:
    statement, params = sqlserver.table_select(
        "dbo", "Order Lines", ["id", "line", "amount]x"], ["id", "line"], KeyRange("line", 10, 20)
    )
    assert statement == (
        "SELECT [id], [line], [amount]]x] FROM [dbo].[Order Lines]"
        " WHERE [line] >= %s AND [line] < %s ORDER BY [line], [id]"
    )
    assert params == [10, 20]
    assert sqlserver.table_select("dbo", "t", ["a"], [])[0] == "SELECT [a] FROM [dbo].[t]"
    assert sqlserver.table_select("dbo", "t", ["a"], ["a"], KeyRange("a", None, 5)) == (
        "SELECT [a] FROM [dbo].[t] WHERE [a] < %s ORDER BY [a]",
        [5],
    )
    assert "sys.dm_exec_describe_first_result_set(%s, NULL, 0)" in sqlserver.DESCRIBE_SQL
    assert (
        "OBJECT_ID(%s)" in sqlserver.TABLE_COLUMNS_SQL and "is_primary_key = 1" in sqlserver.TABLE_COLUMNS_SQL
    )
    assert sqlserver.key_bounds_sql("dbo", "t", "id") == "SELECT MIN([id]), MAX([id]) FROM [dbo].[t]"


def test_oracle_table_read_in_key_order_within_a_key_range() -> None:
    statement, params = oracle.table_select(
        "SHOP",
        "ORDERS",
        ["ID", "PLACED", 'NOTE"X'],
        ["ID"],
        KeyRange("PLACED", dt.date(2024, 1, 1), dt.date(2024, 2, 1)),
    )
    assert statement == (
        'SELECT "ID", "PLACED", "NOTE""X" FROM "SHOP"."ORDERS"'
        ' WHERE "PLACED" >= :1 AND "PLACED" < :2 ORDER BY "PLACED", "ID"'
    )
    assert params == [dt.date(2024, 1, 1), dt.date(2024, 2, 1)]
    assert (
        oracle.table_select("SHOP", "T", ["A"], [], KeyRange("A", 7))[0]
        == 'SELECT "A" FROM "SHOP"."T" WHERE "A" >= :1 ORDER BY "A"'
    )
    assert (
        "constraint_type = 'P'" in oracle.TABLE_COLUMNS_SQL
        and "ORDER BY c.column_id" in oracle.TABLE_COLUMNS_SQL
    )


def test_an_oracle_query_description_is_read_as_dictionary_types() -> None:
    number = SimpleNamespace(name="DB_TYPE_NUMBER")
    description = [
        ("ID", number, 10, 10, 10, 0, False),
        ("RATIO", number, 127, None, 126, -127, True),  # FLOAT
        ("AT", SimpleNamespace(name="DB_TYPE_TIMESTAMP_TZ"), 23, None, 0, 6, True),
        ("F", SimpleNamespace(name="DB_TYPE_BFILE"), None, None, None, None, True),
    ]
    fields = oracle.described(description)
    assert fields == [
        ("ID", "NUMBER", 10, 0),
        ("RATIO", "NUMBER", None, None),
        ("AT", "TIMESTAMP WITH TIME ZONE", 0, 6),
        ("F", "BFILE", None, None),
    ]
    found = oracle.native_columns(fields)
    assert [n.column.type if n.column else None for n in found] == [T.BIGINT, T.NUMERIC, T.TIMESTAMPTZ, None]


@pytest.mark.parametrize("source", [sqlserver.SqlServerQuerySource, oracle.OracleQuerySource])
@pytest.mark.parametrize(
    "sql", ["DELETE FROM t", "SELECT 1; DROP TABLE t", "SELECT * INTO t2 FROM t", "EXEC sp_who"]
)
def test_a_query_that_writes_is_refused_before_any_connection(source: type, sql: str) -> None:
    config = SourceConfig("sqlserver", "127.0.0.1", 1, "nowhere", "u", "p")  # nothing listens there
    with pytest.raises(QueryRefused):
        source(config, sql)


def test_incremental_reads_generate_the_cursor_bound_in_cursor_order() -> None:
    """No SQL Server or Oracle server runs here: the statements an incremental read sends."""
    since = ("updated_at", dt.datetime(2026, 11, 30, 8, 0))
    assert sqlserver.table_select("dbo", "orders", ["id", "updated_at"], ["id"], since=since) == (
        "SELECT [id], [updated_at] FROM [dbo].[orders] WHERE [updated_at] >= %s ORDER BY [updated_at], [id]",
        [dt.datetime(2026, 11, 30, 8, 0)],
    )
    # the first run: no bound yet, every row, still in cursor order
    assert sqlserver.table_select("dbo", "orders", ["id"], ["id"], since=("updated_at", None)) == (
        "SELECT [id] FROM [dbo].[orders] ORDER BY [updated_at], [id]",
        [],
    )
    # within a key range the key order stays (the range's identities); both bounds apply
    assert oracle.table_select(
        "SHOP", "ORDERS", ["ID", "UPDATED"], ["ID"], KeyRange("ID", 10, 20), since=("UPDATED", 5)
    ) == (
        'SELECT "ID", "UPDATED" FROM "SHOP"."ORDERS" WHERE "ID" >= :1 AND "ID" < :2 AND "UPDATED" >= :3'
        ' ORDER BY "ID"',
        [10, 20, 5],
    )
    assert oracle.table_select("SHOP", "ORDERS", ["ID"], ["ID"], since=("UPDATED", None)) == (
        'SELECT "ID" FROM "SHOP"."ORDERS" ORDER BY "UPDATED", "ID"',
        [],
    )
