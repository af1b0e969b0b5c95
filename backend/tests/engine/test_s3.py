"""The S3 destination against a real S3 API (moto's server mode on a free port), read back with
pyarrow's own S3 filesystem and with DuckDB over what pyarrow read (DuckDB's httpfs cannot be
downloaded here). The shared guarantees are in test_writer_contract.py; these are the files'."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import botocore.exceptions
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

import etl_engine as e
from etl_engine.writers.s3 import PART_BYTES, S3Writer, _MultipartUpload, client_for, render_prefix

from .conftest import RecordingReporter
from .s3_store import keys, manifest, published, pyarrow_fs, query, s3_client, s3_config, s3_endpoint

__all__ = ["s3_config", "s3_endpoint"]  # fixtures

TYPED = (
    "id,amount,ok,day,at,at_tz,note\n"
    '1,12345.6789,true,2024-02-29,2024-02-29 23:59:59.123456,2024-03-10T01:30:00-05:00,"a, ""b""\nc"\n'
    "2,-0.0001,false,1900-01-01,1970-01-01 00:00:00,2024-03-10 06:30:00Z,Zoë 日本語\n"
    "3,,,,,,\n"
)
EXPECTED = [
    (
        1,
        Decimal("12345.6789"),
        True,
        dt.date(2024, 2, 29),
        dt.datetime(2024, 2, 29, 23, 59, 59, 123456),
        dt.datetime(2024, 3, 10, 6, 30, tzinfo=dt.UTC),
        'a, "b"\nc',
    ),
    (
        2,
        Decimal("-0.0001"),
        False,
        dt.date(1900, 1, 1),
        dt.datetime(1970, 1, 1),
        dt.datetime(2024, 3, 10, 6, 30, tzinfo=dt.UTC),
        "Zoë 日本語",
    ),
    (3, None, None, None, None, None, None),
]


def rows(table: pa.Table | None) -> list[tuple[Any, ...]]:
    assert table is not None
    names = table.column_names
    found = sorted((tuple(r[n] for n in names) for r in table.to_pylist()), key=lambda r: r[0])
    return [
        tuple(v.astimezone(dt.UTC) if isinstance(v, dt.datetime) and v.tzinfo else v for v in r)
        for r in found
    ]


def test_parquet_keeps_decimals_zoned_timestamps_and_dates(
    s3_config: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: Callable[..., e.JobSpec]
) -> None:
    result = e.run_job(make_spec(write_csv(TYPED), s3_config), RecordingReporter())
    assert result.rows_loaded == 3
    listed = manifest(s3_config, "main/target/")
    assert listed is not None and listed["rows"] == 3 and len(listed["files"]) == 1
    schema = pq.read_schema(
        f"{s3_config.bucket}/{listed['files'][0]['key']}", filesystem=pyarrow_fs(s3_config)
    )
    assert schema.field("amount").type == pa.decimal128(38, 4)
    assert schema.field("at_tz").type == pa.timestamp("us", tz="UTC")
    assert schema.field("at").type == pa.timestamp("us")
    assert schema.field("day").type == pa.date32()
    assert rows(published(s3_config, "main", "target")) == EXPECTED
    assert (
        query(s3_config, 'SELECT id, amount, ok, "day", "at", at_tz, note FROM main.target ORDER BY id')
        == EXPECTED
    )


@pytest.mark.parametrize(
    ("file_format", "compression", "extension"),
    [
        ("csv", None, ".csv"),
        ("csv", "gzip", ".csv.gz"),
        ("csv", "zstd", ".csv.zst"),
        ("jsonl", None, ".jsonl"),
        ("jsonl", "gzip", ".jsonl.gz"),
        ("jsonl", "zstd", ".jsonl.zst"),
        ("parquet", "gzip", ".parquet"),
        ("parquet", "zstd", ".parquet"),
        ("parquet", "none", ".parquet"),
    ],
)
def test_every_format_and_compression_round_trips(
    s3_config: e.DestinationConfig,
    write_csv: Callable[..., Path],
    make_spec: Callable[..., e.JobSpec],
    file_format: e.FileFormat,
    compression: e.Compression | None,
    extension: str,
) -> None:
    s3_config.files = e.FileLayout(format=file_format, compression=compression)
    e.run_job(make_spec(write_csv(TYPED), s3_config, run_id="r1"), RecordingReporter())
    assert keys(s3_config, "main/") == ["main/target/_SUCCESS", f"main/target/part-r1-00000{extension}"]
    assert rows(published(s3_config, "main", "target")) == EXPECTED


def test_csv_has_a_header_quotes_where_needed_and_the_chosen_delimiter(
    s3_config: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: Callable[..., e.JobSpec]
) -> None:
    s3_config.files = e.FileLayout(format="csv", csv_delimiter=";")
    e.run_job(make_spec(write_csv(TYPED), s3_config, run_id="r1"), RecordingReporter())
    body = s3_client(s3_config).get_object(Bucket=s3_config.bucket, Key="main/target/part-r1-00000.csv")
    text = body["Body"].read().decode()
    assert text.splitlines()[0] == '"id";"amount";"ok";"day";"at";"at_tz";"note"'
    assert '"a, ""b""\nc"' in text
    assert rows(published(s3_config, "main", "target")) == EXPECTED


def test_jsonl_writes_exact_numbers_and_iso_times(
    s3_config: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: Callable[..., e.JobSpec]
) -> None:
    s3_config.files = e.FileLayout(format="jsonl")
    e.run_job(make_spec(write_csv(TYPED), s3_config, run_id="r1"), RecordingReporter())
    body = s3_client(s3_config).get_object(Bucket=s3_config.bucket, Key="main/target/part-r1-00000.jsonl")
    first = body["Body"].read().decode().splitlines()[0]
    assert first.startswith('{"id":1,"amount":12345.6789,"ok":true,"day":"2024-02-29",')
    assert '"at":"2024-02-29T23:59:59.123456","at_tz":"2024-03-10T06:30:00.000000Z"' in first
    assert json.loads(first)["note"] == 'a, "b"\nc'


def test_snappy_csv_and_upsert_are_refused_by_name(
    s3_config: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: Callable[..., e.JobSpec]
) -> None:
    s3_config.files = e.FileLayout(format="csv", compression="snappy")
    with pytest.raises(e.InvalidJobSpec, match="snappy compresses Parquet only"):
        e.run_job(make_spec(write_csv("id\n1\n"), s3_config), RecordingReporter())
    s3_config.files = e.FileLayout()
    spec = make_spec(write_csv("id\n1\n"), s3_config, strategy="UPSERT", upsert_keys=["id"])
    with pytest.raises(e.InvalidJobSpec, match="UPSERT is not possible on a s3 destination"):
        e.run_job(spec, RecordingReporter())
    assert keys(s3_config) == []


def test_the_prefix_template_renders_its_variables_safely() -> None:
    layout = e.FileLayout(
        prefix="exports/{{job}}/{{ run_date }}/{{table}}", job="daily sales", run_date=dt.date(2026, 11, 30)
    )
    assert render_prefix(layout, "main", "orders") == "exports/daily_sales/2026-11-30/orders/"
    # a value is one folder: its slashes and dots cannot climb out
    layout.job = "../../etc"
    assert render_prefix(layout, "main", "orders") == "exports/.._.._etc/2026-11-30/orders/"
    for bad, message in [
        ("../{{table}}", "every folder needs a name"),
        ("a//{{table}}", "every folder needs a name"),
        ("_hidden/{{table}}", "every folder needs a name"),
        ("{{table}}/{{nope}}", "unknown variable"),
        ("a b/{{table}}", "letters, digits"),
    ]:
        with pytest.raises(e.InvalidJobSpec, match=message):
            render_prefix(e.FileLayout(prefix=bad), "main", "orders")
    with pytest.raises(e.InvalidJobSpec, match="gives no run_date"):
        render_prefix(e.FileLayout(prefix="{{run_date}}/"), "main", "orders")
    with pytest.raises(e.InvalidJobSpec, match="cannot name an S3 folder"):
        render_prefix(e.FileLayout(prefix="{{table}}/"), "main", "..")


def test_hive_partitions_by_a_value_and_by_date_parts(
    s3_config: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: Callable[..., e.JobSpec]
) -> None:
    s3_config.files = e.FileLayout(
        prefix="sales/{{run_date}}/",
        run_date=dt.date(2026, 11, 30),
        partition_by=[e.Partition("region"), e.Partition("day", "year"), e.Partition("day", "month")],
    )
    text = "id,region,day\n1,north,2024-01-05\n2,south/east,2024-02-06\n3,north,2024-01-07\n4,,2025-12-31\n"
    e.run_job(make_spec(write_csv(text), s3_config, run_id="r1"), RecordingReporter())
    assert keys(s3_config, "sales/") == [
        "sales/2026-11-30/_SUCCESS",
        "sales/2026-11-30/region=__HIVE_DEFAULT_PARTITION__/year=2025/month=12/part-r1-00000.parquet",
        "sales/2026-11-30/region=north/year=2024/month=01/part-r1-00000.parquet",
        "sales/2026-11-30/region=south%2Feast/year=2024/month=02/part-r1-00000.parquet",
    ]
    # a Hive reader gives the value partition back from the folder names
    dataset = ds.dataset(
        f"{s3_config.bucket}/sales/2026-11-30/",
        filesystem=pyarrow_fs(s3_config),
        format="parquet",
        partitioning=ds.HivePartitioning(
            pa.schema([("region", pa.string()), ("year", pa.int32()), ("month", pa.int32())]),
            segment_encoding="uri",
        ),
        exclude_invalid_files=True,
    )
    found = sorted(dataset.to_table(columns=["id", "region", "day"]).to_pylist(), key=lambda r: r["id"])
    assert [(r["id"], r["region"], r["day"]) for r in found] == [
        (1, "north", dt.date(2024, 1, 5)),
        (2, "south/east", dt.date(2024, 2, 6)),
        (3, "north", dt.date(2024, 1, 7)),
        (4, None, dt.date(2025, 12, 31)),  # Hive's default partition is NULL
    ]


def test_part_files_have_a_bounded_size(
    s3_config: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: Callable[..., e.JobSpec]
) -> None:
    s3_config.files = e.FileLayout(format="csv", max_file_bytes=1)  # every batch closes its file
    text = "id\n" + "".join(f"{i}\n" for i in range(5000))
    e.run_job(make_spec(write_csv(text), s3_config, run_id="r1", batch_size=1000), RecordingReporter())
    listed = manifest(s3_config, "main/target/")
    assert listed is not None
    assert [(f["key"], f["rows"]) for f in listed["files"]] == [
        (f"main/target/part-r1-{n:05d}.csv", 1000) for n in range(5)
    ]


def test_a_large_part_goes_up_in_multipart_pieces_and_an_abort_leaves_nothing(
    s3_config: e.DestinationConfig,
) -> None:
    client = client_for(s3_config)
    assert s3_config.bucket is not None
    data = bytes(range(256)) * (PART_BYTES * 2 // 256 + 1000)
    upload = _MultipartUpload(client, s3_config.bucket, "big.bin")
    for start in range(0, len(data), 1_000_000):
        upload.write(data[start : start + 1_000_000])
    assert len(upload.parts) == 2  # two full parts sent while writing
    assert upload.finish() == len(data)
    assert client.get_object(Bucket=s3_config.bucket, Key="big.bin")["Body"].read() == data
    upload = _MultipartUpload(client, s3_config.bucket, "gone.bin")
    upload.write(data)
    upload.discard()
    assert keys(s3_config) == ["big.bin"]
    assert client.list_multipart_uploads(Bucket=s3_config.bucket).get("Uploads", []) == []


def test_a_failure_mid_write_leaves_nothing_anywhere(
    s3_config: e.DestinationConfig, make_spec: Callable[..., e.JobSpec], write_csv: Callable[..., Path]
) -> None:
    spec = make_spec(write_csv("id,note\n1,a\n"), s3_config, run_id="boom")
    destination = e.open_destination(s3_config)
    big = pa.RecordBatch.from_pydict(
        {"id": pa.array(range(400_000), pa.int32()), "note": pa.array([f"n{i:09d}" for i in range(400_000)])}
    )
    s3_config.files.row_group_bytes = 1  # row groups go out (as multipart parts) while writing
    with pytest.raises(RuntimeError), destination.writer(spec.load, spec.columns, spec.run_id) as writer:
        writer.committed()
        writer.prepare()
        for _ in range(3):
            writer.write(big)
        raise RuntimeError("killed mid-load")
    assert keys(s3_config) == []
    assert s3_client(s3_config).list_multipart_uploads(Bucket=s3_config.bucket).get("Uploads", []) == []


def test_a_run_killed_mid_publish_shows_no_manifest_and_its_retry_publishes_one_copy(
    s3_config: e.DestinationConfig,
    make_spec: Callable[..., e.JobSpec],
    write_csv: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = "id\n" + "".join(f"{i}\n" for i in range(3000))
    s3_config.files = e.FileLayout(max_file_bytes=1, row_group_bytes=1)
    spec = make_spec(write_csv(text), s3_config, run_id="kill", batch_size=1000)
    # The process dies after two of three completions (the files' bytes are all sent, to their
    # final keys): no abort runs, nothing cleans up.
    writer = e.open_destination(s3_config).writer(spec.load, spec.columns, spec.run_id)
    assert isinstance(writer, S3Writer)
    writer.open()
    writer.prepare()
    for start in range(0, 3000, 1000):
        writer.write(pa.RecordBatch.from_pydict({"id": pa.array(range(start, start + 1000), pa.int32())}))
    assert keys(s3_config, "main/target/") == []  # sent, not completed: invisible
    completions = 0
    counting = threading.Lock()  # commit completes the files concurrently
    real_complete = writer.client.complete_multipart_upload

    def complete_then_die(**kwargs: Any) -> Any:
        nonlocal completions
        with counting:
            completions += 1
            if completions == 3:
                raise SystemExit("killed")
        return real_complete(**kwargs)

    monkeypatch.setattr(writer.client, "complete_multipart_upload", complete_then_die)
    with pytest.raises(SystemExit):
        writer.commit(3000, 0, 0)
    assert manifest(s3_config, "main/target/") is None  # readers of the manifest see nothing
    assert len(keys(s3_config, "main/target/")) == 2
    # The retry: the same run id, a smaller batch size this time (other files).
    retry = make_spec(write_csv(text), s3_config, run_id="kill", batch_size=1500)
    assert e.run_job(retry, RecordingReporter()).rows_loaded == 3000
    listed = manifest(s3_config, "main/target/")
    assert listed is not None
    assert [f["key"] for f in listed["files"]] == [f"main/target/part-kill-{n:05d}.parquet" for n in range(2)]
    assert keys(s3_config, "main/target/") == sorted(
        [*(f["key"] for f in listed["files"]), "main/target/_SUCCESS"]
    )
    assert query(s3_config, "SELECT count(*), count(DISTINCT id) FROM main.target") == [(3000, 3000)]
    # The killed attempt's third file, never completed, was aborted by the retry.
    assert s3_client(s3_config).list_multipart_uploads(Bucket=s3_config.bucket).get("Uploads", []) == []


def test_insert_appends_and_truncate_insert_replaces_only_once_the_new_files_are_listed(
    s3_config: e.DestinationConfig,
    make_spec: Callable[..., e.JobSpec],
    write_csv: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = write_csv("id\n1\n2\n")
    e.run_job(make_spec(path, s3_config, run_id="a"), RecordingReporter())
    e.run_job(make_spec(path, s3_config, run_id="b"), RecordingReporter())
    assert query(s3_config, "SELECT count(*) FROM main.target") == [(4,)]
    client = s3_client(s3_config)
    client.put_object(Bucket=s3_config.bucket, Key="main/target/notes.txt", Body=b"not ours")
    listed_before: list[str] = []
    real_publish = S3Writer._publish_manifest

    def publish(writer: S3Writer) -> dict[str, Any]:
        # the new files are in place, the old ones still listed and present until this returns
        listed_before.extend(keys(s3_config, "main/target/"))
        return real_publish(writer)

    monkeypatch.setattr(S3Writer, "_publish_manifest", publish)
    spec = make_spec(write_csv("id\n7\n"), s3_config, run_id="c", strategy="TRUNCATE_INSERT")
    e.run_job(spec, RecordingReporter())
    assert "main/target/part-a-00000.parquet" in listed_before
    assert "main/target/part-c-00000.parquet" in listed_before
    assert keys(s3_config, "main/target/") == [
        "main/target/_SUCCESS",
        "main/target/notes.txt",
        "main/target/part-c-00000.parquet",
    ]
    assert query(s3_config, "SELECT id FROM main.target") == [(7,)]


def test_appending_other_columns_is_refused_with_what_the_files_have(
    s3_config: e.DestinationConfig, make_spec: Callable[..., e.JobSpec], write_csv: Callable[..., Path]
) -> None:
    e.run_job(make_spec(write_csv("id,name\n1,a\n"), s3_config), RecordingReporter())
    with pytest.raises(e.SchemaMismatch, match="they have id INTEGER, name TEXT"):
        e.run_job(make_spec(write_csv("id,other\n1,a\n"), s3_config), RecordingReporter())


def test_two_runs_appending_at_once_keep_both_in_the_manifest(
    s3_config: e.DestinationConfig, make_spec: Callable[..., e.JobSpec], write_csv: Callable[..., Path]
) -> None:
    """The manifest is written with If-None-Match / If-Match: the run that read it before the
    other wrote it gets PreconditionFailed from the server, reads again and merges."""
    spec = make_spec(write_csv("id\n1\n"), s3_config, run_id="first")
    other = make_spec(write_csv("id\n2\n"), s3_config, run_id="second")
    destination = e.open_destination(s3_config)
    with destination.writer(spec.load, spec.columns, spec.run_id) as writer:
        assert isinstance(writer, S3Writer)
        writer.prepare()
        writer.write(pa.RecordBatch.from_pydict({"id": pa.array([1], pa.int32())}))
        real_read = writer._read_json_with_etag
        reads: list[Any] = []

        def stale_read(key: str) -> Any:
            found = real_read(key)
            if not reads:  # the other run commits right after this run read the manifest
                e.run_job(other, RecordingReporter())
            reads.append(found)
            return found

        writer._read_json_with_etag = stale_read  # type: ignore[method-assign]
        writer.commit(1, 0, 0)
    assert reads[0] == (None, None) and reads[1][0] is not None  # read again after the conflict
    assert query(s3_config, "SELECT id FROM main.target ORDER BY id") == [(1,), (2,)]


def test_credentials_and_an_unreachable_bucket_are_reported(s3_config: e.DestinationConfig) -> None:
    s3_config.session_token = "temporary-token"  # sent along; moto accepts any
    assert e.open_destination(s3_config).test_connection().ok
    s3_config.bucket = "no-such-bucket-here"
    check = e.open_destination(s3_config).test_connection()
    assert not check.ok and "NoSuchBucket" in check.message
    assert "test-secret" not in check.message and "temporary-token" not in check.message
    assert "temporary-token" not in repr(s3_config)


def test_an_unreachable_endpoint_is_a_transient_error(
    s3_config: e.DestinationConfig, make_spec: Callable[..., e.JobSpec], write_csv: Callable[..., Path]
) -> None:
    s3_config.endpoint_url = "http://127.0.0.1:9"  # discard port: refused
    with pytest.raises(e.DestinationUnreachable):
        e.run_job(make_spec(write_csv("id\n1\n"), s3_config), RecordingReporter())
    assert issubclass(
        botocore.exceptions.EndpointConnectionError, e.open_destination(s3_config).transient_errors
    )
