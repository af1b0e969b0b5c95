"""Column transforms, calculated columns (whole-batch expressions), expression checks, DDL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import etl_engine as e
from etl_engine import ColumnSpec, Transform
from etl_engine import ColumnType as T

from .conftest import RecordingReporter, query

PEOPLE = (
    "id,first,last,price,qty,born,code\n"
    "1,  ana ,Lopez,2.50,4,1990-05-17,A-1\n"
    "2,Bo,,10.00,,2001-12-01,\n"
    "3,cé,Ünal,0.10,3,1985-01-31,B-22\n"
)


def load(
    duckdb_config: e.DestinationConfig,
    path: Path,
    make_spec: Callable[..., e.JobSpec],
    columns: list[ColumnSpec],
    **load_fields: object,
) -> list[tuple[object, ...]]:
    e.run_job(make_spec(path, duckdb_config, columns=columns, **load_fields), RecordingReporter())
    names = ", ".join(f'"{c.target}"' for c in columns)
    return query(duckdb_config, f"SELECT {names} FROM main.target ORDER BY 1")


def test_text_transforms_apply_in_order(
    duckdb_config: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: Callable[..., e.JobSpec]
) -> None:
    columns = [
        ColumnSpec("id", "id", T.INTEGER),
        ColumnSpec("first", "first", T.TEXT, [Transform("trim"), Transform("upper")]),
        ColumnSpec("last", "last", T.TEXT, [Transform("lower"), Transform("default", {"value": "n/a"})]),
        ColumnSpec(
            "code",
            "code",
            T.TEXT,
            [
                Transform("replace", {"old": "-", "new": ""}),
                Transform("prefix", {"value": "<"}),
                Transform("suffix", {"value": ">"}),
            ],
        ),
    ]
    rows = load(duckdb_config, write_csv(PEOPLE), make_spec, columns)
    assert rows == [(1, "ANA", "lopez", "<A1>"), (2, "BO", "n/a", None), (3, "CÉ", "ünal", "<B22>")]


def test_cast_transform_and_target_type_convert_values(
    duckdb_config: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: Callable[..., e.JobSpec]
) -> None:
    columns = [
        ColumnSpec("id", "id_text", T.TEXT, [Transform("prefix", {"value": "00"})]),
        ColumnSpec("qty", "qty", T.BIGINT, [Transform("default", {"value": "0"})]),
        ColumnSpec(
            "code",
            "code_int",
            T.INTEGER,
            [
                Transform("replace", {"old": "A-", "new": ""}),
                Transform("replace", {"old": "B-", "new": ""}),
                Transform("cast", {"type": "integer"}),
            ],
        ),
    ]
    rows = load(duckdb_config, write_csv(PEOPLE), make_spec, columns)
    assert rows == [("001", 4, 1), ("002", 0, None), ("003", 3, 22)]


def test_calculated_columns_are_evaluated_over_whole_batches(
    duckdb_config: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: Callable[..., e.JobSpec]
) -> None:
    expressions = {
        "total": ("round(price * qty, 2)", T.NUMERIC),
        "full": ("concat(upper(trim(first)), ' ', last)", T.TEXT),
        "label": ("iif(qty > 3, 'many', 'few')", T.TEXT),
        "cheap": ("price < 1 or qty == 3", T.BOOLEAN),
        "year": ("year(born)", T.INTEGER),
        "month": ("month(born) + 0", T.INTEGER),
        "fallback": ("coalesce(last, first)", T.TEXT),
        "ratio": ("qty / 2", T.FLOAT),
        "tagged": ("'#' + code if code else 'none'", T.TEXT),
    }
    columns = [ColumnSpec("id", "id", T.INTEGER)] + [
        ColumnSpec(None, name, kind, expression=text) for name, (text, kind) in expressions.items()
    ]
    rows = load(duckdb_config, write_csv(PEOPLE), make_spec, columns)
    assert [tuple(str(v) if v is not None else None for v in row) for row in rows] == [
        ("1", "10.0000000000", "ANA Lopez", "many", "False", "1990", "5", "Lopez", "2.0", "#A-1"),
        ("2", None, "BO ", "few", "False", "2001", "12", "Bo", None, "none"),
        ("3", "0.3000000000", "CÉ Ünal", "few", "True", "1985", "1", "Ünal", "1.5", "#B-22"),
    ]


def test_a_transform_result_that_breaks_the_target_type_rejects_the_row(
    duckdb_config: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: Callable[..., e.JobSpec]
) -> None:
    reporter = RecordingReporter()
    columns = [ColumnSpec("first", "first", T.INTEGER, [Transform("trim")])]
    spec = make_spec(write_csv(PEOPLE), duckdb_config, columns=columns, reject_threshold_count=10)
    result = e.run_job(spec, reporter)
    assert (result.rows_loaded, result.rows_rejected) == (0, 3)
    assert reporter.rejected_rows[0].column == "first"
    assert reporter.rejected_rows[0].reason == "'ana' is not a valid INTEGER (whole number in range)"


def test_validate_expression_gives_the_type_or_points_at_the_error() -> None:
    columns = [
        e.SourceColumn("Price", "price", T.NUMERIC, 10, 2),
        e.SourceColumn("Qty", "qty", T.INTEGER),
        e.SourceColumn("Name", "name", T.TEXT),
        e.SourceColumn("Born", "born", T.DATE),
    ]
    assert e.validate_expression("price * qty", columns).type == T.NUMERIC
    assert e.validate_expression("upper(name) + '!'", columns).type == T.TEXT
    assert e.validate_expression("qty > 2 and name == 'x'", columns).type == T.BOOLEAN
    assert e.validate_expression("year(born)", columns).type in (T.INTEGER, T.BIGINT)
    unknown = e.validate_expression("price * quantity", columns)
    assert (unknown.valid, unknown.error, unknown.position) == (False, "unknown column 'quantity'", 8)
    function = e.validate_expression("qty + sqrt(qty)", columns)
    assert (function.valid, function.position) == (False, 6)
    assert function.error is not None and function.error.startswith("unknown function 'sqrt'")
    syntax = e.validate_expression("price * (qty", columns)
    assert not syntax.valid and syntax.error is not None and "syntax" in syntax.error
    attribute = e.validate_expression("name.__class__", columns)
    assert not attribute.valid and attribute.error == "Attribute is not allowed here"
    types = e.validate_expression("year(name)", columns)
    assert not types.valid and types.error is not None and types.error.startswith("cannot evaluate")


def test_unknown_transform_or_bad_arguments_are_refused(
    duckdb_config: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: Callable[..., e.JobSpec]
) -> None:
    bad = ColumnSpec("id", "id", T.INTEGER, [Transform("default", {"value": "abc"})])
    with pytest.raises(e.InvalidJobSpec, match="default value 'abc' is not a valid INTEGER"):
        e.run_job(make_spec(write_csv(PEOPLE), duckdb_config, columns=[bad]), RecordingReporter())


def test_render_ddl_quotes_names_and_takes_the_primary_key_from_upsert_keys() -> None:
    load = e.LoadSpec(schema="sales", table="Order Lines", strategy="UPSERT", upsert_keys=["id"])
    columns = [
        ColumnSpec("id", "id", T.BIGINT),
        ColumnSpec("a", 'we"ird', T.NUMERIC),
        ColumnSpec("b", "at", T.TIMESTAMPTZ),
    ]
    assert e.render_ddl(load, columns, "postgres") == (
        'CREATE TABLE "sales"."Order Lines" (\n'
        '    "id" bigint,\n'
        '    "we""ird" numeric,\n'
        '    "at" timestamptz,\n'
        '    PRIMARY KEY ("id")\n'
        ");"
    )
    assert '"we""ird" DECIMAL(38,10)' in e.render_ddl(load, columns, "duckdb")
    assert '"we""ird" numeric(38,10)' in e.render_ddl(load, columns, "redshift")
    load.strategy = "INSERT"
    assert "PRIMARY KEY" not in e.render_ddl(load, columns, "postgres")


def test_sample_expression_gives_the_values_on_the_first_rows_with_unparsable_cells_as_null(
    write_csv: Callable[..., Path],
) -> None:
    path = write_csv("id,price,qty\n1,2.50,4\n2,x,3\n3,1.00,\n4,2,2\n5,1,1\n6,9,9\n")
    profile = e.profile_csv(path)
    sources = [
        e.SourceColumn("id", "id", T.INTEGER),
        e.SourceColumn("price", "price", T.NUMERIC, 10, 2),
        e.SourceColumn("qty", "qty", T.INTEGER),
    ]
    values = e.sample_expression(path, profile.options, sources, "price * qty", limit=4)
    assert [None if v is None else float(str(v)) for v in values] == [10.0, None, None, 4.0]
    assert e.sample_expression(write_csv("id\n", name="empty.csv"), profile.options, sources, "id") == []
    with pytest.raises(OSError):
        e.sample_expression(path.with_name("gone.csv"), profile.options, sources, "id")
