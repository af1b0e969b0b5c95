"""Every change a person makes through the API leaves one audit event, written in the change's own
transaction: who (the signed-in user), from where (client address), in which request (X-Request-ID),
what (action, resource, fields before and after) — and never a secret."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.models import AuditEvent
from portal.clients.airflow import AirflowClient

UploadCsv = Callable[..., Awaitable[dict[str, Any]]]
CANARY = "Canary-Pw-7f3a9c"
NESTED_CANARY = "Nested-Key-51be2d"


def accepting_airflow() -> AirflowClient:
    """Takes every DAG run trigger; anything else (schedule sync, cancel) is not found."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/token":
            return httpx.Response(201, json={"access_token": "t"})
        if request.method == "POST" and request.url.path.endswith("/dagRuns"):
            return httpx.Response(200, json={})
        return httpx.Response(404, json={"detail": "not found"})

    return AirflowClient("http://airflow.test", "admin", "admin", transport=httpx.MockTransport(handle))


@pytest.fixture
async def admin(client: httpx.AsyncClient) -> dict[str, Any]:
    me: dict[str, Any] = (await client.get("/api/v1/auth/me")).json()
    return me


async def audited(session: AsyncSession, resource_type: str, resource_id: object) -> list[AuditEvent]:
    rows = await session.scalars(
        select(AuditEvent)
        .where(AuditEvent.resource_type == resource_type, AuditEvent.resource_id == str(resource_id))
        .order_by(AuditEvent.id)
    )
    return list(rows.all())


def by(admin: dict[str, Any], request_id: str) -> tuple[int, str, str, str]:
    return admin["id"], admin["email"], "127.0.0.1", request_id


def who(event: AuditEvent) -> tuple[int | None, str | None, str | None, str | None]:
    return event.actor_user_id, event.actor_email, event.ip, event.request_id


def rid(request_id: str) -> dict[str, str]:
    return {"X-Request-ID": request_id}


async def test_credential_changes_are_recorded_with_every_secret_redacted(
    client: httpx.AsyncClient, session: AsyncSession, admin: dict[str, Any]
) -> None:
    body = {
        "name": "warehouse",
        "kind": "postgres",
        "host": "127.0.0.1",
        "port": 5432,
        "database": "dw",
        "username": "loader",
        "password": CANARY,
        "options": {"sslmode": "prefer", "extra": {"api_key": NESTED_CANARY, "region": "eu"}},
    }
    created = await client.post("/api/v1/credentials", json=body, headers=rid("cred-create"))
    assert created.status_code == 201, created.text
    credential_id = created.json()["id"]
    updated = await client.put(
        f"/api/v1/credentials/{credential_id}",
        json={"password": CANARY + "-2", "port": 5433},
        headers=rid("cred-update"),
    )
    assert updated.status_code == 200, updated.text
    renamed = await client.put(
        f"/api/v1/credentials/{credential_id}", json={"name": "dw"}, headers=rid("cred-rename")
    )
    assert renamed.status_code == 200, renamed.text
    deleted = await client.delete(f"/api/v1/credentials/{credential_id}", headers=rid("cred-delete"))
    assert deleted.status_code == 204

    create, update, rename, delete = await audited(session, "credential", credential_id)
    assert [e.action for e in (create, update, rename, delete)] == ["create", "update", "update", "delete"]
    assert [who(e) for e in (create, update, rename, delete)] == [
        by(admin, "cred-create"),
        by(admin, "cred-update"),
        by(admin, "cred-rename"),
        by(admin, "cred-delete"),
    ]
    assert create.changes is not None
    assert create.changes["password"] == {"before": None, "after": "***"}
    assert create.changes["options"]["after"] == {
        "sslmode": "prefer",
        "extra": {"api_key": "***", "region": "eu"},
    }
    assert create.changes["host"] == {"before": None, "after": "127.0.0.1"}
    assert update.changes == {
        "password": {"before": "***", "after": "***"},
        "port": {"before": 5432, "after": 5433},
    }
    assert rename.changes == {"name": {"before": "warehouse", "after": "dw"}}
    assert delete.changes is not None
    assert delete.changes["name"] == {"before": "dw", "after": None}
    assert delete.changes["password"] == {"before": "***", "after": None}
    log = await client.get("/api/v1/audit-events", params={"resource_type": "credential"})
    for text in (json.dumps([e.changes for e in (create, update, rename, delete)]), log.text):
        assert CANARY not in text
        assert NESTED_CANARY not in text


async def test_a_refused_change_records_nothing(client: httpx.AsyncClient, session: AsyncSession) -> None:
    body = {"name": "a", "kind": "postgres", "host": "127.0.0.1", "database": "d", "username": "u"}
    assert (await client.post("/api/v1/credentials", json=body)).status_code == 201
    taken = await client.post("/api/v1/credentials", json=body)
    assert taken.status_code == 409
    events = (await session.scalars(select(AuditEvent).where(AuditEvent.resource_type == "credential"))).all()
    assert len(events) == 1


async def test_uploads_are_recorded(
    client: httpx.AsyncClient, session: AsyncSession, admin: dict[str, Any]
) -> None:
    response = await client.post(
        "/api/v1/sources/csv/upload", files={"file": ("people.csv", b"id,name\n1,a\n")}, headers=rid("up-1")
    )
    assert response.status_code == 201, response.text
    file_id = response.json()["id"]
    assert (await client.delete(f"/api/v1/sources/csv/{file_id}", headers=rid("up-2"))).status_code == 204

    create, delete = await audited(session, "upload", file_id)
    assert (create.action, who(create)) == ("create", by(admin, "up-1"))
    assert create.changes == {
        "filename": {"before": None, "after": "people.csv"},
        "size_bytes": {"before": None, "after": 12},
    }
    assert (delete.action, who(delete)) == ("delete", by(admin, "up-2"))


