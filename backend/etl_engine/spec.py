"""The job specification: everything a load needs, fully resolved (no ids, no secrets lookup)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Literal

LoadStrategy = Literal["INSERT", "UPSERT", "TRUNCATE_INSERT"]
DatabaseKind = Literal["postgres", "mysql", "sqlserver", "oracle"]
DestinationKind = Literal["postgres", "redshift", "duckdb", "s3", "snowflake"]
FileFormat = Literal["parquet", "csv", "jsonl"]
Compression = Literal["none", "gzip", "snappy", "zstd"]
DatePart = Literal["year", "month", "day", "hour"]
TransformType = Literal["upper", "lower", "trim", "replace", "prefix", "suffix", "default", "cast"]


class ColumnType(StrEnum):
    TEXT = "TEXT"
    INTEGER = "INTEGER"
    BIGINT = "BIGINT"
    NUMERIC = "NUMERIC"
    FLOAT = "FLOAT"
    BOOLEAN = "BOOLEAN"
    DATE = "DATE"
    TIMESTAMP = "TIMESTAMP"
    TIMESTAMPTZ = "TIMESTAMPTZ"


@dataclass
class CsvOptions:
    """How to read the file. `encoding` is a Python codec name (`utf-8-sig` = UTF-8 with a BOM)."""

    encoding: str = "utf-8"
    delimiter: str = ","
    quotechar: str = '"'
    has_header: bool = True
    decimal: str = "."
    compression: str | None = None
    # None: the common markers (NA, N/A, NULL, \\N, #N/A...) are NULL in typed columns only, text
    # keeps them; a list: exactly these texts (and the empty cell) are NULL in every column.
    null_markers: list[str] | None = None
    # The zone naive values of TIMESTAMPTZ columns are read in (an IANA name), unless the column says.
    timezone: str = "UTC"


@dataclass
class SourceColumn:
    """A column of the file: `name` as written in the header, `sql_name` a safe unique identifier."""

    name: str
    sql_name: str
    type: ColumnType
    precision: int | None = None
    scale: int | None = None
    # DATE/TIMESTAMP(TZ) written other than ISO 8601: e.g. "%d.%m.%Y", "%m/%d/%Y %I:%M %p" (the
    # directives %d %m %Y %H %I %M %S %p, see conversion.DATE_DIRECTIVES); None = ISO 8601.
    format: str | None = None
    timezone: str | None = None  # TIMESTAMPTZ: the zone of naive values; None = CsvOptions.timezone
    null_markers: list[str] = field(default_factory=list)  # markers read as NULL here (profile's finding)


@dataclass
class FileProfile:
    """`encoding_confidence` is 1.0 when the bytes decide (BOM, UTF-8); below
    `encoding_low_confidence`'s threshold the encoding is a guess and `encoding_alternatives`
    (other encodings that read the file as different text, most plausible first) are worth offering."""

    options: CsvOptions
    columns: list[SourceColumn]
    row_estimate: int
    size_bytes: int
    encoding_confidence: float = 1.0
    encoding_alternatives: list[str] = field(default_factory=list)
    encoding_low_confidence: bool = False
    excel_separator_line: bool = False  # the file starts with Excel's `sep=` line (skipped)


@dataclass
class Transform:
    """One step applied to a column, in order. Arguments by type:

    upper, lower, trim: none; replace: {"old", "new"}; prefix, suffix: {"value"};
    default (for NULL): {"value"}; cast: {"type": a ColumnType name}.
    """

    type: TransformType
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class ColumnSpec:
    """A destination column: from a source column (`source` = its sql_name) or an `expression`."""

    source: str | None
    target: str
    type: ColumnType
    transforms: list[Transform] = field(default_factory=list)
    expression: str | None = None
    # NUMERIC only: the declared DECIMAL(precision, scale); None = filled in from the source column
    # when it maps one directly, else the destination's widest.
    precision: int | None = None
    scale: int | None = None


@dataclass
class Partition:
    """A Hive-style folder level of an object-store load: `column=value`, or with `part` the
    column's date part (`year=2024/month=03/...`; a TIMESTAMPTZ's in UTC)."""

    column: str
    part: DatePart | None = None


@dataclass
class FileLayout:
    """How an object-store destination writes a load's files.

    `prefix` is a template of the folder the files go to, with `{{schema}}`, `{{table}}`, `{{job}}`
    and `{{run_date}}` (YYYY-MM-DD; the run's logical date, never "now", so that a retry writes
    where its first attempt did). `compression` None: the format's usual one (Parquet snappy,
    CSV and JSON lines none)."""

    format: FileFormat = "parquet"
    compression: Compression | None = None
    prefix: str = "{{schema}}/{{table}}/"
    partition_by: list[Partition] = field(default_factory=list)
    job: str | None = None
    run_date: date | None = None
    max_file_bytes: int = 256 * 1024 * 1024  # a part file is closed once it reaches this size
    row_group_bytes: int = 64 * 1024 * 1024  # Parquet: rows buffered per row group (in memory)
    csv_delimiter: str = ","
    csv_header: bool = True


@dataclass
class DestinationConfig:
    """Connection settings. `path` is the DuckDB file, or the key prefix an S3 destination writes
    everything under; `options` e.g. {"sslmode": "require"}.

    S3: `bucket`, `region`, `endpoint_url` and `path_style` (S3-compatible stores), `user` and
    `password` the access key id and secret, `session_token` for temporary credentials; `files`
    the layout of the job's files. Snowflake: `account`, `user`, `database`, `warehouse`, `role`,
    and either `password` or `private_key` (PEM, encrypted with `private_key_passphrase` or not);
    `host`/`port` only to reach somewhere else than <account>.snowflakecomputing.com."""

    kind: DestinationKind
    host: str | None = None
    port: int | None = None
    database: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    path: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    bucket: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    path_style: bool = False
    session_token: str | None = field(default=None, repr=False)
    files: FileLayout = field(default_factory=FileLayout)
    account: str | None = None
    warehouse: str | None = None
    role: str | None = None
    private_key: str | None = field(default=None, repr=False)
    private_key_passphrase: str | None = field(default=None, repr=False)


@dataclass
class LoadSpec:
    """Where and how to load. `create_table`: create the target when it does not exist yet."""

    schema: str
    table: str
    create_table: bool = True
    strategy: LoadStrategy = "INSERT"
    upsert_keys: list[str] = field(default_factory=list)
    batch_size: int = 100_000
    reject_threshold_count: int | None = None
    reject_threshold_percent: float | None = None
    # A new table's column whose late values break its type grows wider (INTEGER -> BIGINT ->
    # NUMERIC -> TEXT, DATE -> TIMESTAMP -> TEXT) instead of rejecting them; False: reject.
    widen_types: bool = True
    # None: as fast as it goes; else the load waits between batches to stay at or under this rate.
    max_rows_per_second: int | None = None
    # The ledger key of a stream's state across runs (e.g. "job12/table3": an incremental cursor,
    # the files already loaded); None: no state is kept.
    stream: str | None = None
    # An existing target missing mapped columns gets them (ALTER TABLE ADD COLUMN, in the final
    # transaction) instead of failing; columns are never dropped nor retyped.
    evolve: bool = False


@dataclass
class SourceConfig:
    """How to reach a source database (`mysql` covers MariaDB). `options` per kind, e.g.
    {"sslmode": "require"} (PostgreSQL), {"ssl_ca": path} (MySQL), {"service_name": ...} (Oracle).
    PostgreSQL sources take a `DestinationConfig` of kind postgres too."""

    kind: DatabaseKind
    host: str | None = None
    port: int | None = None
    database: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class FileSource:
    """An uploaded CSV file."""

    path: str
    csv: CsvOptions = field(default_factory=CsvOptions)


@dataclass
class ArrivingFiles:
    """Files that arrive in a drop directory. `pattern` is a rendered glob relative to `directory`
    (e.g. "exports/sales_2026-11-30*.csv"); nothing outside `directory` is ever read. `mode` "new":
    every matching file not loaded yet, "latest": only the newest; `on_empty`: what a run that
    finds nothing new ends as (NOTHING_TO_LOAD, or failed)."""

    directory: str
    pattern: str
    csv: CsvOptions = field(default_factory=CsvOptions)
    mode: Literal["new", "latest"] = "new"
    on_empty: Literal["complete", "fail"] = "complete"
    # sql_names a file may lack (read as NULL there): the columns schema drift adds under "evolve",
    # which the older files of the same run do not have. Any other expected column is required.
    optional_columns: list[str] = field(default_factory=list)


@dataclass
class Incremental:
    """Read only rows whose `column` (a timestamp or integer) is at or past the last committed
    cursor minus `lookback` (seconds for timestamps, units for integers)."""

    column: str
    lookback: float = 0


@dataclass
class TableSource:
    """A database table. `schema` None: the connection's (MySQL: the database). `ranges` > 1: read
    that many key ranges in parallel (an integer single-column primary key). `zero_dates` (MySQL):
    a 0000-00-00 date rejects its row, or reads as NULL."""

    connection: SourceConfig
    schema: str | None
    table: str
    incremental: Incremental | None = None
    ranges: int = 1
    zero_dates: Literal["reject", "null"] = "reject"


@dataclass
class QuerySource:
    """One read-only SELECT. `sql` is always formatted with `params` (possibly none) in the
    driver's style, as templating.render_query writes it: `%(name)s` placeholders and a literal %
    written %% (PostgreSQL, MySQL, SQL Server), `:name` for Oracle."""

    connection: SourceConfig
    sql: str
    params: dict[str, Any] = field(default_factory=dict)
    zero_dates: Literal["reject", "null"] = "reject"


SourceSpec = FileSource | ArrivingFiles | TableSource | QuerySource


@dataclass
class RowTransform:
    """A step over whole rows after the columns are mapped (etl_engine/transforms/rows.py)."""

    type: Literal["filter", "dedupe", "concat", "split", "date_part", "conditional"]
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class JobSpec:
    """`source_columns`: a file's columns as profiled; [] for databases = as the source finds them."""

    run_id: str
    source: SourceSpec
    columns: list[ColumnSpec]
    destination: DestinationConfig
    load: LoadSpec
    source_columns: list[SourceColumn] = field(default_factory=list)
    row_transforms: list[RowTransform] = field(default_factory=list)


def csv_options(source: SourceSpec) -> CsvOptions:
    """How a file source's text is parsed; a database's values are typed, so only a rejected row's
    CSV line uses these (the defaults)."""
    return source.csv if isinstance(source, FileSource | ArrivingFiles) else CsvOptions()
