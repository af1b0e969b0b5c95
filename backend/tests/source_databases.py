"""Source databases for the tests of database jobs: a PostgreSQL or MariaDB database per test on
the machine's servers (named etl_h3_*), filled by SQL, read back, dropped; and an Airflow stand-in
that accepts every trigger (the API tests that only need a run to start)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import psycopg
import pymysql

from portal.clients.airflow import AirflowClient

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
MYSQL_ADMIN: dict[str, Any] = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}


def pg_url(database: str) -> str:
    return f"postgresql://postgres@127.0.0.1:5432/{database}"


@contextmanager
def pg_database(setup: str = "") -> Iterator[str]:
    """A new PostgreSQL database with `setup` run in it; dropped afterwards."""
    name = f"etl_h3_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"'.encode())
    try:
        if setup:
            pg_execute(name, setup)
        yield name
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())


def pg_execute(database: str, sql: str) -> None:
    with psycopg.connect(pg_url(database), autocommit=True) as conn:
        conn.execute(sql.encode())


def pg_rows(database: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(pg_url(database)) as conn:
        return conn.execute(sql.encode()).fetchall()


@contextmanager
def mysql_database(*statements: str) -> Iterator[str]:
    """A new MariaDB database with `statements` run in it; dropped afterwards (its sessions killed)."""
    name = f"etl_h3_{uuid.uuid4().hex[:10]}"
    with pymysql.connect(**MYSQL_ADMIN, autocommit=True) as conn, conn.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    try:
        for statement in statements:
            mysql_rows(name, statement)
        yield name
    finally:
        with pymysql.connect(**MYSQL_ADMIN, autocommit=True) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT id FROM information_schema.PROCESSLIST WHERE db = %s", (name,))
            for (connection_id,) in cursor.fetchall():
                cursor.execute(f"KILL {int(connection_id)}")
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")


def mysql_rows(database: str, sql: str) -> list[tuple[Any, ...]]:
    with pymysql.connect(**MYSQL_ADMIN, database=database, autocommit=True) as conn, conn.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())


def source_connection(kind: str, database: str) -> dict[str, Any]:
    """The body of POST /credentials for a source database on this machine (trust / no password)."""
    return {
        "name": f"{kind} {database}",
        "kind": kind,
        "usage": "both" if kind == "postgres" else "source",
        "host": "127.0.0.1",
        "port": 5432 if kind == "postgres" else 3306,
        "database": database,
        "username": "postgres" if kind == "postgres" else "root",
    }


class AcceptingAirflow:
    """Accepts every DAG run trigger and remembers its body; other calls answer 404."""

    def __init__(self) -> None:
        self.triggered: list[dict[str, Any]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/token":
            return httpx.Response(201, json={"access_token": "t"})
        if request.method == "POST" and request.url.path.endswith("/dagRuns"):
            self.triggered.append(json.loads(request.read()))
            return httpx.Response(200, json={})
        return httpx.Response(404, json={"detail": "not found"})

    def client(self) -> AirflowClient:
        return AirflowClient(
            "http://airflow.test", "admin", "admin", transport=httpx.MockTransport(self.handle)
        )
