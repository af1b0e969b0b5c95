"""Redshift's S3 stage path: Parquet files uploaded to a real S3 API (moto's server), COPY statements
asserted as generated.

No Redshift cluster runs here, so the connection is the recording one of test_redshift.py: what is
verified is what the writer uploads (read back from the S3 server with pyarrow, as Redshift's COPY
would read it), the statements it sends and in which order, and that the stage is left empty.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import etl_engine as e
from etl_engine import ColumnSpec
from etl_engine import ColumnType as T
from etl_engine.writers.redshift import RedshiftDestination, RedshiftStageWriter, RedshiftWriter, S3Stage

from .s3_store import KEY_ID, SECRET, s3_endpoint
from .test_redshift import EXISTING, STAGE, RecordingConnection, statements

__all__ = ["s3_endpoint"]

ROLE = "arn:aws:iam::123456789012:role/redshift-loader"
COLUMNS = [
    ColumnSpec("id", "id", T.BIGINT),
    ColumnSpec("name", "name", T.TEXT),
    ColumnSpec("n", "n", T.NUMERIC),
]


@pytest.fixture
def stage(s3_endpoint: str) -> S3Stage:
    result = S3Stage(
        bucket=f"stage-{uuid.uuid4().hex[:10]}",
        prefix="etl/stage/",
        region="us-east-1",
        iam_role=ROLE,
        access_key_id=KEY_ID,
        secret_access_key=SECRET,
        endpoint_url=s3_endpoint,
        path_style=True,
    )
    result.client().create_bucket(Bucket=result.bucket)
    return result


def stage_writer(
    monkeypatch: pytest.MonkeyPatch, connection: RecordingConnection, stage: S3Stage, **load: Any
) -> RedshiftStageWriter:
    monkeypatch.setattr(RedshiftDestination, "connect", lambda self: connection)
    config = e.DestinationConfig(
        kind="redshift", host="cluster.example", port=5439, options={"s3_stage": stage}
    )
    writer = e.open_destination(config).writer(
        e.LoadSpec(schema="sales", table="orders", **load), COLUMNS, "run-7"
    )
    assert isinstance(writer, RedshiftStageWriter)
    return writer


def stage_keys(stage: S3Stage) -> list[str]:
    answer = stage.client().list_objects_v2(Bucket=stage.bucket)
    return sorted(o["Key"] for o in answer.get("Contents", []))


def batch(ids: range) -> pa.RecordBatch:
    return pa.RecordBatch.from_pydict(
        {
            "id": pa.array(ids, pa.int64()),
            "name": [f"name 'quoted' {i}\nline" if i % 2 else None for i in ids],
            "n": pa.array([Decimal(i) / 100 for i in ids], pa.decimal128(38, 10)),
        }
    )


def test_without_a_stage_redshift_still_inserts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RedshiftDestination, "connect", lambda self: RecordingConnection([], 0))
    destination = e.open_destination(e.DestinationConfig(kind="redshift", host="cluster.example"))

    writer = destination.writer(e.LoadSpec(schema="sales", table="orders"), COLUMNS, "run-7")

    assert type(writer) is RedshiftWriter


def test_batches_go_up_as_parquet_and_one_copy_loads_them_before_the_final_transaction(
    monkeypatch: pytest.MonkeyPatch, stage: S3Stage
) -> None:
    connection = RecordingConnection(existing=EXISTING, rowcount=5)
    with stage_writer(monkeypatch, connection, stage) as w:
        w.prepare()
        w.write(batch(range(0, 3)))
        w.write(batch(range(3, 5)))
        uploaded = stage_keys(stage)
        tables = [
            pq.read_table(io.BytesIO(stage.client().get_object(Bucket=stage.bucket, Key=k)["Body"].read()))
            for k in uploaded
        ]
        assert not any(sql.startswith("COPY") for sql in statements(connection))  # nothing loaded yet
        w.commit(rows_read=5, rows_rejected=0, rows_filtered=0)

    assert uploaded == [
        "etl/stage/run-7/g00000/part-00001.parquet",
        "etl/stage/run-7/g00000/part-00002.parquet",
    ]
    read = pa.concat_tables(tables)
    assert read.column_names == ["id", "name", "n"]  # COPY matches Parquet columns by position
    assert read.schema.field("n").type == pa.decimal128(38, 10)
    assert read.column("id").to_pylist() == [0, 1, 2, 3, 4]
    assert read.column("name").to_pylist()[1] == "name 'quoted' 1\nline"
    log = statements(connection)
    copy = (
        f"COPY {STAGE} FROM 's3://{stage.bucket}/etl/stage/run-7/g00000/' IAM_ROLE '{ROLE}' FORMAT AS PARQUET"
    )
    assert log.count(copy) == 1
    final = log.index(
        f'INSERT INTO "sales"."orders" ("id", "name", "n") SELECT "id", "name", "n" FROM {STAGE}'
    )
    assert log.index(copy) < final
    assert not any(sql.startswith(f"INSERT INTO {STAGE}") for sql in log)  # no INSERT batches
    assert stage_keys(stage) == []  # deleted once committed


def test_without_an_iam_role_copy_authorizes_with_the_stage_keys_quoted(
    monkeypatch: pytest.MonkeyPatch, stage: S3Stage
) -> None:
    stage.iam_role = None
    stage.secret_access_key = "se'cret"
    writer = stage_writer(monkeypatch, RecordingConnection(EXISTING, 0), stage)

    assert writer.copy_sql() == (
        f"COPY {STAGE} FROM 's3://{stage.bucket}/etl/stage/run-7/g00000/' "
        f"ACCESS_KEY_ID '{KEY_ID}' SECRET_ACCESS_KEY 'se''cret' FORMAT AS PARQUET"
    )
    assert "se'cret" not in repr(stage)


def test_a_widening_loads_the_files_so_far_before_staging_is_rewritten(
    monkeypatch: pytest.MonkeyPatch, stage: S3Stage
) -> None:
    connection = RecordingConnection(existing=[], rowcount=4)
    with stage_writer(monkeypatch, connection, stage) as w:
        w.prepare()
        w.write(batch(range(0, 2)))
        w.widen(1, ColumnSpec("name", "name", T.TEXT))
        w.write(batch(range(2, 4)))
        w.commit(rows_read=4, rows_rejected=0, rows_filtered=0)

    log = statements(connection)
    copies = [sql for sql in log if sql.startswith("COPY")]
    assert [c.split("FROM ")[1].split(" ")[0] for c in copies] == [
        f"'s3://{stage.bucket}/etl/stage/run-7/g00000/'",
        f"'s3://{stage.bucket}/etl/stage/run-7/g00001/'",
    ]
    assert log.index(copies[0]) < log.index(f"DROP TABLE {STAGE}") < log.index(copies[1])
    assert stage_keys(stage) == []


def test_a_retry_clears_what_its_first_attempt_left_in_the_stage(
    monkeypatch: pytest.MonkeyPatch, stage: S3Stage
) -> None:
    leftover = "etl/stage/run-7/g00000/part-00009.parquet"
    stage.client().put_object(Bucket=stage.bucket, Key=leftover, Body=b"from a killed attempt")
    other_run = "etl/stage/run-8/g00000/part-00001.parquet"
    stage.client().put_object(Bucket=stage.bucket, Key=other_run, Body=b"another run's")

    with stage_writer(monkeypatch, RecordingConnection(EXISTING, 0), stage) as w:
        w.prepare()
        assert stage_keys(stage) == [other_run]

    assert stage_keys(stage) == [other_run]


def test_an_abandoned_run_leaves_no_stage_objects_and_loads_nothing(
    monkeypatch: pytest.MonkeyPatch, stage: S3Stage
) -> None:
    connection = RecordingConnection(existing=EXISTING, rowcount=0)
    with pytest.raises(RuntimeError), stage_writer(monkeypatch, connection, stage) as w:
        w.prepare()
        w.write(batch(range(0, 3)))
        assert len(stage_keys(stage)) == 1
        raise RuntimeError("the source failed mid-run")

    assert stage_keys(stage) == []
    assert not any(
        sql.startswith("COPY") or ("_etl_loads" in sql and "INSERT" in sql) for sql in statements(connection)
    )


def test_timestamps_and_dates_keep_their_types_in_the_stage_files(
    monkeypatch: pytest.MonkeyPatch, stage: S3Stage
) -> None:
    columns = [ColumnSpec("at", "at", T.TIMESTAMPTZ), ColumnSpec("day", "day", T.DATE)]
    monkeypatch.setattr(RedshiftDestination, "connect", lambda self: RecordingConnection([], 1))
    config = e.DestinationConfig(kind="redshift", host="cluster.example", options={"s3_stage": stage})
    at = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)
    with e.open_destination(config).writer(e.LoadSpec(schema="s", table="t"), columns, "run-9") as w:
        w.prepare()
        w.write(
            pa.RecordBatch.from_pydict(
                {"at": pa.array([at], pa.timestamp("us", "UTC")), "day": [dt.date(2026, 11, 30)]}
            )
        )
        (key,) = stage_keys(stage)
        body = stage.client().get_object(Bucket=stage.bucket, Key=key)["Body"].read()

    read = pq.read_table(io.BytesIO(body))
    assert read.schema.field("at").type == pa.timestamp("us", "UTC")
    assert read.schema.field("day").type == pa.date32()
    assert read.to_pylist() == [{"at": at, "day": dt.date(2026, 11, 30)}]
