"""The DuckDB writer's memory: staging runs under a small buffer cache, the final transaction
under DuckDB's default (its key checks, MERGE and the target's indexes may need more)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa

import etl_engine as e
from etl_engine.writers.duckdb import DuckDBWriter


def memory_limit(writer: DuckDBWriter) -> str:
    return str(writer.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])


def test_staging_runs_under_a_small_cache_and_the_final_transaction_under_the_default(
    duckdb_config: e.DestinationConfig, make_spec: Callable[..., e.JobSpec], write_csv: Callable[..., Path]
) -> None:
    spec = make_spec(write_csv("id\n1\n"), duckdb_config)
    with e.open_destination(duckdb_config).writer(spec.load, spec.columns, spec.run_id) as writer:
        assert isinstance(writer, DuckDBWriter)
        writer.committed()
        writer.prepare()
        assert memory_limit(writer) == "61.0 MiB"  # DuckDB shows 64MB in MiB
        writer.write(pa.RecordBatch.from_pydict({"id": pa.array(range(300_000), pa.int32())}))
        assert memory_limit(writer) == "61.0 MiB"
        assert writer.commit(300_000, 0, 0) == 300_000
        assert memory_limit(writer) != "61.0 MiB"
