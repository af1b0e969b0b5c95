"""Destination column types and CREATE TABLE statements."""

from __future__ import annotations

from collections.abc import Sequence

from .conversion import NumericLimit
from .identifiers import qualified_name, quote_identifier
from .spec import ColumnSpec, ColumnType, DestinationKind, LoadSpec

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
TYPE_NAMES: dict[str, dict[ColumnType, str]] = {
    "postgres": POSTGRES_TYPES,
    "redshift": REDSHIFT_TYPES,
    "duckdb": DUCKDB_TYPES,
}


def create_table_sql(
    schema: str,
    table: str,
    columns: Sequence[tuple[str, ColumnType]],
    kind: DestinationKind,
    primary_key: Sequence[str] = (),
    unlogged: bool = False,
) -> str:
    types = TYPE_NAMES[kind]
    lines = [f"    {quote_identifier(name)} {types[column_type]}" for name, column_type in columns]
    if primary_key:
        lines.append(f"    PRIMARY KEY ({', '.join(quote_identifier(k) for k in primary_key)})")
    prefix = "CREATE UNLOGGED TABLE" if unlogged else "CREATE TABLE"
    return f"{prefix} {qualified_name(schema, table)} (\n" + ",\n".join(lines) + "\n)"


def render_ddl(load: LoadSpec, columns: list[ColumnSpec], kind: DestinationKind) -> str:
    """The CREATE TABLE a new target gets; the primary key is the upsert keys for UPSERT."""
    keys = load.upsert_keys if load.strategy == "UPSERT" else []
    return create_table_sql(load.schema, load.table, [(c.target, c.type) for c in columns], kind, keys) + ";"
