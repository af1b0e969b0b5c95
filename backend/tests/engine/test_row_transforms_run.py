"""Row transforms through run_job into real PostgreSQL and DuckDB: counts reconcile (read = loaded +
rejected + filtered) in the result, the progress and the ledger; dedupe spans batches; rows a
transform rejects are named by their record number; a PostgreSQL table source transforms alike."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import psycopg

import etl_engine as e
from etl_engine import ColumnSpec, RowTransform
from etl_engine import ColumnType as T
from etl_engine.sources.postgres import PostgresTableSource

from . import s3_store
from .conftest import RecordingReporter, dsn, query, schema_of
from .s3_store import s3_config, s3_endpoint

__all__ = ["s3_config", "s3_endpoint"]  # fixtures

SpecMaker = Callable[..., e.JobSpec]

# Record 1 is the header; record 5's qty breaks INTEGER (rejected by the mapping).
ORDERS = (
    "id,customer,city,qty,ordered_at\n"
    "1,Zoë Ünal,Köln,3,2026-01-05T10:00:00+01:00\n"
    "2,Bo Li,Paris,0,2026-02-01T00:30:00+01:00\n"
    "3,Zoë Ünal,Köln,7,2026-03-10T12:00:00Z\n"
    "4,Ana,Lima,x,2026-03-11T12:00:00Z\n"
    "5,李 雷,北京,2,\n"
    "6,Bo Li,Paris,5,2026-04-01T08:00:00Z\n"
    "7,Ana,Lima,1,2026-05-01T08:00:00Z\n"
)
COLUMNS = [
    ColumnSpec("id", "id", T.INTEGER),
    ColumnSpec("customer", "customer", T.TEXT),
    ColumnSpec("city", "city", T.TEXT),
    ColumnSpec("qty", "qty", T.INTEGER),
    ColumnSpec("ordered_at", "ordered_at", T.TIMESTAMPTZ),
]


def test_filter_dedupe_and_new_columns_reconcile_through_run_job(
    destination: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: SpecMaker
) -> None:
    spec = make_spec(write_csv(ORDERS), destination, columns=COLUMNS, batch_size=2, reject_threshold_count=5)
    spec.row_transforms = [
        RowTransform("filter", {"expression": "qty > 0"}),  # drops id 2
        # Drops 3; 6 stays: 2, the first Bo in Paris, was filtered before the dedupe saw it.
        RowTransform("dedupe", {"keys": ["customer", "city"], "keep": "first"}),
        RowTransform("split", {"column": "customer", "separator": " ", "index": 0, "into": "given"}),
        RowTransform("date_part", {"column": "ordered_at", "part": "quarter", "into": "quarter"}),
        RowTransform(
            "conditional",
            {"when": "qty >= 3", "then": "bulk", "else": "single", "into": "size"},
        ),
    ]
    reporter = RecordingReporter()
    result = e.run_job(spec, reporter)

    assert (result.rows_read, result.rows_loaded, result.rows_rejected, result.rows_filtered) == (7, 4, 1, 2)
    assert result.rows_read == result.rows_loaded + result.rows_rejected + result.rows_filtered
    last = reporter.progress_seen[-1]
    assert (last.rows_read, last.rows_loaded, last.rows_rejected, last.rows_filtered) == (7, 4, 1, 2)
    assert [(r.line_number, r.column) for r in reporter.rejected_rows] == [(5, "qty")]
    rows = query(
        destination,
        f"SELECT id, given, quarter, size FROM {schema_of(destination)}.target ORDER BY id",
    )
    assert rows == [
        (1, "Zoë", 1, "bulk"),
        (5, "李", None, "single"),
        (6, "Bo", 2, "bulk"),
        (7, "Ana", 2, "single"),
    ]
    counted = "rows_read, rows_loaded, rows_rejected, rows_filtered"
    ledger = query(destination, f"SELECT {counted} FROM {schema_of(destination)}._etl_loads")
    assert ledger == [(7, 4, 1, 2)]


def test_keep_last_spans_batches_and_a_retry_loads_nothing_twice(
    destination: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: SpecMaker
) -> None:
    # amount's decimal type follows each batch's digits: the held batches differ in schema.
    updates = (
        "id,status,amount\n1,new,1.5\n2,new,2\n1,paid,33.25\n3,new,4\n2,void,5\n1,sent,6666.125\n3,paid,7\n"
    )
    columns = [
        ColumnSpec("id", "id", T.INTEGER),
        ColumnSpec("status", "status", T.TEXT),
        ColumnSpec("amount", "amount", T.NUMERIC),
    ]
    spec = make_spec(write_csv(updates), destination, columns=columns, batch_size=2, run_id="keep-last")
    spec.row_transforms = [RowTransform("dedupe", {"keys": ["id"], "keep": "last"})]
    result = e.run_job(spec, RecordingReporter())
    assert (result.rows_read, result.rows_loaded, result.rows_filtered) == (7, 3, 4)
    target = f"{schema_of(destination)}.target"
    assert query(destination, f"SELECT id, status, amount FROM {target} ORDER BY id") == [
        (1, "sent", Decimal("6666.125")),
        (2, "void", Decimal("5")),
        (3, "paid", Decimal("7")),
    ]
    again = e.run_job(spec, RecordingReporter())
    assert (again.rows_loaded, again.rows_filtered) == (3, 4)
    assert query(destination, f"SELECT count(*) FROM {target}") == [(3,)]


def test_keep_last_into_an_object_store_publishes_only_the_last_rows(
    s3_config: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: SpecMaker
) -> None:
    # Parts of an S3 load cannot take a row back once written: keep-last decides before writing.
    updates = "id,status\n1,new\n2,new\n1,paid\n2,void\n1,sent\n"
    columns = [ColumnSpec("id", "id", T.INTEGER), ColumnSpec("status", "status", T.TEXT)]
    spec = make_spec(write_csv(updates), s3_config, columns=columns, batch_size=2)
    spec.row_transforms = [
        RowTransform("dedupe", {"keys": ["id"], "keep": "last"}),
        RowTransform("concat", {"columns": ["status", "id"], "separator": "#", "into": "tag"}),
    ]
    result = e.run_job(spec, RecordingReporter())
    assert (result.rows_read, result.rows_loaded, result.rows_filtered) == (5, 2, 3)
    assert s3_store.query(s3_config, 'SELECT id, status, tag FROM "main"."target" ORDER BY id') == [
        (1, "sent", "sent#1"),
        (2, "void", "void#2"),
    ]


def test_a_value_a_row_transform_cannot_fit_rejects_its_record_even_after_keep_last(
    duckdb_config: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: SpecMaker
) -> None:
    text = "id,code,fallback\n1,7,1\n2,x9,2\n1,8,3\n3,y,4\n"
    columns = [ColumnSpec("id", "id", T.INTEGER), ColumnSpec("code", "code", T.TEXT)]
    spec = make_spec(write_csv(text), duckdb_config, columns=columns, batch_size=1, reject_threshold_count=2)
    spec.row_transforms = [
        RowTransform("dedupe", {"keys": ["id"], "keep": "last"}),
        RowTransform(
            "conditional",
            {
                "when": "id > 0",
                "then": {"column": "code"},
                "else": 0,
                "into": "code_number",
                "type": "INTEGER",
            },
        ),
    ]
    reporter = RecordingReporter()
    result = e.run_job(spec, reporter)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected, result.rows_filtered) == (4, 1, 2, 1)
    # Records are numbered from the header (1): id 2 is record 3, id 3 record 5.
    assert [(r.line_number, r.column, r.reason) for r in reporter.rejected_rows] == [
        (3, "code_number", "'x9' is not a valid INTEGER (whole number in range)"),
        (5, "code_number", "'y' is not a valid INTEGER (whole number in range)"),
    ]
    assert reporter.rejected_rows[0].raw == "2,x9"
    assert query(duckdb_config, "SELECT id, code, code_number FROM main.target") == [(1, "8", 8)]


def test_a_column_a_row_transform_reads_does_not_widen_but_others_do(
    duckdb_config: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: SpecMaker
) -> None:
    # Profiled from whole numbers only; the same columns then meet 'x' and 'y' in the last row.
    profile = e.profile_csv(write_csv("a,b\n1,1\n2,2\n", name="sample.csv"))
    text = "a,b\n" + "".join(f"{i},{i}\n" for i in range(1, 200)) + "x,y\n"
    spec = make_spec(write_csv(text), duckdb_config, profile=profile, batch_size=50, reject_threshold_count=1)
    spec.row_transforms = [RowTransform("filter", {"expression": "b > 0"})]
    result = e.run_job(spec, RecordingReporter())
    # a is not used by the filter: it widens to text and keeps 'x'; b's 'y' rejects the row.
    assert (result.rows_loaded, result.rows_rejected) == (199, 1)
    assert query(duckdb_config, "SELECT typeof(a), typeof(b) FROM main.target LIMIT 1") == [
        ("VARCHAR", "INTEGER")
    ]


def test_a_postgres_table_is_transformed_like_a_file(
    pg_config: e.DestinationConfig, duckdb_config: e.DestinationConfig
) -> None:
    schema = schema_of(pg_config)
    with psycopg.connect(dsn(pg_config), autocommit=True, options=f"-c search_path={schema}") as conn:
        conn.execute(
            """CREATE TABLE people (id int PRIMARY KEY, name text, email text, joined timestamptz);
            INSERT INTO people VALUES
              (1, 'Zoë', 'zoe@example.org', '2025-12-31 23:30:00+00'),
              (2, 'Bo', 'BO@example.org', NULL),
              (3, NULL, 'zoe@example.org', '2026-06-01 12:00:00+00'),
              (4, 'Ana', NULL, '2026-07-04 00:00:00+00')"""
        )
    source = PostgresTableSource(pg_config, schema, "people", batch_size=2)
    spec = e.JobSpec(
        run_id="people-run",
        source=e.FileSource("(unused: the source is given)"),
        columns=[ColumnSpec(c.sql_name, c.sql_name, c.type) for c in source.columns],
        destination=duckdb_config,
        load=e.LoadSpec("main", "people", batch_size=2),
        source_columns=source.columns,
        row_transforms=[
            RowTransform("dedupe", {"keys": ["email"], "keep": "last"}),
            RowTransform("split", {"column": "email", "separator": "@", "index": -1, "into": "domain"}),
            RowTransform(
                "date_part", {"column": "joined", "part": "year", "into": "year", "timezone": "Europe/Berlin"}
            ),
            RowTransform("concat", {"columns": ["name", "domain"], "separator": " at ", "into": "label"}),
        ],
    )
    result = e.run_job(spec, RecordingReporter(), source)
    assert (result.rows_read, result.rows_loaded, result.rows_filtered) == (4, 3, 1)
    assert query(duckdb_config, "SELECT id, domain, year, label FROM main.people ORDER BY id") == [
        (2, "example.org", None, "Bo at example.org"),
        (3, "example.org", 2026, "example.org"),
        (4, None, 2026, "Ana"),
    ]


def test_a_key_a_row_transform_writes_null_into_rejects_the_row_of_an_upsert(
    destination: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: SpecMaker
) -> None:
    text = "first,last\nAda,Lovelace\n,Hopper\nGrace,Hopper\n"
    columns = [ColumnSpec("first", "first", T.TEXT), ColumnSpec("last", "last", T.TEXT)]
    spec = make_spec(
        write_csv(text),
        destination,
        columns=columns,
        strategy="UPSERT",
        upsert_keys=["name"],
        reject_threshold_count=1,
    )
    spec.row_transforms = [
        RowTransform(
            "conditional", {"when": "first != ''", "then": {"column": "first"}, "else": None, "into": "name"}
        )
    ]
    reporter = RecordingReporter()
    result = e.run_job(spec, reporter)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 2, 1)
    assert [(r.line_number, r.column, r.reason) for r in reporter.rejected_rows] == [
        (3, "name", "upsert key is empty")
    ]
    target = f"{schema_of(destination)}.target"
    assert query(destination, f"SELECT name, last FROM {target} ORDER BY name") == [
        ("Ada", "Lovelace"),
        ("Grace", "Hopper"),
    ]
