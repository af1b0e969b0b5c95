"""Amazon S3 and S3-compatible stores: the object-store family of destinations.

A run's files stream straight to their final keys under the job's prefix (deterministic names,
`part-<run>-<n>.<ext>`, so a retry overwrites instead of adding) as multipart uploads that stay
unfinished, hence invisible, until `commit` completes them; a failure aborts them and a retry's
`prepare` aborts what a killed attempt left. Completing an upload moves no bytes (a copy from a
temporary prefix read and wrote every byte again: a third of the run's time on moto's server).
The prefix's `_SUCCESS` manifest is written last, in one conditional PUT: the files and their
row counts, what readers use. TRUNCATE_INSERT then deletes the files of earlier runs the new
manifest no longer lists; a ledger object (`<root>_etl/loads/<run>.json`) makes a re-run of a
committed run a no-op, and a catalog object per table (`<root>_etl/tables/<schema>/<table>.json`)
lets the portal browse what was loaded. UPSERT is refused: files have no keys to merge on.

boto3 rather than pyarrow's S3FileSystem: it is AWS's own SDK, the multipart upload is explicit
(pyarrow's writers stream into `upload_part` calls of bounded size, and an abort leaves no
object), the manifest is written with a conditional PUT (If-Match / If-None-Match) so that two
runs appending to one prefix cannot lose each other's files, and path-style addressing, session
tokens and endpoints are plain client settings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import quote

import boto3
import botocore.exceptions
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq
from botocore.config import Config

from ..conversion import FIXED_ARROW_TYPES, NumericLimit
from ..ddl import FILE_NUMERIC, column_sql_type
from ..errors import (
    InvalidJobSpec,
    LoadFailed,
    ReconciliationFailed,
    SchemaMismatch,
)
from ..spec import ColumnSpec, ColumnType, DestinationKind, FileLayout, LoadSpec, LoadStrategy, Partition
from .base import (
    ConnectionCheck,
    Destination,
    LedgerEntry,
    TableColumn,
    TableRef,
    TableSample,
    Writer,
)

MANIFEST = "_SUCCESS"
STATE_FOLDER = "_etl/"
PART_BYTES = 8 * 1024 * 1024  # multipart upload part size (S3's minimum is 5 MiB)
UPLOADS_IN_FLIGHT = 3  # parts of one file going up at once while the writer goes on
UPLOAD_THREADS = 4
MAX_OPEN_FILES = 64  # partition folders written at once; the least recently used is closed beyond
BUFFER_BUDGET_BYTES = 256 * 1024 * 1024  # Parquet rows buffered across all open files
CONNECT_TIMEOUT_SECONDS = 10
_VARIABLE = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
_TEMPLATE_TEXT = re.compile(r"[A-Za-z0-9._=/-]*")
_UNSAFE = re.compile(r"[^A-Za-z0-9._=-]+")
_PART_FILE = re.compile(r"^part-.+-\d{5}\.(parquet|csv|jsonl)(\.gz|\.zst)?$")
_EXTENSIONS = {"parquet": ".parquet", "csv": ".csv", "jsonl": ".jsonl"}
_STREAM_COMPRESSION = {"gzip": (".gz", "gzip"), "zstd": (".zst", "zstd")}
_DATE_PARTS = {"year": "%Y", "month": "%m", "day": "%d", "hour": "%H"}
_DATE_TYPES = {ColumnType.DATE, ColumnType.TIMESTAMP, ColumnType.TIMESTAMPTZ}


def client_for(config: Any) -> Any:
    """A boto3 S3 client for a DestinationConfig (keys, token, region, endpoint, addressing)."""
    return boto3.client(
        "s3",
        aws_access_key_id=config.user or None,
        aws_secret_access_key=config.password or None,
        aws_session_token=config.session_token or None,
        region_name=config.region or "us-east-1",
        endpoint_url=config.endpoint_url or None,
        config=Config(
            s3={"addressing_style": "path" if config.path_style else "auto"},
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            retries={"max_attempts": 3, "mode": "standard"},
        ),
    )


def safe_segment(value: str, what: str) -> str:
    """`value` as one key segment: characters other than letters, digits, `._=-` become `_`; an
    empty, `.` or `..` segment, or one starting with `_` (hidden from readers), is refused."""
    segment = _UNSAFE.sub("_", value)
    if segment in ("", ".", "..") or segment.startswith("_"):
        raise InvalidJobSpec(f"{what} {value!r} cannot name an S3 folder")
    return segment


def render_prefix(layout: FileLayout, schema: str, table: str) -> str:
    """The layout's prefix template with its variables, ending in `/`. Variables are rendered as
    single segments (no `/`, no `..`); the template's own text may hold letters, digits and `._=/-`."""
    values: dict[str, str | None] = {
        "schema": schema,
        "table": table,
        "job": layout.job,
        "run_date": layout.run_date.isoformat() if layout.run_date else None,
    }
    rendered: list[str] = []
    position = 0
    for match in _VARIABLE.finditer(layout.prefix):
        rendered.append(_template_text(layout.prefix[position : match.start()]))
        name = match.group(1)
        if name not in values:
            known = ", ".join("{{" + v + "}}" for v in values)
            raise InvalidJobSpec(f"unknown variable {{{{{name}}}}} in the prefix (known: {known})")
        value = values[name]
        if value is None:
            raise InvalidJobSpec(f"the prefix uses {{{{{name}}}}} but the load gives no {name}")
        rendered.append(safe_segment(value, name))
        position = match.end()
    rendered.append(_template_text(layout.prefix[position:]))
    segments = [s for s in "".join(rendered).split("/")]
    if segments and segments[-1] == "":
        segments.pop()
    if not segments or any(s in ("", ".", "..") or s.startswith("_") for s in segments):
        raise InvalidJobSpec(
            f"the prefix {layout.prefix!r} renders to {'/'.join(segments)!r}: every folder needs a "
            "name, not '.', '..' or one starting with '_'"
        )
    return "/".join(segments) + "/"


