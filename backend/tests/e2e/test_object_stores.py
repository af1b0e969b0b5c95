"""S3 and Snowflake destinations on the real stack: connections and jobs created over the API, runs
in Airflow (the stack's LocalExecutor), files read back from the store.

The stores are emulators started by this test process on free ports, which the stack's workers
reach on 127.0.0.1: moto's S3 server (a real S3 API; no AWS account is used) and fakesnow's
Snowflake server (Snowflake's HTTP API over DuckDB; no Snowflake account is used). What they
verify is this side — the connector and boto3 calls, the publish protocol, the run's outputs —
not AWS's or Snowflake's own behaviour.

- A CSV loads into S3 as Parquet, partitioned by a date column: the run lists the published keys,
  and the files read back (pyarrow's S3 filesystem, DuckDB over the rows) equal the CSV.
- A run killed mid-upload (throttled so that it is still writing) leaves nothing under the
  published prefix; its retry publishes exactly one copy of every row.
- A PostgreSQL table loads into Snowflake with UPSERT, twice: the second run updates and adds.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pytest
from e2e_client import TERMINAL, PortalClient
from engine.s3_store import KEY_ID, SECRET, pyarrow_fs, s3_endpoint
from engine.snowflake_store import query as snowflake_query
from engine.snowflake_store import snowflake_server
from source_databases import pg_database, pg_execute, source_connection

import etl_engine as e
from etl_engine.writers.s3 import client_for

pytestmark = pytest.mark.e2e
__all__ = ["s3_endpoint", "snowflake_server"]  # fixtures used below

DAYS = [dt.date(2026, 11, 28), dt.date(2026, 11, 29), dt.date(2026, 11, 30)]


@pytest.fixture
def bucket_config(s3_endpoint: str) -> e.DestinationConfig:
    """A fresh bucket, seen as the engine would see it (for reading back)."""
    config = e.DestinationConfig(
        kind="s3",
        bucket=f"e2e-{uuid.uuid4().hex[:12]}",
        region="us-east-1",
        endpoint_url=s3_endpoint,
        path_style=True,
        user=KEY_ID,
        password=SECRET,
    )
    client_for(config).create_bucket(Bucket=config.bucket)
    return config


@pytest.fixture
def s3_connection(portal: PortalClient, bucket_config: e.DestinationConfig) -> dict[str, Any]:
    return portal.create_credential(
        name=f"lake {bucket_config.bucket}",
        kind="s3",
        username=KEY_ID,
        password=SECRET,
        options={
            "bucket": bucket_config.bucket,
            "region": "us-east-1",
            "endpoint_url": bucket_config.endpoint_url,
            "path_style": True,
        },
    )


def keys(config: e.DestinationConfig, prefix: str = "") -> list[str]:
    client = client_for(config)
    found: list[str] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=config.bucket, Prefix=prefix):
        found += [o["Key"] for o in page.get("Contents", [])]
    return sorted(found)


def unfinished_uploads(config: e.DestinationConfig) -> list[str]:
    """Keys with a multipart upload begun and not completed: parts stored, no object readers see."""
    client = client_for(config)
    found: list[str] = []
    for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=config.bucket):
        found += [u["Key"] for u in page.get("Uploads", [])]
    return sorted(found)


def published_rows(config: e.DestinationConfig, outputs: list[str], base: str, fmt: str) -> pa.Table:
    """The run's files as readers see them: Hive folders under `base` become columns."""
    dataset = ds.dataset(
        [f"{config.bucket}/{key}" for key in outputs],
        filesystem=pyarrow_fs(config),
        format=fmt,
        partitioning="hive",
        partition_base_dir=f"{config.bucket}/{base}",
    )
    return dataset.to_table()


def sales_csv(path: Path, rows: int) -> list[dict[str, Any]]:
    written = [
        {
            "id": i,
            "customer": f"Kunde {i} \u2013 \u201c\u00c4\u201d, ; 'x'",  # dash, curly quotes, umlaut
            "amount": Decimal(i * 7 % 10_000) / 100,
            "sold_on": DAYS[i % len(DAYS)],
            "at": dt.datetime(2026, 11, 28, 8, tzinfo=dt.UTC) + dt.timedelta(minutes=i),
        }
        for i in range(1, rows + 1)
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "customer", "amount", "sold_on", "at"])
        for row in written:
            writer.writerow(
                [row["id"], row["customer"], f"{row['amount']:.2f}", row["sold_on"], row["at"].isoformat()]
            )
    return written


