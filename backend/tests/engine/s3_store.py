"""A real S3 API for the tests: moto's server mode on a free port (one per session), a fresh bucket
per test, and readers that see what a user's reader sees.

Fixtures (import them into a test module): `s3_endpoint`, `s3_config` (a parquet destination,
schema `main`). Readers: `published(config, schema, table)` reads the `_SUCCESS` manifest and the
files it lists with pyarrow (its own S3 filesystem, not the writer's boto3), `query(config, sql)`
runs SQL in DuckDB over those tables (registered as "schema"."table"). DuckDB reads them from
Arrow, not from S3: its httpfs extension is downloaded at run time, which cannot happen here.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest
from moto.server import ThreadedMotoServer

import etl_engine as e
from etl_engine.writers.s3 import client_for, read_jsonl

KEY_ID = "test-key"
SECRET = "test-secret"  # moto accepts any


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_config(s3_endpoint: str) -> e.DestinationConfig:
    bucket = f"b-{uuid.uuid4().hex[:12]}"
    config = e.DestinationConfig(
        kind="s3",
        bucket=bucket,
        region="eu-west-1",
        endpoint_url=s3_endpoint,
        path_style=True,
        user=KEY_ID,
        password=SECRET,
        options={"schema": "main"},
    )
    client_for(config).create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    return config


def s3_client(config: e.DestinationConfig) -> Any:
    return boto3.client(
        "s3",
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        region_name=config.region,
        endpoint_url=config.endpoint_url,
    )


def keys(config: e.DestinationConfig, prefix: str = "") -> list[str]:
    answer = s3_client(config).list_objects_v2(Bucket=config.bucket, Prefix=prefix)
    return sorted(o["Key"] for o in answer.get("Contents", []))


def pyarrow_fs(config: e.DestinationConfig) -> pafs.S3FileSystem:
    assert config.endpoint_url is not None
    scheme, address = config.endpoint_url.split("://")
    return pafs.S3FileSystem(
        access_key=KEY_ID,
        secret_key=SECRET,
        region=config.region,
        endpoint_override=address,
        scheme=scheme,
    )


def manifest(config: e.DestinationConfig, prefix: str) -> dict[str, Any] | None:
    fs = pyarrow_fs(config)
    path = f"{config.bucket}/{prefix}_SUCCESS"
    if fs.get_file_info(path).type == pafs.FileType.NotFound:
        return None
    with fs.open_input_stream(path) as stream:
        document: dict[str, Any] = json.loads(stream.read())
        return document


def read_listed(config: e.DestinationConfig, listed: dict[str, Any]) -> pa.Table:
    """The files a manifest lists, read with pyarrow in its format, typed from its columns."""
    fs = pyarrow_fs(config)
    tables = []
    kept = [c for c in listed["columns"] if not c["partition"]]
    for file in listed["files"]:
        path = f"{config.bucket}/{file['key']}"
        if listed["format"] == "parquet":
            tables.append(pq.read_table(path, filesystem=fs))
            continue
        compression = {"gzip": "gzip", "zstd": "zstd"}.get(listed["compression"])
        with fs.open_input_stream(path, compression=compression) as stream:
            body = stream.read()
        schema = pa.schema([(c["name"], file_type(c)) for c in kept])
        if listed["format"] == "csv":
            tables.append(
                pacsv.read_csv(
                    io.BytesIO(body),
                    parse_options=pacsv.ParseOptions(
                        delimiter=listed["csv_delimiter"], newlines_in_values=True
                    ),
                    convert_options=pacsv.ConvertOptions(
                        column_types=schema, strings_can_be_null=True, quoted_strings_can_be_null=False
                    ),
                )
            )
        else:
            tables.append(read_jsonl(io.BytesIO(body), schema))
    return pa.concat_tables(tables) if tables else pa.table({c["name"]: pa.array([]) for c in kept})


def file_type(column: dict[str, Any]) -> pa.DataType:
    from etl_engine.writers.s3 import _type_from_manifest

    return _type_from_manifest(column)


def published(config: e.DestinationConfig, schema: str, table: str) -> pa.Table | None:
    """The rows readers see at a table's latest prefix (found through the catalog entry)."""
    catalog = e.open_destination(config)
    entry = catalog.catalog(schema, table)  # type: ignore[attr-defined]
    if entry is None:
        return None
    listed = manifest(config, entry["prefix"])
    return None if listed is None else read_listed(config, listed)


def query(config: e.DestinationConfig, sql: str, schema: str = "main", table: str = "target") -> list[Any]:
    """`sql` in DuckDB, with the published rows of `schema.table` as "schema"."table"."""
    data = published(config, schema, table)
    with duckdb.connect() as conn:
        conn.execute("SET TimeZone = 'UTC'")
        if data is not None:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            conn.register("_published", data)
            conn.execute(f'CREATE TABLE "{schema}"."{table}" AS SELECT * FROM _published')
        return conn.execute(sql).fetchall()