def _template_text(text: str) -> str:
    if not _TEMPLATE_TEXT.fullmatch(text):
        raise InvalidJobSpec(f"the prefix may hold letters, digits and . _ = / - only, not {text!r}")
    return text


def root_prefix(path: str | None) -> str:
    """The destination's key prefix (`path`), '' or ending in '/'."""
    if not path or not path.strip("/"):
        return ""
    segments = path.strip("/").split("/")
    for segment in segments:
        safe_segment(segment, "the destination's path folder")
    return "/".join(segments) + "/"


def run_key(run_id: str) -> str:
    """The run id as a file-name part; a hash keeps ids that differ only in unsafe characters apart."""
    cleaned = _UNSAFE.sub("_", run_id).strip("._")[:80] or "run"
    if cleaned != run_id:
        cleaned += "-" + hashlib.blake2b(run_id.encode(), digest_size=4).hexdigest()
    return cleaned


def file_extension(layout: FileLayout) -> str:
    extension = _EXTENSIONS[layout.format]
    compression = layout.compression
    if layout.format != "parquet" and compression not in (None, "none"):
        extension += _STREAM_COMPRESSION[compression][0]
    return extension


def check_layout(layout: FileLayout, columns: list[ColumnSpec]) -> None:
    """InvalidJobSpec for what cannot be written: a format/compression pair, bad partitions, sizes."""
    if layout.format not in _EXTENSIONS:
        raise InvalidJobSpec(f"unknown file format {layout.format!r} (parquet, csv or jsonl)")
    if layout.compression not in (None, "none", "gzip", "snappy", "zstd"):
        raise InvalidJobSpec(f"unknown compression {layout.compression!r}")
    if layout.format != "parquet" and layout.compression == "snappy":
        raise InvalidJobSpec(f"snappy compresses Parquet only; {layout.format} files take gzip, zstd or none")
    if layout.format == "csv" and len(layout.csv_delimiter) != 1:
        raise InvalidJobSpec(f"the CSV delimiter must be one character, not {layout.csv_delimiter!r}")
    if layout.max_file_bytes < 1 or layout.row_group_bytes < 1:
        raise InvalidJobSpec("max_file_bytes and row_group_bytes must be positive")
    by_name = {c.target: c for c in columns}
    folders: set[str] = set()
    for partition in layout.partition_by:
        column = by_name.get(partition.column)
        if column is None:
            raise InvalidJobSpec(f"partition column {partition.column!r} is not a destination column")
        if partition.part is not None:
            if partition.part not in _DATE_PARTS:
                raise InvalidJobSpec(f"unknown date part {partition.part!r} (year, month, day, hour)")
            if column.type not in _DATE_TYPES:
                raise InvalidJobSpec(
                    f"partition by {partition.part} of {partition.column!r} needs a date or timestamp "
                    f"column, not {column.type.value}"
                )
        elif column.type is ColumnType.FLOAT:
            raise InvalidJobSpec(f"partition column {partition.column!r} is FLOAT: not a folder name")
        folder = partition.part or partition.column
        if folder in folders:
            raise InvalidJobSpec(f"two partitions are both named {folder!r}")
        folders.add(folder)
    if (
        len(layout.partition_by) >= 1
        and len(folders) == len(columns)
        and not any(p.part for p in layout.partition_by)
    ):
        raise InvalidJobSpec("every column is a partition: the files would hold no column")


def arrow_type(column: ColumnSpec, limit: NumericLimit | None) -> pa.DataType:
    if column.type is ColumnType.NUMERIC:
        limit = limit or FILE_NUMERIC
        return pa.decimal128(limit.precision, limit.scale)
    return FIXED_ARROW_TYPES[column.type]


