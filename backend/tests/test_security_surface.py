"""Host check, cross-site request refusal, security headers and the self-hosted API docs."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx

from portal.core.config import Settings
from portal.core.security_headers import APP_CSP, DOCS_CSP


async def test_a_dns_rebinding_host_is_refused(
    make_client: Callable[[Settings], Any], make_settings: Callable[..., Settings]
) -> None:
    async with make_client(make_settings(allowed_hosts=["127.0.0.1", "localhost"])) as http:
        rebound = await http.get("http://attacker.example/api/v1/jobs")
        local = await http.get("http://127.0.0.1:8000/api/v1/jobs")
        named = await http.get("http://localhost:5173/api/v1/jobs")

    assert rebound.status_code == 400
    assert rebound.headers["x-frame-options"] == "DENY"
    assert local.status_code == 200 and named.status_code == 200


async def test_a_cross_site_form_post_is_refused_but_not_a_same_origin_one(client: httpx.AsyncClient) -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    evil = await client.post("/api/v1/jobs/execute/1", headers={**form, "Origin": "https://evil.example"})
    null = await client.post("/api/v1/jobs/execute/1", headers={**form, "Origin": "null"})
    referer = await client.delete("/api/v1/jobs/1", headers={"Referer": "https://evil.example/page"})
    same = await client.post("/api/v1/jobs/execute/1", headers={**form, "Origin": "http://portal.test"})
    dev_server = await client.post("/api/v1/jobs/execute/1", headers={"Origin": "http://localhost:5173"})
    script = await client.post("/api/v1/jobs/execute/1")

    assert evil.status_code == 403
    assert evil.json()["error"] == "CrossOriginRequestRefused" and evil.json()["details"]["origin"]
    assert null.status_code == 403 and referer.status_code == 403
    # Past the check: the job does not exist.
    assert same.status_code == 404 and dev_server.status_code == 404 and script.status_code == 404


async def test_cors_answers_only_the_configured_origins(client: httpx.AsyncClient) -> None:
    preflight = {"Access-Control-Request-Method": "POST"}
    allowed = await client.options("/api/v1/jobs", headers={**preflight, "Origin": "http://localhost:5173"})
    other = await client.options("/api/v1/jobs", headers={**preflight, "Origin": "https://evil.example"})

    assert allowed.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert "access-control-allow-origin" not in other.headers


async def test_every_response_carries_the_security_headers(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get("/health"),
        await client.get("/api/v1/jobs"),
        await client.get("/api/v1/no-such-route"),
    ):
        assert response.headers["content-security-policy"] == APP_CSP
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "same-origin"
    assert "frame-ancestors 'none'" in APP_CSP and "script-src 'self';" in APP_CSP


async def test_the_api_docs_load_only_from_the_portal(client: httpx.AsyncClient) -> None:
    for page in ("/docs", "/redoc"):
        response = await client.get(page)
        assert response.status_code == 200
        assert response.headers["content-security-policy"] == DOCS_CSP
        urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", response.text)
        urls += re.findall(r"""url: ?["']([^"']+)["']""", response.text)
        assert urls and not re.search(r"https?://", response.text), page
        assert all(url.startswith("/") and not url.startswith("//") for url in urls), urls
        for url in urls:
            assert (await client.get(url)).status_code == 200, url
