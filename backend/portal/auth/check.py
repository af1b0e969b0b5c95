"""The app-wide check every route runs first: who is asking (API token or session cookie), does
their role reach the route's rule (route_roles.py), and does a cookie write carry its CSRF token.

Sets `request.state.principal` (None on a public route) and, for a token,
`request.state.api_token_id` so a long stream can re-check it (a session's id is on the principal).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request
from starlette.routing import Route

from portal.auth.principal import AuthMethod, Principal
from portal.auth.route_roles import ROUTE_ROLES, SELF_CHECKED, rule_key
from portal.auth.sessions import (
    ACCESS_COOKIE,
    CSRF_HEADER,
    csrf_matches,
    principal_for,
    resolve_access,
    session_is_live,
)
from portal.auth.tokens import resolve_token, token_is_live
from portal.core.errors import NotAuthenticatedError, PermissionDeniedError

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise NotAuthenticatedError("Authorization must be 'Bearer <API token>'", error="InvalidToken")
    return value.strip()


async def authenticate_request(request: Request) -> Principal | None:
    """The principal behind the request's API token or session cookie, None without either.
    A token that is not valid is a 401 (a script should hear so); a stale cookie is just None.
    Cookie writes without the session's CSRF token are refused (403)."""
    token = _bearer(request)
    async with request.app.state.session_factory() as db:
        if token is not None:
            resolved = await resolve_token(db, token)
            if resolved is None:
                raise NotAuthenticatedError(
                    "The API token is unknown, revoked or expired", error="InvalidToken"
                )
            request.state.api_token_id = resolved.token.id
            return principal_for(resolved.user, AuthMethod.TOKEN)
        access = request.cookies.get(ACCESS_COOKIE)
        if not access:
            return None
        live = await resolve_access(db, access)
    if live is None:
        return None
    if request.method in UNSAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER)
        if not sent:
            raise PermissionDeniedError(
                f"A signed-in browser write needs the {CSRF_HEADER} header", error="CsrfTokenMissing"
            )
        if not csrf_matches(live.session, sent):
            raise PermissionDeniedError(f"{CSRF_HEADER} does not match the session", error="CsrfTokenInvalid")
    return principal_for(live.user, AuthMethod.SESSION, live.session.id)


async def authorize(request: Request) -> None:
    """The global dependency: 401 without a principal, 403 when the role is too low."""
    route = request.scope.get("route")
    path = route.path if isinstance(route, Route) else request.url.path
    key = rule_key(request.method, path)
    if key not in ROUTE_ROLES:  # create_app refuses such routes; never serve one by accident
        raise PermissionDeniedError(f"No access rule for {key[0]} {key[1]}", error="NoAccessRule")
    needed = ROUTE_ROLES[key]
    request.state.principal = None
    if needed is None or key in SELF_CHECKED:
        return
    principal = await authenticate_request(request)
    if principal is None:
        raise NotAuthenticatedError("Sign in first (or send an API token)", error="NotAuthenticated")
    request.state.principal = principal
    if not principal.role.allows(needed):
        raise PermissionDeniedError(
            f"This needs the {needed.value} role; you are {principal.role.value}",
            error="PermissionDenied",
            required_role=needed.value,
            role=principal.role.value,
        )


def liveness(request: Request) -> Callable[[], Awaitable[bool]]:
    """For a long response (SSE): a check that this request's session or token still stands
    (not revoked or expired, user still active). True when the request had no principal."""
    principal: Principal | None = getattr(request.state, "principal", None)
    token_id: int | None = getattr(request.state, "api_token_id", None)
    session_factory = request.app.state.session_factory

    async def check() -> bool:
        if principal is None:
            return True
        async with session_factory() as db:
            if principal.session_id is not None:
                return await session_is_live(db, principal.session_id)
            if token_id is not None:
                return await token_is_live(db, token_id)
        return False

    return check
