"""Request paths as clients write them: a trailing slash on an API path names the same resource."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class TrailingSlashMiddleware:
    """Routes `/api/v1/job-runs/` as `/api/v1/job-runs`, in place: no redirect, so the method and
    the body of a POST or PUT arrive as sent. Only paths under `prefix` (the SPA's own are left alone)."""

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] == "http" and path.startswith(self.prefix) and path.endswith("/"):
            trimmed = path.rstrip("/")
            scope = {**scope, "path": trimmed}
            raw: bytes | None = scope.get("raw_path")
            if raw is not None:
                scope["raw_path"] = raw.rstrip(b"/")
        await self.app(scope, receive, send)
