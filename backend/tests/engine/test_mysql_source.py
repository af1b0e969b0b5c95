"""MySQL/MariaDB sources beyond the contract: types from the column metadata, zero dates, the
read-only query refusing writes (the source unchanged), time limits, key ranges."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

import etl_engine as e
from etl_engine.errors import SourceFailed, SourceUnreachable
from etl_engine.sources.base import QueryRefused, SourceConfig, UncarriedColumns
from etl_engine.sources.mysql import MySqlQuerySource, MySqlTableSource, mysql_key_ranges
from etl_engine.sources.ranges import KeyRange, split_range

from .conftest import RecordingReporter, mysql_run, query
from .tricky import TRICKY_COLUMNS, ZERO_DATE_ID, create_mariadb


def read(
    source: MySqlTableSource | MySqlQuerySource,
) -> tuple[list[int], list[dict[str, Any]], list[e.RejectedRow]]:
    ids: list[int] = []
    rows: list[dict[str, Any]] = []
    rejected: list[e.RejectedRow] = []
    with source:
        for raw in source.batches():
            ids += [raw.row_id(i) for i in range(raw.batch.num_rows)]
            rows += raw.batch.to_pylist()
            rejected += raw.rejected
    return ids, rows, rejected


def test_columns_are_typed_from_the_metadata(mysql_config: SourceConfig) -> None:
    database, table = create_mariadb(mysql_config)
    with MySqlTableSource(mysql_config, database, table) as source:
        got = [(c.name, c.type, c.precision, c.scale) for c in source.columns]
        assert [n.native_type for n in source.native_columns][:6] == [
            "longlong",
            "newdecimal",
            "longlong unsigned",
            "long",
            "double",
            "tiny",
        ]
    assert got == [(c.name, c.type, c.precision, c.scale) for c in TRICKY_COLUMNS]


def test_values_come_as_their_text_and_binary_as_hex(mysql_config: SourceConfig) -> None:
    database, table = create_mariadb(mysql_config, zero_date=False)
    ids, rows, rejected = read(MySqlTableSource(mysql_config, database, table, batch_size=3))
    assert (ids, rejected) == ([1, 2, 3, 4], [])
    first = rows[0]
    assert (first["exact"], first["big_unsigned"], first["flag"], first["at_tz"]) == (
        "12345678901234567890.123456789012345678",
        "18446744073709551615",
        "1",
        "2024-03-10 06:30:00.500000",  # read in UTC
    )
    assert (first["raw"], rows[1]["raw"], first["note"]) == (
        "\\x00ff10",
        "\\x",
        '😀 𝄞 non-BMP, "quoted", comma',
    )


def test_a_zero_date_rejects_its_row_with_the_reason_or_is_null_by_option(mysql_config: SourceConfig) -> None:
    database, table = create_mariadb(mysql_config)
    ids, rows, rejected = read(MySqlTableSource(mysql_config, database, table))
    assert ids == [1, 2, 3, 4]
    [zero] = rejected
    assert (zero.line_number, zero.column) == (ZERO_DATE_ID, "day")
    assert zero.reason == "'0000-00-00' is a MySQL zero date, not a date (zero_dates='null' loads it as NULL)"
    assert zero.raw.startswith("5,,,,,,0000-00-00,")
    ids, rows, rejected = read(MySqlTableSource(mysql_config, database, table, zero_dates="null"))
    assert (ids, rejected, rows[-1]["day"]) == ([1, 2, 3, 4, 5], [], None)


def test_a_zero_date_row_is_reported_by_run_job_and_the_rest_loads(
    mysql_config: SourceConfig, duckdb_config: e.DestinationConfig
) -> None:
    database, table = create_mariadb(mysql_config)
    mysql_run(mysql_config, f"UPDATE {table} SET flag = 2 WHERE id = 4")  # tinyint(1) holds more than 0/1
    source = MySqlTableSource(mysql_config, database, table)
    spec = e.JobSpec(
        run_id="my-run",
        source=e.FileSource("(unused: the source is given)"),
        columns=[e.ColumnSpec(c.sql_name, c.sql_name, c.type) for c in source.columns],
        destination=duckdb_config,
        load=e.LoadSpec("main", "tricky", reject_threshold_count=5, widen_types=False),
        source_columns=source.columns,
    )
    reporter = RecordingReporter()
    result = e.run_job(spec, reporter, source)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (5, 3, 2)
    assert [(r.line_number, r.column, r.reason.split(" (")[0]) for r in reporter.rejected_rows] == [
        (4, "flag", "'2' is not a valid BOOLEAN"),
        (5, "day", "'0000-00-00' is a MySQL zero date, not a date"),
    ]
    assert query(duckdb_config, "SELECT id, big_unsigned::VARCHAR FROM tricky ORDER BY id") == [
        (1, "18446744073709551615"),
        (2, "9223372036854775808"),
        (3, None),
    ]


@pytest.fixture
def guarded(mysql_config: SourceConfig) -> SourceConfig:
    mysql_run(
        mysql_config,
        "CREATE TABLE t (n INT)",
        "INSERT INTO t VALUES (1), (2)",
        "CREATE SEQUENCE s",
        "CREATE FUNCTION add_row() RETURNS INT MODIFIES SQL DATA"
        " BEGIN INSERT INTO t VALUES (3); RETURN 1; END",
    )
    return mysql_config


@pytest.mark.parametrize(
    ("sql", "says"),
    [
        ("INSERT INTO t VALUES (9)", "starts with INSERT, which is not run"),
        ("DROP TABLE t", "starts with DROP, which is not run"),
        ("SELECT 1; DROP TABLE t", "more than one statement"),
        ("SELECT * FROM t INTO OUTFILE '/tmp/etl-h5-never'", "cannot write its rows anywhere"),
        ("/*! DROP TABLE t */ SELECT 1", "executable comments"),
        ("SELECT NEXTVAL(s)", "tried to write.*nothing was changed.*READ ONLY"),
        ("SELECT add_row()", "tried to write.*nothing was changed.*READ ONLY"),
        ("SELECT n FROM t FOR UPDATE", "tried to write.*nothing was changed"),
    ],
)
def test_a_query_that_writes_is_refused_and_the_source_is_unchanged(
    guarded: SourceConfig, sql: str, says: str
) -> None:
    with pytest.raises(QueryRefused, match=says):
        read(MySqlQuerySource(guarded, sql))
    assert mysql_run(guarded, "SELECT GROUP_CONCAT(n ORDER BY n) FROM t") == [("1,2",)]
    assert mysql_run(guarded, "SELECT NEXTVAL(s)") == [(1,)]  # never advanced before


def test_a_query_is_read_in_its_order_with_repeated_names(guarded: SourceConfig) -> None:
    source = MySqlQuerySource(
        guarded, "SELECT n, n, n * 1.5 AS x, 'a%' FROM t ORDER BY n DESC;", batch_size=1
    )
    assert [(c.name, c.sql_name, c.type, c.precision, c.scale) for c in source.columns] == [
        ("n", "n", e.ColumnType.INTEGER, None, None),
        ("n", "n_2", e.ColumnType.INTEGER, None, None),
        ("x", "x", e.ColumnType.NUMERIC, 12, 1),
        ("a%", "a", e.ColumnType.TEXT, None, None),
    ]
    ids, rows, _ = read(source)
    assert (ids, rows) == (
        [1, 2],
        [{"n": "2", "n_2": "2", "x": "3.0", "a": "a%"}, {"n": "1", "n_2": "1", "x": "1.5", "a": "a%"}],
    )


def test_a_query_past_its_time_limit_is_stopped(mysql_config: SourceConfig) -> None:
    with pytest.raises(QueryRefused, match="ran past its statement time limit"):
        read(
            MySqlQuerySource(
                mysql_config, "SELECT SLEEP(5) FROM DUAL WHERE 1 = 1 UNION SELECT 1", timeout_seconds=0.3
            )
        )


def test_a_geometry_is_refused_in_a_query_and_read_as_wkt_from_a_table(mysql_config: SourceConfig) -> None:
    mysql_run(
        mysql_config,
        "CREATE TABLE places (id INT PRIMARY KEY, at POINT)",
        "INSERT INTO places VALUES (1, POINT(1, 2))",
    )
    with pytest.raises(UncarriedColumns, match=r"cannot carry column 'at' \(geometry\)") as caught:
        MySqlQuerySource(mysql_config, "SELECT id, at FROM places")
    assert caught.value.columns == ["at"]
    _, rows, _ = read(MySqlTableSource(mysql_config, None, "places"))
    assert rows == [{"id": "1", "at": "POINT(1 2)"}]


def test_a_missing_table_and_an_unreachable_server_are_named(mysql_config: SourceConfig) -> None:
    with pytest.raises(SourceFailed, match=r"table .*\.nowhere does not exist"):
        MySqlTableSource(mysql_config, None, "nowhere")
    with pytest.raises(SourceUnreachable, match="cannot connect to MySQL"):
        MySqlTableSource(replace(mysql_config, port=1), None, "nowhere")


# Key ranges: every row exactly once.


def test_split_range_covers_every_value_once_with_open_ends() -> None:
    assert split_range(1, 100, 4) == [(None, 26), (26, 51), (51, 76), (76, None)]
    assert split_range(5, 6, 4) == [(None, 6), (6, None)]  # fewer values than parts
    assert split_range(7, 7, 3) == [(None, None)]
    days = split_range(dt.date(2024, 1, 1), dt.date(2024, 1, 10), 2)
    assert days == [(None, dt.date(2024, 1, 6)), (dt.date(2024, 1, 6), None)]
    with pytest.raises(ValueError, match="at least one range"):
        split_range(1, 2, 0)


@pytest.mark.parametrize(("column", "parts"), [("id", 4), ("day", 3), ("at", 5), ("amount", 4)])
def test_key_ranges_read_every_row_exactly_once(mysql_config: SourceConfig, column: str, parts: int) -> None:
    mysql_run(
        mysql_config,
        """CREATE TABLE big (id BIGINT PRIMARY KEY, day DATE NOT NULL, at DATETIME(6) NOT NULL,
           amount DECIMAL(12, 3) NOT NULL, note VARCHAR(10))""",
        # keys with gaps; days, instants and amounts with many ties
        """INSERT INTO big WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 1000)
           SELECT n * 7 - (n % 3), '2024-01-01' + INTERVAL (n % 40) DAY,
                  '2024-01-01' + INTERVAL (n % 13) HOUR, (n % 17) / 4, 'x' FROM g""",
    )
    ranges = mysql_key_ranges(mysql_config, None, "big", column, parts)
    assert len(ranges) == parts
    assert ranges[0].lower is None and ranges[-1].upper is None
    mysql_run(mysql_config, "INSERT INTO big VALUES (99999, '2030-01-01', '2030-01-01', 999, 'late')")
    seen: list[str] = []
    for key_range in ranges:
        ids, rows, _ = read(MySqlTableSource(mysql_config, None, "big", batch_size=97, key_range=key_range))
        assert rows, f"range {key_range} read nothing"
        seen += [row["id"] for row in rows]
        if column == "id":
            assert ids == [int(row["id"]) for row in rows]  # identities are the keys themselves
    assert sorted(seen, key=int) == [str(n * 7 - (n % 3)) for n in range(1, 1001)] + ["99999"]


def test_a_nullable_key_is_not_split(mysql_config: SourceConfig) -> None:
    mysql_run(mysql_config, "CREATE TABLE loose (id INT PRIMARY KEY, k INT NULL)")
    with pytest.raises(SourceFailed, match="may be NULL"):
        mysql_key_ranges(mysql_config, None, "loose", "k", 2)
    assert mysql_key_ranges(mysql_config, None, "loose", "id", 2) == [KeyRange("id")]  # empty table


def test_a_batch_is_gathered_from_small_fetches_in_order(
    mysql_config: SourceConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows are held as Python objects FETCH_ROWS at a time; batches keep `batch_size` rows."""
    mysql_run(
        mysql_config,
        "CREATE TABLE seq (id INT PRIMARY KEY, note VARCHAR(10) NULL)",
        """INSERT INTO seq WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 23)
           SELECT n, IF(n % 5 = 0, NULL, CONCAT('n', n)) FROM g""",
    )
    monkeypatch.setattr("etl_engine.sources.mysql.FETCH_ROWS", 3)
    sizes: list[int] = []
    ids: list[int] = []
    rows: list[dict[str, Any]] = []
    with MySqlTableSource(mysql_config, None, "seq", batch_size=10) as source:
        for raw in source.batches():
            sizes.append(raw.batch.num_rows)
            ids += [raw.row_id(i) for i in range(raw.batch.num_rows)]
            rows += raw.batch.to_pylist()
    assert sizes == [10, 10, 3]
    assert ids == list(range(1, 24))
    assert rows == [{"id": str(n), "note": None if n % 5 == 0 else f"n{n}"} for n in range(1, 24)]
