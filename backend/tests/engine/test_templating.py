"""Variables in queries, names and paths: bound, quoted or refused, never pasted into SQL."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pymysql
import pytest

from etl_engine.errors import InvalidJobSpec
from etl_engine.templating import (
    ParamStyle,
    render_name,
    render_path,
    render_query,
    run_context,
    template_names,
)

HOSTILE = "x'); DROP TABLE victims; --"


def backtick(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def test_a_value_is_a_bound_parameter_and_an_identifier_is_quoted() -> None:
    query = render_query(
        "SELECT * FROM {{ table | ident }} WHERE region = {{ region }} AND id > {{ last }}",
        {"table": 'odd "name"', "region": "EU", "last": 41},
    )
    assert query.sql == 'SELECT * FROM "odd ""name""" WHERE region = %(p0)s AND id > %(p1)s'
    assert query.params == {"p0": "EU", "p1": 41}


def test_named_parameters_for_oracle_and_literal_percent_signs_kept() -> None:
    named = render_query(
        "SELECT 1 FROM t WHERE a LIKE 'x%' AND b = {{ b }}", {"b": 2}, paramstyle=ParamStyle.NAMED
    )
    assert named.sql == "SELECT 1 FROM t WHERE a LIKE 'x%' AND b = :p0"
    pyformat = render_query("SELECT 1 FROM t WHERE a LIKE 'x%' AND b = {{ b }}", {"b": 2})
    assert pyformat.sql == "SELECT 1 FROM t WHERE a LIKE 'x%%' AND b = %(p0)s"


def test_a_hostile_value_runs_as_data_on_postgres(engine_database: str) -> None:
    query = render_query(
        "SELECT {{ value }}::text AS v, 'a%b' LIKE 'a%' AS literal_percent", {"value": HOSTILE}
    )
    with psycopg.connect(f"host=127.0.0.1 dbname={engine_database} user=postgres") as conn:
        assert conn.execute(query.sql, query.params).fetchone() == (HOSTILE, True)


def test_a_hostile_value_runs_as_data_on_mariadb() -> None:
    query = render_query(
        "SELECT {{ value }} AS v, {{ name | ident }} AS n FROM (SELECT 1 AS {{ name | ident }}) AS t",
        {"value": HOSTILE, "name": "we`ird"},
        quote=backtick,
    )
    conn = pymysql.connect(host="127.0.0.1", user="root", password="", database="test")
    try:
        with conn.cursor() as cursor:
            cursor.execute(query.sql, query.params)
            assert cursor.fetchone() == (HOSTILE, 1)
    finally:
        conn.close()


def test_a_quoted_variable_is_refused_with_the_fix() -> None:
    with pytest.raises(InvalidJobSpec, match="remove the quotes"):
        render_query("SELECT * FROM t WHERE d = '{{ ds }}'", {"ds": "2026-11-30"})


def test_an_undefined_variable_is_named() -> None:
    with pytest.raises(InvalidJobSpec, match="'region' is undefined"):
        render_query("SELECT {{ region }}", {})


def test_the_sandbox_refuses_reaching_into_python() -> None:
    with pytest.raises(InvalidJobSpec, match="cannot render"):
        render_query("SELECT {{ ''.__class__.__mro__[1].__subclasses__() }}", {})


def test_paths_take_plain_segments_only() -> None:
    context = run_context(
        run_date=datetime(2026, 11, 30, 6, tzinfo=UTC), job_id=7, job_name="sales", run_id="r1"
    )
    assert render_path("exports/sales_{{ ds }}.csv", context) == "exports/sales_2026-11-30.csv"
    assert render_path("exports/*_{{ ds_nodash }}.csv.gz", context) == "exports/*_20261130.csv.gz"
    for hostile in ("../etc", "a/b", "..", "/abs", "a\\b"):
        with pytest.raises(InvalidJobSpec, match="cannot be part of a file path"):
            render_path("in/{{ name }}.csv", {"name": hostile})
    with pytest.raises(InvalidJobSpec, match="inside the drop directory"):
        render_path("../{{ ds }}.csv", context)
    with pytest.raises(InvalidJobSpec, match="inside the drop directory"):
        render_path("/etc/{{ ds }}", context)


def test_names_render_to_plain_table_names() -> None:
    assert render_name("sales_{{ ds_nodash }}", {"ds_nodash": "20261130"}) == "sales_20261130"
    with pytest.raises(InvalidJobSpec, match="not a plain table name"):
        render_name("t_{{ x }}", {"x": "a; drop"})


def test_template_names_lists_what_to_evaluate() -> None:
    assert template_names("SELECT * FROM {{ t | ident }} WHERE d > {{ last_cursor_value }}") == {
        "t",
        "last_cursor_value",
    }
    with pytest.raises(InvalidJobSpec, match="cannot render"):
        template_names("SELECT {{ unclosed")
