"""The users admin API: accounts, roles, deactivation, password resets, and what each records."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.context import AuditContext
from portal.audit.models import AuditEvent
from portal.auth.principal import AuthMethod, Principal, Role
from portal.core.errors import ConflictError
from portal.users import service
from portal.users.models import AuthSource
from portal.users.schemas import UserUpdate

ClientAs = Callable[[Role], AbstractAsyncContextManager[httpx.AsyncClient]]
PASSWORD = "correct horse battery"


@asynccontextmanager
async def signed_in(app: FastAPI, email: str, password: str) -> AsyncIterator[httpx.AsyncClient]:
    """A browser: a cookie session from POST /auth/login."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as http:
        response = await http.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        yield http


async def create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"email": "ana@example.com", "name": "Ana", "role": "operator", "password": PASSWORD, **fields}
    response = await client.post("/api/v1/users", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def events(session: AsyncSession, resource_id: int) -> list[AuditEvent]:
    rows = await session.scalars(
        select(AuditEvent)
        .where(AuditEvent.resource_type == "user", AuditEvent.resource_id == str(resource_id))
        .order_by(AuditEvent.id)
    )
    return list(rows.all())


async def me(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/api/v1/auth/me")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_an_admin_creates_a_user_who_can_sign_in(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await me(client)
    user = await create(client, email="Ana@Example.com")

    assert user["email"] == "ana@example.com"
    assert {k: user[k] for k in ("name", "role", "active", "auth_source", "last_login_at")} == {
        "name": "Ana",
        "role": "operator",
        "active": True,
        "auth_source": "password",
        "last_login_at": None,
    }
    assert not {"password", "password_hash"} & set(user)
    async with signed_in(app, "ana@example.com", PASSWORD) as ana:
        assert (await me(ana))["role"] == "operator"
    [created] = await events(session, user["id"])
    assert (created.action, created.actor_user_id, created.actor_email, created.ip) == (
        "create",
        admin["id"],
        admin["email"],
        "127.0.0.1",
    )
    assert created.changes is not None
    assert created.changes["role"] == {"before": None, "after": "operator"}
    assert PASSWORD not in json.dumps(created.changes)


async def test_an_email_is_taken_whatever_its_case(client: httpx.AsyncClient) -> None:
    await create(client)
    response = await client.post(
        "/api/v1/users",
        json={"email": "ANA@example.com", "name": "Other", "role": "viewer", "password": PASSWORD},
    )
    assert response.status_code == 409
    assert response.json()["error"] == "UserExists"


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("password", "tiny7ch", "PasswordTooShort"),
        ("email", "not-an-address", "RequestValidationError"),
        ("role", "superuser", "RequestValidationError"),
    ],
)
async def test_a_user_needs_a_real_address_a_known_role_and_a_long_enough_password(
    client: httpx.AsyncClient, field: str, value: str, error: str
) -> None:
    body = {"email": "bo@example.com", "name": "Bo", "role": "viewer", "password": PASSWORD, field: value}
    response = await client.post("/api/v1/users", json=body)
    assert response.status_code == 422
    assert response.json()["error"] == error
    assert "tiny7ch" not in response.text


async def test_users_are_listed_by_email_a_page_at_a_time(client: httpx.AsyncClient) -> None:
    admin = await me(client)
    for name in ("cy", "ab", "bo"):
        await create(client, email=f"{name}@example.com", name=name)

    page = (await client.get("/api/v1/users", params={"offset": 1, "limit": 2})).json()

    emails = sorted(["ab@example.com", "bo@example.com", "cy@example.com", admin["email"]])
    assert page["total"] == 4
    assert [u["email"] for u in page["items"]] == emails[1:3]


async def test_an_unknown_user_is_a_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/users/999999")).status_code == 404
    assert (await client.patch("/api/v1/users/999999", json={"name": "x"})).status_code == 404
    response = await client.post("/api/v1/users/999999/password", json={"new_password": PASSWORD})
    assert response.status_code == 404


