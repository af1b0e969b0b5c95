"""The shared fixture of tricky values (tricky.py) is what it says in both databases: the values a
source test compares against are the values the servers hold."""

from __future__ import annotations

import psycopg

import etl_engine as e
from etl_engine.sources.base import SourceConfig

from .conftest import dsn, mysql_run
from .tricky import NAMES, TRICKY_ROWS, ZERO_DATE_ID, create_mariadb, create_postgres


def test_postgres_holds_the_tricky_rows(pg_config: e.DestinationConfig) -> None:
    schema, table = create_postgres(pg_config)
    with psycopg.connect(dsn(pg_config)) as conn:
        rows = conn.execute(
            f"""SELECT id, exact, big_unsigned, to_json(tags)::text, raw::text, note, latin
            FROM "{schema}".{table} ORDER BY id"""
        ).fetchall()
    names = ["id", "exact", "big_unsigned", "tags", "raw", "note", "latin"]
    assert rows == [tuple(row[n] for n in names) for row in TRICKY_ROWS]


def test_mariadb_holds_the_tricky_rows_and_a_zero_date(mysql_config: SourceConfig) -> None:
    _, table = create_mariadb(mysql_config)
    rows = mysql_run(
        mysql_config,
        "SET time_zone = '+00:00'",
        f"SELECT id, exact, big_unsigned, CAST(at_tz AS CHAR), HEX(raw), note, latin, CAST(day AS CHAR)"
        f" FROM {table} ORDER BY id",
    )
    assert [r[:7] for r in rows[:-1]] == [
        (
            row["id"],
            row["exact"],
            None if row["big_unsigned"] is None else int(row["big_unsigned"]),
            None if row["at_tz"] is None else row["at_tz"].strftime("%Y-%m-%d %H:%M:%S.%f"),
            None if row["raw"] is None else row["raw"][2:].upper(),
            row["note"],
            row["latin"],
        )
        for row in TRICKY_ROWS
    ]
    assert (rows[-1][0], rows[-1][-1]) == (ZERO_DATE_ID, "0000-00-00")
    assert len(NAMES) == len(mysql_run(mysql_config, f"SHOW COLUMNS FROM {table}"))
