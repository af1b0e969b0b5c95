"""The audit log: append-only at the database, read back through GET /audit-events (admin only)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.models import AuditAction, AuditEvent
from portal.audit.service import record
from portal.auth.principal import AuthMethod, Principal, Role

ClientAs = Callable[[Role], AbstractAsyncContextManager[httpx.AsyncClient]]
ANA = Principal(101, "ana@example.com", Role.ADMIN, AuthMethod.SESSION)
BO = Principal(102, "bo@example.com", Role.OPERATOR, AuthMethod.TOKEN)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


async def arrange(session: AsyncSession) -> None:
    """Six events an hour apart, oldest first."""
    rows: list[dict[str, Any]] = [
        {"action": AuditAction.CREATE, "resource_type": "job", "resource_id": 1, "actor": ANA},
        {"action": AuditAction.UPDATE, "resource_type": "job", "resource_id": 1, "actor": BO},
        {"action": AuditAction.EXECUTE, "resource_type": "job", "resource_id": 1, "actor": BO},
        {"action": AuditAction.LOGIN_FAILED, "resource_type": "session", "actor_email": "ANA@example.com"},
        {"action": AuditAction.DELETE, "resource_type": "job", "resource_id": 2, "actor": ANA},
        {"action": AuditAction.CREATE, "resource_type": "credential", "resource_id": 1, "actor": ANA},
    ]
    for hour, fields in enumerate(rows):
        event = record(session, ip="10.0.0.7", request_id=f"req-{hour}", **fields)
        event.at = T0 + timedelta(hours=hour)
    await session.commit()


async def listed(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/v1/audit-events", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def request_ids(page: dict[str, Any]) -> list[str]:
    return [item["request_id"] for item in page["items"]]


async def test_events_are_listed_newest_first_with_who_where_and_what(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await arrange(session)

    page = await listed(client, resource_type="job")

    assert page["total"] == 4
    assert request_ids(page) == ["req-4", "req-2", "req-1", "req-0"]
    newest = page["items"][0]
    assert {
        k: newest[k] for k in ("actor_user_id", "actor_email", "ip", "action", "resource_type", "resource_id")
    } == {
        "actor_user_id": 101,
        "actor_email": "ana@example.com",
        "ip": "10.0.0.7",
        "action": "delete",
        "resource_type": "job",
        "resource_id": "2",
    }
    assert datetime.fromisoformat(newest["at"]) == T0 + timedelta(hours=4)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"actor_email": "Ana@Example.com"}, ["req-5", "req-4", "req-3", "req-0"]),
        ({"action": "execute"}, ["req-2"]),
        ({"resource_type": "job", "resource_id": "1"}, ["req-2", "req-1", "req-0"]),
        ({"since": "2026-01-01T02:00:00Z", "until": "2026-01-01T04:00:00Z"}, ["req-3", "req-2"]),
        (
            {"since": "2026-01-01T04:00:00", "until": "2026-01-02T00:00:00Z"},
            ["req-5", "req-4"],
        ),  # no zone: UTC
        ({"since": "2026-01-01T05:00:00+01:00", "until": "2026-01-02T00:00:00Z"}, ["req-5", "req-4"]),
        ({"action": "login_failed", "actor_email": "ana@example.com"}, ["req-3"]),
        ({"resource_type": "schedule"}, []),
    ],
)
async def test_filters_narrow_the_log(
    client: httpx.AsyncClient, session: AsyncSession, params: dict[str, str], expected: list[str]
) -> None:
    await arrange(session)
    page = await listed(client, **params)
    # (The test admin's own account events are of today, by another email: no filter here matches them.)
    assert request_ids(page) == expected
    assert page["total"] == len(expected)


async def test_the_log_is_paged(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await arrange(session)
    first = await listed(client, resource_type="job", offset=0, limit=3)
    second = await listed(client, resource_type="job", offset=3, limit=3)
    assert (first["total"], second["total"]) == (4, 4)
    assert request_ids(first) + request_ids(second) == ["req-4", "req-2", "req-1", "req-0"]


@pytest.mark.parametrize(
    "params",
    [
        {"action": "rename"},
        {"since": "yesterday"},
        {"since": "0001-01-01T00:00:00+01:00"},  # before year 1 in UTC
        {"limit": 0},
        {"limit": 1001},
        {"offset": -1},
        {"resource_id": "x" * 65},
    ],
)
async def test_a_bad_filter_is_a_422(client: httpx.AsyncClient, params: dict[str, Any]) -> None:
    response = await client.get("/api/v1/audit-events", params=params)
    assert response.status_code == 422, response.text


async def test_the_database_refuses_to_update_or_delete_an_event(session: AsyncSession) -> None:
    event = record(session, action=AuditAction.DELETE, resource_type="job", resource_id=7, actor=ANA)
    await session.commit()
    event_id = event.id

    for statement in (
        "UPDATE audit_events SET actor_email = 'someone@else' WHERE id = :id",
        "DELETE FROM audit_events WHERE id = :id",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            await session.execute(text(statement), {"id": event_id})
        await session.rollback()

    kept = await session.scalar(select(AuditEvent).where(AuditEvent.id == event_id))
    assert kept is not None
    assert kept.actor_email == "ana@example.com"


@pytest.mark.parametrize("role", [Role.VIEWER, Role.OPERATOR])
async def test_only_admins_read_the_log(client_as: ClientAs, role: Role) -> None:
    async with client_as(role) as http:
        response = await http.get("/api/v1/audit-events")
    assert response.status_code == 403


async def test_no_session_no_log(anon_client: httpx.AsyncClient) -> None:
    assert (await anon_client.get("/api/v1/audit-events")).status_code == 401
