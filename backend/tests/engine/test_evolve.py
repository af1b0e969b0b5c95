"""LoadSpec.evolve: an existing target missing mapped columns gets them, in the final transaction;
without it the load fails before anything is staged. Columns are never dropped nor retyped.

PostgreSQL, DuckDB and Snowflake (fakesnow's emulator, where the ALTER runs just before the final
transaction because Snowflake's DDL commits by itself).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import etl_engine as e

from . import snowflake_store
from .conftest import RecordingReporter, query, schema_of
from .snowflake_store import snowflake_config, snowflake_server

__all__ = ["snowflake_config", "snowflake_server"]  # fixtures


@pytest.fixture(params=["pg", "duckdb", "snowflake"])
def target(request: pytest.FixtureRequest) -> e.DestinationConfig:
    config: e.DestinationConfig = request.getfixturevalue(f"{request.param}_config")
    return config


def rows(config: e.DestinationConfig, columns: str) -> list[tuple[object, ...]]:
    sql = f"SELECT {columns} FROM {schema_of(config)}.target ORDER BY id"
    return snowflake_store.query(config, sql) if config.kind == "snowflake" else query(config, sql)


def test_evolve_adds_the_missing_columns_and_keeps_the_old_rows(
    target: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: Callable[..., e.JobSpec]
) -> None:
    e.run_job(make_spec(write_csv("id,name\n1,a\n"), target), RecordingReporter())
    wider = write_csv("id,name,city,amount\n2,b,Lyon,1.25\n", name="wider.csv")
    with pytest.raises(e.SchemaMismatch, match=r"(?i)'city' does not exist"):
        e.run_job(make_spec(wider, target), RecordingReporter())
    assert rows(target, "id, name") == [(1, "a")]

    result = e.run_job(make_spec(wider, target, evolve=True), RecordingReporter())
    assert result.rows_loaded == 1
    loaded = rows(target, "id, name, city, CAST(amount AS VARCHAR)")
    assert [(i, n, c, None if a is None else a.rstrip("0")) for i, n, c, a in loaded] == [
        (1, "a", None, None),
        (2, "b", "Lyon", "1.25"),
    ]
    # nothing to add any more: a plain load fits, and a narrower one loads NULL into the rest
    e.run_job(
        make_spec(write_csv("id,name\n3,c\n", name="narrow.csv"), target, evolve=True), RecordingReporter()
    )
    assert rows(target, "id, city") == [(1, None), (2, "Lyon"), (3, None)]


def test_evolve_never_changes_an_existing_columns_type(
    destination: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: Callable[..., e.JobSpec]
) -> None:
    e.run_job(make_spec(write_csv("id,n\n1,2\n"), destination), RecordingReporter())
    text = write_csv("id,n,extra\n2,two,x\n", name="text.csv")
    with pytest.raises(e.SchemaMismatch, match="column 'n' is"):
        e.run_job(make_spec(text, destination, evolve=True), RecordingReporter())
    assert rows(destination, "id, n") == [(1, 2)]
    assert [
        c.name for c in e.open_destination(destination).table_columns(schema_of(destination), "target")
    ] == [
        "id",
        "n",
    ]


def test_evolve_with_upsert_merges_into_the_new_columns(
    destination: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: Callable[..., e.JobSpec]
) -> None:
    keys = {"strategy": "UPSERT", "upsert_keys": ["id"]}
    e.run_job(make_spec(write_csv("id,name\n1,a\n2,b\n"), destination, **keys), RecordingReporter())
    wider = write_csv("id,name,city\n2,B,Oslo\n3,c,Rome\n", name="wider.csv")
    e.run_job(make_spec(wider, destination, evolve=True, **keys), RecordingReporter())
    assert rows(destination, "id, name, city") == [(1, "a", None), (2, "B", "Oslo"), (3, "c", "Rome")]
