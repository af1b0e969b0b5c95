"""Every operation in /openapi.json (and /metrics, the docs) answered with no session, as a viewer, an
operator and an admin: 401 / 403 / let through exactly as portal/auth/route_roles.py says. A route
without a rule stops the app from starting; a rule without a route fails here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from accounts import make_user, plain_client, token_for
from fastapi import FastAPI

from portal.auth.principal import Role
from portal.auth.route_roles import ROUTE_ROLES, missing_rules, route_operations
from portal.core.config import Settings
from portal.main import create_app

ROLES = (Role.VIEWER, Role.OPERATOR, Role.ADMIN)
# (method, rule, path) of the routes the spec leaves out.
NON_SCHEMA = [
    ("GET", "/metrics", "/metrics"),
    ("GET", "/docs", "/docs"),
    ("GET", "/redoc", "/redoc"),
    ("GET", "/openapi.json", "/openapi.json"),
    ("GET", "/{path:page}", "/jobs/7"),
]


@pytest.fixture
def settings(make_settings: Callable[..., Settings], tmp_path: Path) -> Settings:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<!doctype html><title>ETL Portal</title>")
    # No network may read /metrics without signing in: only an admin's token may, like the table says.
    return make_settings(metrics_allowed_networks=[], frontend_dist=dist)


def _path_value(parameter: dict[str, Any]) -> str:
    """A value of the right type that names nothing (404 and 422 both mean: let through)."""
    schema = parameter.get("schema", {})
    return "999999" if schema.get("type") == "integer" else "nothing-here"


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(method, path template, concrete path) of every documented operation."""
    found = []
    for template, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            path = template
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    path = path.replace("{" + parameter["name"] + "}", _path_value(parameter))
            found.append((method.upper(), template, path))
    return found


def _expected(needed: Role | None, role: Role | None) -> str:
    if needed is None:
        return "through"
    if role is None:
        return "401"
    return "through" if role.allows(needed) else "403"


def _outcome(response: httpx.Response) -> str:
    """ "401" / "403" when the app-wide check refused; "through" when the route itself answered
    (a public route's own 401, such as /auth/refresh without a cookie, is its answer)."""
    is_json = response.content and "json" in response.headers.get("content-type", "")
    body = response.json() if is_json else None
    error = body.get("error") if isinstance(body, dict) else None
    if response.status_code == 401 and error in {"NotAuthenticated", "InvalidToken"}:
        return "401"
    if response.status_code == 403 and error in {"PermissionDenied", "CsrfTokenMissing", "CsrfTokenInvalid"}:
        return "403"
    return "through"


async def _call(http: httpx.AsyncClient, method: str, path: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {"json": {}} if method in {"POST", "PUT", "PATCH"} else {}
    return await http.request(method, path, headers=headers, **body)


async def test_every_operation_answers_each_role_as_the_table_says(app: FastAPI) -> None:
    tokens: dict[Role | None, str | None] = {None: None}
    for role in ROLES:
        tokens[role] = await token_for(app, await make_user(app, role))
    async with plain_client(app) as http:
        spec = (await http.get("/openapi.json")).json()
        operations = _operations(spec)
        operations += NON_SCHEMA
        assert len(operations) > 60  # the walk saw the API, not an empty spec

        wrong = []
        for method, template, path in operations:
            assert (method, template) in ROUTE_ROLES, f"{method} {template} has no rule"
            needed = ROUTE_ROLES[(method, template)]
            for role, token in tokens.items():
                response = await _call(http, method, path, token)
                got, expected = _outcome(response), _expected(needed, role)
                if got != expected:
                    who = role.value if role else "no session"
                    wrong.append(
                        f"{method} {path} as {who}: {got} ({response.status_code}), expected {expected}"
                    )
    assert wrong == [], "\n".join(wrong)


def test_every_rule_names_a_route(app: FastAPI) -> None:
    operations = set(route_operations(app.routes))
    assert sorted(set(ROUTE_ROLES) - operations) == []


def test_a_route_without_a_rule_stops_the_app_from_starting(settings: Settings) -> None:
    application = create_app(settings)
    application.add_api_route("/api/v1/forgotten", lambda: None, methods=["POST"])

    assert missing_rules(application.routes) == ["POST /api/v1/forgotten"]


def test_create_app_refuses_a_route_without_a_rule(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(ROUTE_ROLES, ("GET", "/api/v1/jobs"))

    with pytest.raises(RuntimeError, match="GET /api/v1/jobs"):
        create_app(settings)


async def test_a_denied_role_is_told_which_role_it_needs(client_as: Callable[[Role], Any]) -> None:
    async with client_as(Role.VIEWER) as http:
        response = await http.post("/api/v1/jobs/execute/1")

    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "PermissionDenied"
    assert body["details"] == {"required_role": "operator", "role": "viewer"}
    assert "operator" in body["message"]


async def test_the_spec_documents_401_and_403_on_protected_operations(anon_client: httpx.AsyncClient) -> None:
    spec = (await anon_client.get("/openapi.json")).json()

    execute = spec["paths"]["/api/v1/jobs/execute/{job_id}"]["post"]["responses"]
    assert {"401", "403"} <= set(execute)
    assert "operator" in execute["403"]["description"]
    health = spec["paths"]["/health"]["get"]["responses"]
    assert "401" not in health
