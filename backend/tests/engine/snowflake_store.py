"""A Snowflake emulator for the tests: fakesnow's server mode (Snowflake's HTTP API over DuckDB)
on a free port, one per session; the real snowflake-connector-python talks to it.

Fixtures (import them into a test module): `snowflake_server` (the connector's keyword
arguments), `snowflake_config` (a fresh database per test, schema in options["schema"]).
`query(config, sql)` reads what the emulator stored straight from its DuckDB database: fakesnow's
result encoding turns NULL timestamps into 1970-01-01 (its bug; `IS NULL` on them is true), so
values are checked where they are kept rather than through that encoding. No real Snowflake
account is used anywhere.
"""

from __future__ import annotations

import importlib
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fakesnow import server as start_fakesnow  # the function: importing fakesnow.server shadows it

import etl_engine as e


@pytest.fixture(scope="session")
def snowflake_server() -> Iterator[dict[str, Any]]:
    logging.getLogger("fakesnow.server").setLevel(logging.WARNING)
    with start_fakesnow() as connection_kwargs:
        yield connection_kwargs


@pytest.fixture
def snowflake_config(snowflake_server: dict[str, Any]) -> e.DestinationConfig:
    return e.DestinationConfig(
        kind="snowflake",
        account="fakesnow",
        user=snowflake_server["user"],
        password=snowflake_server["password"],
        host=snowflake_server["host"],
        port=snowflake_server["port"],
        database=f"db_{uuid.uuid4().hex[:10]}",
        warehouse="compute_wh",
        options={
            "schema": f"t_{uuid.uuid4().hex[:10]}",
            "protocol": "http",
            "network_timeout": 5,
            # fakesnow runs MERGE through a temporary table: not inside a transaction
            "upsert_statement": "update_insert",
        },
    )


def query(config: e.DestinationConfig, sql: str) -> list[tuple[Any, ...]]:
    """`sql` on the emulator's DuckDB, in the config's database (DuckDB matches names case-insensitively)."""
    assert config.database is not None
    cursor = importlib.import_module("fakesnow.server").shared_fs.duck_conn.cursor()
    try:
        cursor.execute(f'USE "{config.database.upper()}"')
        rows: list[tuple[Any, ...]] = cursor.execute(sql).fetchall()
        return rows
    finally:
        cursor.close()