class S3Destination(Destination):
    kind: ClassVar[DestinationKind] = "s3"
    strategies: ClassVar[frozenset[LoadStrategy]] = frozenset({"INSERT", "TRUNCATE_INSERT"})
    transient_errors: ClassVar[tuple[type[BaseException], ...]] = (
        botocore.exceptions.ConnectionError,
        botocore.exceptions.HTTPClientError,
    )

    @property
    def bucket(self) -> str:
        if not self.config.bucket:
            raise InvalidJobSpec("the S3 destination names no bucket")
        return self.config.bucket

    @property
    def root(self) -> str:
        return root_prefix(self.config.path)

    @property
    def state(self) -> str:
        return self.root + STATE_FOLDER

    def client(self) -> Any:
        return client_for(self.config)

    def describe(self, error: BaseException) -> str:
        where = f"s3://{self.config.bucket}/{self.root}"
        if self.config.endpoint_url:
            where += f" at {self.config.endpoint_url}"
        if isinstance(error, botocore.exceptions.ClientError):
            info = error.response.get("Error", {})
            return f"{where}: {info.get('Code', 'error')} {info.get('Message', '')}".strip()
        return f"{where}: {' '.join(str(error).split())}"

    def test_connection(self) -> ConnectionCheck:
        started = time.perf_counter()
        try:
            self.client().list_objects_v2(Bucket=self.bucket, Prefix=self.root, MaxKeys=1)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
            return ConnectionCheck(False, f"cannot list {self.describe(error)}", None, None)
        latency = round((time.perf_counter() - started) * 1000, 1)
        return ConnectionCheck(True, "connected", "S3 API", latency)

    def list_schemas(self) -> list[str]:
        return sorted(name.rstrip("/") for name in self._children(self.state + "tables/", folders=True))

    def list_tables(self, schema: str) -> list[TableRef]:
        names = self._children(self.state + f"tables/{schema}/", folders=False)
        return [TableRef(schema, n.removesuffix(".json")) for n in sorted(names) if n.endswith(".json")]

    def table_columns(self, schema: str, table: str) -> list[TableColumn]:
        entry = self.catalog(schema, table)
        if entry is None:
            return []
        return [TableColumn(c["name"], c["file_type"], True) for c in entry["columns"]]

    def sample_rows(self, schema: str, table: str, limit: int, offset: int = 0) -> TableSample:
        """Rows of the files the table's latest prefix's manifest lists, in its order."""
        entry = self.catalog(schema, table)
        client = self.client()
        manifest = read_json(client, self.bucket, entry["prefix"] + MANIFEST) if entry else None
        if entry is None or manifest is None:
            return TableSample([], [], 0)
        columns = [TableColumn(c["name"], c["file_type"], True) for c in entry["columns"]]
        rows: list[list[Any]] = []
        skip = offset
        for listed in manifest["files"]:
            if len(rows) >= limit:
                break
            if skip >= listed["rows"]:
                skip -= listed["rows"]
                continue
            body = client.get_object(Bucket=self.bucket, Key=listed["key"])["Body"].read()
            data = read_file(body, manifest)
            names = [c.name for c in columns if c.name in data.column_names]
            part = data.select(names).slice(skip, limit - len(rows))
            skip = 0
            rows += [[row.get(c.name) for c in columns] for row in part.to_pylist()]
        return TableSample(columns, rows, int(manifest["rows"]))

    def catalog(self, schema: str, table: str) -> dict[str, Any] | None:
        return read_json(self.client(), self.bucket, self.state + f"tables/{schema}/{table}.json")

    def _children(self, prefix: str, folders: bool) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2")
        found: list[str] = []
        for page in pages.paginate(Bucket=self.bucket, Prefix=prefix, Delimiter="/"):
            if folders:
                found += [p["Prefix"][len(prefix) :] for p in page.get("CommonPrefixes", [])]
            else:
                found += [o["Key"][len(prefix) :] for o in page.get("Contents", [])]
        return found

    def writer(self, load: LoadSpec, columns: list[ColumnSpec], run_id: str) -> Writer:
        return S3Writer(self, load, columns, run_id)


def read_json(client: Any, bucket: str, key: str) -> dict[str, Any] | None:
    try:
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    except botocore.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise
    document: dict[str, Any] = json.loads(body)
    return document


def read_file(body: bytes, manifest: dict[str, Any]) -> pa.Table:
    """One published file as an Arrow table, typed as the manifest's columns say."""
    schema = pa.schema(
        [(c["name"], _type_from_manifest(c)) for c in manifest["columns"] if not c.get("partition")]
    )
    data = io.BytesIO(body)
    if manifest["format"] == "parquet":
        return pq.read_table(data)
    compression = manifest.get("compression")
    stream: Any = data
    if compression in _STREAM_COMPRESSION:
        stream = pa.CompressedInputStream(pa.py_buffer(body), _STREAM_COMPRESSION[compression][1])
    if manifest["format"] == "csv":
        return pacsv.read_csv(
            stream,
            read_options=pacsv.ReadOptions(column_names=schema.names, skip_rows=int(manifest["csv_header"])),
            parse_options=pacsv.ParseOptions(delimiter=manifest["csv_delimiter"], newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=schema, strings_can_be_null=True, quoted_strings_can_be_null=False
            ),
        )
    return read_jsonl(stream, schema)


