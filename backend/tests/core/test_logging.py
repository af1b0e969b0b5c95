from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from portal.auth.route_roles import ROUTE_ROLES
from portal.core.config import Settings
from portal.core.logging import configure_logging
from portal.main import create_app


async def test_production_logs_are_json_lines_carrying_the_request_id(
    make_client: Callable[[Settings], Any],
    make_settings: Callable[..., Settings],
    capfd: pytest.CaptureFixture[str],
) -> None:
    settings = make_settings(log_format="json")
    async with make_client(settings) as http:
        capfd.readouterr()
        response = await http.post(
            "/api/v1/credentials",
            json={"name": "duck", "kind": "duckdb", "options": {"path": "x.duckdb"}},
            headers={"X-Request-ID": "req-42"},
        )
        _, err = capfd.readouterr()

    assert response.status_code == 201
    events = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    created = [e for e in events if e.get("event") == "credential_created"]
    assert created and created[0]["request_id"] == "req-42"
    assert created[0]["level"] == "info" and created[0]["timestamp"]


@pytest.mark.parametrize("log_format", ["console", "json"])
async def test_an_unexpected_error_logs_its_traceback_without_locals_or_headers(
    make_settings: Callable[..., Settings],
    clean_tables: None,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    log_format: str,
) -> None:
    application = create_app(make_settings(log_format=log_format))
    monkeypatch.setitem(ROUTE_ROLES, ("GET", "/boom"), None)  # public, like /health

    async def explode() -> None:
        local_secret = "local-canary-4711"
        raise RuntimeError(f"boom ({len(local_secret)})")

    application.add_api_route("/boom", explode)
    transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(transport=transport, base_url="http://portal.test") as http,
    ):
        capfd.readouterr()
        response = await http.get("/boom", headers={"X-Secret-Header": "header-canary-0815"})
        _, err = capfd.readouterr()

    assert response.status_code == 500
    assert "Traceback" in err and "RuntimeError: boom (17)" in err and "explode" in err
    assert "local-canary-4711" not in err
    assert "header-canary-0815" not in err


def test_the_sso_callbacks_code_never_reaches_the_access_log(capfd: pytest.CaptureFixture[str]) -> None:
    """uvicorn writes each request line with its query; the callback's carries the one-time code."""
    configure_logging("json")
    access = logging.getLogger("uvicorn.access")
    line = '%s - "%s %s HTTP/%s" %d'
    callback = "/api/v1/auth/oidc/callback?code=SECRETCODE&state=S"
    access.info(line, "10.0.0.1:5000", "GET", callback, "1.1", 302)
    access.info(line, "10.0.0.1:5000", "GET", "/api/v1/job-runs?job_id=7", "1.1", 200)
    _, err = capfd.readouterr()

    assert "SECRETCODE" not in err
    assert "/api/v1/auth/oidc/callback?[redacted]" in err
    assert "/api/v1/job-runs?job_id=7" in err  # other queries stay, they help reading the log
