"""Shared fixtures for every backend test.

Fixtures (use them by name):

- `database_url` (session): `postgresql+asyncpg://postgres@127.0.0.1:5432/etl_test_api` (or
  $PORTAL_TEST_DATABASE), dropped, recreated and migrated (`alembic upgrade head`) once per session.
- `make_settings` (function): `make_settings(**overrides) -> Settings` pointing at that database,
  an UPLOAD_DIR and WAREHOUSE_PATH under the test's tmp_path, and a fixed test CREDENTIALS_KEY.
- `settings` (function): `make_settings()`; override it in a module to change defaults.
- `app` (function): `create_app(settings)` with its lifespan running (built-in credential seeded).
- `client` (function): `httpx.AsyncClient` over ASGITransport on `app`, signed in as the first admin
  (an API token in `Authorization: Bearer`); use full paths, e.g. `await client.get("/api/v1/jobs")`.
- `anon_client` (function): the same without any credentials (expect 401 on non-public routes).
- `client_as` (function): `async with client_as(Role.VIEWER) as http:` a fresh user with that role, by
  API token.
- `login_client` (function): `async with login_client(Role.OPERATOR) as http:` a fresh user signed in
  by POST /auth/login (cookie session; X-CSRF-Token sent on writes) — for cookie and CSRF tests.
- `make_client` (function): `async with make_client(make_settings(max_upload_bytes=100)) as http:`
  a client on a one-off app with other settings (signed in as its first admin, by API token;
  `signed_in=False`: no credentials, e.g. when the app has no database).

Users, tokens and signed-in clients for other set-ups: tests/accounts.py.
- `session` (function): an `AsyncSession` on the same database, for arranging and checking rows.
- `upload_csv` (function): `await upload_csv(b"a,b\\n1,2\\n", "name.csv") -> dict` posts a file
  through the API and returns the UploadedFileRead body (asserts 201).

Every table is truncated after each test that uses `app`, `client`, `session` or `make_client`
(fixture `clean_tables`), so tests never see each other's rows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from accounts import (
    admin_of,
    client_with_role,
    cookie_client,
    make_user,
    plain_client,
    token_client,
    token_for,
)
from alembic import command
from databases import TEST_DATABASE, alembic_config, recreate_database
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from portal.auth.principal import Role
from portal.core.config import Settings
from portal.db.base import Base
from portal.main import create_app

# A fixed, non-placeholder 32-byte key (base64) so encrypted values are reproducible in tests.
TEST_CREDENTIALS_KEY = "dGVzdC1vbmx5LWNyZWRlbnRpYWxzLWtleS0zMmJ5dGU="


@pytest.fixture(scope="session")
def database_url() -> str:
    recreate_database(TEST_DATABASE)
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{TEST_DATABASE}"
    command.upgrade(alembic_config(url), "head")
    return url


@pytest.fixture
def make_settings(database_url: str, tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "environment": "development",
            "database_url": database_url,
            "credentials_key": TEST_CREDENTIALS_KEY,
            "upload_dir": tmp_path / "uploads",
            "warehouse_path": tmp_path / "warehouse.duckdb",
            "duckdb_dir": tmp_path / "duckdb",
            "frontend_dist": tmp_path / "no-frontend",
            # Nothing listens here: tests that need Airflow start their own and override this.
            "airflow_api_url": "http://127.0.0.1:9",
            "backstop_enabled": False,  # tests drive services/backstop.py directly
            "notifications_enabled": False,  # tests drive notifications/delivery.send_due directly
            "allowed_hosts": ["portal.test"],  # the test clients' base_url
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
async def clean_tables(database_url: str) -> AsyncIterator[None]:
    """Empties every table after the test (torn down after every app and session of the test)."""
    yield
    await _truncate_all(database_url)


@pytest.fixture
async def app(settings: Settings, clean_tables: None) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


def client_for(application: FastAPI) -> httpx.AsyncClient:
    """A client without credentials (see tests/accounts.py for signed-in ones)."""
    return plain_client(application)


@asynccontextmanager
async def admin_client(application: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    admin = await admin_of(application)
    async with token_client(application, await token_for(application, admin)) as http:
        yield http


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with admin_client(app) as http:
        yield http


@pytest.fixture
async def anon_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as http:
        yield http


@pytest.fixture
def client_as(app: FastAPI) -> Callable[[Role], AbstractAsyncContextManager[httpx.AsyncClient]]:
    """`async with client_as(Role.VIEWER) as http:` a fresh user with that role (API token)."""

    def make(role: Role) -> AbstractAsyncContextManager[httpx.AsyncClient]:
        return client_with_role(app, role)

    return make


@pytest.fixture
def login_client(app: FastAPI) -> Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]:
    """`async with login_client(Role.OPERATOR) as http:` a fresh user with a cookie session."""

    @asynccontextmanager
    async def make(role: Role = Role.ADMIN, **options: Any) -> AsyncIterator[httpx.AsyncClient]:
        user = await make_user(app, role)
        async with cookie_client(app, user.email, **options) as http:
            yield http

    return make


@pytest.fixture
def make_client(clean_tables: None) -> Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]:
    """`async with make_client(make_settings(max_upload_bytes=100)) as http:` for a one-off app
    (signed in as its first admin)."""

    @asynccontextmanager
    async def make(settings: Settings, *, signed_in: bool = True) -> AsyncIterator[httpx.AsyncClient]:
        application = create_app(settings)
        async with application.router.lifespan_context(application):
            sign_in = admin_client(application) if signed_in else client_for(application)
            async with sign_in as http:
                yield http

    return make


@pytest.fixture
async def session(app: FastAPI) -> AsyncIterator[AsyncSession]:
    async with app.state.session_factory() as db:
        yield db


@pytest.fixture
def upload_csv(client: httpx.AsyncClient) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def upload(content: bytes, filename: str = "data.csv") -> dict[str, Any]:
        response = await client.post("/api/v1/sources/csv/upload", files={"file": (filename, content)})
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    return upload


async def _truncate_all(database_url: str) -> None:
    engine = create_async_engine(database_url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()