def read_jsonl(stream: Any, schema: pa.Schema) -> pa.Table:
    """JSON lines typed as `schema`: dates and timestamps arrive as ISO 8601 text (Arrow's JSON
    reader parses those to strings only), the rest as their type."""
    as_read = pa.schema(
        [
            (f.name, pa.string() if pa.types.is_date(f.type) or pa.types.is_timestamp(f.type) else f.type)
            for f in schema
        ]
    )
    table = pajson.read_json(stream, parse_options=pajson.ParseOptions(explicit_schema=as_read))
    return table.select(schema.names).cast(schema)


def _type_from_manifest(column: dict[str, Any]) -> pa.DataType:
    spec = ColumnSpec(column["name"], column["name"], ColumnType(column["type"]))
    limit = NumericLimit(column["precision"], column["scale"]) if column.get("precision") else None
    return arrow_type(spec, limit)


class _MultipartUpload(io.RawIOBase):
    """A write-only file whose bytes go to one S3 object as a multipart upload of PART_BYTES parts
    (the last one smaller). With a `pool` the parts go up in its threads while the writer goes on
    (at most UPLOADS_IN_FLIGHT parts held per file), else at once. `send_rest` uploads what is
    buffered, `complete` makes the object visible, `finish` does both; `discard` aborts it."""

    def __init__(self, client: Any, bucket: str, key: str, pool: ThreadPoolExecutor | None = None) -> None:
        super().__init__()
        self.client, self.bucket, self.key, self.pool = client, bucket, key, pool
        self.buffer = bytearray()
        self.upload_id: str | None = None
        self.parts: list[dict[str, Any]] = []
        self.sending: deque[Future[dict[str, Any]]] = deque()
        self.position = 0

    def writable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self.buffer += view
        self.position += len(view)
        while len(self.buffer) >= PART_BYTES:
            self._upload_part(bytes(self.buffer[:PART_BYTES]))
            del self.buffer[:PART_BYTES]
        return len(view)

    def _upload_part(self, body: bytes) -> None:
        if self.upload_id is None:
            self.upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=self.key)["UploadId"]
        number = len(self.parts) + len(self.sending) + 1
        if self.pool is None:
            self.parts.append(self._send(self.upload_id, number, body))
            return
        while len(self.sending) >= UPLOADS_IN_FLIGHT:
            self.parts.append(self.sending.popleft().result())
        self.sending.append(self.pool.submit(self._send, self.upload_id, number, body))

    def _send(self, upload_id: str, number: int, body: bytes) -> dict[str, Any]:
        answer = self.client.upload_part(
            Bucket=self.bucket, Key=self.key, UploadId=upload_id, PartNumber=number, Body=body
        )
        return {"PartNumber": number, "ETag": answer["ETag"]}

    def _sent(self) -> None:
        while self.sending:
            self.parts.append(self.sending.popleft().result())

    def send_rest(self) -> int:
        """Upload the buffered bytes as the last part and wait for every part; returns the size.
        The object stays invisible until `complete`."""
        if self.buffer or self.upload_id is None:
            self._upload_part(bytes(self.buffer))
            self.buffer.clear()
        self._sent()
        return self.position

    def complete(self) -> None:
        self.client.complete_multipart_upload(
            Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, MultipartUpload={"Parts": self.parts}
        )
        self.upload_id = None

    def finish(self) -> int:
        """Complete the object; returns its size."""
        size = self.send_rest()
        self.complete()
        return size

    def discard(self) -> None:
        self.buffer.clear()
        for sending in self.sending:  # let them end: an abort while a part goes up may leave it
            sending.exception()
        self.sending.clear()
        if self.upload_id is not None:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id)
            self.upload_id = None


@dataclass
class _File:
    """One part file being written: its folder (the partition), name, rows, the upload."""

    folder: str
    name: str
    upload: _MultipartUpload
    sink: Any  # what the format writer writes to (the upload, or a compressing stream over it)
    writer: Any  # pq.ParquetWriter / pacsv.CSVWriter / None (JSON lines)
    rows: int = 0
    buffered: list[pa.RecordBatch] = field(default_factory=list)  # Parquet: the next row group
    buffered_bytes: int = 0
    used: int = 0  # write counter value when last written (least recently used closes first)


@dataclass
class _Written:
    """A part file whose bytes are all sent; `upload` is completed at commit."""

    folder: str
    name: str
    rows: int
    bytes: int
    upload: _MultipartUpload