def test_a_csv_loads_into_s3_as_parquet_partitioned_by_its_date_and_reads_back_equal(
    portal: PortalClient, s3_connection: dict[str, Any], bucket_config: e.DestinationConfig, tmp_path: Path
) -> None:
    expected = sales_csv(tmp_path / "sales.csv", 3000)
    file = portal.upload_csv(tmp_path / "sales.csv")
    job = portal.create_job(
        name="sales to the lake",
        file_id=file["id"],
        credential_id=s3_connection["id"],
        target_schema="exports",
        target_table="sales",
        destination_options={
            "format": "parquet",
            "prefix": "{{schema}}/{{table}}/",
            "partition_by": [{"column": "sold_on"}],
        },
    )

    run = portal.execute(job["id"])
    final = portal.follow(run["id"])[-1].data

    assert final["status"] == "COMPLETED", final
    assert (final["rows_read"], final["rows_loaded"]) == (3000, 3000)
    outputs = final["outputs"]
    assert sorted(outputs) == outputs and len(outputs) == len(DAYS)  # one part file per day
    assert [key.rsplit("/", 1)[0] for key in outputs] == [f"exports/sales/sold_on={day}" for day in DAYS]
    assert all(key.endswith(".parquet") for key in outputs)
    visible = [k for k in keys(bucket_config, "exports/") if not k.endswith("_SUCCESS")]
    assert visible == outputs  # nothing else under the published prefix
    table = published_rows(bucket_config, outputs, "exports/sales", "parquet")
    assert table.schema.field("amount").type == pa.decimal128(38, 2)
    assert table.schema.field("at").type == pa.timestamp("us", "UTC")
    with duckdb.connect() as conn:
        conn.execute("SET TimeZone = 'UTC'")
        conn.register("published", table)
        read = conn.execute(
            'SELECT id, customer, amount, CAST(sold_on AS DATE), "at" FROM published ORDER BY id'
        ).fetchall()
        per_day = conn.execute(
            "SELECT CAST(sold_on AS DATE), count(*) FROM published GROUP BY 1 ORDER BY 1"
        ).fetchall()
    assert read == [(r["id"], r["customer"], r["amount"], r["sold_on"], r["at"]) for r in expected]
    assert per_day == [(day, 1000) for day in DAYS]


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout}s: {what}"
        time.sleep(0.2)


def test_a_run_killed_mid_upload_publishes_nothing_and_its_retry_publishes_one_copy(
    portal: PortalClient, s3_connection: dict[str, Any], bucket_config: e.DestinationConfig, tmp_path: Path
) -> None:
    rows = 6000
    with (tmp_path / "wide.csv").open("w", encoding="utf-8") as handle:
        handle.write("id,payload\n")
        for i in range(1, rows + 1):
            handle.write(f"{i},{'x' * 1500}{i}\n")  # ~9 MB: parts of 1 MB go up while it loads
    file = portal.upload_csv(tmp_path / "wide.csv")
    job = portal.create_job(
        name="wide to the lake",
        file_id=file["id"],
        credential_id=s3_connection["id"],
        target_schema="exports",
        target_table="wide",
        destination_options={"format": "csv", "max_file_mb": 1},
        # 6000 rows at 1000/s: the attempt writes for at least 6 s, so it is still uploading when killed.
        max_rows_per_second=1000,
        batch_size=1000,
        max_retries=1,
        retry_delay_seconds=1,
    )
    run = portal.execute(job["id"])

    def uploading(attempt: int) -> bool:
        current = portal.run(run["id"])
        assert current["status"] not in TERMINAL, current
        return (
            current["status"] == "RUNNING"
            and current["attempt"] == attempt
            and current["rows_staged"] >= 2000
        )

    wait_for(lambda: uploading(1), 120, "the first attempt uploading")
    in_flight = unfinished_uploads(bucket_config)
    os.kill(portal.attempt_pid(run["id"], attempt=1), signal.SIGKILL)
    wait_for(lambda: uploading(2), 120, "the retry uploading")
    visible_while_retrying = keys(bucket_config, "exports/")

    final = portal.follow(run["id"], timeout=300)[-1].data

    assert in_flight, "the killed attempt had parts going up as unfinished uploads"
    assert visible_while_retrying == []  # the killed attempt published nothing
    assert final["status"] == "COMPLETED", final
    assert (final["attempt"], final["rows_loaded"]) == (2, rows)
    published = [k for k in keys(bucket_config, "exports/") if not k.endswith("_SUCCESS")]
    assert published == final["outputs"] and len(published) >= 5
    assert unfinished_uploads(bucket_config) == []  # the killed attempt's uploads were aborted
    table = published_rows(bucket_config, published, "exports/wide", "csv")
    ids = table.column("id").to_pylist()
    assert (len(ids), len(set(ids)), min(ids), max(ids)) == (rows, rows, 1, rows)


