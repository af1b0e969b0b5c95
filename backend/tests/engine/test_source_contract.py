"""The source contract (etl_engine/sources/base.py): one suite every source passes (a CSV file, a
PostgreSQL table and query, a MariaDB table and query, an in-memory Arrow table), run_job loading
from the sources that are not files, and the shared fixture of tricky values (tricky.py): every
source yields the same typed rows, and every source x every writer (PostgreSQL, DuckDB) round-trips
them through run_job. (Redshift's writer runs its SQL on PostgreSQL in test_writer_contract.py;
SQL Server and Oracle readers, which no server here can run, in test_sqlserver_oracle.py.)"""

from __future__ import annotations

import datetime as dt
import gc
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pyarrow as pa
import pytest

import etl_engine as e
from etl_engine.sources import CsvSource, Source, SourceBatch, open_source
from etl_engine.sources.base import OrdinalBatch, ProgressUnit, SourceConfig, UncarriedColumns
from etl_engine.sources.mysql import MySqlQuerySource, MySqlTableSource
from etl_engine.sources.postgres import PostgresQuerySource, PostgresTableSource

from .conftest import RecordingReporter, dsn, mysql_run, query, schema_of
from .tricky import TRICKY_COLUMNS, TRICKY_ROWS, ZERO_DATE_ID, create_mariadb, create_postgres, typed_rows
from .tricky import write_csv as write_tricky_csv

ROWS = 2_500
BATCH = 400


class ArrowSource(Source):
    """A typed in-memory table as a source: identities are ordinals from 1, progress in rows."""

    progress_unit: ProgressUnit = "rows"

    def __init__(self, table: pa.Table, columns: list[e.SourceColumn], batch_size: int) -> None:
        self.table: pa.Table | None = table
        self.columns = columns
        self.batch_size = batch_size
        self.rows_total = int(table.num_rows)
        self.handed_on = 0

    @property
    def total(self) -> int:
        return self.rows_total

    @property
    def position(self) -> int:
        return self.handed_on

    def batches(self) -> Iterator[SourceBatch]:
        assert self.table is not None, "the source is closed"
        for batch in self.table.to_batches(max_chunksize=self.batch_size):
            first = self.handed_on + 1
            self.handed_on += batch.num_rows
            yield OrdinalBatch(batch, first)

    def close(self) -> None:
        self.table = None


def people(rows: int = ROWS) -> pa.Table:
    return pa.table(
        {
            "id": pa.array(range(1, rows + 1), pa.int64()),
            "name": pa.array([f'name {i}, "q"' for i in range(1, rows + 1)]),
            "day": pa.array([dt.date(2024, 1, 1) + dt.timedelta(days=i % 365) for i in range(rows)]),
            "amount": pa.array([str(i) if i % 500 else "n/a" for i in range(1, rows + 1)]),
        }
    )


PEOPLE_COLUMNS = [
    e.SourceColumn("id", "id", e.ColumnType.BIGINT),
    e.SourceColumn("name", "name", e.ColumnType.TEXT),
    e.SourceColumn("day", "day", e.ColumnType.DATE),
    e.SourceColumn("amount", "amount", e.ColumnType.TEXT),
]


@dataclass
class Case:
    """How to open one kind of source over the people rows, and how many records it holds."""

    open: Callable[[], Source]
    records: int
    exact_total: bool
    types: list[e.ColumnType]
    has_total: bool = True  # a query on MariaDB has no estimate


def csv_case(tmp_path: Path) -> Case:
    lines = [
        f'{i},"name {i}, ""q""",{dt.date(2024, 1, 1) + dt.timedelta(days=(i - 1) % 365)},{i}'
        for i in range(1, ROWS + 1)
    ]
    lines.insert(700, "a,ragged,row")  # wrong field count: rejected by the source itself
    path = tmp_path / "people.csv"
    path.write_text("id,name,day,amount\n" + "\n".join(lines) + "\n")
    profile = e.profile_csv(path)
    types = [e.ColumnType.INTEGER, e.ColumnType.TEXT, e.ColumnType.DATE, e.ColumnType.INTEGER]
    return Case(lambda: CsvSource(path, profile.options, profile.columns, BATCH), ROWS + 1, True, types)


def people_table(config: e.DestinationConfig) -> tuple[str, str]:
    """The people rows in a PostgreSQL table (written in reverse: the key gives the order)."""
    schema = schema_of(config)
    with psycopg.connect(dsn(config), autocommit=True) as conn:
        conn.execute(
            f"""CREATE TABLE "{schema}".people (id bigint PRIMARY KEY, name text, day date, amount text);
            INSERT INTO "{schema}".people
            SELECT g, 'name ' || g || ', "q"', date '2024-01-01' + (g - 1) % 365,
                   CASE WHEN g % 500 = 0 THEN 'n/a' ELSE g::text END
            FROM generate_series({ROWS}, 1, -1) AS g;
            ANALYZE "{schema}".people"""
        )
    return schema, "people"