class S3Writer(Writer):
    numeric_limit = FILE_NUMERIC

    def __init__(self, destination: S3Destination, load: LoadSpec, columns: list[ColumnSpec], run_id: str):
        super().__init__(destination, load, columns, run_id)
        self.s3 = destination
        self.layout = destination.config.files
        check_layout(self.layout, columns)
        self.bucket = destination.bucket
        self.prefix = destination.root + render_prefix(self.layout, load.schema, load.table)
        self.run_key = run_key(run_id)
        self.ledger_key = destination.state + f"loads/{self.run_key}.json"
        # The newest committed state of the load's stream (`load.stream`), rewritten by each commit.
        self.stream_key = (
            None if load.stream is None else destination.state + f"streams/{quote(load.stream, safe='')}.json"
        )
        self.catalog_key = destination.state + (
            f"tables/{safe_segment(load.schema, 'schema')}/{safe_segment(load.table, 'table')}.json"
        )
        self.extension = file_extension(self.layout)
        self.compression = self.layout.compression or (
            "snappy" if self.layout.format == "parquet" else "none"
        )
        self.value_partitions = [p.column for p in self.layout.partition_by if p.part is None]
        self._client: Any = None
        self._pool: ThreadPoolExecutor | None = None
        self._open: dict[str, _File] = {}
        self._sequence: dict[str, int] = {}
        self._written: list[_Written] = []
        self._published: list[str] = []
        self._outputs: list[str] = []
        self._writes = 0
        self._limits: list[NumericLimit | None] | None = None
        self._previous: dict[str, Any] | None = None

    # -- connection -------------------------------------------------------------------------
    def open(self) -> None:
        self._client = self.s3.client()
        self._pool = ThreadPoolExecutor(UPLOAD_THREADS, thread_name_prefix="etl-s3-upload")

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    @property
    def client(self) -> Any:
        return self._client

    # -- before the data ----------------------------------------------------------------------
    def committed(self) -> LedgerEntry | None:
        entry = self._read_json(self.ledger_key)
        if entry is None:
            return None
        return LedgerEntry(
            self.run_id,
            entry["rows_read"],
            entry["rows_loaded"],
            entry["rows_rejected"],
            entry["rows_filtered"],
            state=entry.get("state"),
            outputs=list(entry["files"]),
        )

    def last_state(self) -> dict[str, Any] | None:
        if self.stream_key is None:
            return None
        entry = self._read_json(self.stream_key)
        return None if entry is None else entry["state"]

    def prepare(self) -> None:
        self._abort_uploads()  # a killed attempt's unfinished files
        self._previous = self._read_json(self.prefix + MANIFEST)
        self.target_exists = self._previous is not None
        if not self.target_exists and not self.load.create_table:
            raise SchemaMismatch(f"no files were published at s3://{self.bucket}/{self.prefix} yet")
        if self._previous is not None and self.load.strategy == "INSERT":
            self._check_previous(self._previous)

    def _check_previous(self, previous: dict[str, Any]) -> None:
        """Files appended to a prefix share its format and columns (names, order and types)."""
        where = f"s3://{self.bucket}/{self.prefix}"
        if previous["format"] != self.layout.format:
            raise SchemaMismatch(
                f"{where} holds {previous['format']} files; this load writes {self.layout.format}"
            )
        had = [(c["name"], c["type"]) for c in previous["columns"]]
        has = [(c.target, c.type.value) for c in self.columns]
        if had != has:
            shown = ", ".join(f"{n} {t}" for n, t in had)
            raise SchemaMismatch(
                f"the mapping does not fit the files at {where} (they have {shown}); "
                "append with the same columns or replace them with TRUNCATE_INSERT"
            )
        if [p["column"] for p in previous["partition_by"]] != [p.column for p in self.layout.partition_by]:
            raise SchemaMismatch(f"{where} is partitioned differently than this load")

    def column_limits(self) -> list[NumericLimit | None]:
        """An existing prefix's NUMERIC columns keep the precision and scale its files have."""
        if self._limits is not None:
            return self._limits
        if self._previous is not None and self.load.strategy == "INSERT":
            return [
                NumericLimit(c["precision"], c["scale"]) if c.get("precision") else None
                for c in self._previous["columns"]
            ]
        return super().column_limits()

    # -- the data -----------------------------------------------------------------------------
    def write(self, batch: pa.RecordBatch) -> None:
        if self._limits is None:
            self._limits = self.column_limits()
        table = pa.Table.from_batches([batch]).cast(self.schema())
        for folder, rows in self._split(table):
            self._append(folder, rows)
        self.rows_staged += batch.num_rows

    def schema(self) -> pa.Schema:
        limits = self._limits or self.column_limits()
        return pa.schema(
            [(c.target, arrow_type(c, limit)) for c, limit in zip(self.columns, limits, strict=True)]
        )

    def file_schema(self) -> pa.Schema:
        schema = self.schema()
        for name in self.value_partitions:
            schema = schema.remove(schema.get_field_index(name))
        return schema

    def _split(self, table: pa.Table) -> Iterator[tuple[str, pa.Table]]:
        """The rows of each partition folder ('' without partitions), folder by folder."""
        if not self.layout.partition_by:
            yield "", table
            return
        labels = [self._labels(p, table.column(p.column)) for p in self.layout.partition_by]
        folders = pa.array(["/".join(parts) + "/" for parts in zip(*labels, strict=True)], pa.string())
        keyed = table.append_column("__folder", folders)
        for folder in pc.unique(folders).to_pylist():
            rows = keyed.filter(pc.equal(keyed.column("__folder"), folder)).drop_columns(["__folder"])
            yield folder, rows.drop_columns(self.value_partitions)

    @staticmethod
    def _labels(partition: Partition, values: pa.ChunkedArray) -> list[str]:
        """`name=value` per row: Hive's layout, values URI-encoded, NULL as Hive's default partition."""
        name: str = partition.part or partition.column
        if partition.part is not None:
            texts = pc.strftime(values, _DATE_PARTS[partition.part]).to_pylist()
        else:
            texts = [_folder_value(v) for v in values.to_pylist()]
        return [
            f"{name}=" + ("__HIVE_DEFAULT_PARTITION__" if t is None else quote(t, safe="")) for t in texts
        ]

    def _append(self, folder: str, rows: pa.Table) -> None:
        file = self._open.get(folder) or self._start(folder)
        self._writes += 1
        file.used = self._writes
        file.rows += rows.num_rows
        if self.layout.format == "parquet":
            file.buffered += rows.to_batches()
            file.buffered_bytes += rows.nbytes
            if file.buffered_bytes >= self.layout.row_group_bytes:
                self._flush_row_group(file)
            elif sum(f.buffered_bytes for f in self._open.values()) > BUFFER_BUDGET_BYTES:
                self._flush_row_group(max(self._open.values(), key=lambda f: f.buffered_bytes))
        elif self.layout.format == "csv":
            file.writer.write_table(rows)
        else:
            file.sink.write(jsonl(rows))
        if file.upload.position >= self.layout.max_file_bytes:
            self._finish(file)

    def _start(self, folder: str) -> _File:
        if len(self._open) >= MAX_OPEN_FILES:
            self._finish(min(self._open.values(), key=lambda f: f.used))
        sequence = self._sequence.get(folder, 0)
        self._sequence[folder] = sequence + 1
        name = f"part-{self.run_key}-{sequence:05d}{self.extension}"
        upload = _MultipartUpload(self.client, self.bucket, self.prefix + folder + name, self._pool)
        sink: Any = upload
        writer: Any = None
        if self.layout.format == "parquet":
            writer = pq.ParquetWriter(
                upload,
                self.file_schema(),
                compression=self.compression,
                write_statistics=True,
            )
        else:
            if self.compression in _STREAM_COMPRESSION:
                sink = pa.CompressedOutputStream(upload, _STREAM_COMPRESSION[self.compression][1])
            if self.layout.format == "csv":
                writer = pacsv.CSVWriter(
                    sink,
                    self.file_schema(),
                    write_options=pacsv.WriteOptions(
                        include_header=self.layout.csv_header,
                        delimiter=self.layout.csv_delimiter,
                        quoting_style="needed",
                    ),
                )
        file = _File(folder, name, upload, sink, writer)
        self._open[folder] = file
        return file

    def _flush_row_group(self, file: _File) -> None:
        if file.buffered:
            group = pa.Table.from_batches(file.buffered)
            file.writer.write_table(group, row_group_size=group.num_rows)
            file.buffered, file.buffered_bytes = [], 0

    def _finish(self, file: _File) -> None:
        del self._open[file.folder]
        if self.layout.format == "parquet":
            self._flush_row_group(file)
        if file.writer is not None:
            file.writer.close()
        if file.sink is not file.upload:
            file.sink.close()
        size = file.upload.send_rest()
        self._written.append(_Written(file.folder, file.name, file.rows, size, file.upload))

    def widen(self, index: int, column: ColumnSpec) -> None:
        """Files written so far are read back and rewritten with the wider column."""
        if column.target in self.value_partitions:
            raise SchemaMismatch(
                f"partition column {column.target!r} got a value that is not "
                f"{self.columns[index].type.value}; a partition column keeps its type"
            )
        for file in list(self._open.values()):
            self._finish(file)
        old = self._manifest_columns()
        self.columns[index] = column
        self._limits = super().column_limits()
        wider = self.file_schema()
        manifest = {**self._manifest_header(), "columns": old}
        for written in self._written:
            # Read back through the object: visible without a manifest (listed in `_published`,
            # so abort deletes it), until the rewrite's completion at commit replaces it.
            written.upload.complete()
            key = self.prefix + written.folder + written.name
            self._published.append(key)
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            data = read_file(body, manifest).cast(wider)
            written.upload = _MultipartUpload(self.client, self.bucket, key)
            self._write_whole(written.upload, data)
            written.bytes = written.upload.send_rest()

    def _write_whole(self, upload: _MultipartUpload, data: pa.Table) -> None:
        if self.layout.format == "parquet":
            with pq.ParquetWriter(upload, data.schema, compression=self.compression) as writer:
                writer.write_table(data, row_group_size=max(data.num_rows, 1))
            return
        sink: Any = upload
        if self.compression in _STREAM_COMPRESSION:
            sink = pa.CompressedOutputStream(upload, _STREAM_COMPRESSION[self.compression][1])
        if self.layout.format == "csv":
            options = pacsv.WriteOptions(
                include_header=self.layout.csv_header,
                delimiter=self.layout.csv_delimiter,
                quoting_style="needed",
            )
            pacsv.write_csv(data, sink, write_options=options)
        else:
            sink.write(jsonl(data))
        if sink is not upload:
            sink.close()

    # -- publishing ---------------------------------------------------------------------------
    def commit(
        self, rows_read: int, rows_rejected: int, rows_filtered: int, state: dict[str, Any] | None = None
    ) -> int:
        for file in list(self._open.values()):
            self._finish(file)
        expected = rows_read - rows_rejected - rows_filtered
        loaded = sum(w.rows for w in self._written)
        if loaded != expected:
            raise ReconciliationFailed(
                f"the files hold {loaded} rows, expected {expected} "
                f"(read {rows_read} - rejected {rows_rejected} - filtered {rows_filtered})"
            )
        mine = {self.prefix + w.folder + w.name for w in self._written}
        # A killed attempt of this run may have published files this one does not write again.
        self._delete_keys(
            [k for k in self._keys(self.prefix) if _own_file(k, self.run_key) and k not in mine]
        )
        # Listed before completing, so that abort deletes whichever completed.
        self._published += sorted(mine)
        assert self._pool is not None
        for _ in self._pool.map(lambda written: written.upload.complete(), self._written):
            pass  # one request each, S3 joins the parts: concurrent for runs of many files
        manifest = self._publish_manifest()
        self._published = []  # listed by the manifest: they stay, whatever happens next
        if self.load.strategy == "TRUNCATE_INSERT":
            listed = {f["key"] for f in manifest["files"]}
            self._delete_keys(
                [
                    k
                    for k in self._keys(self.prefix)
                    if _PART_FILE.match(k.rsplit("/", 1)[-1]) and k not in listed
                ]
            )
        self._put_json(self.catalog_key, self._catalog_entry(manifest))
        # Before the ledger: a run the ledger calls committed has its state stored. A crash
        # between the manifest and here leaves no ledger entry: the retry publishes the same
        # keys again and stores the state then.
        if self.stream_key is not None:
            self._put_json(self.stream_key, {"run_id": self.run_id, "state": state})
        self._put_json(
            self.ledger_key,
            {
                "run_id": self.run_id,
                "prefix": self.prefix,
                "strategy": self.load.strategy,
                "rows_read": rows_read,
                "rows_loaded": loaded,
                "rows_rejected": rows_rejected,
                "rows_filtered": rows_filtered,
                "files": sorted(mine),
                "stream": self.load.stream,
                "state": state,
            },
        )
        self._outputs = sorted(mine)
        return loaded

    def outputs(self) -> list[str]:
        return self._outputs

    def _publish_manifest(self) -> dict[str, Any]:
        """Write `_SUCCESS` listing the prefix's files: for INSERT the previous manifest's (this run's
        own entries replaced) and this run's, for TRUNCATE_INSERT this run's only. Conditional on
        the manifest read, so a concurrent run's append is never lost: on a conflict, read again."""
        key = self.prefix + MANIFEST
        files = [
            {"key": self.prefix + w.folder + w.name, "rows": w.rows, "bytes": w.bytes, "run_id": self.run_id}
            for w in self._written
        ]
        for _ in range(10):
            previous, etag = self._read_json_with_etag(key)
            listed: list[dict[str, Any]] = list(files)
            if previous is not None and self.load.strategy == "INSERT":
                listed = [f for f in previous["files"] if f.get("run_id") != self.run_id] + files
            manifest = {
                **self._manifest_header(),
                "columns": self._manifest_columns(),
                "files": listed,
                "rows": sum(int(f["rows"]) for f in listed),
            }
            condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
            try:
                self.client.put_object(
                    Bucket=self.bucket,
                    Key=key,
                    Body=json.dumps(manifest, indent=1).encode(),
                    ContentType="application/json",
                    **condition,
                )
            except botocore.exceptions.ClientError as error:
                if error.response.get("Error", {}).get("Code") in (
                    "PreconditionFailed",
                    "ConditionalRequestConflict",
                ):
                    continue
                raise
            return manifest
        raise LoadFailed(f"the manifest s3://{self.bucket}/{key} kept changing under this run")

    def _manifest_header(self) -> dict[str, Any]:
        return {
            "version": 1,
            "format": self.layout.format,
            "compression": self.compression,
            "csv_header": self.layout.csv_header,
            "csv_delimiter": self.layout.csv_delimiter,
            "bucket": self.bucket,
            "prefix": self.prefix,
            "partition_by": [{"column": p.column, "part": p.part} for p in self.layout.partition_by],
        }

    def _manifest_columns(self) -> list[dict[str, Any]]:
        limits = self._limits or self.column_limits()
        return [
            {
                "name": c.target,
                "type": c.type.value,
                "precision": limit.precision if c.type is ColumnType.NUMERIC and limit else None,
                "scale": limit.scale if c.type is ColumnType.NUMERIC and limit else None,
                "file_type": column_sql_type("s3", c.type, limit if c.type is ColumnType.NUMERIC else None),
                "partition": c.target in self.value_partitions,
            }
            for c, limit in zip(self.columns, limits, strict=True)
        ]

    def _catalog_entry(self, manifest: dict[str, Any]) -> dict[str, Any]:
        return {
            "schema": self.load.schema,
            "table": self.load.table,
            "prefix": self.prefix,
            "format": self.layout.format,
            "columns": manifest["columns"],
        }

    # -- failure ------------------------------------------------------------------------------
    def abort(self) -> None:
        """Abort unfinished uploads and delete what this attempt published without a manifest.
        Quiet: the next attempt's prepare() cleans whatever is left."""
        if self._client is None:
            return
        try:
            for file in self._open.values():
                file.upload.discard()
            self._open.clear()
            for written in self._written:
                written.upload.discard()
            self._delete_keys(self._published)
        except Exception:  # the store may be unreachable: the retry starts by cleaning up
            pass

    # -- S3 plumbing --------------------------------------------------------------------------
    def _keys(self, prefix: str) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2")
        return [
            o["Key"]
            for page in pages.paginate(Bucket=self.bucket, Prefix=prefix)
            for o in page.get("Contents", [])
        ]

    def _delete_keys(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            chunk = keys[start : start + 1000]
            self.client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True}
            )

    def _abort_uploads(self) -> None:
        """Abort this run's unfinished uploads under the prefix (another run's stay)."""
        pages = self.client.get_paginator("list_multipart_uploads")
        for page in pages.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for upload in page.get("Uploads", []):
                if _own_file(upload["Key"], self.run_key):
                    self.client.abort_multipart_upload(
                        Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                    )

    def _read_json(self, key: str) -> dict[str, Any] | None:
        return read_json(self.client, self.bucket, key)

    def _read_json_with_etag(self, key: str) -> tuple[dict[str, Any] | None, str | None]:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=key)
        except botocore.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None, None
            raise
        document: dict[str, Any] = json.loads(answer["Body"].read())
        return document, str(answer["ETag"])

    def _put_json(self, key: str, document: dict[str, Any]) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=json.dumps(document, indent=1).encode(),
            ContentType="application/json",
        )


