"""The error side of the OpenAPI document: every 4xx/5xx answer is documented with the house body
`{"error", "message", "details", "timestamp"}` (core/errors.py renders it).

Routes declare what only they answer (`responses=errors(409, 503)`, or with their own wording:
`errors(404, (409, "`LastAdmin`: ..."))`); what follows from a route's shape is added to every
operation by `document_errors(app)`:

- a path parameter: 404 (the thing it names does not exist);
- any parameter or body: 422 (the request does not fit the schema, or the service refused a value);
- a JSON body: 400 (the body is not readable JSON at all).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

Responses = dict[int | str, dict[str, Any]]

ERROR_SCHEMA = "ErrorRead"
_DEFAULT_WORDING = {
    400: "The body is not readable JSON",
    404: "Not found: `details.entity` and `details.id` name what is missing",
    409: "Conflict with the current state: `error` names it",
    413: "`FileTooLarge`: over the configured limit",
    415: "Not a file type the portal reads",
    422: "`RequestValidationError` (`details.problems`: field, message, type) or a value the service refused",
    429: "Too many attempts: `details.retry_after_seconds` (and the Retry-After header)",
    502: "The destination could not be reached or refused the request",
    503: "`AirflowUnavailable`: Airflow could not be reached; nothing was changed",
}


class ErrorRead(BaseModel):
    """Every error answer."""

    error: str = Field(description="What went wrong, by name: `EntityNotFoundError`, `LastAdmin`, ...")
    message: str = Field(description="For a person to read")
    details: dict[str, Any] = Field(description="Machine-readable specifics; `{}` when there are none")
    timestamp: datetime


def errors(*codes: int | tuple[int, str]) -> Responses:
    """`responses=` for a route: each code with the house error body (a tuple gives its wording)."""
    responses: Responses = {}
    for item in codes:
        code, wording = item if isinstance(item, tuple) else (item, _DEFAULT_WORDING.get(item, "Error"))
        responses[code] = {"model": ErrorRead, "description": wording}
    return responses


def document_errors(app: FastAPI) -> None:
    """Make `app.openapi()` document the errors every operation's shape implies, all with ErrorRead
    (FastAPI's own 422 body, `HTTPValidationError`, is not what the portal sends)."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        spec = build()  # cached by FastAPI; patching it again changes nothing
        _patch(spec)
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def _operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        operation
        for path_item in spec.get("paths", {}).values()
        for method, operation in path_item.items()
        if method in {"get", "put", "post", "delete", "patch", "head", "options"}
    ]


def _patch(spec: dict[str, Any]) -> None:
    error_body = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}}}
    for operation in _operations(spec):
        parameters = operation.get("parameters", [])
        body = operation.get("requestBody", {}).get("content", {})
        responses = operation.setdefault("responses", {})
        implied = []
        if any(p.get("in") == "path" for p in parameters):
            implied.append(404)
        if parameters or body:
            implied.append(422)
        if "application/json" in body:
            implied.append(400)
        for code in implied:
            responses.setdefault(str(code), {"description": _DEFAULT_WORDING[code]})
        for code, response in responses.items():
            if code[:1] in {"4", "5"}:
                response["content"] = error_body
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas[ERROR_SCHEMA] = ErrorRead.model_json_schema(ref_template="#/components/schemas/{model}")
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