def postgres_case(request: pytest.FixtureRequest) -> Case:
    config: e.DestinationConfig = request.getfixturevalue("pg_config")
    schema, table = people_table(config)
    types = [c.type for c in PEOPLE_COLUMNS]
    return Case(lambda: PostgresTableSource(config, schema, table, BATCH), ROWS, False, types)


def postgres_query_case(request: pytest.FixtureRequest) -> Case:
    config: e.DestinationConfig = request.getfixturevalue("pg_config")
    schema, table = people_table(config)
    sql = f'SELECT id, name, day, amount FROM "{schema}".{table} ORDER BY id'
    types = [c.type for c in PEOPLE_COLUMNS]
    return Case(lambda: PostgresQuerySource(config, sql, BATCH), ROWS, False, types)


def mysql_people(config: SourceConfig) -> str:
    """The people rows in a MariaDB table (written in reverse: the key gives the order)."""
    mysql_run(
        config,
        "SET SESSION max_recursive_iterations = 100000",
        "CREATE TABLE people (id BIGINT PRIMARY KEY, name VARCHAR(40), day DATE, amount VARCHAR(10))",
        f"""INSERT INTO people
        WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {ROWS})
        SELECT n, CONCAT('name ', n, ', "q"'), '2024-01-01' + INTERVAL ((n - 1) % 365) DAY,
               IF(n % 500 = 0, 'n/a', n) FROM g ORDER BY n DESC""",
        "ANALYZE TABLE people",
    )
    return "people"


def mysql_case(request: pytest.FixtureRequest) -> Case:
    config: SourceConfig = request.getfixturevalue("mysql_config")
    table = mysql_people(config)
    types = [c.type for c in PEOPLE_COLUMNS]
    return Case(lambda: MySqlTableSource(config, None, table, BATCH), ROWS, False, types)


def mysql_query_case(request: pytest.FixtureRequest) -> Case:
    config: SourceConfig = request.getfixturevalue("mysql_config")
    table = mysql_people(config)
    types = [c.type for c in PEOPLE_COLUMNS]
    sql = f"SELECT id, name, day, amount FROM {table} ORDER BY id"
    return Case(lambda: MySqlQuerySource(config, sql, BATCH), ROWS, False, types, has_total=False)


def csv_source_case(request: pytest.FixtureRequest) -> Case:
    return csv_case(request.getfixturevalue("tmp_path"))


def arrow_source_case(request: pytest.FixtureRequest) -> Case:
    types = [c.type for c in PEOPLE_COLUMNS]
    return Case(lambda: ArrowSource(people(), PEOPLE_COLUMNS, BATCH), ROWS, False, types)


@pytest.fixture(
    params=[
        csv_source_case,
        arrow_source_case,
        postgres_case,
        postgres_query_case,
        mysql_case,
        mysql_query_case,
    ],
    ids=["csv", "arrow", "postgres", "postgres_query", "mysql", "mysql_query"],
)
def case(request: pytest.FixtureRequest) -> Case:
    make: Callable[[pytest.FixtureRequest], Case] = request.param
    return make(request)


@dataclass
class Read:
    ids: list[int]
    rows: list[dict[str, object]]
    sizes: list[int]
    positions: list[int]
    total: int | None
    end: int


def read_all(source: Source) -> Read:
    read = Read([], [], [], [], source.total, 0)
    for raw in source.batches():
        assert raw.records == raw.batch.num_rows + len(raw.rejected)
        ids = [raw.row_id(i) for i in range(raw.batch.num_rows)] + [r.line_number for r in raw.rejected]
        read.ids += sorted(ids)
        read.rows += raw.batch.to_pylist()
        read.sizes.append(raw.batch.num_rows)
        read.positions.append(source.position)
    read.end = source.position
    return read


def test_batches_are_bounded_and_hold_every_record(case: Case) -> None:
    with case.open() as source:
        read = read_all(source)
    assert len(read.sizes) > 1
    assert all(0 <= size <= BATCH for size in read.sizes)
    assert len(read.ids) == case.records


def test_row_identities_increase_and_are_stable_across_reads(case: Case) -> None:
    with case.open() as source:
        first = read_all(source)
    with case.open() as source:
        second = read_all(source)
    assert first.ids == sorted(set(first.ids))
    assert (second.ids, second.rows) == (first.ids, first.rows)


