"""The Snowflake writer: the real snowflake-connector-python against fakesnow's emulator (server
mode, Snowflake's HTTP API over DuckDB), and its statements as generated.

Verified only on the emulator, never on a Snowflake account: PUT to a temporary internal stage,
COPY INTO from Parquet, the final transaction, key-pair login (the connector signs its JWT; the
emulator accepts any). fakesnow cannot MERGE inside a transaction (its MERGE writes a temporary
table, a second DuckDB database), so the MERGE is asserted as generated and run on the emulator on
its own; loads there use the UPDATE + INSERT form (`options["upsert_statement"]`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import snowflake.connector
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import etl_engine as e
from etl_engine.writers.snowflake import SnowflakeDestination, SnowflakeWriter, fold, private_key_der, unfold
from etl_engine.writers.sql import SqlWriter

from .conftest import RecordingReporter, schema_of
from .snowflake_store import query, snowflake_config, snowflake_server

__all__ = ["snowflake_config", "snowflake_server"]  # fixtures


def test_names_fold_to_what_snowflake_makes_of_unquoted_ones() -> None:
    assert [fold(n) for n in ("order_id", "_x1", "Mixed", "with space", "1st")] == [
        "ORDER_ID",
        "_X1",
        "Mixed",
        "with space",
        "1st",
    ]
    assert [unfold(n) for n in ("ORDER_ID", "Mixed", "_ETL_LOADS", "_etl_loads")] == [
        "order_id",
        "Mixed",
        "_etl_loads",
        "_etl_loads",
    ]


def test_the_load_puts_parquet_to_the_run_stage_copies_it_and_commits_once(
    snowflake_config: e.DestinationConfig,
    write_csv: Callable[..., Path],
    make_spec: Callable[..., e.JobSpec],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    statements: list[str] = []
    real_execute = SqlWriter.execute

    def recording(writer: SqlWriter, sql: str, params: Any = ()) -> Any:
        statements.append(" ".join(sql.split()))
        return real_execute(writer, sql, params)

    monkeypatch.setattr(SqlWriter, "execute", recording)
    schema = schema_of(snowflake_config).upper()
    path = write_csv("id,note\n" + "".join(f"{i},n{i}\n" for i in range(2500)))
    spec = make_spec(path, snowflake_config, run_id="r1", batch_size=1000)
    assert e.run_job(spec, RecordingReporter()).rows_loaded == 2500
    stage, files = f'"{schema}"."_etl_stage_r1"', f'"{schema}"."_etl_files_r1"'
    puts = [s for s in statements if s.startswith("PUT ")]
    assert len(puts) == 3 and all(
        f"@{files}/g00000 AUTO_COMPRESS = FALSE OVERWRITE = TRUE" in s for s in puts
    )
    assert [
        s for s in statements if s.startswith(("CREATE", "COPY", "BEGIN", "INSERT", "COMMIT", "DROP"))
    ] == [
        f'CREATE SCHEMA IF NOT EXISTS "{schema}"',
        f'CREATE TABLE IF NOT EXISTS "{schema}"."_etl_loads" (run_id varchar(200) PRIMARY KEY, target_table '
        "varchar(200), strategy varchar(20), rows_read bigint, rows_loaded bigint, rows_rejected bigint, "
        "rows_filtered bigint, loaded_at timestamp, stream varchar(200), state varchar(65535))",
        f"DROP TABLE IF EXISTS {stage}",
        f'CREATE TABLE {stage} ( "ID" NUMBER(10,0), "NOTE" VARCHAR )',
        f"CREATE OR REPLACE TEMPORARY STAGE {files}",
        f"COPY INTO {stage} FROM @{files}/g00000/ FILE_FORMAT = (TYPE = PARQUET) "
        "MATCH_BY_COLUMN_NAME = CASE_SENSITIVE",
        f'CREATE TABLE IF NOT EXISTS "{schema}"."TARGET" ( "ID" NUMBER(10,0), "NOTE" VARCHAR )',
        "BEGIN",
        f'INSERT INTO "{schema}"."TARGET" ("ID", "NOTE") SELECT "ID", "NOTE" FROM {stage}',
        f'INSERT INTO "{schema}"."_etl_loads" (run_id, target_table, strategy, rows_read, rows_loaded, '
        "rows_rejected, rows_filtered, loaded_at, stream, state) VALUES (%s, %s, %s, %s, %s, %s, %s, "
        "CURRENT_TIMESTAMP, %s, %s)",
        "COMMIT",
        f"DROP TABLE IF EXISTS {stage}",
    ]
    assert query(snowflake_config, f'SELECT count(*), count(DISTINCT id) FROM "{schema}".target') == [
        (2500, 2500)
    ]
    # what a Snowflake user writes, unquoted, finds the table and its columns
    with SnowflakeDestination(snowflake_config).cursor() as cursor:
        cursor.execute(f"SELECT id, note FROM {schema}.target WHERE id = 7")
        assert cursor.fetchall() == [(7, "n7")]


def test_upsert_updates_and_inserts_in_the_final_transaction(
    snowflake_config: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: Callable[..., e.JobSpec]
) -> None:
    schema = schema_of(snowflake_config)
    e.run_job(make_spec(write_csv("id,name\n1,a\n2,b\n"), snowflake_config), RecordingReporter())
    spec = make_spec(
        write_csv("id,name\n2,B\n3,c\n"), snowflake_config, strategy="UPSERT", upsert_keys=["id"]
    )
    assert e.run_job(spec, RecordingReporter()).rows_loaded == 2
    assert query(snowflake_config, f"SELECT id, name FROM {schema}.target ORDER BY id") == [
        (1, "a"),
        (2, "B"),
        (3, "c"),
    ]
    with pytest.raises(e.DuplicateKeys, match="id=2"):
        dup = make_spec(
            write_csv("id,name\n2,x\n2,y\n"), snowflake_config, strategy="UPSERT", upsert_keys=["id"]
        )
        e.run_job(dup, RecordingReporter())


def test_the_merge_on_the_keys_as_generated_runs_on_the_emulator(
    snowflake_config: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: Callable[..., e.JobSpec]
) -> None:
    snowflake_config.options["upsert_statement"] = "merge"
    schema = schema_of(snowflake_config)
    e.run_job(
        make_spec(write_csv("id,name\n1,a\n2,b\n"), snowflake_config, table="incoming"), RecordingReporter()
    )
    e.run_job(make_spec(write_csv("id,name\n2,old\n9,z\n"), snowflake_config), RecordingReporter())
    spec = make_spec(write_csv("id,name\n1,a\n"), snowflake_config, strategy="UPSERT", upsert_keys=["id"])
    writer = e.open_destination(snowflake_config).writer(spec.load, spec.columns, "m1")
    assert isinstance(writer, SnowflakeWriter)
    merge = writer.merge_sql()
    s = schema.upper()
    assert merge == (
        f'MERGE INTO "{s}"."TARGET" AS t USING "{s}"."_etl_stage_m1" AS s ON t."ID" = s."ID" '
        'WHEN MATCHED THEN UPDATE SET "NAME" = s."NAME" '
        'WHEN NOT MATCHED THEN INSERT ("ID", "NAME") VALUES (s."ID", s."NAME")'
    )
    with SnowflakeDestination(snowflake_config).cursor() as cursor:  # autocommit: outside a transaction
        cursor.execute(f'USE SCHEMA "{s}"')  # fakesnow's MERGE makes its temporary table there
        cursor.execute(merge.replace('"_etl_stage_m1"', '"INCOMING"'))
        assert cursor.rowcount == 2  # one updated, one inserted
    assert query(snowflake_config, f"SELECT id, name FROM {schema}.target ORDER BY id") == [
        (1, "a"),
        (2, "b"),
        (9, "z"),
    ]


def test_truncate_insert_replaces_the_rows_in_one_transaction(
    snowflake_config: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: Callable[..., e.JobSpec]
) -> None:
    schema = schema_of(snowflake_config)
    e.run_job(make_spec(write_csv("id\n1\n2\n"), snowflake_config), RecordingReporter())
    e.run_job(
        make_spec(write_csv("id\n7\n"), snowflake_config, strategy="TRUNCATE_INSERT"), RecordingReporter()
    )
    assert query(snowflake_config, f"SELECT id FROM {schema}.target") == [(7,)]


def test_zoned_and_naive_timestamps_and_their_nulls_keep_their_types(
    snowflake_config: e.DestinationConfig, write_csv: Callable[..., Path], make_spec: Callable[..., e.JobSpec]
) -> None:
    schema = schema_of(snowflake_config)
    text = "id,at,at_tz\n1,2024-02-29 23:59:59.123456,2024-03-10T01:30:00-05:00\n2,,\n"
    e.run_job(make_spec(write_csv(text), snowflake_config), RecordingReporter())
    columns = {c.name: c.type for c in e.open_destination(snowflake_config).table_columns(schema, "target")}
    assert columns == {"id": "NUMBER", "at": "TIMESTAMP_NTZ", "at_tz": "TIMESTAMP_TZ"}
    rows = query(snowflake_config, f'SELECT id, "at", at_tz, "at" IS NULL FROM {schema}.target ORDER BY id')
    assert rows == [
        (
            1,
            dt.datetime(2024, 2, 29, 23, 59, 59, 123456),
            dt.datetime(2024, 3, 10, 6, 30, tzinfo=dt.UTC),
            False,
        ),
        (2, None, None, True),
    ]


def key_pem(passphrase: bytes | None) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    encryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    ).decode()


def test_key_pair_authentication_with_an_encrypted_key(snowflake_config: e.DestinationConfig) -> None:
    snowflake_config.password = None
    snowflake_config.private_key = key_pem(b"s3cret phrase")
    snowflake_config.private_key_passphrase = "s3cret phrase"
    destination = SnowflakeDestination(snowflake_config)
    connection = destination.connect()
    try:
        assert type(connection.auth_class).__name__ == "AuthByKeyPair"  # the connector signs a JWT
    finally:
        connection.close()
    assert destination.test_connection().ok
    assert "s3cret" not in repr(snowflake_config) and "PRIVATE KEY" not in repr(snowflake_config)


def test_an_unreadable_key_is_refused_without_showing_it() -> None:
    pem = key_pem(b"right")
    with pytest.raises(e.DestinationUnreachable) as refused:
        private_key_der(pem, "wrong")
    assert (
        "passphrase" in str(refused.value)
        and "right" not in str(refused.value)
        and "BEGIN" not in str(refused.value)
    )
    assert private_key_der(key_pem(None), None).startswith(b"0\x82")  # DER, unencrypted PKCS#8


def test_an_unreachable_account_is_a_transient_error(snowflake_config: e.DestinationConfig) -> None:
    snowflake_config.port = 9  # discard: refused
    snowflake_config.options["network_timeout"] = 2
    check = e.open_destination(snowflake_config).test_connection()
    assert not check.ok and "cannot connect to Snowflake" in check.message
    assert "snow" not in check.message.replace("Snowflake", "")  # the password is not shown
    assert issubclass(
        snowflake.connector.errors.OperationalError, e.open_destination(snowflake_config).transient_errors
    )


def test_a_failed_final_transaction_leaves_no_new_table(
    snowflake_config: e.DestinationConfig,
    write_csv: Callable[..., Path],
    make_spec: Callable[..., e.JobSpec],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refused(writer: SqlWriter) -> int:
        writer.execute("SELECT 1")
        raise RuntimeError("the warehouse was suspended")

    monkeypatch.setattr(SnowflakeWriter, "_apply", refused)
    spec = make_spec(write_csv("id\n1\n"), snowflake_config, run_id="f1")
    with pytest.raises(e.LoadFailed, match="suspended"):
        e.run_job(spec, RecordingReporter())
    assert e.open_destination(snowflake_config).list_tables(schema_of(snowflake_config)) == []
    monkeypatch.undo()
    assert e.run_job(spec, RecordingReporter()).rows_loaded == 1  # the retry loads it once
    assert query(snowflake_config, f"SELECT id FROM {schema_of(snowflake_config)}.target") == [(1,)]
