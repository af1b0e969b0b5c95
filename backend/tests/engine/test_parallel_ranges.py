"""A big table read as key ranges in parallel (TableSource.ranges): every row exactly once, each
under its key as identity, with the queue bounded; real PostgreSQL and MariaDB tables."""

from __future__ import annotations

import threading
import time
from collections import Counter

import psycopg
import pytest

import etl_engine as e
from etl_engine.sources import open_source
from etl_engine.sources.base import SourceConfig
from etl_engine.sources.parallel import ParallelRanges

from .conftest import RecordingReporter, dsn, mysql_run, query, schema_of

# Keys with gaps and a cluster, so the even split of [low, high] gives uneven ranges.
KEYS = [*range(1, 400), *range(5000, 5003), 90_000, 1_000_000]


def table(kind: str, request: pytest.FixtureRequest, key: str = "bigint") -> tuple[SourceConfig, str]:
    if kind == "postgres":
        pg: e.DestinationConfig = request.getfixturevalue("pg_config")
        with psycopg.connect(dsn(pg), autocommit=True) as conn:
            conn.execute(f'SET search_path = "{schema_of(pg)}"')
            conn.execute(f"CREATE TABLE big (id {key} PRIMARY KEY, v text)")
            conn.execute("INSERT INTO big SELECT k, 'v' || k FROM unnest(%s::bigint[]) AS k", (KEYS,))
        return SourceConfig("postgres", pg.host, pg.port, pg.database, pg.user), schema_of(pg)
    config: SourceConfig = request.getfixturevalue("mysql_config")
    mysql_run(
        config,
        f"CREATE TABLE big (id {key.upper()} PRIMARY KEY, v TEXT)",
        "INSERT INTO big VALUES " + ", ".join(f"({k}, 'v{k}')" for k in KEYS),
    )
    return config, str(config.database)


def spec(config: SourceConfig, schema: str, destination: e.DestinationConfig, ranges: int) -> e.JobSpec:
    return e.JobSpec(
        run_id="p1",
        source=e.TableSource(config, schema, "big", ranges=ranges),
        columns=[e.ColumnSpec("id", "id", e.ColumnType.BIGINT), e.ColumnSpec("v", "v", e.ColumnType.TEXT)],
        destination=destination,
        load=e.LoadSpec(schema_of(destination), "big_copy", batch_size=25),
    )


@pytest.mark.parametrize("kind", ["postgres", "mysql"])
def test_ranges_read_every_row_once_under_its_key(
    kind: str, duckdb_config: e.DestinationConfig, request: pytest.FixtureRequest
) -> None:
    config, schema = table(kind, request)
    threads_before = threading.active_count()
    with open_source(spec(config, schema, duckdb_config, ranges=4)) as source:
        assert isinstance(source, ParallelRanges) and len(source.sources) == 4
        ids: list[int] = []
        for raw in source.batches():
            values = [int(v) for v in raw.batch.column(0).to_pylist()]
            assert [raw.row_id(i) for i in range(raw.batch.num_rows)] == values  # identities are keys
            ids += values
        assert source.position == len(KEYS)
    assert Counter(ids) == Counter(KEYS)
    assert threading.active_count() == threads_before  # every range's thread ended


@pytest.mark.parametrize("kind", ["postgres", "mysql"])
def test_a_ranged_table_loads_exactly_once(
    kind: str, duckdb_config: e.DestinationConfig, request: pytest.FixtureRequest
) -> None:
    config, schema = table(kind, request)
    result = e.run_job(spec(config, schema, duckdb_config, ranges=3), RecordingReporter())
    assert (result.rows_read, result.rows_loaded) == (len(KEYS), len(KEYS))
    assert query(duckdb_config, "SELECT count(*), count(DISTINCT id), sum(id) FROM big_copy") == [
        (len(KEYS), len(KEYS), sum(KEYS))
    ]


def test_the_ranges_read_ahead_at_most_two_batches_each(
    duckdb_config: e.DestinationConfig, request: pytest.FixtureRequest
) -> None:
    config, schema = table("postgres", request)
    with open_source(spec(config, schema, duckdb_config, ranges=4)) as source:
        assert isinstance(source, ParallelRanges)
        batches = source.batches()
        first = next(batches)
        assert source.read_ahead is not None
        deadline = time.monotonic() + 60  # waits for the state, never for a guessed duration
        while not source.read_ahead.full():
            assert time.monotonic() < deadline, "the ranges never filled their queue"
            time.sleep(0.01)
        # full: every thread now waits with at most one batch in hand
        read = sum(s.position for s in source.sources)
        assert read <= first.records + (8 + 4) * 25 < len(KEYS)
        rest = sum(raw.records for raw in batches)
    assert first.records + rest == len(KEYS)


def test_a_failing_range_fails_the_read_and_stops_the_others(
    duckdb_config: e.DestinationConfig, request: pytest.FixtureRequest
) -> None:
    config, schema = table("postgres", request)
    source = open_source(spec(config, schema, duckdb_config, ranges=4))
    assert isinstance(source, ParallelRanges)
    broken = source.sources[2]
    broken.sql = "SELECT 1 / 0"  # type: ignore[attr-defined]  # this range's read fails on the server
    threads_before = threading.active_count()
    with source, pytest.raises(e.SourceFailed, match="division by zero"):
        for _ in source.batches():
            pass
    assert threading.active_count() == threads_before


def test_a_table_without_an_integer_key_is_read_as_one_range(
    duckdb_config: e.DestinationConfig, request: pytest.FixtureRequest
) -> None:
    pg: e.DestinationConfig = request.getfixturevalue("pg_config")
    with psycopg.connect(dsn(pg), autocommit=True) as conn:
        conn.execute(f'CREATE TABLE "{schema_of(pg)}".big (id text PRIMARY KEY, v text)')
        conn.execute(
            f"INSERT INTO \"{schema_of(pg)}\".big SELECT 'k' || i, 'v' FROM generate_series(1, 30) AS i"
        )
    config = SourceConfig("postgres", pg.host, pg.port, pg.database, pg.user)
    with open_source(spec(config, schema_of(pg), duckdb_config, ranges=4)) as source:
        assert isinstance(source, ParallelRanges) and len(source.sources) == 1
        assert sum(raw.batch.num_rows for raw in source.batches()) == 30