def test_progress_runs_up_to_the_total(case: Case) -> None:
    with case.open() as source:
        assert source.position == 0
        read = read_all(source)
    assert read.total is None if not case.has_total else read.total is not None and read.total > 0
    assert read.positions == sorted(read.positions)
    assert read.positions[0] > 0
    if case.exact_total:
        assert read.positions[-1] <= read.total
        assert read.end == read.total
    else:  # an estimate the read may pass: the end is what was read
        assert read.end == len(read.ids)


def test_columns_are_typed_and_name_the_batch_columns(case: Case) -> None:
    with case.open() as source:
        assert [c.type for c in source.columns] == case.types
        names = [c.sql_name for c in source.columns]
        assert all(raw.batch.schema.names == names for raw in source.batches())


def open_handles() -> int:
    """Open file descriptors, once objects earlier tests left for the collector are gone (one
    collected mid-test would close a handle this test never opened)."""
    gc.collect()
    return len(os.listdir("/proc/self/fd"))


def test_closing_releases_the_source_even_when_read_part_way(case: Case) -> None:
    before = open_handles()
    with case.open() as source:
        next(iter(source.batches()))
    assert open_handles() == before
    with case.open() as source:
        read_all(source)
    assert open_handles() == before


def test_the_default_source_of_a_spec_is_its_csv_file(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("x\n1\n2\n")
    profile = e.profile_csv(path)
    spec = e.JobSpec(
        run_id="r1",
        source=e.FileSource(str(path), profile.options),
        columns=[e.ColumnSpec("x", "x", e.ColumnType.INTEGER)],
        destination=e.DestinationConfig(kind="duckdb", path=str(tmp_path / "w.duckdb")),
        load=e.LoadSpec("main", "t", batch_size=1),
        source_columns=profile.columns,
    )
    with open_source(spec) as source:
        assert isinstance(source, CsvSource)
        assert [raw.batch.column(0).to_pylist() for raw in source.batches()] == [["1"], ["2"]]


@pytest.mark.parametrize("kind", ["arrow", "postgres"])
def test_run_job_loads_from_a_source_that_is_not_a_file(
    destination: e.DestinationConfig,
    reporter: RecordingReporter,
    request: pytest.FixtureRequest,
    kind: str,
) -> None:
    """Typed values are converted (BIGINT to INTEGER, dates kept), text is parsed, and a row that
    does not fit is rejected under the source's identity (its ordinal), not a file line."""
    columns = [
        e.ColumnSpec("id", "id", e.ColumnType.INTEGER),
        e.ColumnSpec("name", "name", e.ColumnType.TEXT, [e.Transform("upper")]),
        e.ColumnSpec("day", "day", e.ColumnType.DATE),
        e.ColumnSpec("amount", "amount", e.ColumnType.INTEGER),
    ]
    spec = e.JobSpec(
        run_id="arrow-run",
        source=e.FileSource("(unused: the source is given)"),
        columns=columns,
        destination=destination,
        load=e.LoadSpec(schema_of(destination), "loaded", batch_size=BATCH, reject_threshold_count=10),
        source_columns=PEOPLE_COLUMNS,
    )
    handles = open_handles()
    source: Source
    if kind == "arrow":
        source = ArrowSource(people(), PEOPLE_COLUMNS, BATCH)
    else:  # the source table in PostgreSQL, the destination PostgreSQL or DuckDB
        config: e.DestinationConfig = request.getfixturevalue("pg_config")
        source = PostgresTableSource(config, *people_table(config), batch_size=BATCH)
    result = e.run_job(spec, reporter, source)
    assert open_handles() == handles  # the run closed the source
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == (
        "COMPLETED_WITH_REJECTS",
        ROWS,
        ROWS - 5,
        5,
    )
    assert [(r.line_number, r.column, r.reason) for r in reporter.rejected_rows] == [
        (n, "amount", "'n/a' is not a valid INTEGER (whole number in range)")
        for n in (500, 1000, 1500, 2000, 2500)
    ]
    assert reporter.rejected_rows[0].raw == '500,"name 500, ""q""",2024-05-14,n/a'
    table = f'"{schema_of(destination)}"."loaded"'
    assert query(destination, f"SELECT count(*), sum(id), max(day), min(name) FROM {table}") == [
        (ROWS - 5, ROWS * (ROWS + 1) // 2 - 7500, dt.date(2024, 12, 30), 'NAME 1, "Q"')
    ]
    seen = reporter.progress_seen
    assert [p.bytes_read for p in seen] == sorted(p.bytes_read for p in seen)
    assert all(p.bytes_total == ROWS for p in seen)
    assert (seen[-1].rows_read, seen[-1].bytes_read) == (ROWS, ROWS)


# The shared fixture of tricky values: the same typed rows from every source, through every writer.

TRICKY_SOURCES = ["csv", "postgres_table", "postgres_query", "mysql_table", "mysql_query"]


def open_tricky(kind: str, request: pytest.FixtureRequest, batch_size: int = 3) -> Source:
    """The tricky rows as a source of `kind`; MariaDB's also holds the zero-date row."""
    if kind == "csv":
        path = write_tricky_csv(request.getfixturevalue("tmp_path") / "tricky.csv")
        return CsvSource(path, e.CsvOptions(), TRICKY_COLUMNS, batch_size)
    if kind.startswith("postgres"):
        config: e.DestinationConfig = request.getfixturevalue("pg_config")
        schema, table = create_postgres(config)
        if kind == "postgres_table":
            return PostgresTableSource(config, schema, table, batch_size)
        return PostgresQuerySource(config, f'SELECT * FROM "{schema}".{table} ORDER BY id', batch_size)
    mysql: SourceConfig = request.getfixturevalue("mysql_config")
    database, table = create_mariadb(mysql)
    if kind == "mysql_table":
        return MySqlTableSource(mysql, database, table, batch_size)
    return MySqlQuerySource(mysql, f"SELECT * FROM {table} ORDER BY id", batch_size)


@pytest.mark.parametrize("kind", TRICKY_SOURCES)
def test_every_source_yields_the_same_typed_rows(kind: str, request: pytest.FixtureRequest) -> None:
    with open_tricky(kind, request) as source:
        assert [(c.name, c.sql_name, c.type, c.precision, c.scale) for c in source.columns] == [
            (c.name, c.sql_name, c.type, c.precision, c.scale) for c in TRICKY_COLUMNS
        ]
        raws = list(source.batches())
        columns = source.columns
    assert typed_rows([raw.batch for raw in raws], columns) == TRICKY_ROWS
    rejected = [row for raw in raws for row in raw.rejected]
    if kind.startswith("mysql"):  # 0000-00-00 is no date: the source rejects its row, with why
        assert [(r.line_number, r.column) for r in rejected] == [(ZERO_DATE_ID, "day")]
        assert "MySQL zero date" in rejected[0].reason
    else:
        assert rejected == []


@pytest.mark.parametrize("kind", TRICKY_SOURCES)
def test_every_source_round_trips_through_every_writer(
    kind: str, destination: e.DestinationConfig, request: pytest.FixtureRequest
) -> None:
    source = open_tricky(kind, request)
    spec = e.JobSpec(
        run_id=f"tricky-{kind}",
        source=e.FileSource("(unused: the source is given)"),
        columns=[e.ColumnSpec(c.sql_name, c.sql_name, c.type) for c in source.columns],
        destination=destination,
        load=e.LoadSpec(schema_of(destination), "tricky_loaded", batch_size=3, reject_threshold_count=1),
        source_columns=source.columns,
    )
    reporter = RecordingReporter()
    result = e.run_job(spec, reporter, source)
    zero_dates = 1 if kind.startswith("mysql") else 0
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4 + zero_dates, 4, zero_dates)
    assert [(r.line_number, r.column) for r in reporter.rejected_rows] == [(ZERO_DATE_ID, "day")] * zero_dates
    names = ", ".join(f'"{c.name}"' for c in TRICKY_COLUMNS)
    loaded = query(destination, f'SELECT {names} FROM "{schema_of(destination)}".tricky_loaded ORDER BY id')
    assert [dict(zip([c.name for c in TRICKY_COLUMNS], row, strict=True)) for row in loaded] == TRICKY_ROWS


@pytest.mark.parametrize(
    ("kind", "sql", "refused"),
    [
        # 1/0 would fail if the query ran: the refusal comes from its description alone
        (
            "postgres",
            "SELECT 1 / 0 AS boom, pg_sleep(0) AS nothing, NULL::cstring AS raw",
            ["nothing", "raw"],
        ),
        ("mysql", "SELECT 1 AS fine, ST_GeomFromText('POINT(1 1)') AS place", ["place"]),
    ],
)
def test_a_type_that_cannot_be_carried_is_refused_before_the_run_with_the_column_named(
    kind: str, sql: str, refused: list[str], request: pytest.FixtureRequest
) -> None:
    with pytest.raises(UncarriedColumns, match="cannot carry column") as caught:
        if kind == "postgres":
            PostgresQuerySource(request.getfixturevalue("pg_config"), sql)
        else:
            MySqlQuerySource(request.getfixturevalue("mysql_config"), sql)
    assert caught.value.columns == refused
    assert all(repr(name) in str(caught.value) for name in refused)
    assert isinstance(caught.value, e.SourceFailed)  # terminal: the run fails at once, not retried
