"""The servers that stand in for an object store and a warehouse, started once per harness run on
free loopback ports and stopped at its end: moto's S3 server (a real S3 API, objects in its
memory) and fakesnow's Snowflake emulator (Snowflake's HTTP API over DuckDB). Each runs in its own
process, so its CPU is not the harness's; it is in neither `client_cpu_s` nor `server_cpu_s`.

Also the row counts a load is verified with: a DuckDB file's table, the Parquet files in a bucket
(from their footers, read back with pyarrow), a table in the emulator.
"""

from __future__ import annotations

import atexit
import socket
import subprocess
import sys
import time
import uuid
from functools import cache
from pathlib import Path

from bench.methods import PG_HOST, S3_KEY_ID, S3_REGION, S3_SECRET

START_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((PG_HOST, 0))
        return int(probe.getsockname()[1])


def _start(command: list[str], port: int, log: Path) -> subprocess.Popen[bytes]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    atexit.register(_stop, process)
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{command[0]} exited {process.returncode}; see {log}")
        with socket.socket() as probe:
            if probe.connect_ex((PG_HOST, port)) == 0:
                return process
        time.sleep(0.2)
    raise RuntimeError(f"{command[0]} did not listen on {port} within {START_SECONDS}s; see {log}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


class S3Server:
    def __init__(self, log: Path) -> None:
        self.port = _free_port()
        self.endpoint = f"http://{PG_HOST}:{self.port}"
        bin_dir = Path(sys.executable).parent
        _start([str(bin_dir / "moto_server"), "-H", PG_HOST, "-p", str(self.port)], self.port, log)

    def client(self) -> object:
        import boto3

        return boto3.client(
            "s3",
            aws_access_key_id=S3_KEY_ID,
            aws_secret_access_key=S3_SECRET,
            region_name=S3_REGION,
            endpoint_url=self.endpoint,
        )

    def new_bucket(self) -> str:
        bucket = f"bench-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(  # type: ignore[attr-defined]
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": S3_REGION}
        )
        return bucket

    def drop_bucket(self, bucket: str) -> None:
        """The bucket and every object in it (moto keeps them in its memory)."""
        client = self.client()
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):  # type: ignore[attr-defined]
            for item in page.get("Contents", []):
                client.delete_object(Bucket=bucket, Key=item["Key"])  # type: ignore[attr-defined]
        client.delete_bucket(Bucket=bucket)  # type: ignore[attr-defined]


class SnowflakeServer:
    def __init__(self, log: Path) -> None:
        self.port = _free_port()
        fakesnow = str(Path(sys.executable).parent / "fakesnow")
        _start([fakesnow, "-s", "--host", PG_HOST, "-p", str(self.port)], self.port, log)


LOGS = Path(__file__).resolve().parent / "results" / "logs"


@cache
def s3() -> S3Server:
    return S3Server(LOGS / "moto_server.log")


@cache
def snowflake() -> SnowflakeServer:
    return SnowflakeServer(LOGS / "fakesnow.log")


def duckdb_rows(path: str, schema: str, table: str) -> int:
    import duckdb

    with duckdb.connect(path, read_only=True) as conn:
        found = conn.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()
    return int(found[0]) if found else 0


def s3_rows(endpoint: str, bucket: str) -> int:
    """Rows of the Parquet files a reader finds in the bucket (the engine's run-scoped temporary
    prefix `_etl/` left out: a committed run has published its files and cleared it)."""
    import pyarrow.fs as pafs
    import pyarrow.parquet as pq

    scheme, address = endpoint.split("://")
    fs = pafs.S3FileSystem(
        access_key=S3_KEY_ID, secret_key=S3_SECRET, region=S3_REGION, endpoint_override=address, scheme=scheme
    )
    found = fs.get_file_info(pafs.FileSelector(bucket, recursive=True))
    files = [f.path for f in found if f.path.endswith(".parquet") and "_etl/" not in f.path]
    if not files:
        raise RuntimeError(f"no Parquet file in bucket {bucket}")
    return sum(pq.read_metadata(path, filesystem=fs).num_rows for path in files)


def snowflake_rows(port: int, database: str, schema: str, table: str) -> int:
    import snowflake.connector

    with snowflake.connector.connect(
        account="fakesnow",
        user="fake",
        password="snow",
        host=PG_HOST,
        port=port,
        protocol="http",
        database=database,
    ) as conn:
        found = conn.cursor().execute(f"SELECT count(*) FROM {schema}.{table}").fetchone()  # type: ignore[union-attr]
    return int(found[0]) if found else 0
