"""The contract every writer passes: values round-trip exactly, failures leave the target as it
was, and a committed run is never loaded twice.

Parametrised over PostgreSQL, DuckDB, the Redshift writer, S3 and Snowflake. No Redshift cluster
exists here and redshift-connector cannot log in to PostgreSQL (the server refuses its startup
parameter `client_protocol_version`), so for `redshift` the writer's own SQL runs on the local
PostgreSQL through psycopg: the connection is the one thing replaced. S3 runs against moto's S3
server (its rows read back from the published files, s3_store.py); Snowflake against fakesnow's
emulator through the real connector (its rows read from the emulator's storage, snowflake_store.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import etl_engine as e
from etl_engine.writers.postgres import PostgresDestination
from etl_engine.writers.redshift import RedshiftDestination

from . import s3_store, snowflake_store
from .conftest import RecordingReporter, query, schema_of
from .s3_store import s3_config, s3_endpoint
from .snowflake_store import snowflake_config, snowflake_server

__all__ = ["s3_config", "s3_endpoint", "snowflake_config", "snowflake_server"]  # fixtures

TEXTS = ["plain", "Zoë — 日本語 🚀", 'say "hi", ok', "two\nlines", "semi;colon", "tab\there", "'single'"]


@pytest.fixture(params=["pg", "duckdb", "redshift", "s3", "s3_csv", "s3_jsonl", "snowflake"])
def writer_config(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[e.DestinationConfig]:
    if request.param in ("s3_csv", "s3_jsonl"):  # the text formats: gzip and zstd on the way
        config: e.DestinationConfig = request.getfixturevalue("s3_config")
        csv = request.param == "s3_csv"
        config.files = e.FileLayout(format="csv" if csv else "jsonl", compression="gzip" if csv else "zstd")
        yield config
    elif request.param == "redshift":
        config = request.getfixturevalue("pg_config")
        monkeypatch.setattr(RedshiftDestination, "connect", PostgresDestination.connect)
        yield e.DestinationConfig(**{**config.__dict__, "kind": "redshift"})
    else:
        yield request.getfixturevalue(f"{request.param}_config")


def read(config: e.DestinationConfig, columns: str, table: str = "target") -> list[tuple[Any, ...]]:
    return sql(config, f'SELECT {columns} FROM "{schema_of(config)}"."{table}" ORDER BY 1', table)


def sql(config: e.DestinationConfig, text: str, table: str = "target") -> list[tuple[Any, ...]]:
    """`text` over what the destination holds (S3: the published files of `table` in DuckDB)."""
    if config.kind == "s3":
        return s3_store.query(config, text, schema_of(config), table)
    if config.kind == "snowflake":
        return snowflake_store.query(config, text)
    return query(config, text)


def staging_left(config: e.DestinationConfig) -> int:
    """Staging tables (S3: unfinished multipart uploads, the files of a run not committed) left behind."""
    if config.kind == "s3":
        uploads = s3_store.s3_client(config).list_multipart_uploads(Bucket=config.bucket).get("Uploads", [])
        return len(uploads)
    found = sql(
        config,
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_catalog = current_database() AND table_name LIKE '_etl_stage_%'",
    )
    return int(found[0][0])


def test_every_type_and_null_round_trips(
    writer_config: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: Callable[..., e.JobSpec]
) -> None:
    text = (
        "id,big,amount,ratio,ok,day,at,at_tz,note\n"
        "1,9223372036854775807,12345.6789,0.1,true,2024-02-29,2024-02-29 23:59:59.123456,"
        "2024-03-10T01:30:00-05:00,x\n"
        "2,-9223372036854775808,-0.0001,-1.5e300,false,1900-01-01,1970-01-01 00:00:00,"
        "2024-03-10 06:30:00Z,y\n"
        "3,,,,,,,,\n"
    )
    result = e.run_job(make_spec(write_csv(text), writer_config), RecordingReporter())
    assert result.rows_loaded == 3
    rows = read(writer_config, 'id, big, amount, ratio, ok, "day", "at", at_tz, note')
    utc = dt.UTC
    assert rows[0][:8] == (
        1,
        9223372036854775807,
        Decimal("12345.6789"),
        0.1,
        True,
        dt.date(2024, 2, 29),
        dt.datetime(2024, 2, 29, 23, 59, 59, 123456),
        dt.datetime(2024, 3, 10, 6, 30, tzinfo=utc),
    )
    assert rows[1][:8] == (
        2,
        -9223372036854775808,
        Decimal("-0.0001"),
        -1.5e300,
        False,
        dt.date(1900, 1, 1),
        dt.datetime(1970, 1, 1),
        dt.datetime(2024, 3, 10, 6, 30, tzinfo=utc),
    )
    assert rows[2] == (3, None, None, None, None, None, None, None, None)


def test_text_with_unicode_quotes_and_newlines_round_trips(
    writer_config: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: Callable[..., e.JobSpec]
) -> None:
    lines = ["id,note"] + [f'{i},"{t.replace(chr(34), chr(34) * 2)}"' for i, t in enumerate(TEXTS)]
    e.run_job(make_spec(write_csv("\n".join(lines) + "\n"), writer_config), RecordingReporter())
    assert [row[1] for row in read(writer_config, "id, note")] == TEXTS


def test_big_numerics_are_exact_or_rejected_never_rounded(
    writer_config: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: Callable[..., e.JobSpec]
) -> None:
    values = [
        "123456789012345678901234567.1234567891",  # 27 + 10 digits: fits every destination
        "12345678901234567890123456789012345678901234567890.5",  # 50 digits: PostgreSQL only
        "0.12345678901234567890",  # 20 decimals: PostgreSQL only
    ]
    path = write_csv("id,n\n" + "".join(f"{i},{v}\n" for i, v in enumerate(values)))
    profile = e.profile_csv(path)
    reporter = RecordingReporter()
    spec = make_spec(path, writer_config, profile=profile, reject_threshold_count=2, widen_types=False)
    e.run_job(spec, reporter)
    loaded = {row[0]: row[1] for row in read(writer_config, "id, n")}
    if writer_config.kind == "postgres":
        assert [loaded[i] for i in range(3)] == [Decimal(v) for v in values]
        assert reporter.rejected_rows == []
    else:
        assert loaded == {0: Decimal(values[0])}
        assert [r.line_number for r in reporter.rejected_rows] == [3, 4]
        # the file's scale (20) is more than DuckDB and Redshift allow: their widest, NUMERIC(38,10)
        assert "not a valid NUMERIC(38,10) for this destination" in reporter.rejected_rows[0].reason


def test_a_failed_load_leaves_no_target_and_no_staging(
    writer_config: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: Callable[..., e.JobSpec]
) -> None:
    spec = make_spec(write_csv("id\n1\n2\n"), writer_config, run_id="atomic")
    destination = e.open_destination(writer_config)
    with pytest.raises(RuntimeError), destination.writer(spec.load, spec.columns, spec.run_id) as writer:
        writer.committed()
        writer.prepare()
        writer.write(pa.RecordBatch.from_pydict({"id": pa.array([1, 2], pa.int32())}))
        raise RuntimeError("killed mid-load")
    assert destination.list_tables(schema_of(writer_config)) == []
    assert staging_left(writer_config) == 0


def test_commit_records_the_run_and_a_retry_finds_it(
    writer_config: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: Callable[..., e.JobSpec]
) -> None:
    spec = make_spec(write_csv("id\n1\n2\n"), writer_config, run_id="once")
    destination = e.open_destination(writer_config)
    with destination.writer(spec.load, spec.columns, spec.run_id) as writer:
        assert writer.committed() is None
        writer.prepare()
        writer.write(pa.RecordBatch.from_pydict({"id": pa.array([1, 2], pa.int32())}))
        assert writer.commit(rows_read=3, rows_rejected=1, rows_filtered=0) == 2
    with destination.writer(spec.load, spec.columns, spec.run_id) as writer:
        entry = writer.committed()
    assert entry is not None
    assert (entry.rows_read, entry.rows_loaded, entry.rows_rejected) == (3, 2, 1)
    assert e.run_job(spec, RecordingReporter()).rows_loaded == 2
    assert read(writer_config, "id") == [(1,), (2,)]


def test_commit_refuses_counts_that_do_not_reconcile(
    writer_config: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: Callable[..., e.JobSpec]
) -> None:
    spec = make_spec(write_csv("id\n1\n"), writer_config)
    destination = e.open_destination(writer_config)
    with (
        pytest.raises(e.ReconciliationFailed),
        destination.writer(spec.load, spec.columns, spec.run_id) as writer,
    ):
        writer.committed()
        writer.prepare()
        writer.write(pa.RecordBatch.from_pydict({"id": pa.array([1], pa.int32())}))
        writer.commit(rows_read=2, rows_rejected=0, rows_filtered=0)
    assert destination.list_tables(schema_of(writer_config)) == []


def test_browsing_lists_schemas_tables_and_columns(
    writer_config: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: Callable[..., e.JobSpec]
) -> None:
    e.run_job(make_spec(write_csv("id,name\n1,a\n"), writer_config), RecordingReporter())
    destination = e.open_destination(writer_config)
    schema = schema_of(writer_config)
    assert destination.test_connection().ok
    assert schema in destination.list_schemas()
    assert destination.list_tables(schema) == [e.TableRef(schema, "target")]  # ledger and staging hidden
    columns = destination.table_columns(schema, "target")
    assert [(c.name, c.nullable) for c in columns] == [("id", True), ("name", True)]
    assert destination.table_columns(schema, "missing") == []


def test_a_new_tables_column_widens_on_every_writer(
    writer_config: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: Callable[..., e.JobSpec]
) -> None:
    """The widening statements (a new staging table, a cast copy, a rename) in each writer's SQL."""
    lines = ["id,qty"] + [f"{i},{i % 9}" for i in range(1, 150_001)] + ["150001,2.25"]
    reporter = RecordingReporter()
    spec = make_spec(write_csv("\n".join(lines) + "\n"), writer_config, batch_size=50_000)
    assert spec.source_columns[1].type is e.ColumnType.INTEGER
    result = e.run_job(spec, reporter)
    assert (result.rows_loaded, result.rows_rejected) == (150_001, 0)
    assert [kv["from_type"] for event, kv in reporter.events if event == "column_widened"] == ["INTEGER"]
    rows = sql(writer_config, f'SELECT sum(qty), count(*) FROM "{schema_of(writer_config)}".target')
    assert rows == [(Decimal(sum(i % 9 for i in range(1, 150_001))) + Decimal("2.25"), 150_001)]
    assert staging_left(writer_config) == 0
