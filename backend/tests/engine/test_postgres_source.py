"""PostgreSQL sources beyond the contract: types carried, key order, estimates, clear failures;
the query source read-only, one statement, refusing writes with the source left as it was."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import psycopg
import pytest

import etl_engine as e
from etl_engine.errors import SourceFailed, SourceUnreachable
from etl_engine.sources.base import QueryRefused, UncarriedColumns
from etl_engine.sources.postgres import PostgresQuerySource, PostgresTableSource, postgres_key_ranges
from etl_engine.sources.ranges import KeyRange

from .conftest import RecordingReporter, dsn, query, schema_of


def create(config: e.DestinationConfig, sql: str) -> str:
    schema = schema_of(config)
    with psycopg.connect(dsn(config), autocommit=True, options=f"-c search_path={schema}") as conn:
        conn.execute(sql)
    return schema


def rows_of(source: PostgresTableSource) -> list[dict[str, object]]:
    with source:
        return [row for raw in source.batches() for row in raw.batch.to_pylist()]


def test_types_are_carried_exactly_or_as_text(pg_config: e.DestinationConfig) -> None:
    schema = create(
        pg_config,
        """CREATE TYPE mood AS ENUM ('ok', 'sad');
        CREATE TABLE kinds (
            "Small" smallint, big bigint, exact numeric(30, 8), loose numeric, ratio real,
            flag boolean, day date, at timestamp, at_tz timestamptz, u uuid, doc jsonb,
            tags text[], feeling mood, raw bytea, code char(3));
        INSERT INTO kinds VALUES (
            -7, 9223372036854775807, 1234567890123456789012.12345678, 0.1, 1.5,
            true, '2024-02-29', '2024-01-01 10:00:00.123456', '2024-01-01 10:00+02',
            'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2]}', '{x,"y z"}', 'sad', '\\x00ff', 'ab')""",
    )
    source = PostgresTableSource(pg_config, schema, "kinds")
    assert [(c.name, c.sql_name, c.type, c.precision, c.scale) for c in source.columns] == [
        ("Small", "small", e.ColumnType.INTEGER, None, None),
        ("big", "big", e.ColumnType.BIGINT, None, None),
        ("exact", "exact", e.ColumnType.NUMERIC, 30, 8),
        ("loose", "loose", e.ColumnType.NUMERIC, None, None),
        ("ratio", "ratio", e.ColumnType.FLOAT, None, None),
        ("flag", "flag", e.ColumnType.BOOLEAN, None, None),
        ("day", "day", e.ColumnType.DATE, None, None),
        ("at", "at", e.ColumnType.TIMESTAMP, None, None),
        ("at_tz", "at_tz", e.ColumnType.TIMESTAMPTZ, None, None),
        ("u", "u", e.ColumnType.TEXT, None, None),
        ("doc", "doc", e.ColumnType.TEXT, None, None),
        ("tags", "tags", e.ColumnType.TEXT, None, None),
        ("feeling", "feeling", e.ColumnType.TEXT, None, None),
        ("raw", "raw", e.ColumnType.TEXT, None, None),
        ("code", "code", e.ColumnType.TEXT, None, None),
    ]
    [row] = rows_of(source)
    assert row == {
        "small": -7,
        "big": 9223372036854775807,
        "exact": "1234567890123456789012.12345678",
        "loose": "0.1",
        "ratio": 1.5,
        "flag": True,
        "day": dt.date(2024, 2, 29),
        "at": dt.datetime(2024, 1, 1, 10, 0, 0, 123456),
        "at_tz": dt.datetime(2024, 1, 1, 8, 0, tzinfo=dt.UTC),
        "u": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        "doc": '{"a": [1, 2]}',
        "tags": '["x","y z"]',  # arrays as JSON
        "feeling": "sad",
        "raw": "\\x00ff",
        "code": "ab",  # char(n) as text: PostgreSQL drops the padding
    }


def test_a_table_loads_with_every_digit_and_instant_kept(
    pg_config: e.DestinationConfig, duckdb_config: e.DestinationConfig
) -> None:
    schema = create(
        pg_config,
        """CREATE TABLE money (id int PRIMARY KEY, amount numeric(30, 8), paid_at timestamptz);
        INSERT INTO money VALUES (1, 1234567890123456789012.12345678, '2024-06-30 23:59:59.5-07'),
                                 (2, NULL, NULL)""",
    )
    source = PostgresTableSource(pg_config, schema, "money")
    columns = [e.ColumnSpec(c.sql_name, c.sql_name, c.type) for c in source.columns]
    spec = e.JobSpec(
        run_id="money-run",
        source=e.FileSource("(unused: the source is given)"),
        columns=columns,
        destination=duckdb_config,
        load=e.LoadSpec("main", "money"),
        source_columns=source.columns,
    )
    result = e.run_job(spec, RecordingReporter(), source)
    assert (result.rows_loaded, result.rows_rejected) == (2, 0)
    assert query(duckdb_config, "SELECT id, amount::VARCHAR, epoch_us(paid_at) FROM money ORDER BY id") == [
        (1, "1234567890123456789012.12345678", 1719817199500000),
        (2, None, None),
    ]


def test_rows_come_in_primary_key_order_whatever_the_key(pg_config: e.DestinationConfig) -> None:
    schema = create(
        pg_config,
        """CREATE TABLE pairs (b int, note text, a int, PRIMARY KEY (a, b));
        INSERT INTO pairs VALUES (2, 'x', 1), (1, 'y', 2), (1, 'z', 1), (3, 'w', 0)""",
    )
    source = PostgresTableSource(pg_config, schema, "pairs", batch_size=3)
    assert [row["note"] for row in rows_of(source)] == ["w", "z", "x", "y"]  # by a, then b


def test_the_estimate_is_the_planners_once_analyzed(pg_config: e.DestinationConfig) -> None:
    schema = create(pg_config, "CREATE TABLE t AS SELECT g AS n FROM generate_series(1, 1000) g")
    with PostgresTableSource(pg_config, schema, "t") as source:
        assert source.total is None  # never analyzed: unknown
    create(pg_config, "ANALYZE t")
    with PostgresTableSource(pg_config, schema, "t") as source:
        assert source.total == 1000


def test_a_missing_table_and_an_unreachable_server_are_named(pg_config: e.DestinationConfig) -> None:
    with pytest.raises(SourceFailed, match=r"table .*\.nowhere does not exist"):
        PostgresTableSource(pg_config, schema_of(pg_config), "nowhere")
    with pytest.raises(SourceUnreachable, match=r"cannot read .* from PostgreSQL"):
        PostgresTableSource(replace(pg_config, port=1), schema_of(pg_config), "nowhere")


# The query source: read-only, one statement, clear refusals, the source left as it was.


def query_rows(config: e.DestinationConfig, sql: str, **options: Any) -> list[dict[str, object]]:
    with PostgresQuerySource(config, sql, **options) as source:
        return [row for raw in source.batches() for row in raw.batch.to_pylist()]


def test_a_query_is_read_with_its_types_and_repeated_names(pg_config: e.DestinationConfig) -> None:
    schema = create(
        pg_config,
        """CREATE TABLE q (id int PRIMARY KEY, amount numeric(12, 2), tags int[]);
        INSERT INTO q VALUES (1, 10.50, '{1,2}'), (2, NULL, NULL), (3, 7, '{}');
        ANALYZE q""",
    )
    sql = f"""SELECT id, id, amount * 2 AS amount, tags, 'x' || id, ROW(id, 'a b') AS pair
              FROM "{schema}".q WHERE id < 3 ORDER BY id DESC; -- newest first"""
    with PostgresQuerySource(pg_config, sql, batch_size=1) as source:
        assert [(c.name, c.sql_name, c.type, c.precision, c.scale) for c in source.columns] == [
            ("id", "id", e.ColumnType.INTEGER, None, None),
            ("id", "id_2", e.ColumnType.INTEGER, None, None),
            ("amount", "amount", e.ColumnType.NUMERIC, None, None),
            ("tags", "tags", e.ColumnType.TEXT, None, None),
            ("?column?", "column", e.ColumnType.TEXT, None, None),
            ("pair", "pair", e.ColumnType.TEXT, None, None),
        ]
        assert source.total == 2  # the planner's estimate
        raws = list(source.batches())
    assert [raw.row_id(0) for raw in raws] == [1, 2]
    assert [row for raw in raws for row in raw.batch.to_pylist()] == [
        {"id": 2, "id_2": 2, "amount": None, "tags": None, "column": "x2", "pair": '{"f1":2,"f2":"a b"}'},
        {
            "id": 1,
            "id_2": 1,
            "amount": "21.00",
            "tags": "[1,2]",
            "column": "x1",
            "pair": '{"f1":1,"f2":"a b"}',
        },
    ]


@pytest.mark.parametrize(
    ("sql", "refusal", "says"),
    [
        ("INSERT INTO {s}.t VALUES (1)", QueryRefused, "starts with INSERT, which is not run"),
        ("DROP TABLE {s}.t", QueryRefused, "starts with DROP, which is not run"),
        ("SELECT 1; DROP TABLE {s}.t", QueryRefused, "more than one statement"),
        ("SELECT * FROM {s}.t; DELETE FROM {s}.t", QueryRefused, "more than one statement"),
        ("SELECT * INTO {s}.t2 FROM {s}.t", QueryRefused, "cannot write its rows anywhere"),
        ("SELECT nextval('{s}.s')", QueryRefused, r"tried to write.*nothing was changed.*nextval\(\)"),
        ("SELECT {s}.add_row()", QueryRefused, "tried to write.*nothing was changed.*cannot execute INSERT"),
        ("WITH x AS (DELETE FROM {s}.t RETURNING *) SELECT * FROM x", SourceFailed, "data-modifying"),
        ("SELECT set_config('transaction_read_only', 'off', true)", SourceFailed, "read-write mode"),
    ],
)
def test_a_query_that_writes_is_refused_and_the_source_is_unchanged(
    pg_config: e.DestinationConfig, sql: str, refusal: type[SourceFailed], says: str
) -> None:
    schema = schema_of(pg_config)
    create(
        pg_config,
        f"""CREATE TABLE t (n int); INSERT INTO t VALUES (1), (2);
        CREATE SEQUENCE s;
        CREATE FUNCTION add_row() RETURNS int LANGUAGE sql
            AS 'INSERT INTO "{schema}".t VALUES (3) RETURNING 1'""",
    )
    with pytest.raises(refusal, match=says):
        query_rows(pg_config, sql.format(s=f'"{schema}"'))
    assert query(pg_config, f'SELECT array_agg(n ORDER BY n) FROM "{schema}".t') == [([1, 2],)]
    assert query(pg_config, f'SELECT last_value, is_called FROM "{schema}".s') == [(1, False)]
    assert query(pg_config, f"SELECT to_regclass('{schema}.t2')") == [(None,)]


def test_a_query_past_its_timeout_is_stopped(pg_config: e.DestinationConfig) -> None:
    with pytest.raises(QueryRefused, match="ran past its statement timeout"):
        query_rows(pg_config, "SELECT 1 AS n FROM pg_sleep(5)", timeout_seconds=0.2)


def test_a_column_of_a_type_that_cannot_be_carried_is_refused_before_reading(
    pg_config: e.DestinationConfig,
) -> None:
    with pytest.raises(UncarriedColumns, match=r"cannot carry column 'nothing' \(void\)") as caught:
        PostgresQuerySource(pg_config, "SELECT 1 AS fine, pg_sleep(0) AS nothing")
    assert caught.value.columns == ["nothing"]


def test_a_query_the_server_refuses_is_named(pg_config: e.DestinationConfig) -> None:
    with pytest.raises(
        SourceFailed, match='PostgreSQL refused reading the query: relation "nowhere" does not exist'
    ):
        PostgresQuerySource(pg_config, "SELECT * FROM nowhere")


@pytest.mark.parametrize(("column", "parts"), [("id", 4), ("day", 3), ("amount", 5)])
def test_key_ranges_read_every_row_exactly_once(
    pg_config: e.DestinationConfig, column: str, parts: int
) -> None:
    schema = create(
        pg_config,
        """CREATE TABLE big (id bigint PRIMARY KEY, day date NOT NULL, amount numeric(12, 3) NOT NULL);
        INSERT INTO big SELECT n * 7 - n % 3, date '2024-01-01' + n % 40, (n % 17) / 4.0
        FROM generate_series(1, 1000) n""",
    )
    ranges = postgres_key_ranges(pg_config, schema, "big", column, parts)
    assert len(ranges) == parts and ranges[0].lower is None and ranges[-1].upper is None
    create(pg_config, "INSERT INTO big VALUES (99999, '2030-01-01', 999)")  # after the split
    seen: list[int] = []
    for key_range in ranges:
        with PostgresTableSource(pg_config, schema, "big", batch_size=97, key_range=key_range) as source:
            for raw in source.batches():
                keys = raw.batch.column("id").to_pylist()
                assert keys, f"range {key_range} read nothing"
                seen += keys
                if column == "id":  # identities are the keys themselves
                    assert [raw.row_id(i) for i in range(raw.batch.num_rows)] == keys
    assert sorted(seen) == sorted([n * 7 - n % 3 for n in range(1, 1001)] + [99999])


def test_a_nullable_key_is_not_split(pg_config: e.DestinationConfig) -> None:
    schema = create(pg_config, "CREATE TABLE loose (id int PRIMARY KEY, k int)")
    with pytest.raises(SourceFailed, match="may be NULL"):
        postgres_key_ranges(pg_config, schema, "loose", "k", 2)
    assert postgres_key_ranges(pg_config, schema, "loose", "id", 2) == [KeyRange("id")]  # empty
