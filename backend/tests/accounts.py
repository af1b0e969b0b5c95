"""Users, API tokens and signed-in clients for tests (a module, not conftest, so any test may import it).

user = await make_user(app, Role.VIEWER)                 # an active user with PASSWORD
token = await token_for(app, user)                       # "etlp_..." for Authorization: Bearer
async with token_client(app, token) as http: ...         # every request carries the token
async with cookie_client(app, user.email) as http: ...   # POST /auth/login; X-CSRF-Token sent on writes
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from portal.auth import tokens
from portal.auth.principal import AuthMethod, Principal, Role
from portal.auth.sessions import CSRF_COOKIE, CSRF_HEADER
from portal.users.models import User
from portal.users.service import create_user

BASE_URL = "http://portal.test"
PASSWORD = "test-password-1"
_numbers = itertools.count(1)


async def make_user(
    app: FastAPI, role: Role, *, email: str | None = None, password: str = PASSWORD, name: str | None = None
) -> User:
    email = email or f"{role.value}-{next(_numbers)}@example.com"
    async with app.state.session_factory() as db:
        user = await create_user(
            db, email=email, name=name or email.split("@")[0], role=role, password=password
        )
        await db.commit()
    return user


async def token_for(
    app: FastAPI, user: User, *, name: str = "tests", expires_in_days: int | None = None
) -> str:
    principal = Principal(user_id=user.id, email=user.email, role=user.role, method=AuthMethod.SESSION)
    async with app.state.session_factory() as db:
        _, value = await tokens.create_token(
            db, principal, name=name, expires_in_days=expires_in_days, ip=None
        )
    return value


async def admin_of(app: FastAPI) -> User:
    """The first admin (created at start), or a new one when the settings made none."""
    async with app.state.session_factory() as db:
        user = await db.scalar(
            select(User).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id).limit(1)
        )
    return user if user is not None else await make_user(app, Role.ADMIN, email="test-admin@example.com")


def plain_client(app: FastAPI, **kwargs: object) -> httpx.AsyncClient:
    """No credentials at all."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL, **kwargs)  # type: ignore[arg-type]


@asynccontextmanager
async def token_client(app: FastAPI, token: str) -> AsyncIterator[httpx.AsyncClient]:
    async with plain_client(app, headers={"Authorization": f"Bearer {token}"}) as http:
        yield http


@asynccontextmanager
async def client_with_role(app: FastAPI, role: Role) -> AsyncIterator[httpx.AsyncClient]:
    """A fresh user with `role`, by API token."""
    user = await make_user(app, role)
    async with token_client(app, await token_for(app, user)) as http:
        yield http


async def _send_csrf(request: httpx.Request, http: httpx.AsyncClient) -> None:
    csrf = http.cookies.get(CSRF_COOKIE)
    if csrf and request.method not in ("GET", "HEAD", "OPTIONS") and CSRF_HEADER not in request.headers:
        request.headers[CSRF_HEADER] = csrf


@asynccontextmanager
async def cookie_client(
    app: FastAPI, email: str, password: str = PASSWORD, *, send_csrf: bool = True
) -> AsyncIterator[httpx.AsyncClient]:
    """A browser signed in by POST /auth/login (cookies), echoing portal_csrf as X-CSRF-Token on writes."""
    async with plain_client(app) as http:
        if send_csrf:

            async def hook(request: httpx.Request) -> None:
                await _send_csrf(request, http)

            http.event_hooks["request"] = [hook]
        response = await http.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        yield http
