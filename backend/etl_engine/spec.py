"""The job specification: everything a load needs, fully resolved (no ids, no secrets lookup)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

LoadStrategy = Literal["INSERT", "UPSERT", "TRUNCATE_INSERT"]
DestinationKind = Literal["postgres", "redshift", "duckdb"]
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


@dataclass
class SourceColumn:
    """A column of the file: `name` as written in the header, `sql_name` a safe unique identifier."""

    name: str
    sql_name: str
    type: ColumnType
    precision: int | None = None
    scale: int | None = None


@dataclass
class FileProfile:
    options: CsvOptions
    columns: list[SourceColumn]
    row_estimate: int
    size_bytes: int


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


@dataclass
class DestinationConfig:
    """Connection settings. `path` is the DuckDB file; `options` e.g. {"sslmode": "require"}."""

    kind: DestinationKind
    host: str | None = None
    port: int | None = None
    database: str | None = None
    user: str | None = None
    password: str | None = None
    path: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


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


@dataclass
class JobSpec:
    run_id: str
    source_path: str
    csv: CsvOptions
    source_columns: list[SourceColumn]
    columns: list[ColumnSpec]
    destination: DestinationConfig
    load: LoadSpec
