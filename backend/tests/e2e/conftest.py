"""One real stack per test session: embedded Airflow (api-server, scheduler, dag-processor, SQLite,
LocalExecutor) and the backend, on free ports, against the PostgreSQL app database
`etl_test_e2e_app`; loads go to `etl_test_e2e_dest` or the stack's own DuckDB warehouse.

Fixtures:
- `stack` (session): the running `portal.devstack.Stack`.
- `portal` (session): `PortalClient` on the stack's backend.
- `dest` (session): a psycopg connection (autocommit) to the destination database.
- `pg_credential` (session): a credential for the destination database, created through the API.
- `airflow_api` (session): an httpx client on Airflow's REST API with a token.
- `record_latency` (session): `record_latency(mode, finished_runs)` keeps trigger->RUNNING and
  RUNNING->end times per executor mode in test-artifacts/orchestration_latency.json (figures for
  the issue note; nothing asserts on them).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from e2e_client import PortalClient, latency_summary

from portal.core.config import REPO_ROOT
from portal.devstack import Stack, StackConfig, free_port

APP_DATABASE = "etl_test_e2e_app"
DEST_DATABASE = "etl_test_e2e_dest"
ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
DEST_DSN = f"postgresql://postgres@127.0.0.1:5432/{DEST_DATABASE}"


def recreate_database(name: str) -> None:
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def stack_env(home: Path, airflow_port: int, database: str, airflow_password: str) -> dict[str, str]:
    """The portal settings a stack's backend and Airflow workers share."""
    return {
        "ENVIRONMENT": "development",
        "DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}",
        "CREDENTIALS_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "UPLOAD_DIR": str(home / "uploads"),
        "WAREHOUSE_PATH": str(home / "warehouse.duckdb"),
        "FRONTEND_DIST": str(home / "no-frontend"),
        "AIRFLOW_API_URL": f"http://127.0.0.1:{airflow_port}",
        "AIRFLOW_USERNAME": "admin",
        "AIRFLOW_PASSWORD": airflow_password,
    }


def print_logs_on_failure(stack: Stack) -> None:
    for name in stack.service_names():
        print(f"\n----- {name} (last lines) -----\n{stack.log_tail(name, 60)}")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    recreate_database(APP_DATABASE)
    recreate_database(DEST_DATABASE)
    home = tmp_path_factory.mktemp("e2e_stack")
    airflow_port = free_port()
    password = secrets.token_urlsafe(12)
    config = StackConfig(
        home=home,
        portal_env=stack_env(home, airflow_port, APP_DATABASE, password),
        backend_port=free_port(),
        airflow_port=airflow_port,
        log_server_port=free_port(),
        admin_password=password,
    )
    running = Stack(config)
    try:
        running.start()
    except BaseException:
        print_logs_on_failure(running)
        running.stop()
        raise
    yield running
    if os.environ.get("E2E_PRINT_LOGS"):
        print_logs_on_failure(running)
    running.stop()


@pytest.fixture(scope="session")
def portal(stack: Stack) -> Iterator[PortalClient]:
    client = PortalClient(stack.backend_url)
    yield client
    client.close()


@pytest.fixture(scope="session")
def airflow_api(stack: Stack) -> Iterator[httpx.Client]:
    client = httpx.Client(
        base_url=f"{stack.airflow_url}/api/v2",
        headers={"Authorization": f"Bearer {stack.airflow_token()}"},
        timeout=30,
    )
    yield client
    client.close()


@pytest.fixture(scope="session")
def dest(stack: Stack) -> Iterator[psycopg.Connection]:
    with psycopg.connect(DEST_DSN, autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="session")
def pg_credential(portal: PortalClient) -> dict[str, object]:
    return portal.create_credential(
        name="e2e destination",
        kind="postgres",
        host="127.0.0.1",
        port=5432,
        database=DEST_DATABASE,
        username="postgres",
        password="not-checked-under-trust",
    )


@pytest.fixture(scope="session")
def record_latency() -> Iterator[Callable[[str, list[dict[str, Any]]], None]]:
    measured: dict[str, Any] = {}

    def record(mode: str, runs: list[dict[str, Any]]) -> None:
        measured[mode] = latency_summary(runs)

    yield record
    if not measured:
        return
    path = REPO_ROOT / "test-artifacts" / "orchestration_latency.json"
    path.parent.mkdir(exist_ok=True)
    previous = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps({**previous, **measured}, indent=2))
    print(f"\norchestration latency ({path}):\n{json.dumps(measured, indent=2)}")
