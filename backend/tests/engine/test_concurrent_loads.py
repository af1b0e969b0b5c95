"""Several loads that reach a fresh PostgreSQL schema at the same moment all succeed: creating the
schema and the `_etl_loads` ledger is not left to `IF NOT EXISTS`, which is not concurrency-safe."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import psycopg
import pytest

import etl_engine as e
from etl_engine.writers.base import Writer

from .conftest import RecordingReporter, dsn, query

LOADS = 8


@pytest.fixture
def fresh_schema_config(engine_database: str) -> Iterator[e.DestinationConfig]:
    """A schema no load has created yet: the first loads create it and its ledger."""
    schema = f"fresh_{uuid.uuid4().hex[:10]}"
    config = e.DestinationConfig(
        kind="postgres",
        host="127.0.0.1",
        port=5432,
        database=engine_database,
        user="postgres",
        options={"schema": schema},
    )
    yield config
    with psycopg.connect(dsn(config), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def run_together(tasks: list[Callable[[], None]]) -> list[BaseException]:
    errors: list[BaseException] = []

    def run(task: Callable[[], None]) -> None:
        try:
            task()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(task,)) for task in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_writers_creating_the_ledger_at_the_same_instant_all_succeed(
    fresh_schema_config: e.DestinationConfig,
    write_csv: Callable[..., Path],
    make_spec: Callable[..., e.JobSpec],
) -> None:
    spec = make_spec(write_csv("id\n1\n"), fresh_schema_config)
    destination = e.open_destination(fresh_schema_config)
    start = threading.Barrier(LOADS)

    def first_contact(writer: Writer) -> None:
        with writer:  # connected before the barrier: the ledger statements start together
            start.wait()
            assert writer.committed() is None

    writers = [destination.writer(spec.load, spec.columns, f"race-{n}") for n in range(LOADS)]
    assert run_together([partial(first_contact, w) for w in writers]) == []


def test_concurrent_first_loads_into_a_fresh_schema_all_succeed(
    fresh_schema_config: e.DestinationConfig,
    write_csv: Callable[..., Path],
    make_spec: Callable[..., e.JobSpec],
) -> None:
    path = write_csv("id,name\n" + "".join(f"{i},n{i}\n" for i in range(200)))
    specs = [make_spec(path, fresh_schema_config, table=f"t{n}", run_id=f"load-{n}") for n in range(LOADS)]
    results: list[e.RunResult] = []

    def load(spec: e.JobSpec) -> None:
        results.append(e.run_job(spec, RecordingReporter()))

    errors = run_together([partial(load, s) for s in specs])
    assert errors == []
    assert sorted(r.rows_loaded for r in results) == [200] * LOADS
    schema = fresh_schema_config.options["schema"]
    assert query(fresh_schema_config, f'SELECT count(*) FROM "{schema}"."_etl_loads"') == [(LOADS,)]
