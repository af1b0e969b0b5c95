"""Loads that all find their target table missing and then commit at once (runs of one job allowed
to overlap) all succeed: the first creates the table, the others load into it, instead of failing
with DuplicateTable / "already exists".

PostgreSQL: loads in threads, each with its own connections, like runs on several workers.
DuckDB: loads in processes, like Airflow tasks; one process at a time holds the warehouse file.
"""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import etl_engine as e
from etl_engine.writers.base import Writer
from etl_engine.writers.duckdb import DuckDBDestination

from .conftest import RecordingReporter, query, schema_of
from .test_concurrent_loads import run_together
from .test_redshift import EXISTING, STAGE, RecordingConnection, statements
from .test_redshift import writer as redshift_writer

LOADS = 6
ROWS = 300


def batch() -> pa.RecordBatch:
    ids = list(range(ROWS))
    return pa.RecordBatch.from_arrays(
        [pa.array(ids, pa.int64()), pa.array([f"n{i}" for i in ids], pa.string())], names=["id", "name"]
    )


def load_after_all_prepared(writer: Writer, prepared: threading.Barrier) -> None:
    with writer:
        assert writer.committed() is None
        writer.prepare()
        assert not writer.target_exists
        prepared.wait()  # every load has seen no target before any of them commits
        writer.write(batch())
        assert writer.commit(ROWS, 0, 0) == ROWS


@pytest.mark.parametrize(("strategy", "copies"), [("INSERT", LOADS), ("UPSERT", 1)], ids=["insert", "upsert"])
def test_loads_that_all_found_no_table_all_commit(
    pg_config: e.DestinationConfig, strategy: e.LoadStrategy, copies: int
) -> None:
    destination = pg_config
    columns = [e.ColumnSpec("id", "id", e.ColumnType.BIGINT), e.ColumnSpec("name", "name", e.ColumnType.TEXT)]
    load = e.LoadSpec(schema_of(destination), "shared", strategy=strategy, upsert_keys=["id"])
    target = e.open_destination(destination)
    writers = [target.writer(load, columns, f"overlap-{n}") for n in range(LOADS)]
    prepared = threading.Barrier(LOADS, timeout=20)

    assert run_together([partial(load_after_all_prepared, w, prepared) for w in writers]) == []
    schema = schema_of(destination)
    # INSERT appends every load; UPSERT merges them: each id once either way per strategy.
    assert query(destination, f'SELECT count(*), count(DISTINCT id) FROM "{schema}"."shared"') == [
        (ROWS * copies, ROWS)
    ]
    assert query(destination, f'SELECT count(*) FROM "{schema}"."_etl_loads"') == [(LOADS,)]


def upsert_specs(
    path: Path, destination: e.DestinationConfig, make_spec: Callable[..., e.JobSpec]
) -> list[e.JobSpec]:
    return [
        make_spec(path, destination, table="fresh", run_id=f"run-{n}", strategy="UPSERT", upsert_keys=["id"])
        for n in range(LOADS)
    ]


def assert_each_row_once(destination: e.DestinationConfig) -> None:
    schema = schema_of(destination)
    assert query(destination, f'SELECT count(*), count(DISTINCT id) FROM "{schema}"."fresh"') == [
        (ROWS, ROWS)
    ]
    assert query(destination, f'SELECT count(*) FROM "{schema}"."_etl_loads"') == [(LOADS,)]


def test_concurrent_first_runs_into_one_new_postgres_table_all_complete(
    pg_config: e.DestinationConfig,
    write_csv: Callable[..., Path],
    make_spec: Callable[..., e.JobSpec],
) -> None:
    path = write_csv("id,name\n" + "".join(f"{i},n{i}\n" for i in range(ROWS)))
    results: list[e.RunResult] = []

    def run(spec: e.JobSpec) -> None:
        results.append(e.run_job(spec, RecordingReporter()))

    assert run_together([partial(run, s) for s in upsert_specs(path, pg_config, make_spec)]) == []
    assert [r.status for r in results] == ["COMPLETED"] * LOADS
    assert_each_row_once(pg_config)


def run_in_process(spec: e.JobSpec) -> str:
    return e.run_job(spec, e.SilentReporter()).status


def test_concurrent_first_runs_into_one_new_duckdb_table_all_complete(
    duckdb_config: e.DestinationConfig,
    write_csv: Callable[..., Path],
    make_spec: Callable[..., e.JobSpec],
) -> None:
    path = write_csv("id,name\n" + "".join(f"{i},n{i}\n" for i in range(ROWS)))
    with ProcessPoolExecutor(LOADS, mp_context=multiprocessing.get_context("spawn")) as pool:
        statuses = list(pool.map(run_in_process, upsert_specs(path, duckdb_config, make_spec)))
    assert statuses == ["COMPLETED"] * LOADS
    assert_each_row_once(duckdb_config)


class TableAppearsMeanwhile(RecordingConnection):
    """No target when the load prepares; by its final transaction another load has created it."""

    def __init__(self) -> None:
        super().__init__(existing=[], rowcount=4)
        self.looks = 0

    def answer(self, sql: str) -> list[tuple[Any, ...]]:
        if "information_schema.columns" in sql:
            self.looks += 1
            return [] if self.looks == 1 else list(EXISTING)
        return super().answer(sql)


def test_redshift_locks_the_ledger_then_looks_again_before_creating_a_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No advisory locks in Redshift: the final transaction of a load that found no table LOCKs the
    schema's ledger first, then looks again; a table created meanwhile is appended to."""
    connection = TableAppearsMeanwhile()
    with redshift_writer(monkeypatch, connection) as w:
        w.prepare()
        assert not w.target_exists
        w.commit(rows_read=4, rows_rejected=0, rows_filtered=0)
    log = statements(connection)
    lock = log.index('LOCK "sales"."_etl_loads"')
    look = max(i for i, sql in enumerate(log) if "information_schema.columns" in sql)
    insert = log.index(
        f'INSERT INTO "sales"."orders" ("id", "name", "n") SELECT "id", "name", "n" FROM {STAGE}'
    )
    assert lock < look < insert
    assert not any("RENAME" in sql or sql.startswith('CREATE TABLE "sales"."orders"') for sql in log)


HOLD_FILE = """
import sys, time, duckdb
connection = duckdb.connect(sys.argv[1])
print("held", flush=True)
time.sleep(float(sys.argv[2]))
connection.close()
"""


def test_a_duckdb_load_waits_for_another_process_to_release_the_warehouse(
    duckdb_config: e.DestinationConfig,
    write_csv: Callable[..., Path],
    make_spec: Callable[..., e.JobSpec],
) -> None:
    """Another process's load holds the file; browsing gives up after its short wait, a load waits
    (up to WRITER_LOCK_WAIT_SECONDS) and then loads."""
    assert duckdb_config.path is not None
    spec = make_spec(write_csv("id,name\n1,a\n2,b\n"), duckdb_config)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_FILE, duckdb_config.path, "3"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(e.DestinationUnreachable, match="lock"):
            DuckDBDestination(duckdb_config).connect(wait_seconds=0.5)
        result = e.run_job(spec, RecordingReporter())
    finally:
        holder.wait(timeout=30)
    assert (result.status, result.rows_loaded) == ("COMPLETED", 2)
