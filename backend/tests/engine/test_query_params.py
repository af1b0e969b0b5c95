"""A query source's `{{variables}}`, rendered by templating.render_query, reach PostgreSQL and
MariaDB as bound values: a value with quotes stays a value, a literal % stays a %, and the rows the
query selects are the ones loaded (real servers, through open_source and run_job)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
import pymysql
import pytest

import etl_engine as e
from etl_engine.sources import open_source
from etl_engine.sources.base import QueryRefused, SourceConfig
from etl_engine.templating import render_query

from .conftest import RecordingReporter, dsn, mysql_run, query, schema_of

TEMPLATE = (
    "SELECT id, who, note FROM {table} "
    "WHERE who = {{{{ who }}}} AND day >= {{{{ since }}}} AND note LIKE '100%' ORDER BY id"
)
ROWS = [
    (1, "O'Brien", "100% sure", "2026-11-30"),
    (2, "O'Brien", "100% late", "2026-11-01"),
    (3, "Robert'); DROP TABLE people;--", "100% bobby", "2026-11-30"),
    (4, "O'Brien", "50% maybe", "2026-11-30"),
]


def people(kind: str, request: pytest.FixtureRequest) -> tuple[SourceConfig, str]:
    """The people table's connection and its name as a query writes it."""
    if kind == "postgres":
        pg: e.DestinationConfig = request.getfixturevalue("pg_config")
        with psycopg.connect(dsn(pg), autocommit=True) as conn:
            conn.execute(f'SET search_path = "{schema_of(pg)}"')
            conn.execute("CREATE TABLE people (id int PRIMARY KEY, who text, note text, day date)")
            for row in ROWS:
                conn.execute("INSERT INTO people VALUES (%s, %s, %s, %s)", row)
        return SourceConfig("postgres", pg.host, pg.port, pg.database, pg.user), f'"{schema_of(pg)}".people'

    config: SourceConfig = request.getfixturevalue("mysql_config")
    mysql_run(config, "CREATE TABLE people (id INT PRIMARY KEY, who TEXT, note TEXT, day DATE)")
    with (
        pymysql.connect(
            host="127.0.0.1", user="root", password="", database=config.database, autocommit=True
        ) as conn,
        conn.cursor() as cursor,
    ):
        cursor.executemany("INSERT INTO people VALUES (%s, %s, %s, %s)", ROWS)
    return config, "people"


def spec(
    source: tuple[SourceConfig, str], destination: e.DestinationConfig, variables: dict[str, Any]
) -> e.JobSpec:
    config, table = source
    rendered = render_query(TEMPLATE.format(table=table), variables)
    return e.JobSpec(
        run_id="q1",
        source=e.QuerySource(config, rendered.sql, rendered.params),
        columns=[
            e.ColumnSpec("id", "id", e.ColumnType.INTEGER),
            e.ColumnSpec("who", "who", e.ColumnType.TEXT),
            e.ColumnSpec("note", "note", e.ColumnType.TEXT),
        ],
        destination=destination,
        load=e.LoadSpec(schema_of(destination), "picked"),
    )


@pytest.mark.parametrize("kind", ["postgres", "mysql"])
def test_variables_are_bound_into_a_query_source(
    kind: str, duckdb_config: e.DestinationConfig, request: pytest.FixtureRequest
) -> None:
    source = people(kind, request)
    variables = {"who": "O'Brien", "since": dt.date(2026, 11, 15)}
    result = e.run_job(spec(source, duckdb_config, variables), RecordingReporter())
    assert result.rows_loaded == 1
    assert query(duckdb_config, "SELECT id, who, note FROM picked") == [(1, "O'Brien", "100% sure")]


@pytest.mark.parametrize("kind", ["postgres", "mysql"])
def test_a_value_that_looks_like_sql_is_only_a_value(
    kind: str, duckdb_config: e.DestinationConfig, request: pytest.FixtureRequest
) -> None:
    source = people(kind, request)
    variables = {"who": "Robert'); DROP TABLE people;--", "since": "2026-01-01"}
    with open_source(spec(source, duckdb_config, variables)) as opened:
        assert [int(row["id"]) for raw in opened.batches() for row in raw.batch.to_pylist()] == [3]
    with open_source(spec(source, duckdb_config, {**variables, "who": "nobody"})) as opened:
        assert sum(raw.batch.num_rows for raw in opened.batches()) == 0


def test_a_placeholder_without_a_value_is_refused(
    pg_config: e.DestinationConfig, duckdb_config: e.DestinationConfig
) -> None:
    config = SourceConfig("postgres", pg_config.host, pg_config.port, pg_config.database, pg_config.user)
    bad = e.JobSpec(
        run_id="q",
        source=e.QuerySource(config, "SELECT %(missing)s AS x", {"other": 1}),
        columns=[e.ColumnSpec("x", "x", e.ColumnType.TEXT)],
        destination=duckdb_config,
        load=e.LoadSpec("main", "t"),
    )
    with pytest.raises(QueryRefused, match="cannot bind the query's parameters"):
        e.run_job(bad, RecordingReporter())
