"""One table of tricky values that every source must carry the same way: its definition in
PostgreSQL and MariaDB, its rows as typed Python values, and the same rows as a CSV file.

`TRICKY_COLUMNS` are the SourceColumns every source reports for it; `TRICKY_ROWS` the rows once
the mapper has typed them (Decimal, date, datetime...). Types without a destination type of their
own (time, uuid, json, arrays, enums, binary) arrive as text, the same text from every source:
arrays as JSON, binary as PostgreSQL's hex form `\\x00ff`. MariaDB also holds `ZERO_DATE_ROW`, a
row with the date `0000-00-00`, which no other source can hold.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa

import etl_engine as e
from etl_engine.conversion import coerce, parse_source
from etl_engine.sources.base import SourceConfig

from .conftest import dsn, mysql_admin, schema_of

T = e.ColumnType
UTC = dt.UTC

# name, PostgreSQL type, MariaDB type, SourceColumn (type, precision, scale)
DEFINITION: list[tuple[str, str, str, tuple[e.ColumnType, int | None, int | None]]] = [
    ("id", "bigint PRIMARY KEY", "BIGINT PRIMARY KEY", (T.BIGINT, None, None)),
    ("exact", "numeric(38, 18)", "DECIMAL(38, 18)", (T.NUMERIC, 38, 18)),
    ("big_unsigned", "numeric(20, 0)", "BIGINT UNSIGNED", (T.NUMERIC, 20, 0)),
    ("small", "integer", "INT", (T.INTEGER, None, None)),
    ("ratio", "double precision", "DOUBLE", (T.FLOAT, None, None)),
    ("flag", "boolean", "TINYINT(1)", (T.BOOLEAN, None, None)),
    ("day", "date", "DATE", (T.DATE, None, None)),
    ("at", "timestamp(6)", "DATETIME(6)", (T.TIMESTAMP, None, None)),
    ("at_tz", "timestamptz", "TIMESTAMP(6) NULL", (T.TIMESTAMPTZ, None, None)),
    ("clock", "time(0)", "TIME", (T.TEXT, None, None)),
    ("u", "uuid", "UUID", (T.TEXT, None, None)),
    ("doc", "jsonb", "JSON", (T.TEXT, None, None)),
    ("tags", "text[]", "JSON", (T.TEXT, None, None)),
    ("mood", "mood", "ENUM('ok', 'sad')", (T.TEXT, None, None)),
    ("raw", "bytea", "BLOB", (T.TEXT, None, None)),
    (
        "note",
        'text COLLATE "C"',
        "VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
        (T.TEXT, None, None),
    ),
    ("latin", "text", "VARCHAR(100) CHARACTER SET latin1 COLLATE latin1_swedish_ci", (T.TEXT, None, None)),
]
NAMES = [name for name, *_ in DEFINITION]
TRICKY_COLUMNS = [e.SourceColumn(name, name, *kind) for name, _, _, kind in DEFINITION]

TRICKY_ROWS: list[dict[str, Any]] = [
    {
        "id": 1,
        "exact": Decimal("12345678901234567890.123456789012345678"),
        "big_unsigned": Decimal("18446744073709551615"),  # 2**64 - 1: above int64
        "small": -2147483648,
        "ratio": 1.5,
        "flag": True,
        "day": dt.date(2024, 2, 29),
        "at": dt.datetime(2024, 2, 29, 23, 59, 59, 123456),
        "at_tz": dt.datetime(2024, 3, 10, 6, 30, 0, 500000, tzinfo=UTC),
        "clock": "08:30:00",
        "u": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        "doc": '{"a": [1, 2], "b": "x"}',
        "tags": '["x","y z"]',
        "mood": "sad",
        "raw": "\\x00ff10",
        "note": '😀 𝄞 non-BMP, "quoted", comma',
        "latin": "Ångström café",
    },
    {
        "id": 2,
        "exact": Decimal("-99999999999999999999.999999999999999999"),
        "big_unsigned": Decimal("9223372036854775808"),  # 2**63: one above int64
        "small": 2147483647,
        "ratio": -2.25e-10,
        "flag": False,
        "day": dt.date(1000, 1, 1),
        "at": dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
        "at_tz": dt.datetime(2038, 1, 19, 3, 14, 7, 999999, tzinfo=UTC),
        "clock": "23:59:59",
        "u": "00000000-0000-0000-0000-000000000000",
        "doc": "[]",
        "tags": "[]",
        "mood": "ok",
        "raw": "\\x",
        "note": "tab\there\nnew line",
        "latin": "naïve",
    },
    {name: (3 if name == "id" else None) for name in NAMES},
    {
        "id": 4,
        "exact": Decimal("0"),
        "big_unsigned": Decimal("0"),
        "small": 0,
        "ratio": 1e100,
        "flag": True,
        "day": dt.date(1970, 1, 1),
        "at": dt.datetime(1970, 1, 1),
        "at_tz": dt.datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC),
        "clock": "00:00:00",
        "u": "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "doc": '"plain"',
        "tags": "[null]",
        "mood": "ok",
        "raw": "\\x0a0d",
        "note": "'single' \\ backslash",
        "latin": "Ærøskøbing",
    },
]
ZERO_DATE_ID = 5  # MariaDB only: day = 0000-00-00, every other column NULL


def _tags(text: str | None) -> list[str | None] | None:
    """The JSON text of a `tags` value as the PostgreSQL array it came from."""
    if text is None:
        return None
    value: list[str | None] = json.loads(text)
    return value


def _blob(text: str | None) -> bytes | None:
    return None if text is None else bytes.fromhex(text[2:])


def create_postgres(config: e.DestinationConfig, table: str = "tricky") -> tuple[str, str]:
    """The table in the test's PostgreSQL schema, rows inserted in reverse key order."""
    schema = schema_of(config)
    columns = ", ".join(f'"{name}" {pg_type}' for name, pg_type, _, _ in DEFINITION)
    with psycopg.connect(dsn(config), autocommit=True, options=f"-c search_path={schema}") as conn:
        conn.execute("CREATE TYPE mood AS ENUM ('ok', 'sad')")
        conn.execute(f"CREATE TABLE {table} ({columns})")
        placeholders = ", ".join(["%s"] * len(NAMES))
        for row in reversed(TRICKY_ROWS):
            values = [
                _tags(row[n]) if n == "tags" else _blob(row[n]) if n == "raw" else row[n] for n in NAMES
            ]
            conn.execute(f"INSERT INTO {table} VALUES ({placeholders})", values)
        conn.execute(f"ANALYZE {table}")
    return schema, table