def _folder_value(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _own_file(key: str, run: str) -> bool:
    name = key.rsplit("/", 1)[-1]
    return name.startswith(f"part-{run}-") and bool(_PART_FILE.match(name))


def jsonl(table: pa.Table) -> bytes:
    """JSON lines: numbers as JSON numbers (decimals exact, as written), text as JSON strings,
    dates and timestamps ISO 8601 strings (`Z` for zoned ones, which are UTC), NULL as null."""
    names = [json.dumps(name, ensure_ascii=False) for name in table.column_names]
    columns = [_json_values(table.column(i)) for i in range(table.num_columns)]
    lines = [
        "{" + ",".join(f"{name}:{value}" for name, value in zip(names, row, strict=True)) + "}\n"
        for row in zip(*columns, strict=True)
    ]
    return "".join(lines).encode()


def _json_values(values: pa.ChunkedArray) -> list[str]:
    kind = values.type
    if pa.types.is_string(kind):
        return ["null" if v is None else json.dumps(v, ensure_ascii=False) for v in values.to_pylist()]
    if pa.types.is_boolean(kind):
        return ["null" if v is None else ("true" if v else "false") for v in values.to_pylist()]
    if pa.types.is_floating(kind):
        return [
            "null" if v is None or v != v or v in (float("inf"), float("-inf")) else repr(v)
            for v in values.to_pylist()
        ]
    if pa.types.is_timestamp(kind):
        pattern = "%Y-%m-%dT%H:%M:%SZ" if kind.tz else "%Y-%m-%dT%H:%M:%S"
        texts = pc.strftime(values, pattern).to_pylist()
        return ["null" if t is None else f'"{t}"' for t in texts]
    texts = pc.cast(values, pa.string()).to_pylist()
    if pa.types.is_date(kind):
        return ["null" if t is None else f'"{t}"' for t in texts]
    return ["null" if t is None else t for t in texts]  # integers, decimals