async def new_job(client: httpx.AsyncClient, upload_csv: UploadCsv, request_id: str) -> dict[str, Any]:
    file = await upload_csv(b"id,name\n1,a\n2,b\n", "people.csv")
    credentials = (await client.get("/api/v1/credentials")).json()["items"]
    warehouse = next(c for c in credentials if c["is_builtin"])
    body = {
        "name": "people",
        "file_id": file["id"],
        "credential_id": warehouse["id"],
        "target_schema": "main",
        "target_table": "people",
    }
    response = await client.post("/api/v1/jobs", json=body, headers=rid(request_id))
    assert response.status_code == 201, response.text
    job: dict[str, Any] = response.json()
    return job


async def test_job_changes_runs_and_cancels_are_recorded(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    upload_csv: UploadCsv,
    admin: dict[str, Any],
) -> None:
    app.state.airflow = accepting_airflow()
    job = await new_job(client, upload_csv, "job-1")
    updated = await client.put(f"/api/v1/jobs/{job['id']}", json={"batch_size": 5000}, headers=rid("job-2"))
    assert updated.status_code == 200, updated.text
    run = await client.post(f"/api/v1/jobs/execute/{job['id']}", headers=rid("job-3"))
    assert run.status_code == 202, run.text
    cancel = await client.post(f"/api/v1/job-runs/{run.json()['id']}/cancel", headers=rid("run-1"))
    assert cancel.status_code == 202, cancel.text
    assert (await client.delete(f"/api/v1/jobs/{job['id']}", headers=rid("job-4"))).status_code == 204

    create, update, execute, delete = await audited(session, "job", job["id"])
    assert [(e.action, who(e)) for e in (create, update, execute, delete)] == [
        ("create", by(admin, "job-1")),
        ("update", by(admin, "job-2")),
        ("execute", by(admin, "job-3")),
        ("delete", by(admin, "job-4")),
    ]
    assert create.changes is not None
    assert create.changes["target_table"] == {"before": None, "after": "people"}
    assert [m["target_column"] for m in create.changes["mappings"]["after"]] == ["id", "name"]
    assert update.changes == {"batch_size": {"before": 100000, "after": 5000}}
    assert execute.changes == {"job_run_id": {"before": None, "after": run.json()["id"]}}
    assert delete.changes is not None
    assert delete.changes["name"] == {"before": "people", "after": None}
    [cancelled] = await audited(session, "job_run", run.json()["id"])
    assert (cancelled.action, who(cancelled)) == ("cancel", by(admin, "run-1"))
    assert cancelled.changes == {"status": {"before": "PENDING", "after": "CANCELLED"}}


async def test_an_execute_airflow_refused_stays_in_the_log(
    client: httpx.AsyncClient, session: AsyncSession, upload_csv: UploadCsv
) -> None:
    job = await new_job(client, upload_csv, "job-1")
    refused = await client.post(f"/api/v1/jobs/execute/{job['id']}")  # nothing listens on AIRFLOW_API_URL
    assert refused.status_code == 503
    assert (await client.get("/api/v1/job-runs")).json()["total"] == 0
    assert [e.action for e in await audited(session, "job", job["id"])] == ["create", "execute"]


async def test_schedule_changes_are_recorded(
    client: httpx.AsyncClient, session: AsyncSession, upload_csv: UploadCsv, admin: dict[str, Any]
) -> None:
    job = await new_job(client, upload_csv, "job-1")
    created = await client.post(
        "/api/v1/schedules",
        params={"job_id": job["id"]},
        json={"cron_expression": "0 6 * * *", "timezone": "Europe/Berlin"},
        headers=rid("s-1"),
    )
    assert created.status_code == 201, created.text
    schedule_id = created.json()["id"]
    calls = [
        client.put(
            f"/api/v1/schedules/{schedule_id}", json={"cron_expression": "0 7 * * *"}, headers=rid("s-2")
        ),
        client.post(f"/api/v1/schedules/{schedule_id}/disable", headers=rid("s-3")),
        client.post(f"/api/v1/schedules/{schedule_id}/disable", headers=rid("s-noop")),
        client.post(f"/api/v1/schedules/{schedule_id}/enable", headers=rid("s-4")),
        client.delete(f"/api/v1/schedules/{schedule_id}", headers=rid("s-5")),
    ]
    for call in calls:
        assert (await call).status_code in (200, 204)

    events = await audited(session, "schedule", schedule_id)
    assert [(e.action, who(e)) for e in events] == [
        ("create", by(admin, "s-1")),
        ("update", by(admin, "s-2")),
        ("update", by(admin, "s-3")),
        ("update", by(admin, "s-4")),
        ("delete", by(admin, "s-5")),
    ]
    assert events[0].changes is not None
    assert events[0].changes["timezone"] == {"before": None, "after": "Europe/Berlin"}
    assert [e.changes for e in events[1:4]] == [
        {"cron_expression": {"before": "0 6 * * *", "after": "0 7 * * *"}},
        {"enabled": {"before": True, "after": False}},
        {"enabled": {"before": False, "after": True}},
    ]
