"""A stream's state is committed with its rows in the destination's ledger, and a ledger made by
older code (without the stream and state columns) gets them on the next load.

PostgreSQL and DuckDB for the SQL family, S3 on moto's server. The state here is what an
incremental source commits; H5's arriving-files tests cover a source with nothing new.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pyarrow as pa
import pytest

import etl_engine as e

from .conftest import RecordingReporter, dsn, query, schema_of
from .s3_store import keys, s3_config, s3_endpoint

__all__ = ["s3_config", "s3_endpoint"]  # fixtures

OLD_LEDGER = (
    "CREATE TABLE {ledger} (run_id varchar(200) PRIMARY KEY, target_table varchar(200), "
    "strategy varchar(20), rows_read bigint, rows_loaded bigint, rows_rejected bigint, "
    "rows_filtered bigint, loaded_at timestamp)"
)
COLUMNS = [e.ColumnSpec("x", "x", e.ColumnType.INTEGER)]


def execute(config: e.DestinationConfig, sql: str) -> None:
    if config.kind == "duckdb":
        assert config.path is not None
        with duckdb.connect(config.path) as conn:
            conn.execute(sql)
    else:
        with psycopg.connect(dsn(config), autocommit=True) as conn:
            conn.execute(sql.encode())


def writer(config: e.DestinationConfig, stream: str | None, run_id: str = "w") -> e.Writer:
    return e.open_destination(config).writer(
        e.LoadSpec(schema_of(config), "t", stream=stream), COLUMNS, run_id
    )


def load(
    config: e.DestinationConfig, run_id: str, state: dict[str, Any] | None, stream: str | None = "s1"
) -> None:
    with writer(config, stream, run_id) as w:
        assert w.committed() is None
        w.prepare()
        w.write(pa.RecordBatch.from_pydict({"x": pa.array([1], pa.int32())}))
        w.commit(1, 0, 0, state)


def test_a_ledger_made_by_older_code_gains_stream_and_state(destination: e.DestinationConfig) -> None:
    ledger = f'"{schema_of(destination)}"."_etl_loads"'
    execute(destination, OLD_LEDGER.format(ledger=ledger))
    execute(destination, f"INSERT INTO {ledger} VALUES ('old', 't', 'INSERT', 1, 1, 0, 0, CURRENT_TIMESTAMP)")
    with writer(destination, "s1") as w:
        assert w.last_state() is None  # the columns are added, the old entry has no stream
    load(destination, "r1", {"cursor": "2026-11-30T08:00:00"})
    load(destination, "r2", {"cursor": "2026-11-30T09:00:00"})
    load(destination, "r3", {"files": [{"name": "a.csv", "size": 3, "sha256": "ab"}]}, stream="s2")
    load(destination, "r4", None, stream=None)
    with writer(destination, "s1") as w:
        assert w.last_state() == {"cursor": "2026-11-30T09:00:00"}  # the newest of its stream
    with writer(destination, "s2") as w:
        assert w.last_state() == {"files": [{"name": "a.csv", "size": 3, "sha256": "ab"}]}
    with writer(destination, None) as w:
        assert w.last_state() is None
    assert query(destination, f"SELECT run_id, stream FROM {ledger} ORDER BY run_id") == [
        ("old", None),
        ("r1", "s1"),
        ("r2", "s1"),
        ("r3", "s2"),
        ("r4", None),
    ]
    # a retry of a committed run reports the state it committed
    with writer(destination, "s1", "r2") as w:
        entry = w.committed()
    assert entry is not None and entry.state == {"cursor": "2026-11-30T09:00:00"}


def test_a_failed_commit_keeps_the_last_state(destination: e.DestinationConfig) -> None:
    load(destination, "r1", {"cursor": 1})

    with pytest.raises(e.ReconciliationFailed), writer(destination, "s1", "r2") as w:
        w.prepare()
        w.write(pa.RecordBatch.from_pydict({"x": pa.array([1], pa.int32())}))
        w.commit(2, 0, 0, {"cursor": 2})  # two read, one staged: refused
    with writer(destination, "s1") as w:
        assert w.last_state() == {"cursor": 1}


def test_s3_keeps_the_state_of_a_stream_and_reports_its_published_files(
    s3_config: e.DestinationConfig, tmp_path: Path
) -> None:
    path = tmp_path / "a.csv"
    path.write_text("x\n1\n2\n")
    profile = e.profile_csv(path)
    spec = e.JobSpec(
        run_id="r1",
        source=e.FileSource(str(path), profile.options),
        source_columns=profile.columns,
        columns=COLUMNS,
        destination=s3_config,
        load=e.LoadSpec("main", "t", stream="job/1"),
    )
    result = e.run_job(spec, RecordingReporter())
    assert result.outputs == ["main/t/part-r1-00000.parquet"]
    assert result.outputs[0] in keys(s3_config, "main/t/")
    load(s3_config, "r2", {"cursor": 5}, stream="job/1")
    with writer(s3_config, "job/1") as w:
        assert w.last_state() == {"cursor": 5}
    with writer(s3_config, "other") as w:
        assert w.last_state() is None
    again = e.run_job(spec, RecordingReporter())  # committed: the same outputs, loaded once
    assert (again.rows_loaded, again.outputs) == (2, result.outputs)
