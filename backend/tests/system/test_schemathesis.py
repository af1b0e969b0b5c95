"""Schemathesis against the published OpenAPI document, as an admin: every operation gets generated
requests (valid and not), and every answer must be no server error, carry a documented status code,
and match the documented schema.

The backend runs for real (uvicorn on a free port) on its own PostgreSQL database; Airflow is a closed
port, so whatever needs it answers the documented 503. Bounded: MAX_EXAMPLES per operation.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from alembic import command
from databases import TEST_DATABASE, alembic_config, recreate_database
from hypothesis import HealthCheck, settings
from schemathesis import checks

from portal.core.config import Settings
from portal.devstack import free_port
from portal.main import create_app

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))
DATABASE = f"{TEST_DATABASE}_schemathesis"
ADMIN_EMAIL = "schemathesis-admin@example.com"
ADMIN_PASSWORD = "schemathesis-admin-password"
CREDENTIALS_KEY = "dGVzdC1vbmx5LWNyZWRlbnRpYWxzLWtleS0zMmJ5dGU="
STARTUP_SECONDS = 60.0
# The one operation that would end the run: it revokes the token the run signs in with.
SKIPPED = {("DELETE", "/api/v1/tokens/{token_id}")}


@dataclass(frozen=True)
class LivePortal:
    url: str
    token: str
    log: Path


@pytest.fixture(scope="module")
def live_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePortal]:
    recreate_database(DATABASE)
    database_url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DATABASE}"
    command.upgrade(alembic_config(database_url), "head")
    home = tmp_path_factory.mktemp("schemathesis")
    port = free_port()
    env = {
        **os.environ,
        "ENVIRONMENT": "development",
        "DATABASE_URL": database_url,
        "CREDENTIALS_KEY": CREDENTIALS_KEY,
        "UPLOAD_DIR": str(home / "uploads"),
        "WAREHOUSE_PATH": str(home / "warehouse.duckdb"),
        "DUCKDB_DIR": str(home / "duckdb"),
        "FRONTEND_DIST": str(home / "no-frontend"),
        "AIRFLOW_API_URL": "http://127.0.0.1:9",  # nothing listens: 503 wherever Airflow is needed
        "BACKSTOP_ENABLED": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "LOG_FORMAT": "json",
    }
    log = home / "backend.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "portal.main:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process, log)
        yield LivePortal(url=url, token=_api_token(url), log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the backend exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the backend did not answer within {STARTUP_SECONDS} s:\n{log.read_text()[-4000:]}")


def _api_token(url: str) -> str:
    """Sign in as the first admin and make an API token (Bearer requests need no CSRF header)."""
    with httpx.Client(base_url=url, timeout=30) as http:
        login = http.post("/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        assert login.status_code == 200, login.text
        created = http.post(
            "/api/v1/tokens",
            json={"name": "schemathesis"},
            headers={"X-CSRF-Token": login.json()["csrf_token"]},
        )
        assert created.status_code == 201, created.text
        token: str = created.json()["token"]
        return token


def _published_spec() -> dict[str, Any]:
    """The document the live backend serves, built here at collection time (same code, no database
    connection): schemathesis makes one test per operation from it."""
    application = create_app(Settings(database_url="postgresql+asyncpg://postgres@127.0.0.1:5432/unused"))
    spec: dict[str, Any] = application.openapi()
    return spec


schema = schemathesis.openapi.from_dict(_published_spec()).exclude(
    func=lambda ctx: (ctx.operation.method.upper(), ctx.operation.path) in SKIPPED
)


def test_the_live_backend_publishes_the_document_tested(live_portal: LivePortal) -> None:
    assert httpx.get(f"{live_portal.url}/openapi.json", timeout=30).json() == _published_spec()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case: schemathesis.Case, live_portal: LivePortal) -> None:
    case.call_and_validate(
        base_url=live_portal.url,
        headers={"Authorization": f"Bearer {live_portal.token}"},
        checks=[
            checks.not_a_server_error,
            checks.status_code_conformance,
            checks.response_schema_conformance,
        ],
        timeout=60,
    )
