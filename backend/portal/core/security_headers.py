"""Security headers on every response, and the origin check that stops cross-site requests."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.core.errors import error_body

# What the built SPA needs: its own scripts only (Vite emits no inline script), inline styles
# (Radix positions popovers through style attributes), data: images (icons), the API on itself.
APP_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI and ReDoc start from an inline script and ReDoc runs a blob: worker; still nothing
# from another origin.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
_FIXED = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]
_UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        csp = DOCS_CSP if path in DOCS_PATHS else APP_CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    *_FIXED,
                    (b"content-security-policy", csp.encode()),
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


class OriginCheckMiddleware:
    """Refuses a state-changing request sent by another site's page (cross-site request forgery).

    A browser names the page's origin in `Origin` (or at least `Referer`); the request passes when
    that origin's host is the host it was sent to (TrustedHost vouches for that one; the port is
    not compared because a proxy forwards the Host without it) or an allowed CORS origin. Requests
    naming no origin at all (curl, scripts, server-to-server) pass: there is no cookie to ride yet.
    """

    def __init__(self, app: ASGIApp, allowed_origins: Iterable[str]) -> None:
        self.app = app
        self.allowed = {origin.rstrip("/").lower() for origin in allowed_origins}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _UNSAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        claimed = headers.get("origin") or headers.get("referer")
        if claimed is None or self._allowed(claimed, headers.get("host", "")):
            await self.app(scope, receive, send)
            return
        body = error_body(
            "CrossOriginRequestRefused",
            "A state-changing request from another site's page is refused",
            {"origin": claimed[:200]},
        )
        await JSONResponse(body, status_code=403)(scope, receive, send)

    def _allowed(self, claimed: str, host: str) -> bool:
        origin = _origin_of(claimed)  # "null" (sandboxed frames, file://) has none: refused
        if origin is None:
            return False
        if origin in self.allowed:
            return True
        own_host = urlsplit(f"//{host}").hostname
        return own_host is not None and urlsplit(origin).hostname == own_host
