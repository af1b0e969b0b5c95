"""Schema drift in the engine: the diff between expected and found columns, and the columns a
source has now (arriving files on disk, a real PostgreSQL table)."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest

import etl_engine as e
from etl_engine.drift import Drift, SchemaDriftFound, diff, match_columns, source_columns_now
from etl_engine.sources.files import list_files

T = e.ColumnType


def col(name: str, type_: e.ColumnType = T.TEXT, sql_name: str | None = None) -> e.SourceColumn:
    return e.SourceColumn(name, sql_name or name.lower().replace(" ", "_"), type_)


def test_no_drift_when_the_same_columns_come_in_another_order() -> None:
    expected = [col("id", T.INTEGER), col("Name"), col("Amount", T.NUMERIC)]
    found = [col("Amount", T.NUMERIC), col("id", T.INTEGER), col("Name")]
    drift = diff(expected, found)
    assert not drift
    assert str(drift) == "no change"
    assert drift.as_dict() == {"added": [], "removed": [], "renamed": [], "type_changed": []}


def test_added_removed_and_type_changed_columns() -> None:
    expected = [col("id", T.INTEGER), col("name"), col("amount", T.NUMERIC), col("legacy_flag", T.BOOLEAN)]
    found = [col("id", T.TEXT), col("name"), col("amount", T.NUMERIC), col("region"), col("created", T.DATE)]
    drift = diff(expected, found)
    assert drift.as_dict() == {
        "added": [{"name": "region", "type": "TEXT"}, {"name": "created", "type": "DATE"}],
        "removed": ["legacy_flag"],
        "renamed": [],
        "type_changed": [{"name": "id", "from": "INTEGER", "to": "TEXT"}],
    }
    assert str(drift) == (
        "added 'region' (TEXT), 'created' (DATE); removed 'legacy_flag'; type changed 'id' INTEGER -> TEXT"
    )


def test_a_removed_and_an_added_column_of_one_type_with_alike_names_look_renamed() -> None:
    expected = [col("id", T.INTEGER), col("email"), col("amount", T.NUMERIC)]
    found = [
        col("id", T.INTEGER),
        col("customer_email"),
        col("amount_eur", T.NUMERIC),
        col("zone", T.INTEGER),
    ]
    drift = diff(expected, found)
    assert drift.as_dict()["renamed"] == [
        {"from": "email", "to": "customer_email"},
        {"from": "amount", "to": "amount_eur"},
    ]
    assert drift.as_dict()["added"] == [{"name": "zone", "type": "INTEGER"}]
    assert drift.removed == []


def test_names_alike_but_types_apart_are_no_rename_unless_types_are_unknown() -> None:
    expected = [col("total", T.NUMERIC)]
    found = [col("totals", T.DATE)]
    assert diff(expected, found).as_dict() == {
        "added": [{"name": "totals", "type": "DATE"}],
        "removed": ["total"],
        "renamed": [],
        "type_changed": [],
    }
    # A database job knows its mapping's types, not the source's: names decide, no type change.
    assert diff(expected, found, types=False).as_dict()["renamed"] == [{"from": "total", "to": "totals"}]
    assert not diff([col("n", T.INTEGER)], [col("n", T.TEXT)], types=False)


def test_unrelated_names_stay_added_and_removed() -> None:
    drift = diff([col("price", T.NUMERIC)], [col("warehouse", T.NUMERIC)])
    assert drift.as_dict()["renamed"] == []
    assert [c.name for c in drift.removed] == ["price"]


def test_columns_match_by_name_then_by_sql_name_each_once() -> None:
    expected = [col("Order ID", T.INTEGER, "order_id"), col("Kunde")]
    assert match_columns(expected, ["order id", "Kunde", "Kunde", "Region"]) == [
        expected[0],
        expected[1],
        None,
        None,
    ]


def test_schema_drift_found_is_terminal_and_says_the_diff() -> None:
    drift = Drift(added=[col("region")])
    error = SchemaDriftFound(drift)
    assert isinstance(error, e.TerminalError)
    assert str(error) == "the source's columns changed: added 'region' (TEXT)"
    assert error.drift is drift


# --- the columns a source has now -------------------------------------------------------------

EXCEL = e.CsvOptions(encoding="utf-8-sig", delimiter=";", decimal=",")


def export(header: str, *rows: str) -> bytes:
    return "\ufeff".encode() + ("\r\n".join([header, *rows]) + "\r\n").encode("utf-8")


@pytest.fixture
def sample_columns(tmp_path: Path) -> list[e.SourceColumn]:
    sample = tmp_path / "sample.csv"
    sample.write_bytes(export("Nr;Kunde;Betrag;Menge", "1;Müller;1.234,50;3", "2;Weiß;89,90;4"))
    columns = e.profile_csv(sample).columns
    assert [c.type for c in columns] == [T.INTEGER, T.TEXT, T.NUMERIC, T.INTEGER]
    return columns


def arriving(root: Path, columns: list[e.SourceColumn]) -> e.JobSpec:
    return e.JobSpec(
        run_id="r1",
        source=e.ArrivingFiles(str(root), "*.csv", EXCEL),
        columns=[e.ColumnSpec(c.sql_name, c.sql_name, c.type) for c in columns],
        destination=e.DestinationConfig(kind="duckdb", path=str(root / "unused.duckdb")),
        load=e.LoadSpec(schema="main", table="t"),
        source_columns=columns,
    )


def put(root: Path, name: str, data: bytes, at: int) -> None:
    (root / name).write_bytes(data)
    os.utime(root / name, ns=(at * 10**9, at * 10**9))


def test_a_new_file_with_an_extra_column_shows_it_with_its_inferred_type(
    tmp_path: Path, sample_columns: list[e.SourceColumn]
) -> None:
    root = tmp_path / "drop"
    root.mkdir()
    # Betrag is whole euros this time (still NUMERIC for the job), Menge is empty: neither changed.
    put(root, "a.csv", export("Nr;Kunde;Betrag;Menge;Lieferdatum", "3;Schäfer;12;;30.11.2026"), at=1_000)
    found = source_columns_now(arriving(root, sample_columns))
    assert found[:4] == sample_columns
    assert (found[4].name, found[4].sql_name, found[4].type, found[4].format) == (
        "Lieferdatum",
        "lieferdatum",
        T.DATE,
        "%d.%m.%Y",
    )
    assert diff(sample_columns, found).as_dict() == {
        "added": [{"name": "Lieferdatum", "type": "DATE"}],
        "removed": [],
        "renamed": [],
        "type_changed": [],
    }


def test_values_that_no_longer_read_as_the_job_type_are_a_type_change(
    tmp_path: Path, sample_columns: list[e.SourceColumn]
) -> None:
    root = tmp_path / "drop"
    root.mkdir()
    put(root, "a.csv", export("Nr;Kunde;Betrag;Menge", "3;Schäfer;12,00;drei"), at=1_000)
    assert diff(sample_columns, source_columns_now(arriving(root, sample_columns))).as_dict()[
        "type_changed"
    ] == [{"name": "Menge", "from": "INTEGER", "to": "TEXT"}]


def test_only_new_files_count_and_columns_come_from_all_of_them(
    tmp_path: Path, sample_columns: list[e.SourceColumn]
) -> None:
    root = tmp_path / "drop"
    root.mkdir()
    put(root, "old.csv", export("Nr;Kunde;Betrag;Menge;Alt", "1;A;1,00;1;x"), at=1_000)
    put(root, "b.csv", export("Nr;Kunde;Betrag;Menge", "2;B;1,00;1"), at=2_000)
    put(root, "c.csv", export("Nr;Kunde;Menge;Region", "3;C;1;Nord"), at=3_000)
    spec = arriving(root, sample_columns)
    [old] = [f for f in list_files(root, "*.csv") if f.name == "old.csv"]
    loaded = {"files": [old.entry()]}
    drift = diff(sample_columns, source_columns_now(spec, loaded))
    # Betrag is missing from c.csv: removed; Region comes with c.csv; old.csv was loaded already.
    assert drift.as_dict() == {
        "added": [{"name": "Region", "type": "TEXT"}],
        "removed": ["Betrag"],
        "renamed": [],
        "type_changed": [],
    }


def test_no_new_file_means_no_drift(tmp_path: Path, sample_columns: list[e.SourceColumn]) -> None:
    root = tmp_path / "drop"
    root.mkdir()
    assert source_columns_now(arriving(root, sample_columns)) == sample_columns


def pg_run(config: e.DestinationConfig, sql: str) -> None:
    with psycopg.connect(
        host=config.host, port=config.port, dbname=config.database, user=config.user
    ) as conn:
        conn.execute(sql)


def test_a_table_has_the_columns_the_database_describes(pg_config: e.DestinationConfig) -> None:
    schema = str(pg_config.options["schema"])
    pg_run(
        pg_config, f'CREATE TABLE "{schema}".orders (id integer primary key, total numeric(12,2), note text)'
    )
    connection = e.SourceConfig("postgres", pg_config.host, pg_config.port, pg_config.database, "postgres")
    spec = e.JobSpec(
        run_id="r1",
        source=e.TableSource(connection, schema, "orders"),
        columns=[e.ColumnSpec("id", "id", T.INTEGER)],
        destination=pg_config,
        load=e.LoadSpec(schema=schema, table="t"),
    )
    before = source_columns_now(spec)
    assert [(c.name, c.type) for c in before] == [("id", T.INTEGER), ("total", T.NUMERIC), ("note", T.TEXT)]
    pg_run(pg_config, f'ALTER TABLE "{schema}".orders ADD COLUMN shipped date, DROP COLUMN note')
    assert diff(before, source_columns_now(spec)).as_dict() == {
        "added": [{"name": "shipped", "type": "DATE"}],
        "removed": ["note"],
        "renamed": [],
        "type_changed": [],
    }
