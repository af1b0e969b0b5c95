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

import json
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import psycopg
import pytest
from databases import recreate_database
from e2e_client import PortalClient, latency_summary
from e2e_stack import APP_DATABASE, DEST_DATABASE, stack_env, started_stack

from portal.core.config import REPO_ROOT
from portal.devstack import Stack, StackConfig, free_port

DEST_DSN = f"postgresql://postgres@127.0.0.1:5432/{DEST_DATABASE}"


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
    with started_stack(config) as running:
        yield running


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
