from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from portal.core.config import Settings


async def test_health_reports_database_ok_and_unreachable_airflow_as_degraded(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"] == {"ok": True, "message": "reachable"}
    assert body["airflow"]["ok"] is False
    assert "unreachable" in body["airflow"]["message"]


async def test_health_reports_an_unreachable_database_without_failing(
    make_settings: Callable[..., Settings], make_client: Callable[[Settings], Any]
) -> None:
    settings = make_settings(database_url="postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
    async with make_client(settings, signed_in=False) as http:  # no database: no account either
        response = await http.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"]["ok"] is False
    assert body["database"]["message"]


async def test_config_exposes_airflow_link_and_upload_limit(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    response = await client.get("/api/v1/config")

    assert response.status_code == 200
    body = response.json()
    assert body["airflow_ui_url"] == settings.airflow_ui_url
    assert body["max_upload_bytes"] == settings.max_upload_bytes
    assert body["version"]


async def test_unknown_route_answers_the_error_format(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/no-such-thing")

    assert response.status_code == 404
    assert set(response.json()) == {"error", "message", "details", "timestamp"}
    assert response.headers["x-request-id"]
