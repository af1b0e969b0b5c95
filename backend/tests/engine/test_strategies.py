"""INSERT, UPSERT and TRUNCATE_INSERT into new and existing tables; schema checks; atomicity."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import etl_engine as e
from etl_engine import ColumnSpec
from etl_engine import ColumnType as T

from .conftest import RecordingReporter, query, schema_of

SpecMaker = Callable[..., e.JobSpec]
CsvWriter = Callable[..., Path]


UPSERT_ID: dict[str, object] = {"strategy": "UPSERT", "upsert_keys": ["id"]}


def run(spec: e.JobSpec) -> e.RunResult:
    return e.run_job(spec, RecordingReporter())


def rows(config: e.DestinationConfig, table: str = "target") -> list[tuple[object, ...]]:
    return query(config, f'SELECT * FROM "{schema_of(config)}"."{table}" ORDER BY 1')


def execute(config: e.DestinationConfig, *statements: str) -> None:
    for statement in statements:
        query(config, statement) if config.kind == "duckdb" else _pg(config, statement)


def _pg(config: e.DestinationConfig, statement: str) -> None:
    import psycopg

    from .conftest import dsn

    with psycopg.connect(dsn(config), autocommit=True) as conn:
        conn.execute(statement)


def test_insert_appends_to_a_table_created_by_an_earlier_run(
    destination: e.DestinationConfig, write_csv: CsvWriter, make_spec: SpecMaker
) -> None:
    path = write_csv("id,name\n1,a\n2,b\n")
    run(make_spec(path, destination))
    run(make_spec(path, destination))
    assert rows(destination) == [(1, "a"), (1, "a"), (2, "b"), (2, "b")]


def test_upsert_updates_existing_keys_and_inserts_new_ones(
    destination: e.DestinationConfig, write_csv: CsvWriter, make_spec: SpecMaker
) -> None:
    first = run(
        make_spec(write_csv("id,name\n1,a\n2,b\n"), destination, strategy="UPSERT", upsert_keys=["id"])
    )
    second = run(
        make_spec(
            write_csv("id,name\n2,B\n3,c\n", name="2.csv"), destination, strategy="UPSERT", upsert_keys=["id"]
        )
    )
    assert (first.rows_loaded, second.rows_loaded) == (2, 2)
    assert rows(destination) == [(1, "a"), (2, "B"), (3, "c")]


def test_upsert_with_a_composite_key_and_no_other_columns(
    destination: e.DestinationConfig, write_csv: CsvWriter, make_spec: SpecMaker
) -> None:
    spec = make_spec(write_csv("a,b\n1,x\n1,y\n"), destination, strategy="UPSERT", upsert_keys=["a", "b"])
    run(spec)
    again = make_spec(
        write_csv("a,b\n1,y\n2,z\n", name="2.csv"), destination, strategy="UPSERT", upsert_keys=["a", "b"]
    )
    assert run(again).rows_loaded == 2
    assert rows(destination) == [(1, "x"), (1, "y"), (2, "z")]


def test_upsert_requires_unique_keys_in_the_incoming_data(
    destination: e.DestinationConfig, write_csv: CsvWriter, make_spec: SpecMaker
) -> None:
    run(make_spec(write_csv("id,name\n1,a\n"), destination, strategy="UPSERT", upsert_keys=["id"]))
    duplicated = write_csv("id,name\n1,x\n2,y\n2,z\n", name="dup.csv")
    with pytest.raises(e.DuplicateKeys, match=r"id=2 \(2 times\)"):
        run(make_spec(duplicated, destination, strategy="UPSERT", upsert_keys=["id"]))
    assert rows(destination) == [(1, "a")]


def test_upsert_needs_keys_that_are_destination_columns(
    destination: e.DestinationConfig, write_csv: CsvWriter, make_spec: SpecMaker
) -> None:
    path = write_csv("id,name\n1,a\n")
    with pytest.raises(e.InvalidJobSpec, match="UPSERT needs at least one key"):
        run(make_spec(path, destination, strategy="UPSERT"))
    with pytest.raises(e.InvalidJobSpec, match="not destination columns"):
        run(make_spec(path, destination, strategy="UPSERT", upsert_keys=["nope"]))


def test_upsert_rejects_rows_with_an_empty_key(
    destination: e.DestinationConfig, write_csv: CsvWriter, make_spec: SpecMaker
) -> None:
    reporter = RecordingReporter()
    spec = make_spec(
        write_csv("id,name\n1,a\n,b\n"),
        destination,
        strategy="UPSERT",
        upsert_keys=["id"],
        reject_threshold_count=1,
    )
    assert e.run_job(spec, reporter).rows_loaded == 1
    assert (reporter.rejected_rows[0].column, reporter.rejected_rows[0].reason) == (
        "id",
        "upsert key is empty",
    )


def test_truncate_insert_replaces_the_rows(
    destination: e.DestinationConfig, write_csv: CsvWriter, make_spec: SpecMaker
) -> None:
    run(make_spec(write_csv("id,name\n1,a\n2,b\n"), destination))
    run(make_spec(write_csv("id,name\n3,c\n", name="2.csv"), destination, strategy="TRUNCATE_INSERT"))
    assert rows(destination) == [(3, "c")]


def test_existing_table_is_checked_against_the_mapping_before_loading(
    destination: e.DestinationConfig, write_csv: CsvWriter, make_spec: SpecMaker
) -> None:
    schema = schema_of(destination)
    execute(
        destination,
        f'CREATE TABLE "{schema}".people (id bigint NOT NULL, name varchar(50), born date, '
        "status varchar(10) NOT NULL DEFAULT 'new', score integer NOT NULL)",
    )
    path = write_csv("id,name,born\n1,a,2020-01-01\n")
    columns = [
        ColumnSpec("id", "id", T.INTEGER),
        ColumnSpec("name", "name", T.TEXT),
        ColumnSpec("born", "born", T.TIMESTAMP),
        ColumnSpec("name", "nickname", T.TEXT),
    ]
    with pytest.raises(e.SchemaMismatch) as error:
        run(make_spec(path, destination, table="people", columns=columns, create_table=False))
    message = str(error.value)
    assert "column 'born' is" in message and "cannot take TIMESTAMP" in message
    assert "column 'nickname' does not exist" in message
    assert "column 'score' is NOT NULL without a default" in message
    assert "'status'" not in message and "'id'" not in message  # widening INTEGER -> bigint is fine
    assert rows(destination, "people") == []


def test_a_missing_table_is_a_schema_mismatch_when_creation_is_off(
    destination: e.DestinationConfig, write_csv: CsvWriter, make_spec: SpecMaker
) -> None:
    with pytest.raises(e.SchemaMismatch, match="does not exist"):
        run(make_spec(write_csv("id\n1\n"), destination, create_table=False))


def test_existing_table_with_compatible_types_is_loaded_by_name(
    destination: e.DestinationConfig, write_csv: CsvWriter, make_spec: SpecMaker
) -> None:
    schema = schema_of(destination)
    execute(destination, f"CREATE TABLE \"{schema}\".people (name text, id bigint, note text DEFAULT '-')")
    run(make_spec(write_csv("id,name\n7,z\n"), destination, table="people", create_table=False))
    assert rows(destination, "people") == [("z", 7, "-")]


def test_a_failure_in_the_final_transaction_leaves_the_target_unchanged(
    destination: e.DestinationConfig, write_csv: CsvWriter, make_spec: SpecMaker
) -> None:
    schema = schema_of(destination)
    execute(
        destination,
        f"CREATE TABLE \"{schema}\".people (id integer, name text CHECK (name <> 'boom'))",
        f"INSERT INTO \"{schema}\".people VALUES (1, 'kept')",
    )
    path = write_csv("id,name\n2,fine\n3,boom\n")
    for strategy in ("INSERT", "TRUNCATE_INSERT"):
        with pytest.raises(e.LoadFailed):
            run(make_spec(path, destination, table="people", strategy=strategy))
        assert rows(destination, "people") == [(1, "kept")]
    tables = [t.name for t in e.open_destination(destination).list_tables(schema)]
    assert tables == ["people"]
    assert query(destination, f'SELECT count(*) FROM "{schema}"."_etl_loads"') == [(0,)]


def test_upsert_into_a_table_keyed_on_the_upsert_keys(
    destination: e.DestinationConfig, write_csv: CsvWriter, make_spec: SpecMaker
) -> None:
    schema = schema_of(destination)
    execute(
        destination,
        f'CREATE TABLE "{schema}".keyed (id integer PRIMARY KEY, name text)',
        f"INSERT INTO \"{schema}\".keyed VALUES (1, 'old'), (5, 'kept')",
    )
    upsert = {"table": "keyed", "create_table": False, **UPSERT_ID}
    assert run(make_spec(write_csv("id,name\n1,new\n2,b\n"), destination, **upsert)).rows_loaded == 2
    assert rows(destination, "keyed") == [(1, "new"), (2, "b"), (5, "kept")]
    duplicated = write_csv("id,name\n5,x\n7,y\n7,z\n", name="dup.csv")
    with pytest.raises(e.DuplicateKeys, match=r"id=7 \(2 times\)"):
        run(make_spec(duplicated, destination, **upsert))
    assert rows(destination, "keyed") == [(1, "new"), (2, "b"), (5, "kept")]


def test_target_mismatches_names_every_column_that_does_not_fit_an_existing_table() -> None:
    existing = [
        e.TableColumn("id", "bigint", nullable=False),
        e.TableColumn("born", "date", nullable=True),
        e.TableColumn("status", "character varying", nullable=False, has_default=True),
        e.TableColumn("score", "integer", nullable=False),
    ]
    columns = [
        ColumnSpec("id", "id", T.INTEGER),
        ColumnSpec("born", "born", T.TEXT),
        ColumnSpec("name", "nickname", T.TEXT),
    ]
    assert e.target_mismatches(existing, columns, "s.people") == [
        "column 'born' is date in the table and cannot take TEXT values",
        "column 'nickname' does not exist in s.people (it has id, born, status, score)",
        "table column 'score' is NOT NULL without a default and is not mapped",
    ]
    fitting = [ColumnSpec("id", "id", T.BIGINT), ColumnSpec("x", "score", T.INTEGER)]
    assert e.target_mismatches(existing, fitting) == []
