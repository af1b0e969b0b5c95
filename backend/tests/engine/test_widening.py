"""A new table's column grows wider when a late value breaks its inferred type (and says so in the
run log); an existing table rejects the row. NUMERIC columns get the file's precision and scale."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

import etl_engine as e
from etl_engine import ColumnType as T

from .conftest import RecordingReporter, query, schema_of

SpecMaker = Callable[..., e.JobSpec]


def order_lines(late: str, rows: int = 40_000) -> str:
    """A warehouse export: whole quantities for a long time (past the 1 MiB the profile reads),
    then one line weighed in kilograms."""
    lines = ["line_id;article;quantity;shipped"]
    lines += [f"{i};Artikel {i % 97};{i % 40 + 1};2024-01-{i % 28 + 1:02d}" for i in range(1, rows + 1)]
    lines.append(f"{rows + 1};Äpfel lose;{late};2024-02-01")
    return "\n".join(lines) + "\n"


def column_type(config: e.DestinationConfig, column: str) -> str:
    rows = query(
        config,
        "SELECT data_type, numeric_precision, numeric_scale FROM information_schema.columns "
        f"WHERE table_schema = '{schema_of(config)}' AND table_name = 'target' AND column_name = '{column}'",
    )
    kind, precision, scale = rows[0]
    return (
        f"{kind}({precision},{scale})".lower()
        if precision and kind.lower() in ("numeric", "decimal")
        else kind.lower()
    )


def widened(reporter: RecordingReporter) -> list[dict[str, object]]:
    return [kv for event, kv in reporter.events if event == "column_widened"]


def test_a_late_decimal_widens_an_integer_column_of_a_new_table(
    destination: e.DestinationConfig,
    write_csv: Callable[..., Path],
    make_spec: SpecMaker,
    reporter: RecordingReporter,
) -> None:
    path = write_csv(order_lines("3.5"))
    profile = e.profile_csv(path)
    assert {c.sql_name: c.type for c in profile.columns}[
        "quantity"
    ] is T.INTEGER  # the sample saw whole numbers
    result = e.run_job(make_spec(path, destination, profile=profile, batch_size=5000), reporter)
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("COMPLETED", 40_001, 0)
    assert widened(reporter) == [
        {
            "column": "quantity",
            "from_type": "INTEGER",
            "to_type": "DECIMAL(38,1)" if destination.kind == "duckdb" else "numeric(38,1)",
            "line": 40_002,
        }
    ]
    assert column_type(destination, "quantity") == (
        "decimal(38,1)" if destination.kind == "duckdb" else "numeric(38,1)"
    )
    rows = query(
        destination,
        f'SELECT quantity FROM "{schema_of(destination)}".target WHERE line_id IN (1, 40001) ORDER BY 1',
    )
    assert rows == [(Decimal("2"),), (Decimal("3.5"),)]


@pytest.mark.parametrize(
    ("late", "to_type", "stored"),
    [
        ("3000000000", "bigint", 3_000_000_000),
        ("ca. 3", "text", "ca. 3"),
    ],
)
def test_integer_widens_only_as_far_as_the_value_needs(
    pg_config: e.DestinationConfig,
    write_csv: Callable[..., Path],
    make_spec: SpecMaker,
    reporter: RecordingReporter,
    late: str,
    to_type: str,
    stored: object,
) -> None:
    path = write_csv(order_lines(late))
    e.run_job(make_spec(path, pg_config, batch_size=10_000), reporter)
    assert [event["to_type"] for event in widened(reporter)] == [to_type]
    assert column_type(pg_config, "quantity") == to_type
    rows = query(pg_config, f'SELECT quantity FROM "{schema_of(pg_config)}".target ORDER BY line_id')
    assert (rows[0][0], rows[-1][0]) == (2 if to_type == "bigint" else "2", stored)


def test_a_late_time_widens_a_date_column_to_timestamp(
    destination: e.DestinationConfig,
    write_csv: Callable[..., Path],
    make_spec: SpecMaker,
    reporter: RecordingReporter,
) -> None:
    text = order_lines("1").replace("40001;Äpfel lose;1;2024-02-01", "40001;Äpfel lose;1;2024-02-01 14:30:00")
    path = write_csv(text)
    e.run_job(make_spec(path, destination, batch_size=10_000), reporter)
    assert [(ev["column"], ev["from_type"]) for ev in widened(reporter)] == [("shipped", "DATE")]
    rows = query(
        destination,
        f'SELECT shipped FROM "{schema_of(destination)}".target WHERE line_id IN (1, 40001) ORDER BY line_id',
    )
    assert rows == [(dt.datetime(2024, 1, 2, 0, 0),), (dt.datetime(2024, 2, 1, 14, 30),)]


def test_an_existing_table_rejects_the_row_instead(
    pg_config: e.DestinationConfig,
    write_csv: Callable[..., Path],
    make_spec: SpecMaker,
    reporter: RecordingReporter,
) -> None:
    first = write_csv(order_lines("1", rows=10), name="first.csv")
    e.run_job(make_spec(first, pg_config), RecordingReporter())
    path = write_csv(order_lines("3.5", rows=10), name="second.csv")
    profile = e.profile_csv(first)  # the job's mapping, made from the first file
    spec = make_spec(path, pg_config, profile=profile, reject_threshold_count=5)
    result = e.run_job(spec, reporter)
    assert (result.rows_loaded, result.rows_rejected) == (10, 1)
    assert widened(reporter) == []
    assert column_type(pg_config, "quantity") == "integer"


def test_numeric_columns_get_the_files_precision_and_scale(
    destination: e.DestinationConfig,
    write_csv: Callable[..., Path],
    make_spec: SpecMaker,
    reporter: RecordingReporter,
) -> None:
    path = write_csv("sku,price,stock,weight_kg\nA-1,12.50,3,0.125\nA-2,1299.99,12,1.5\n")
    profile = e.profile_csv(path)
    e.run_job(make_spec(path, destination, profile=profile), reporter)
    decimal = "decimal" if destination.kind == "duckdb" else "numeric"
    assert column_type(destination, "price") == f"{decimal}(38,2)"
    assert column_type(destination, "weight_kg") == f"{decimal}(38,3)"
    assert column_type(destination, "stock") == "integer"
    rows = query(destination, f'SELECT price, stock FROM "{schema_of(destination)}".target ORDER BY sku')
    assert [str(r[0]) for r in rows] == ["12.50", "1299.99"]  # not 12.5000000000
    spec = make_spec(path, destination, profile=profile)
    ddl = e.render_ddl(spec.load, spec.columns, destination.kind, profile.columns)
    assert f'"price" {decimal.upper() if destination.kind == "duckdb" else decimal}(38,2)' in ddl
