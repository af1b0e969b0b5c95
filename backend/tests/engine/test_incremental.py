"""Incremental table reads through run_job: only rows at or past the last committed cursor are read,
merged on the key, and the cursor moves only with a committed load.

Real PostgreSQL and MariaDB sources, loaded into PostgreSQL and DuckDB. Between runs rows are
inserted, updated in place, and inserted at exactly the cursor value the last run committed (a tie
a `>` read would miss): the destination must equal the source, with no duplicate.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
import pytest

import etl_engine as e
from etl_engine.sources import open_source
from etl_engine.sources.base import SourceConfig
from etl_engine.sources.parallel import ParallelRanges
from etl_engine.sources.postgres import PostgresTableSource

from .conftest import RecordingReporter, dsn, mysql_run, query, schema_of

T0 = dt.datetime(2026, 11, 30, 8, 0, 0)
COLUMNS = [
    e.ColumnSpec("id", "id", e.ColumnType.INTEGER),
    e.ColumnSpec("name", "name", e.ColumnType.TEXT),
    e.ColumnSpec("qty", "qty", e.ColumnType.INTEGER),  # text in the source: 'seven' is rejected
    e.ColumnSpec("updated_at", "updated_at", e.ColumnType.TIMESTAMP),
]


class Orders:
    """The `orders` source table in PostgreSQL or MariaDB."""

    def __init__(self, kind: str, request: pytest.FixtureRequest) -> None:
        self.kind = kind
        if kind == "postgres":
            pg: e.DestinationConfig = request.getfixturevalue("pg_config")
            self.pg, self.schema = pg, schema_of(pg)
            self.config = SourceConfig("postgres", pg.host, pg.port, pg.database, pg.user)
            self.run("CREATE TABLE orders (id int PRIMARY KEY, name text, qty text, updated_at timestamp(6))")
        else:
            self.config = request.getfixturevalue("mysql_config")
            self.schema = str(self.config.database)
            self.run("CREATE TABLE orders (id INT PRIMARY KEY, name TEXT, qty TEXT, updated_at DATETIME(6))")

    def run(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.kind == "postgres":
            with psycopg.connect(dsn(self.pg), autocommit=True) as conn:
                conn.execute(f'SET search_path = "{self.schema}"')
                cursor = conn.execute(sql.replace("?", "%s"), params)
                return cursor.fetchall() if cursor.description else []
        return mysql_run(self.config, _inline(sql, params))

    def upsert(self, id: int, name: str, qty: str, minutes: float) -> None:
        at = T0 + dt.timedelta(minutes=minutes)
        self.run("DELETE FROM orders WHERE id = ?", (id,))
        self.run("INSERT INTO orders VALUES (?, ?, ?, ?)", (id, name, qty, at))

    def rows(self) -> list[tuple[Any, ...]]:
        return [
            (int(id), name, int(qty), at)
            for id, name, qty, at in self.run("SELECT id, name, qty, updated_at FROM orders ORDER BY id")
        ]

    def spec(self, destination: e.DestinationConfig, run_id: str, lookback: float = 0) -> e.JobSpec:
        return e.JobSpec(
            run_id=run_id,
            source=e.TableSource(
                self.config, self.schema, "orders", incremental=e.Incremental("updated_at", lookback)
            ),
            columns=COLUMNS,
            destination=destination,
            load=e.LoadSpec(
                schema_of(destination),
                "orders_copy",
                strategy="UPSERT",
                upsert_keys=["id"],
                stream="job7/orders",
            ),
        )


def _inline(sql: str, params: tuple[Any, ...]) -> str:
    """MariaDB statements for mysql_run (test values only: ints, plain text, datetimes)."""
    for value in params:
        text = str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"
        sql = sql.replace("?", text, 1)
    return sql


def loaded(destination: e.DestinationConfig) -> list[tuple[Any, ...]]:
    return query(
        destination,
        f'SELECT id, name, qty, updated_at FROM "{schema_of(destination)}".orders_copy ORDER BY id',
    )


def last_state(destination: e.DestinationConfig, spec: e.JobSpec) -> dict[str, Any] | None:
    with e.open_destination(destination).writer(spec.load, spec.columns, "peek") as writer:
        return writer.last_state()


@pytest.mark.parametrize("kind", ["postgres", "mysql"])
def test_a_second_run_reads_from_the_cursor_and_merges_ties_and_updates(
    kind: str, destination: e.DestinationConfig, request: pytest.FixtureRequest
) -> None:
    orders = Orders(kind, request)
    for id in (1, 2, 3):
        orders.upsert(id, f"n{id}", str(id), minutes=id)
    first = e.run_job(orders.spec(destination, "r1"), RecordingReporter())
    assert (first.status, first.rows_read, first.state) == ("COMPLETED", 3, {"cursor": "2026-11-30T08:03:00"})
    assert loaded(destination) == orders.rows()

    orders.upsert(4, "tie", "4", minutes=3)  # exactly the committed cursor
    orders.upsert(2, "n2 updated", "20", minutes=4)  # updated in place, later
    orders.upsert(5, "n5", "5", minutes=5)
    second = e.run_job(orders.spec(destination, "r2"), RecordingReporter())
    # read: 3 and 4 (at the cursor), 2 and 5 (after it); 1 is not read again
    assert (second.rows_read, second.rows_loaded) == (4, 4)
    assert second.state == {"cursor": "2026-11-30T08:05:00"}
    assert loaded(destination) == orders.rows()
    assert len(loaded(destination)) == 5

    # nothing new: the rows at the cursor are read again and merged, nothing changes
    third = e.run_job(orders.spec(destination, "r3"), RecordingReporter())
    assert (third.rows_read, third.state) == (1, second.state)
    assert loaded(destination) == orders.rows()


@pytest.mark.parametrize("kind", ["postgres", "mysql"])
def test_a_failed_run_moves_neither_rows_nor_cursor_and_its_retry_loads_once(
    kind: str, destination: e.DestinationConfig, request: pytest.FixtureRequest
) -> None:
    orders = Orders(kind, request)
    orders.upsert(1, "a", "1", minutes=1)
    orders.upsert(2, "b", "2", minutes=2)
    e.run_job(orders.spec(destination, "r1"), RecordingReporter())
    before = loaded(destination)
    committed = last_state(destination, orders.spec(destination, "r1"))
    assert committed == {"cursor": "2026-11-30T08:02:00"}

    orders.upsert(3, "c", "3", minutes=3)
    orders.upsert(4, "d", "seven", minutes=4)  # not an integer: rejected, over the threshold of 0
    with pytest.raises(e.RejectThresholdExceeded):
        e.run_job(orders.spec(destination, "r2"), RecordingReporter())
    assert loaded(destination) == before
    assert last_state(destination, orders.spec(destination, "r2")) == committed

    orders.upsert(4, "d", "7", minutes=4)  # fixed at the source; the retry of the same run
    retry = e.run_job(orders.spec(destination, "r2"), RecordingReporter())
    assert (retry.rows_read, retry.rows_loaded, retry.state) == (3, 3, {"cursor": "2026-11-30T08:04:00"})
    assert loaded(destination) == orders.rows()
    again = e.run_job(orders.spec(destination, "r2"), RecordingReporter())  # committed: a no-op
    assert (again.rows_loaded, again.state) == (3, retry.state)
    assert loaded(destination) == orders.rows()


def test_the_lookback_rereads_rows_written_late_below_the_cursor(
    duckdb_config: e.DestinationConfig, request: pytest.FixtureRequest
) -> None:
    orders = Orders("postgres", request)
    orders.upsert(1, "a", "1", minutes=10)
    e.run_job(orders.spec(duckdb_config, "r1", lookback=300), RecordingReporter())
    # committed late with an earlier timestamp (a long transaction): inside the 5-minute lookback
    orders.upsert(2, "late", "2", minutes=6)
    orders.upsert(3, "too late", "3", minutes=4)  # outside it: a lookback is a window, not a rescan
    result = e.run_job(orders.spec(duckdb_config, "r2", lookback=300), RecordingReporter())
    assert result.rows_read == 2  # 2 (08:06 >= 08:05) and 1 again
    assert [row[0] for row in loaded(duckdb_config)] == [1, 2]
    assert result.state == {"cursor": "2026-11-30T08:10:00"}  # the largest read, not the lookback


def test_an_integer_cursor_with_a_lookback(
    pg_config: e.DestinationConfig, duckdb_config: e.DestinationConfig
) -> None:
    with psycopg.connect(dsn(pg_config), autocommit=True) as conn:
        conn.execute(f'SET search_path = "{schema_of(pg_config)}"')
        conn.execute("CREATE TABLE events (seq bigint PRIMARY KEY, what text)")
        conn.execute("INSERT INTO events SELECT i, 'e' || i FROM generate_series(1, 10) AS i")
    config = SourceConfig("postgres", pg_config.host, pg_config.port, pg_config.database, pg_config.user)

    def run(run_id: str) -> e.RunResult:
        spec = e.JobSpec(
            run_id=run_id,
            source=e.TableSource(config, schema_of(pg_config), "events", incremental=e.Incremental("seq", 2)),
            columns=[
                e.ColumnSpec("seq", "seq", e.ColumnType.BIGINT),
                e.ColumnSpec("what", "what", e.ColumnType.TEXT),
            ],
            destination=duckdb_config,
            load=e.LoadSpec("main", "events", strategy="UPSERT", upsert_keys=["seq"], stream="events"),
        )
        return e.run_job(spec, RecordingReporter())

    assert (run("r1").rows_read, run("r2").rows_read) == (10, 3)  # 8, 9 and 10 again
    with psycopg.connect(dsn(pg_config), autocommit=True) as conn:
        conn.execute(f"INSERT INTO \"{schema_of(pg_config)}\".events VALUES (11, 'e11')")
    third = run("r3")
    assert (third.rows_read, third.state) == (4, {"cursor": 11})
    assert query(duckdb_config, "SELECT count(*), count(DISTINCT seq), max(seq) FROM events") == [
        (11, 11, 11)
    ]


@pytest.mark.parametrize(
    ("strategy", "keys", "stream", "why"),
    [
        ("INSERT", [], "s", "UPSERT on its keys, not INSERT"),
        ("TRUNCATE_INSERT", [], "s", "UPSERT on its keys, not TRUNCATE_INSERT"),
        ("UPSERT", [], "s", "UPSERT needs at least one key column"),
        ("UPSERT", ["id"], None, "needs a stream"),
    ],
)
def test_an_incremental_spec_without_upsert_keys_or_a_stream_is_refused(
    strategy: e.LoadStrategy,
    keys: list[str],
    stream: str | None,
    why: str,
    duckdb_config: e.DestinationConfig,
) -> None:
    spec = e.JobSpec(
        run_id="r",
        source=e.TableSource(SourceConfig("postgres"), "s", "t", incremental=e.Incremental("at")),
        columns=COLUMNS,
        destination=duckdb_config,
        load=e.LoadSpec("main", "t", strategy=strategy, upsert_keys=keys, stream=stream),
    )
    with pytest.raises(e.InvalidJobSpec, match=why):
        e.run_job(spec, RecordingReporter())


def test_a_cursor_column_that_is_no_integer_date_or_timestamp_is_refused(
    request: pytest.FixtureRequest,
) -> None:
    orders = Orders("postgres", request)
    with pytest.raises(e.InvalidJobSpec, match="'name' is TEXT"):
        PostgresTableSource(orders.config, orders.schema, "orders", incremental=e.Incremental("name"))


@pytest.mark.parametrize("kind", ["postgres", "mysql"])
def test_an_incremental_read_in_parallel_ranges_resumes_every_range(
    kind: str, duckdb_config: e.DestinationConfig, request: pytest.FixtureRequest
) -> None:
    orders = Orders(kind, request)
    for id in range(1, 41):
        orders.upsert(id, f"n{id}", str(id), minutes=id % 7)

    def run(run_id: str) -> e.RunResult:
        spec = orders.spec(duckdb_config, run_id)
        assert isinstance(spec.source, e.TableSource)
        spec.source.ranges = 3
        return e.run_job(spec, RecordingReporter())

    split = orders.spec(duckdb_config, "peek")
    assert isinstance(split.source, e.TableSource)
    split.source.ranges = 3
    with open_source(split) as source:
        assert isinstance(source, ParallelRanges) and len(source.sources) == 3
    first = run("r1")
    assert (first.rows_read, first.state) == (40, {"cursor": "2026-11-30T08:06:00"})
    orders.upsert(7, "moved", "7", minutes=9)  # in the first range
    orders.upsert(39, "moved", "39", minutes=8)  # in the last
    second = run("r2")
    # every range reads from 08:06: the five rows still there (id % 7 == 6) and the two moved
    assert (second.rows_read, second.state) == (7, {"cursor": "2026-11-30T08:09:00"})
    assert loaded(duckdb_config) == orders.rows()
