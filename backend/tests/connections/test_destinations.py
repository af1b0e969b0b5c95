from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from portal.core.config import Settings


@pytest.fixture
async def browse_schema(session: AsyncSession) -> AsyncIterator[str]:
    """A schema with one table in the test database, which doubles as a PostgreSQL destination."""
    await session.execute(text("DROP SCHEMA IF EXISTS dest_browse CASCADE"))
    await session.execute(text("CREATE SCHEMA dest_browse"))
    await session.execute(
        text(
            "CREATE TABLE dest_browse.people (id bigint NOT NULL, name text, born date, score numeric(10,2), "
            "loaded_at timestamptz NOT NULL DEFAULT now())"
        )
    )
    await session.commit()
    yield "dest_browse"
    await session.execute(text("DROP SCHEMA dest_browse CASCADE"))
    await session.commit()


async def postgres_credential(client: httpx.AsyncClient, settings: Settings, **overrides: Any) -> int:
    url = make_url(settings.database_url)
    body = {
        "name": "test database",
        "kind": "postgres",
        "host": url.host,
        "port": url.port,
        "database": url.database,
        "username": url.username,
        "options": {},
        **overrides,
    }
    response = await client.post("/api/v1/credentials", json=body)
    assert response.status_code == 201, response.text
    credential_id: int = response.json()["id"]
    return credential_id


async def test_postgres_schemas_tables_and_columns_are_browsable(
    client: httpx.AsyncClient, settings: Settings, browse_schema: str
) -> None:
    credential_id = await postgres_credential(client, settings)

    schemas = await client.get(f"/api/v1/destinations/{credential_id}/schemas")
    tables = await client.get(
        f"/api/v1/destinations/{credential_id}/tables", params={"schema": browse_schema}
    )
    columns = await client.get(
        f"/api/v1/destinations/{credential_id}/schema", params={"schema": browse_schema, "table": "people"}
    )

    assert schemas.status_code == 200
    assert {"public", browse_schema} <= set(schemas.json())
    assert "pg_catalog" not in schemas.json()
    assert tables.json() == [{"schema": browse_schema, "name": "people"}]
    body = columns.json()
    assert body["schema"] == browse_schema and body["table"] == "people"
    assert [(c["name"], c["nullable"], c["has_default"]) for c in body["columns"]] == [
        ("id", False, False),
        ("name", True, False),
        ("born", True, False),
        ("score", True, False),
        ("loaded_at", False, True),  # the wizard shows it filled by its default, not as missing
    ]
    assert body["columns"][0]["type"] == "bigint"


async def test_unknown_table_is_404(
    client: httpx.AsyncClient, settings: Settings, browse_schema: str
) -> None:
    credential_id = await postgres_credential(client, settings)

    response = await client.get(
        f"/api/v1/destinations/{credential_id}/schema", params={"schema": browse_schema, "table": "nope"}
    )

    assert response.status_code == 404
    assert response.json()["error"] == "EntityNotFoundError"


async def test_builtin_duckdb_warehouse_lists_its_schemas(client: httpx.AsyncClient) -> None:
    builtin = (await client.get("/api/v1/credentials")).json()["items"][0]

    response = await client.get(f"/api/v1/destinations/{builtin['id']}/schemas")

    assert response.status_code == 200
    assert "main" in response.json()


async def test_unreachable_destination_is_502_with_the_reason(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    credential_id = await postgres_credential(client, settings, port=1)

    response = await client.get(f"/api/v1/destinations/{credential_id}/schemas")

    assert response.status_code == 502
    body = response.json()
    assert body["error"] == "DestinationUnreachable"
    assert body["message"]


async def test_unknown_credential_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/destinations/999999/schemas")

    assert response.status_code == 404


async def test_tables_without_a_schema_is_422(client: httpx.AsyncClient) -> None:
    builtin = (await client.get("/api/v1/credentials")).json()["items"][0]

    response = await client.get(f"/api/v1/destinations/{builtin['id']}/tables")

    assert response.status_code == 422
    assert "schema" in response.json()["message"]
