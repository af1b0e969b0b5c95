"""The OpenAPI document describes the errors the portal really sends (the house body), on every operation."""

from __future__ import annotations

from typing import Any

import pytest

from portal.core.config import Settings
from portal.core.errors import error_body
from portal.main import create_app

ERROR_REF = {"$ref": "#/components/schemas/ErrorRead"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    document: dict[str, Any] = create_app(
        Settings(database_url="postgresql+asyncpg://postgres@127.0.0.1:5432/unused")
    ).openapi()
    return document


def operations(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def test_every_error_answer_is_the_house_body(spec: dict[str, Any]) -> None:
    wrong = [
        f"{name} {code}"
        for name, operation in operations(spec)
        for code, response in operation["responses"].items()
        if code[0] in "45"
        and response.get("content", {}).get("application/json", {}).get("schema") != ERROR_REF
    ]
    assert wrong == []
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    documented = set(spec["components"]["schemas"]["ErrorRead"]["properties"])
    assert documented == set(error_body("EntityNotFoundError", "Job 1 not found"))


def test_what_a_route_takes_implies_its_errors(spec: dict[str, Any]) -> None:
    for name, operation in operations(spec):
        parameters = operation.get("parameters", [])
        body = operation.get("requestBody", {}).get("content", {})
        codes = set(operation["responses"])
        if any(p["in"] == "path" for p in parameters):
            assert "404" in codes, name
        if parameters or body:
            assert "422" in codes, name
        if "application/json" in body:
            assert "400" in codes, name


def test_routes_document_their_own_conflicts(spec: dict[str, Any]) -> None:
    responses = spec["paths"]["/api/v1/users/{user_id}"]["patch"]["responses"]
    assert "LastAdmin" in responses["409"]["description"]
    assert "503" in spec["paths"]["/api/v1/jobs/execute/{job_id}"]["post"]["responses"]