async def test_a_role_change_is_its_own_audit_event(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await create(client, role="viewer")

    response = await client.patch(f"/api/v1/users/{user['id']}", json={"role": "admin", "name": "Ana B."})

    assert response.status_code == 200, response.text
    assert (response.json()["role"], response.json()["name"]) == ("admin", "Ana B.")
    _, role_change, update = await events(session, user["id"])
    assert (role_change.action, role_change.changes) == (
        "role_change",
        {"role": {"before": "viewer", "after": "admin"}},
    )
    assert (update.action, update.changes) == ("update", {"name": {"before": "Ana", "after": "Ana B."}})


async def test_a_patch_that_changes_nothing_records_nothing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await create(client)
    response = await client.patch(f"/api/v1/users/{user['id']}", json={"role": "operator", "active": True})
    assert response.status_code == 200
    assert [e.action for e in await events(session, user["id"])] == ["create"]


async def test_deactivating_a_user_ends_their_sessions_at_once(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await create(client)
    async with signed_in(app, "ana@example.com", PASSWORD) as ana:
        await me(ana)

        response = await client.patch(f"/api/v1/users/{user['id']}", json={"active": False})

        assert response.status_code == 200
        assert response.json()["active"] is False
        assert (await ana.get("/api/v1/auth/me")).status_code == 401
    login = await client.post("/api/v1/auth/login", json={"email": "ana@example.com", "password": PASSWORD})
    assert login.status_code == 401
    deactivated = (await events(session, user["id"]))[-1]
    assert (deactivated.action, deactivated.changes) == (
        "update",
        {"active": {"before": True, "after": False}},
    )


async def test_an_admin_cannot_demote_or_deactivate_themself(client: httpx.AsyncClient) -> None:
    admin = await me(client)
    for change in ({"role": "operator"}, {"active": False}):
        response = await client.patch(f"/api/v1/users/{admin['id']}", json=change)
        assert response.status_code == 409
        assert response.json()["error"] == "LastAdmin"
    assert (await me(client))["role"] == "admin"
    # Renaming oneself is fine.
    assert (await client.patch(f"/api/v1/users/{admin['id']}", json={"name": "Boss"})).status_code == 200


async def test_another_admin_can_be_demoted_but_never_the_last_active_one(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await me(client)
    other = await create(client, role="admin")
    assert (await client.patch(f"/api/v1/users/{other['id']}", json={"role": "viewer"})).status_code == 200

    # Someone who is not (or no longer) an active admin acting on the last one, as a race could leave it.
    stranger = AuditContext(actor=Principal(0, "gone@example.com", Role.ADMIN, AuthMethod.TOKEN))
    with pytest.raises(ConflictError) as refused:
        await service.update_user(session, admin["id"], UserUpdate(active=False), stranger)
    assert refused.value.error == "LastAdmin"
    await session.rollback()
    assert (await service.get_user(session, admin["id"])).active


async def test_an_admin_resets_a_password_and_the_user_signs_in_again(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await create(client)
    new_password = "a brand new secret"
    async with signed_in(app, "ana@example.com", PASSWORD) as ana:
        response = await client.post(
            f"/api/v1/users/{user['id']}/password", json={"new_password": new_password}
        )

        assert response.status_code == 204
        assert (await ana.get("/api/v1/auth/me")).status_code == 401
    old = await client.post("/api/v1/auth/login", json={"email": "ana@example.com", "password": PASSWORD})
    assert old.status_code == 401
    async with signed_in(app, "ana@example.com", new_password):
        pass
    reset = (await events(session, user["id"]))[-1]
    assert (reset.action, reset.changes) == ("update", {"password": {"before": "***", "after": "***"}})


async def test_a_reset_password_must_be_long_enough(client: httpx.AsyncClient) -> None:
    user = await create(client)
    response = await client.post(f"/api/v1/users/{user['id']}/password", json={"new_password": "short"})
    assert response.status_code == 422
    assert response.json()["error"] == "PasswordTooShort"


async def test_a_single_sign_on_user_has_no_password_to_reset(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    sso = await service.create_user(
        session,
        email="sso@example.com",
        name="Sso",
        role=Role.VIEWER,
        auth_source=AuthSource.OIDC,
        oidc_subject="s1",
    )
    await session.commit()
    response = await client.post(f"/api/v1/users/{sso.id}/password", json={"new_password": PASSWORD})
    assert response.status_code == 409
    assert response.json()["error"] == "SingleSignOnUser"


@pytest.mark.parametrize("role", [Role.VIEWER, Role.OPERATOR])
async def test_only_admins_manage_users(client_as: ClientAs, role: Role) -> None:
    async with client_as(role) as http:
        assert (await http.get("/api/v1/users")).status_code == 403
        body = {"email": "x@example.com", "name": "X", "role": "admin", "password": PASSWORD}
        assert (await http.post("/api/v1/users", json=body)).status_code == 403
