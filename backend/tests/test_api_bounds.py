"""Every operation of the app's own OpenAPI document, called with integers too large for the database
(2**63, 2**64) in every integer path, query and body field: each must be a 422 naming that field,
never a 500 from a driver overflow."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

HUGE = [2**63, 2**64]
METHODS = {"get", "post", "put", "patch", "delete"}


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    options = [option for option in schema.get("anyOf", []) if option.get("type") != "null"]
    return resolve(spec, options[0]) if options else schema


def fill(spec: dict[str, Any], schema: dict[str, Any], huge: int, path: str, ints: list[str]) -> Any:
    """A value for `schema` with `huge` in every integer (their field paths appended to `ints`)."""
    schema = resolve(spec, schema)
    kind = schema.get("type")
    if kind == "integer":
        ints.append(path)
        return huge
    if kind == "object":
        properties = schema.get("properties", {})
        return {
            name: fill(spec, sub, huge, f"{path}.{name}" if path else name, ints)
            for name, sub in properties.items()
        }
    if kind == "array":
        return [fill(spec, schema.get("items", {}), huge, f"{path}.0", ints)]
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return False
    return schema.get("enum", ["x"])[0]


def operations(app: FastAPI) -> list[tuple[str, str, dict[str, Any]]]:
    spec = app.openapi()
    return [
        (method, path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


@pytest.mark.parametrize("huge", HUGE)
async def test_integers_past_the_database_range_are_a_422_naming_the_field_everywhere(
    app: FastAPI, client: httpx.AsyncClient, huge: int
) -> None:
    spec = app.openapi()
    checked = 0
    for method, path, operation in operations(app):
        url, params, ints = path, {}, []
        for parameter in operation.get("parameters", []):
            schema = resolve(spec, parameter["schema"])
            name, place = parameter["name"], parameter["in"]
            if schema.get("type") == "integer":
                value: Any = huge
                ints.append(f"{place}.{name}")
            elif place == "header" or not parameter.get("required"):
                continue
            else:
                value = schema.get("enum", ["x"])[0]
            if place == "path":
                url = url.replace("{" + name + "}", str(value))
            elif place == "query":
                params[name] = value
        body = None
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            body = fill(spec, content["application/json"]["schema"], huge, "", ints)
        if not ints:
            continue

        response = await client.request(method.upper(), url, params=params, json=body)

        assert response.status_code == 422, (method, url, response.status_code, response.text)
        named = {problem["field"] for problem in response.json()["details"]["problems"]}
        assert set(ints) <= named, (method, path, sorted(set(ints) - named))
        checked += 1
    assert checked >= 20  # the walk reached the app's operations, not an empty document


async def test_the_largest_valid_id_is_a_404_not_an_error(client: httpx.AsyncClient) -> None:
    for path in ("/api/v1/job-runs/2147483647", "/api/v1/jobs/2147483647", "/api/v1/credentials/2147483647"):
        response = await client.get(path)
        assert response.status_code == 404, (path, response.text)
    events = await client.get("/api/v1/job-runs", params={"offset": 2**63 - 1})
    assert events.status_code == 200 and events.json()["items"] == []
