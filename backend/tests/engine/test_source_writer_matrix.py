"""Every source (CSV, PostgreSQL table and query, MariaDB table and query) round-trips the tricky
rows (tricky.py) into the object-store and Snowflake writers too: S3 on moto's server (rows read
back from the published files), Snowflake on fakesnow's emulator through the real connector. The
PostgreSQL and DuckDB writers are in test_source_contract.py.

fakesnow keeps NUMBER(p, 0) in a 64-bit integer, which 2**64 - 1 (`big_unsigned`) overflows where
Snowflake's NUMBER(20, 0) holds it: that one column is left out of the Snowflake load."""

from __future__ import annotations

from typing import Any

import pytest

import etl_engine as e

from . import s3_store, snowflake_store
from .conftest import RecordingReporter, schema_of
from .s3_store import s3_config, s3_endpoint
from .snowflake_store import snowflake_config, snowflake_server
from .test_source_contract import TRICKY_SOURCES, open_tricky
from .tricky import TRICKY_COLUMNS, TRICKY_ROWS, ZERO_DATE_ID

EMULATOR_OVERFLOW = "big_unsigned"
__all__ = ["s3_config", "s3_endpoint", "snowflake_config", "snowflake_server"]  # fixtures


@pytest.mark.parametrize("writer", ["s3", "snowflake"])
@pytest.mark.parametrize("kind", TRICKY_SOURCES)
def test_every_source_round_trips_through_s3_and_snowflake(
    kind: str, writer: str, request: pytest.FixtureRequest
) -> None:
    destination: e.DestinationConfig = request.getfixturevalue(f"{writer}_config")
    source = open_tricky(kind, request)
    carried = [c for c in TRICKY_COLUMNS if writer == "s3" or c.name != EMULATOR_OVERFLOW]
    spec = e.JobSpec(
        run_id=f"tricky-{kind}",
        source=e.FileSource("(unused: the source is given)"),
        columns=[e.ColumnSpec(c.sql_name, c.sql_name, c.type) for c in carried],
        destination=destination,
        load=e.LoadSpec(schema_of(destination), "tricky_loaded", batch_size=3, reject_threshold_count=1),
        source_columns=source.columns,
    )
    reporter = RecordingReporter()
    result = e.run_job(spec, reporter, source)
    zero_dates = 1 if kind.startswith("mysql") else 0
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4 + zero_dates, 4, zero_dates)
    assert [r.line_number for r in reporter.rejected_rows] == [ZERO_DATE_ID] * zero_dates
    names = ", ".join(f'"{c.name}"' for c in carried)
    rows: list[tuple[Any, ...]]
    if writer == "s3":
        assert result.outputs and all(key.endswith(".parquet") for key in result.outputs)
        sql = f'SELECT {names} FROM "{schema_of(destination)}".tricky_loaded ORDER BY id'
        rows = s3_store.query(destination, sql, schema_of(destination), "tricky_loaded")
    else:
        upper = ", ".join(f'"{c.name.upper()}"' for c in carried)
        rows = snowflake_store.query(
            destination, f'SELECT {upper} FROM "{schema_of(destination).upper()}".TRICKY_LOADED ORDER BY 1'
        )
    expected = [{c.name: row[c.name] for c in carried} for row in TRICKY_ROWS]
    assert [dict(zip([c.name for c in carried], row, strict=True)) for row in rows] == expected