def create_mariadb(config: SourceConfig, table: str = "tricky", zero_date: bool = True) -> tuple[str, str]:
    """The table in the test's MariaDB database (and the zero-date row unless told not to)."""
    assert config.database is not None
    columns = ", ".join(f"`{name}` {my_type}" for name, _, my_type, _ in DEFINITION)
    with mysql_admin(config.database) as conn, conn.cursor() as cursor:
        cursor.execute("SET time_zone = '+00:00', sql_mode = ''")
        cursor.execute(f"CREATE TABLE {table} ({columns}) CHARACTER SET utf8mb4")
        placeholders = ", ".join(["%s"] * len(NAMES))
        for row in reversed(TRICKY_ROWS):
            values = [_blob(row[n]) if n == "raw" else row[n] for n in NAMES]
            cursor.execute(f"INSERT INTO {table} VALUES ({placeholders})", values)
        if zero_date:
            cursor.execute(f"INSERT INTO {table} (id, day) VALUES ({ZERO_DATE_ID}, '0000-00-00')")
        cursor.execute(f"ANALYZE TABLE {table}")
    return config.database, table


def write_csv(path: Path) -> Path:
    """The rows as a CSV file (NULL an empty cell, instants with their offset)."""

    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dt.datetime):
            return value.isoformat(sep=" ")
        return str(value)

    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(NAMES)
        for row in TRICKY_ROWS:
            writer.writerow([cell(row[name]) for name in NAMES])
    return path


def typed_rows(batches: list[pa.RecordBatch], columns: list[e.SourceColumn]) -> list[dict[str, Any]]:
    """The rows as the mapper types them (its own parse of text, conversion of Arrow values);
    a value that does not parse fails the test."""
    rows: list[dict[str, Any]] = []
    for batch in batches:
        typed = {}
        for column in columns:
            values = batch.column(column.sql_name)
            parsed = (
                parse_source(values, column, e.CsvOptions())
                if pa.types.is_string(values.type)
                else coerce(values, column.type)
            )
            assert parsed.invalid_count() == 0, f"{column.name}: {values} -> {parsed.reason}"
            typed[column.name] = parsed.array.to_pylist()
        rows += [dict(zip(typed, values, strict=True)) for values in zip(*typed.values(), strict=True)]
    return rows


def driver_rows(kind: str) -> list[tuple[Any, ...]]:
    """TRICKY_ROWS as a DB-API driver hands them over: Decimal, datetime (with its zone for a zoned
    column), date, time, UUID, bytes, bool — what pymssql / python-oracledb return."""
    out = []
    for row in TRICKY_ROWS:
        values: list[Any] = []
        for name in NAMES:
            value = row[name]
            if value is None:
                values.append(None)
            elif name == "clock":
                values.append(dt.time.fromisoformat(value))
            elif name == "u":
                values.append(uuid.UUID(value))
            elif name == "raw":
                values.append(bytes.fromhex(value[2:]))
            elif name == "at_tz" and kind == "oracle":  # TIMESTAMP WITH TIME ZONE in another zone
                values.append(value.astimezone(dt.timezone(dt.timedelta(hours=5, minutes=30))))
            elif name in ("big_unsigned", "exact"):
                values.append(Decimal(value))
            elif name in ("small", "id") and kind == "oracle":
                values.append(Decimal(value))  # NUMBER(p, 0) arrives as Decimal too
            else:
                values.append(value)
        out.append(tuple(values))
    return out
