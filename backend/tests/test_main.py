"""The app factory: the built SPA at / with deep links, OpenAPI docs, CORS, request ids."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from portal.auth.route_roles import ROUTE_ROLES
from portal.core.config import Settings
from portal.main import create_app


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><div id=root></div>")
    (root / "assets" / "app.js").write_text("console.log('spa')")
    (tmp_path / "secret.txt").write_text("outside the dist folder")
    return root


async def test_spa_files_and_deep_links_are_served_but_api_paths_stay_json(
    make_client: Callable[[Settings], Any], make_settings: Callable[..., Settings], dist: Path
) -> None:
    async with make_client(make_settings(frontend_dist=dist)) as http:
        index = await http.get("/")
        asset = await http.get("/assets/app.js")
        deep_link = await http.get("/jobs/12/runs")
        escape = await http.get("/..%2Fsecret.txt")
        api_missing = await http.get("/api/v1/nothing-here")
        health = await http.get("/health")

    assert index.status_code == 200 and "id=root" in index.text
    assert asset.text == "console.log('spa')"
    assert deep_link.status_code == 200 and "id=root" in deep_link.text
    assert "outside the dist folder" not in escape.text
    assert api_missing.status_code == 404 and api_missing.json()["error"] == "NotFound"
    assert health.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/nothing-here"),
        ("POST", "/api/v1/nothing-here"),
        ("DELETE", "/api/v1/jobs/1/nothing"),
        ("GET", "/api/v2/jobs"),
        ("GET", "/api"),
        ("GET", "/api/"),
    ],
)
async def test_unknown_api_paths_are_json_404s_in_the_error_format_beside_the_spa(
    make_client: Callable[[Settings], Any],
    make_settings: Callable[..., Settings],
    dist: Path,
    method: str,
    path: str,
) -> None:
    async with make_client(make_settings(frontend_dist=dist)) as http:
        response = await http.request(method, path)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "message", "details", "timestamp"}
    assert body["error"] == "NotFound" and path.rstrip("/") in body["message"]


async def test_the_openapi_document_is_served_where_tools_look_for_it_beside_the_spa(
    make_client: Callable[[Settings], Any], make_settings: Callable[..., Settings], dist: Path
) -> None:
    async with make_client(make_settings(frontend_dist=dist)) as http:
        top = await http.get("/openapi.json")
        versioned = await http.get("/api/v1/openapi.json")
        docs = await http.get("/docs")

    assert top.status_code == versioned.status_code == 200
    assert top.json() == versioned.json()
    assert "/api/v1/job-runs" in top.json()["paths"]
    assert "/openapi.json" not in top.json()["paths"]
    assert docs.status_code == 200 and "/api/v1/openapi.json" in docs.text


async def test_docs_redoc_and_openapi_are_published(client: httpx.AsyncClient) -> None:
    docs = await client.get("/docs")
    redoc = await client.get("/redoc")
    schema = (await client.get("/api/v1/openapi.json")).json()

    assert docs.status_code == redoc.status_code == 200
    assert "/api/v1/sources/csv/upload" in schema["paths"]
    upload = schema["paths"]["/api/v1/sources/csv/upload"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]


async def test_cors_allows_the_configured_dev_origin(client: httpx.AsyncClient) -> None:
    response = await client.options(
        "/api/v1/credentials",
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"},
    )

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"


async def test_a_client_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "abc-123"})

    assert response.headers["x-request-id"] == "abc-123"


async def test_an_unexpected_error_is_a_500_in_the_error_format_without_internals(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(make_settings())
    monkeypatch.setitem(ROUTE_ROLES, ("GET", "/boom"), None)  # public, like /health

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("internal detail: password=hunter2")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as http:
        response = await http.get("/boom")

    assert response.status_code == 500
    body = response.json()
    assert body["error"] == "InternalServerError"
    assert set(body) == {"error", "message", "details", "timestamp"}
    assert "hunter2" not in response.text
