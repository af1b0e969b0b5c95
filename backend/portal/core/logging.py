"""structlog set-up: readable console lines in development, JSON in production.

Context (request id, job_run_id) is bound through `structlog.contextvars`, so every
log line of a request or run carries it without passing loggers around.
"""

from __future__ import annotations

import logging
import sys
import uuid
from typing import Literal

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
# Paths whose query string is never logged: the SSO callback carries the provider's one-time code.
_UNLOGGED_QUERIES = ("/api/v1/auth/oidc/callback",)


class _DropSecretQueries(logging.Filter):
    """Cuts the query string off the paths above in uvicorn's access lines
    (args: client, method, path with query, HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path, _, query = args[2].partition("?")
            if query and path in _UNLOGGED_QUERIES:
                record.args = (*args[:2], f"{path}?[redacted]", *args[3:])
        return True


def configure_logging(log_format: Literal["console", "json"] | None = "console", level: str = "INFO") -> None:
    """Route structlog and the standard library (uvicorn, sqlalchemy) through one renderer."""
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    renderer: list[structlog.types.Processor]
    if log_format == "json":
        # In the formatter, not the logger chain: loggers cached before a reconfigure still get it.
        renderer = [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    else:
        # The plain traceback: rich's default prints every frame's locals, which include the
        # request scope (all headers, cookies) and any secret a frame held.
        renderer = [structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)]

    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn installs its own handlers; let its records flow to ours instead.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _DropSecretQueries) for f in access.filters):
        access.addFilter(_DropSecretQueries())


class RequestIdMiddleware:
    """Binds a request id (the client's X-Request-ID or a new one) for the request's log lines
    and echoes it in the response header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(REQUEST_ID_HEADER.encode())
        request_id = incoming.decode("latin-1")[:64] if incoming else uuid.uuid4().hex

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            await self.app(scope, receive, send_with_id)
