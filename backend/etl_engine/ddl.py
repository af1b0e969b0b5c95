"""Destination column types and CREATE TABLE statements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .conversion import NumericLimit
from .identifiers import qualified_name, quote_identifier
from .spec import ColumnSpec, ColumnType, DestinationKind, LoadSpec, SourceColumn

POSTGRES_TYPES: dict[ColumnType, str] = {
    ColumnType.TEXT: "text",
    ColumnType.INTEGER: "integer",
    ColumnType.BIGINT: "bigint",
    ColumnType.NUMERIC: "numeric",
    ColumnType.FLOAT: "double precision",
    ColumnType.BOOLEAN: "boolean",
    ColumnType.DATE: "date",
    ColumnType.TIMESTAMP: "timestamp",
    ColumnType.TIMESTAMPTZ: "timestamptz",
}
# Redshift's bare NUMERIC is NUMERIC(18,0) and its TEXT is VARCHAR(256): both would cut data.
REDSHIFT_NUMERIC = NumericLimit(38, 10)
REDSHIFT_TYPES = POSTGRES_TYPES | {
    ColumnType.TEXT: "varchar(65535)",
    ColumnType.NUMERIC: f"numeric({REDSHIFT_NUMERIC.precision},{REDSHIFT_NUMERIC.scale})",
}
# DuckDB decimals stop at 38 digits; a bare DECIMAL would be DECIMAL(18,3) and round.
DUCKDB_NUMERIC = NumericLimit(38, 10)
DUCKDB_TYPES: dict[ColumnType, str] = {
    ColumnType.TEXT: "VARCHAR",
    ColumnType.INTEGER: "INTEGER",
    ColumnType.BIGINT: "BIGINT",
    ColumnType.NUMERIC: f"DECIMAL({DUCKDB_NUMERIC.precision},{DUCKDB_NUMERIC.scale})",
    ColumnType.FLOAT: "DOUBLE",
    ColumnType.BOOLEAN: "BOOLEAN",
    ColumnType.DATE: "DATE",
    ColumnType.TIMESTAMP: "TIMESTAMP",
    ColumnType.TIMESTAMPTZ: "TIMESTAMPTZ",
}
# Snowflake: NUMBER(p,s) throughout (a bare NUMBER is NUMBER(38,0)); zones kept by TIMESTAMP_TZ.
SNOWFLAKE_NUMERIC = NumericLimit(38, 10)
SNOWFLAKE_TYPES: dict[ColumnType, str] = {
    ColumnType.TEXT: "VARCHAR",
    ColumnType.INTEGER: "NUMBER(10,0)",
    ColumnType.BIGINT: "NUMBER(19,0)",
    ColumnType.NUMERIC: f"NUMBER({SNOWFLAKE_NUMERIC.precision},{SNOWFLAKE_NUMERIC.scale})",
    ColumnType.FLOAT: "FLOAT",
    ColumnType.BOOLEAN: "BOOLEAN",
    ColumnType.DATE: "DATE",
    ColumnType.TIMESTAMP: "TIMESTAMP_NTZ",
    ColumnType.TIMESTAMPTZ: "TIMESTAMP_TZ",
}
# Object stores hold files: the Arrow / Parquet type each column is written as.
FILE_NUMERIC = NumericLimit(38, 10)
FILE_TYPES: dict[ColumnType, str] = {
    ColumnType.TEXT: "string",
    ColumnType.INTEGER: "int32",
    ColumnType.BIGINT: "int64",
    ColumnType.NUMERIC: f"decimal128({FILE_NUMERIC.precision},{FILE_NUMERIC.scale})",
    ColumnType.FLOAT: "double",
    ColumnType.BOOLEAN: "bool",
    ColumnType.DATE: "date32",
    ColumnType.TIMESTAMP: "timestamp[us]",
    ColumnType.TIMESTAMPTZ: "timestamp[us, tz=UTC]",
}
TYPE_NAMES: dict[str, dict[ColumnType, str]] = {
    "postgres": POSTGRES_TYPES,
    "redshift": REDSHIFT_TYPES,
    "duckdb": DUCKDB_TYPES,
    "snowflake": SNOWFLAKE_TYPES,
    "s3": FILE_TYPES,
}
# A new table's NUMERIC column is DECIMAL(p, s): s the file's own scale, p at least 38 so that
# values with more integer digits than the file's sample still fit (NUMERIC(38, 2) holds 36 of
# them); precision beyond what the destination allows gives its widest default instead.
DECLARED_PRECISION = 38
MAX_PRECISION: dict[str, int] = {"postgres": 1000, "redshift": 38, "duckdb": 38, "snowflake": 38, "s3": 38}
_DECIMAL_NAMES = {
    "postgres": "numeric",
    "redshift": "numeric",
    "duckdb": "DECIMAL",
    "snowflake": "NUMBER",
    "s3": "decimal128",
}

Column = tuple[str, ColumnType] | tuple[str, ColumnType, NumericLimit | None]


def declared_numeric(kind: DestinationKind, precision: int | None, scale: int | None) -> NumericLimit | None:
    """The DECIMAL(p, s) a new NUMERIC column holding values of `precision` digits with `scale`
    decimals gets on `kind`; None: unknown, or more than `kind` allows (its default type)."""
    if precision is None or scale is None:
        return None
    declared = max(DECLARED_PRECISION, precision)
    if declared > MAX_PRECISION[kind] or scale > declared:
        return None
    return NumericLimit(declared, scale)


def column_sql_type(kind: DestinationKind, column_type: ColumnType, limit: NumericLimit | None = None) -> str:
    if column_type is ColumnType.NUMERIC and limit is not None:
        return f"{_DECIMAL_NAMES[kind]}({limit.precision},{limit.scale})"
    return TYPE_NAMES[kind][column_type]


def with_source_precision(columns: list[ColumnSpec], sources: list[SourceColumn]) -> list[ColumnSpec]:
    """`columns` with the precision and scale of the NUMERIC source column each maps as it is
    (no transform, no expression), where none was set."""
    by_name = {s.sql_name: s for s in sources}
    resolved = []
    for column in columns:
        source = by_name.get(column.source or "")
        if (
            column.type is ColumnType.NUMERIC
            and column.precision is None
            and source is not None
            and source.type is ColumnType.NUMERIC
            and not column.transforms
            and not column.expression
        ):
            column = replace(column, precision=source.precision, scale=source.scale)
        resolved.append(column)
    return resolved


def create_table_sql(
    schema: str,
    table: str,
    columns: Sequence[Column],
    kind: DestinationKind,
    primary_key: Sequence[str] = (),
    unlogged: bool = False,
) -> str:
    """`columns` are (name, type) or (name, type, DECIMAL limit of a NUMERIC column)."""
    lines = []
    for column in columns:
        limit = column[2] if len(column) > 2 else None
        lines.append(f"    {quote_identifier(column[0])} {column_sql_type(kind, column[1], limit)}")
    if primary_key:
        lines.append(f"    PRIMARY KEY ({', '.join(quote_identifier(k) for k in primary_key)})")
    prefix = "CREATE UNLOGGED TABLE" if unlogged else "CREATE TABLE"
    return f"{prefix} {qualified_name(schema, table)} (\n" + ",\n".join(lines) + "\n)"


def render_ddl(
    load: LoadSpec,
    columns: list[ColumnSpec],
    kind: DestinationKind,
    source_columns: list[SourceColumn] | None = None,
) -> str:
    """The CREATE TABLE a new target gets; the primary key is the upsert keys for UPSERT. With the
    file's `source_columns`, NUMERIC columns get the file's precision and scale, as a load does."""
    keys = load.upsert_keys if load.strategy == "UPSERT" else []
    if source_columns is not None:
        columns = with_source_precision(columns, source_columns)
    shape = [(c.target, c.type, declared_numeric(kind, c.precision, c.scale)) for c in columns]
    return create_table_sql(load.schema, load.table, shape, kind, keys) + ";"