@pytest.fixture
def people_source() -> Iterator[str]:
    with pg_database(
        "CREATE TABLE public.people"
        " (id integer PRIMARY KEY, name text, score numeric(8, 2), seen timestamptz);"
        "INSERT INTO public.people VALUES (1, 'Ada', 10.50, '2026-11-30 08:00+00'),"
        " (2, 'Grace', 20.25, '2026-11-30 09:00+00'), (3, 'Zoë', NULL, NULL);"
    ) as name:
        yield name


def test_a_database_table_loads_into_snowflake_with_upsert_run_after_run(
    portal: PortalClient, snowflake_server: dict[str, Any], people_source: str
) -> None:
    database = f"E2E_{uuid.uuid4().hex[:8].upper()}"
    source = portal.create_credential(**source_connection("postgres", people_source))
    snow = portal.create_credential(
        name=f"snow {database}",
        kind="snowflake",
        host=snowflake_server["host"],
        port=snowflake_server["port"],
        database=database,
        username=snowflake_server["user"],
        password=snowflake_server["password"],
        # fakesnow runs MERGE through a temporary table, which cannot sit in the final transaction:
        # the writer's UPDATE + INSERT form of UPSERT is used against the emulator.
        options={"account": "fakesnow", "protocol": "http", "upsert_statement": "update_insert"},
    )
    proposed = portal.http.post(
        "/api/v1/jobs/propose-tables",
        json={
            "source_credential_id": source["id"],
            "tables": [{"schema": "public", "table": "people"}],
            "target_schema": "crm",
        },
    )
    assert proposed.status_code == 200, proposed.text
    (table,) = proposed.json()["tables"]
    assert (table["strategy"], table["upsert_keys"]) == ("UPSERT", ["id"])
    job = portal.create_job(
        name="people to snowflake",
        source_type="tables",
        source_credential_id=source["id"],
        credential_id=snow["id"],
        tables=[table],
    )
    config = e.DestinationConfig(kind="snowflake", database=database)

    first = portal.follow(portal.execute(job["id"])["id"])[-1].data
    pg_execute(
        people_source,
        "UPDATE public.people SET score = 99.99, name = 'Grace H.' WHERE id = 2;"
        "INSERT INTO public.people VALUES (4, 'Linus', 1.00, '2026-11-30 10:00+00');",
    )
    second = portal.follow(portal.execute(job["id"])["id"])[-1].data

    assert first["status"] == second["status"] == "COMPLETED", (first, second)
    assert (first["rows_loaded"], second["rows_loaded"]) == (3, 4)  # the second: 3 updated, 1 inserted
    rows = snowflake_query(config, "SELECT id, name, score, seen FROM crm.people ORDER BY id")
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (1, "Ada", Decimal("10.50")),
        (2, "Grace H.", Decimal("99.99")),
        (3, "Zoë", None),
        (4, "Linus", Decimal("1.00")),
    ]
    assert rows[0][3] == dt.datetime(2026, 11, 30, 8, tzinfo=dt.UTC)
    ledger = snowflake_query(config, "SELECT count(*) FROM crm._etl_loads")
    assert ledger == [(2,)]
