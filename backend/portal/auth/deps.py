"""Who is asking, as route dependencies; the role check itself runs for every route (route_roles.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from portal.auth.principal import Principal
from portal.core.errors import NotAuthenticatedError


def optional_principal(request: Request) -> Principal | None:
    """The principal the app-wide check found (None on a public route without a session)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    return principal


def current_principal(request: Request) -> Principal:
    principal = optional_principal(request)
    if principal is None:
        raise NotAuthenticatedError("Sign in first", error="NotAuthenticated")
    return principal


def client_ip(request: Request) -> str | None:
    """The client's address as uvicorn sees it (behind a proxy: its forwarded-allow-ips decide)."""
    return request.client.host if request.client else None


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
ClientIp = Annotated[str | None, Depends(client_ip)]
