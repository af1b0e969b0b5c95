"""Destination.sample_rows: a page of a loaded table, typed, with its row count."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg
import pytest

import etl_engine as e
from etl_engine.writers.redshift import RedshiftDestination

from .conftest import dsn, schema_of
from .test_redshift import RecordingConnection

TABLE = 'pay"ments'  # a quote in the name: identifiers are quoted, never pasted


def execute(config: e.DestinationConfig, sql: str) -> None:
    if config.kind == "duckdb":
        with duckdb.connect(str(config.path)) as connection:
            connection.execute(sql)
    else:
        with psycopg.connect(dsn(config), autocommit=True) as connection:
            connection.execute(sql)


def create_payments(config: e.DestinationConfig) -> None:
    schema = schema_of(config)
    target = f'"{schema}"."pay""ments"'
    execute(config, f"CREATE TABLE {target} (id bigint, amount numeric(10,2), paid date, note text)")
    execute(
        config,
        f"INSERT INTO {target} VALUES (1, 9.99, DATE '2024-01-31', 'first'), "
        "(2, NULL, DATE '2024-02-01', NULL), (3, 0.50, NULL, 'x''; DROP TABLE y; --')",
    )


def test_a_page_of_typed_rows_and_the_row_count(destination: e.DestinationConfig) -> None:
    create_payments(destination)
    sample = e.open_destination(destination).sample_rows(schema_of(destination), TABLE, limit=2)
    assert [(c.name, c.type.lower()) for c in sample.columns] == [
        ("id", "bigint"),
        ("amount", "numeric" if destination.kind == "postgres" else "decimal(10,2)"),
        ("paid", "date"),
        ("note", "text" if destination.kind == "postgres" else "varchar"),
    ]
    assert sample.total_rows == 3
    assert sample.rows == [
        [1, Decimal("9.99"), dt.date(2024, 1, 31), "first"],
        [2, None, dt.date(2024, 2, 1), None],
    ]


def test_offset_pages_on(destination: e.DestinationConfig) -> None:
    create_payments(destination)
    d = e.open_destination(destination)
    page = d.sample_rows(schema_of(destination), TABLE, limit=50, offset=2)
    assert page.rows == [[3, Decimal("0.50"), None, "x'; DROP TABLE y; --"]]
    assert page.total_rows == 3
    past_the_end = d.sample_rows(schema_of(destination), TABLE, limit=50, offset=10)
    assert (past_the_end.rows, past_the_end.total_rows) == ([], 3)


def test_an_unknown_table_is_an_empty_sample(destination: e.DestinationConfig) -> None:
    create_payments(destination)
    sample = e.open_destination(destination).sample_rows(schema_of(destination), "missing", limit=5)
    assert (sample.columns, sample.rows, sample.total_rows) == ([], [], 0)


def test_duckdb_reads_without_creating_the_file(tmp_path: Path) -> None:
    path = tmp_path / "none" / "warehouse.duckdb"
    config = e.DestinationConfig(kind="duckdb", path=str(path))
    with pytest.raises(e.DestinationUnreachable, match="does not exist"):
        e.open_destination(config).sample_rows("main", "t", limit=5)
    assert not path.parent.exists()


def test_redshift_runs_the_same_parameterised_statements(monkeypatch: pytest.MonkeyPatch) -> None:
    connection = RecordingConnection(existing=[("id", "bigint", "YES", None)], rowcount=7)
    monkeypatch.setattr(RedshiftDestination, "connect", lambda self: connection)
    destination = e.open_destination(e.DestinationConfig(kind="redshift", host="cluster.example"))
    sample = destination.sample_rows("sales", TABLE, limit=50, offset=100)
    assert sample.total_rows == 7
    assert connection.log[1:] == [
        ('SELECT count(*) FROM "sales"."pay""ments"', None),
        ('SELECT "id" FROM "sales"."pay""ments" LIMIT %s OFFSET %s', [50, 100]),
    ]
