"""Personal API tokens: shown once, stored hashed, the owner's live role, revocable, expiring."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from accounts import make_user, plain_client, token_client, token_for
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.models import AuditAction, AuditEvent
from portal.auth.models import ApiToken
from portal.auth.principal import Role
from portal.auth.sessions import hash_token
from portal.db.base import utcnow
from portal.users.models import User


async def test_a_token_is_shown_once_stored_hashed_and_listed_by_its_prefix(
    app: FastAPI, client_as: Callable[[Role], Any], session: AsyncSession
) -> None:
    async with client_as(Role.VIEWER) as http:
        created = await http.post("/api/v1/tokens", json={"name": "nightly export", "expires_in_days": 30})
        listed = await http.get("/api/v1/tokens")

    assert created.status_code == 201, created.text
    body = created.json()
    token = body["token"]
    assert token.startswith("etlp_") and len(token) > 40
    assert body["prefix"] == token[:12] and body["name"] == "nightly export"
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)
    # Listed without the value; the database holds only its hash.
    assert token not in listed.text
    assert [t["prefix"] for t in listed.json()] == [token[:12], *[t["prefix"] for t in listed.json()[1:]]]
    stored = await session.scalar(select(ApiToken).where(ApiToken.id == body["id"]))
    assert stored is not None and stored.token_hash == hash_token(token) and token not in str(vars(stored))
    events = (await session.scalars(select(AuditEvent).where(AuditEvent.resource_type == "api_token"))).all()
    assert any(e.action == AuditAction.CREATE and e.resource_id == str(body["id"]) for e in events)
    assert all(token not in str(e.changes) for e in events)


async def test_a_token_acts_with_its_owners_live_role_and_stamps_last_used(
    app: FastAPI, session: AsyncSession
) -> None:
    user = await make_user(app, Role.VIEWER)
    token = await token_for(app, user)
    async with token_client(app, token) as http:
        assert (await http.post("/api/v1/jobs/execute/1")).status_code == 403
        await session.execute(update(User).where(User.id == user.id).values(role=Role.OPERATOR))
        await session.commit()
        assert (await http.post("/api/v1/jobs/execute/1")).status_code == 404  # let through now
        listed = (await http.get("/api/v1/tokens")).json()
    assert listed[0]["last_used_at"] is not None


async def test_a_revoked_or_expired_token_stops_working_at_once(app: FastAPI, session: AsyncSession) -> None:
    user = await make_user(app, Role.OPERATOR)
    kept, revoked, expiring = [await token_for(app, user, name=n) for n in ("kept", "revoked", "expiring")]
    async with token_client(app, kept) as http:
        ids = {t["name"]: t["id"] for t in (await http.get("/api/v1/tokens")).json()}
        deleted = await http.delete(f"/api/v1/tokens/{ids['revoked']}")
        assert deleted.status_code == 204
        listed = {t["name"]: t for t in (await http.get("/api/v1/tokens")).json()}
        assert listed["revoked"]["revoked_at"] is not None
    await session.execute(
        update(ApiToken)
        .where(ApiToken.id == ids["expiring"])
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    await session.commit()

    for value in (revoked, expiring, "etlp_made-up", "not-even-ours"):
        async with token_client(app, value) as http:
            response = await http.get("/api/v1/jobs")
        assert response.status_code == 401 and response.json()["error"] == "InvalidToken"
    async with token_client(app, kept) as http:
        assert (await http.get("/api/v1/jobs")).status_code == 200
    deletions = await session.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.DELETE))
    assert [e.resource_id for e in deletions.all()] == [str(ids["revoked"])]


async def test_nobody_revokes_or_sees_another_users_token(app: FastAPI) -> None:
    owner, other = await make_user(app, Role.ADMIN), await make_user(app, Role.ADMIN)
    owner_token = await token_for(app, owner)
    async with token_client(app, await token_for(app, other)) as http:
        listed = (await http.get("/api/v1/tokens")).json()
        async with token_client(app, owner_token) as mine:
            owner_id = (await mine.get("/api/v1/tokens")).json()[0]["id"]
        refused = await http.delete(f"/api/v1/tokens/{owner_id}")

    assert owner_id not in [t["id"] for t in listed]
    assert refused.status_code == 404
    async with token_client(app, owner_token) as mine:
        assert (await mine.get("/api/v1/auth/me")).status_code == 200


async def test_token_input_is_bounded(client_as: Callable[[Role], Any]) -> None:
    async with client_as(Role.VIEWER) as http:
        for body in (
            {"name": ""},
            {"name": "x" * 101},
            {"name": "t", "expires_in_days": 0},
            {"name": "t", "expires_in_days": 3651},
        ):
            assert (await http.post("/api/v1/tokens", json=body)).status_code == 422, body


async def test_a_malformed_authorization_header_is_401(app: FastAPI) -> None:
    async with plain_client(app, headers={"Authorization": "Basic YWRtaW46YWRtaW4="}) as http:
        response = await http.get("/api/v1/jobs")
    assert response.status_code == 401 and response.json()["error"] == "InvalidToken"
