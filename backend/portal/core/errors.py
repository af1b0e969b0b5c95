"""Domain errors and the one set of handlers that renders every error as
`{"error", "message", "details", "timestamp"}`.

Services raise these (never HTTPException); routes stay thin.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import structlog
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = structlog.get_logger(__name__)


class PortalError(Exception):
    """Base of every domain error; `error` names it in the response body."""

    status_code: ClassVar[int] = 400

    def __init__(self, message: str, *, error: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.error = error or type(self).__name__
        self.details: dict[str, Any] = details


class EntityNotFoundError(PortalError):
    status_code = 404

    def __init__(self, entity: str, entity_id: object) -> None:
        super().__init__(f"{entity} {entity_id} not found", entity=entity, id=entity_id)


class NotAuthenticatedError(PortalError):
    """No valid session or API token (401)."""

    status_code = 401


class PermissionDeniedError(PortalError):
    """Signed in, but the role does not allow this (403)."""

    status_code = 403


class TooManyRequestsError(PortalError):
    """Rate limited; `details.retry_after_seconds` says when to try again (429)."""

    status_code = 429


class ConflictError(PortalError):
    status_code = 409


class ValidationFailedError(PortalError):
    status_code = 422


class PayloadTooLargeError(PortalError):
    status_code = 413


class UnsupportedFileError(PortalError):
    status_code = 415


class AirflowUnavailableError(PortalError):
    status_code = 503


class DestinationUnavailableError(PortalError):
    """A destination database could not be reached or refused the request."""

    status_code = 502


def error_body(error: str, message: str, details: Any = None) -> dict[str, Any]:
    return {
        "error": error,
        "message": message,
        "details": jsonable_encoder(details if details is not None else {}),
        "timestamp": datetime.now(UTC).isoformat(),
    }


async def _portal_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PortalError)
    headers = None
    if isinstance(exc, TooManyRequestsError) and "retry_after_seconds" in exc.details:
        headers = {"Retry-After": str(exc.details["retry_after_seconds"])}
    return JSONResponse(
        error_body(exc.error, exc.message, exc.details), status_code=exc.status_code, headers=headers
    )


def validation_problems(errors: Sequence[Any]) -> list[dict[str, str]]:
    """Pydantic errors as `[{field, message, type}]`; body fields are named without `body.`.
    Inputs are left out on purpose: they may be secrets (a credential's password)."""
    problems = []
    for err in errors:
        loc = [str(part) for part in err.get("loc", ())]
        if loc[:1] == ["body"] and len(loc) > 1:
            loc = loc[1:]
        problems.append({"field": ".".join(loc), "message": err.get("msg", ""), "type": err.get("type", "")})
    return problems


async def _request_validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = validation_problems(exc.errors())
    summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
    return JSONResponse(
        error_body("RequestValidationError", f"Invalid request: {summary}", {"problems": problems}),
        status_code=422,
    )


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    names = {404: "NotFound", 405: "MethodNotAllowed", 401: "Unauthorized", 403: "Forbidden"}
    message = str(exc.detail)
    # The router's own wording says nothing of what was asked for.
    if message == "Not Found":
        message = f"No route {request.method} {request.url.path}"
    elif message == "Method Not Allowed":
        message = f"{request.url.path} does not take {request.method}"
    return JSONResponse(
        error_body(names.get(exc.status_code, "HTTPError"), message),
        status_code=exc.status_code,
        headers=exc.headers,
    )


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    # The traceback goes to the log; the client gets no internals.
    log.exception("unhandled_error", error_type=type(exc).__name__)
    return JSONResponse(
        error_body("InternalServerError", "An unexpected error occurred; see the server log."),
        status_code=500,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PortalError, _portal_error)
    app.add_exception_handler(RequestValidationError, _request_validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(Exception, _unexpected)
