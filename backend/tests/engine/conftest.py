"""Engine test fixtures: a real PostgreSQL database `etl_test_engine` (recreated per session), DuckDB
files in tmp_path, a Reporter that records everything, and helpers that write CSV files and build
job specs.

- `pg_config` / `duckdb_config`: DestinationConfig for each real destination.
- `destination` (parametrised over postgres and duckdb): the config, for writer contract tests.
- `reporter`: a RecordingReporter (progress, rejected rows, log events; `cancel_after` batches).
- `write_csv(text, name="data.csv", encoding="utf-8", gzip=False) -> Path`.
- `make_spec(path, destination, **load_fields) -> JobSpec` from the file's own profile.
- `query(destination, sql) -> list[tuple]` reads from either destination.
- `mysql_config`: a SourceConfig for a fresh MariaDB database per test (named from
  ENGINE_TEST_MYSQL_DATABASE, default `etl_test_engine`, plus a random suffix), dropped after.
"""

from __future__ import annotations

import gzip as gzip_module
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pymysql
import pytest

import etl_engine as e
from etl_engine.sources.base import SourceConfig

ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
ENGINE_DATABASE = os.environ.get("ENGINE_TEST_DATABASE", "etl_test_engine")
MYSQL_DATABASE = os.environ.get("ENGINE_TEST_MYSQL_DATABASE", "etl_test_engine")
MYSQL_ADMIN = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}


@pytest.fixture(scope="session")
def engine_database() -> Iterator[str]:
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{ENGINE_DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{ENGINE_DATABASE}"')
    yield ENGINE_DATABASE
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{ENGINE_DATABASE}" WITH (FORCE)')


@pytest.fixture
def pg_config(engine_database: str) -> Iterator[e.DestinationConfig]:
    """A fresh schema per test so tests never see each other's tables."""
    schema = f"t_{uuid.uuid4().hex[:10]}"
    config = e.DestinationConfig(
        kind="postgres",
        host="127.0.0.1",
        port=5432,
        database=engine_database,
        user="postgres",
        options={"schema": schema},
    )
    with psycopg.connect(dsn(config), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield config
    with psycopg.connect(dsn(config), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def mysql_config() -> Iterator[SourceConfig]:
    """A fresh MariaDB database per test (MySQL's schema is its database)."""
    database = f"{MYSQL_DATABASE}_{uuid.uuid4().hex[:8]}"
    with mysql_admin() as conn:
        conn.cursor().execute(f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4")
    yield SourceConfig("mysql", "127.0.0.1", 3306, database, "root", "")
    with mysql_admin() as conn, conn.cursor() as cursor:
        # A source a failed test left open holds a metadata lock the DROP would wait for.
        cursor.execute("SELECT id FROM information_schema.PROCESSLIST WHERE db = %s", (database,))
        for (connection_id,) in cursor.fetchall():
            cursor.execute(f"KILL {int(connection_id)}")
        cursor.execute(f"DROP DATABASE IF EXISTS `{database}`")


def mysql_admin(database: str | None = None) -> pymysql.Connection[Any]:
    return pymysql.connect(**MYSQL_ADMIN, database=database, charset="utf8mb4", autocommit=True)


def mysql_run(config: SourceConfig, sql: str, *statements: str) -> list[tuple[Any, ...]]:
    """Run statements in the test's MariaDB database; the rows of the last one."""
    with mysql_admin(config.database) as conn, conn.cursor() as cursor:
        for statement in (sql, *statements):
            cursor.execute(statement)
        return list(cursor.fetchall())


@pytest.fixture
def duckdb_config(tmp_path: Path) -> e.DestinationConfig:
    return e.DestinationConfig(
        kind="duckdb", path=str(tmp_path / "warehouse.duckdb"), options={"schema": "main"}
    )


@pytest.fixture(params=["pg", "duckdb"])
def destination(request: pytest.FixtureRequest) -> e.DestinationConfig:
    config: e.DestinationConfig = request.getfixturevalue(f"{request.param}_config")
    return config


def dsn(config: e.DestinationConfig) -> str:
    return f"host={config.host} port={config.port} dbname={config.database} user={config.user}"


def schema_of(config: e.DestinationConfig) -> str:
    return str(config.options["schema"])


def query(config: e.DestinationConfig, sql: str) -> list[tuple[Any, ...]]:
    if config.kind == "duckdb":
        assert config.path is not None
        with duckdb.connect(config.path) as conn:
            return conn.execute(sql).fetchall()
    with psycopg.connect(dsn(config), autocommit=True) as conn:
        return conn.execute(sql).fetchall()


def table_exists(config: e.DestinationConfig, table: str) -> bool:
    return any(t.name == table for t in e.open_destination(config).list_tables(schema_of(config)))


@dataclass
class RecordingReporter:
    progress_seen: list[e.Progress] = field(default_factory=list)
    rejected_rows: list[e.RejectedRow] = field(default_factory=list)
    events: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    cancel_after: int | None = None  # cancel once this many progress reports were made

    def progress(self, p: e.Progress) -> None:
        self.progress_seen.append(p)

    def rejected(self, rows: list[e.RejectedRow]) -> None:
        self.rejected_rows.extend(rows)

    def log(self, event: str, **kv: object) -> None:
        self.events.append((event, kv))

    def cancelled(self) -> bool:
        return self.cancel_after is not None and len(self.progress_seen) >= self.cancel_after


@pytest.fixture
def reporter() -> RecordingReporter:
    return RecordingReporter()


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    def write(text: str, name: str = "data.csv", encoding: str = "utf-8", gzip: bool = False) -> Path:
        path = tmp_path / name
        data = text.encode(encoding)
        path.write_bytes(gzip_module.compress(data) if gzip else data)
        return path

    return write


@pytest.fixture
def make_spec() -> Callable[..., e.JobSpec]:
    def make(
        path: Path,
        destination: e.DestinationConfig,
        table: str = "target",
        run_id: str | None = None,
        columns: list[e.ColumnSpec] | None = None,
        profile: e.FileProfile | None = None,
        **load: Any,
    ) -> e.JobSpec:
        profile = profile or e.profile_csv(path)
        if columns is None:
            columns = [e.ColumnSpec(c.sql_name, c.sql_name, c.type) for c in profile.columns]
        return e.JobSpec(
            run_id=run_id or uuid.uuid4().hex[:12],
            source=e.FileSource(str(path), profile.options),
            source_columns=profile.columns,
            columns=columns,
            destination=destination,
            load=e.LoadSpec(schema=schema_of(destination), table=table, **load),
        )

    return make
