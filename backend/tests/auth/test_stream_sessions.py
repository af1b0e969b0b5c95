"""A run's SSE stream (EventSource: the cookie only) ends when its session ends: logout,
deactivation, a revoked API token."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from accounts import cookie_client, make_user, token_client, token_for
from fastapi import FastAPI
from run_factories import make_job, make_run
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth.principal import Role
from portal.users.models import User


async def _watched(app: FastAPI, run_id: int) -> None:
    """Until the stream has subscribed to the run's poller (a state, not a delay)."""
    while run_id not in getattr(getattr(app.state, "run_feeds", None), "watched", lambda: set())():
        await asyncio.sleep(0.05)


async def _stream_ends_after(
    app: FastAPI, http: httpx.AsyncClient, run_id: int, sign_out: Callable[[], Awaitable[Any]]
) -> httpx.Response:
    stream = asyncio.create_task(http.get(f"/api/v1/job-runs/{run_id}/stream"))
    await asyncio.wait_for(_watched(app, run_id), timeout=10)
    await sign_out()
    # The run never ends: only the session check can close this stream.
    return await asyncio.wait_for(stream, timeout=30)


async def test_logout_ends_the_stream(app: FastAPI, session: AsyncSession) -> None:
    run = await make_run(session, await make_job(session), status="RUNNING")
    user = await make_user(app, Role.VIEWER)
    async with cookie_client(app, user.email) as http:

        async def logout() -> None:
            assert (await http.post("/api/v1/auth/logout")).status_code == 204

        response = await _stream_ends_after(app, http, run.id, logout)
        again = await http.get(f"/api/v1/job-runs/{run.id}/stream")

    assert response.status_code == 200
    assert "event: snapshot" in response.text and "event: end" not in response.text
    assert again.status_code == 401  # the browser's reconnect


async def test_deactivation_ends_the_stream(app: FastAPI, session: AsyncSession) -> None:
    run = await make_run(session, await make_job(session), status="RUNNING")
    user = await make_user(app, Role.VIEWER)
    async with cookie_client(app, user.email) as http:

        async def deactivate() -> None:
            await session.execute(update(User).where(User.id == user.id).values(active=False))
            await session.commit()

        response = await _stream_ends_after(app, http, run.id, deactivate)
    assert "event: snapshot" in response.text and "event: end" not in response.text


async def test_revoking_the_api_token_ends_the_stream(app: FastAPI, session: AsyncSession) -> None:
    run = await make_run(session, await make_job(session), status="RUNNING")
    user = await make_user(app, Role.VIEWER)
    token = await token_for(app, user)
    async with token_client(app, token) as http:
        token_id = (await http.get("/api/v1/tokens")).json()[0]["id"]

        async def revoke() -> None:
            async with token_client(app, await token_for(app, user, name="admin-side")) as other:
                assert (await other.delete(f"/api/v1/tokens/{token_id}")).status_code == 204

        response = await _stream_ends_after(app, http, run.id, revoke)
    assert "event: snapshot" in response.text and "event: end" not in response.text
