"""The events beside run outcomes: `schedule_disabled` (a schedule that disabled itself after failed
runs) and `schema_drift` (`enqueue_event_sync`, what the drift check calls in the runner's sync
transaction), each delivered to a real HTTP receiver that checks the signature; a Slack-style
receiver gets a readable text."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI
from notification_receivers import WebhookReceiver
from run_factories import make_job
from sqlalchemy import create_engine, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from portal.jobs.models import Job
from portal.notifications.delivery import DeliveryPolicy, send_due
from portal.notifications.models import DeliveryStatus, EventType, NotificationDelivery
from portal.notifications.outbox import enqueue_event, enqueue_event_sync
from portal.runs import lifecycle
from portal.runs.models import JobRun, JobRunStatus, RunTrigger

SECRET = "whsec-event-tests-0123456789abcdef"
POLICY = DeliveryPolicy(max_attempts=3, backoff_seconds=30, max_backoff_seconds=3600, timeout_seconds=5)
S = JobRunStatus
DRIFT = {
    "summary": "1 column added (region); 1 removed (city)",
    "policy": "fail",
    "drift": {"added": [{"name": "region", "type": "TEXT"}], "removed": ["city"], "type_changed": []},
}


async def webhook(client: httpx.AsyncClient, url: str, **extra: Any) -> int:
    body = {"name": f"hook {url}", "config": {"kind": "webhook", "url": url}, "secret": SECRET, **extra}
    response = await client.post("/api/v1/notification-channels", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def subscribe(client: httpx.AsyncClient, job: Job, channel_id: int, events: list[str]) -> None:
    body = {"subscriptions": [{"channel_id": channel_id, "events": events}]}
    response = await client.put(f"/api/v1/jobs/{job.id}/notifications", json=body)
    assert response.status_code == 200, response.text


async def send(app: FastAPI) -> list[int]:
    state = app.state
    return await send_due(state.session_factory, state.cipher, state.settings, POLICY, now=datetime.now(UTC))


async def deliveries(session: AsyncSession) -> list[NotificationDelivery]:
    rows = await session.scalars(
        select(NotificationDelivery)
        .order_by(NotificationDelivery.id)
        .execution_options(populate_existing=True)
    )
    return list(rows.all())


async def test_a_schedule_disabled_by_failures_is_delivered_signed(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    job = await make_job(session, name="nightly")
    created = await client.post(
        "/api/v1/schedules",
        params={"job_id": job.id},
        json={"cron_expression": "@daily", "disable_after_failures": 2},
    )
    schedule_id = created.json()["id"]
    with WebhookReceiver(secret=SECRET) as receiver:
        hook = await webhook(client, receiver.url)
        await subscribe(client, job, hook, ["schedule_disabled"])
        runs = []
        for _ in range(2):
            run = JobRun(
                job_id=job.id, status=S.RUNNING, trigger=RunTrigger.SCHEDULE, schedule_id=schedule_id
            )
            session.add(run)
            await session.commit()
            assert await lifecycle.move(session, run.id, S.FAILED, reason="password authentication failed")
            await session.commit()
            runs.append(run.id)
        [queued] = await deliveries(session)  # run_failed is not subscribed: only the disable

        assert await send(app) == [queued.id]

    [request] = receiver.requests
    assert request.verified and request.headers["x-portal-event"] == "schedule_disabled"
    data = json.loads(request.body)["data"]
    assert data["event"] == "schedule_disabled"
    assert data["job"] == {"id": job.id, "name": "nightly"}
    assert data["schedule"] == {
        "id": schedule_id,
        "cron_expression": "@daily",
        "timezone": "UTC",
        "disable_after_failures": 2,
    }
    assert data["reason"] == f"Disabled after 2 failed runs in a row (the last: run {runs[1]})"
    assert data["run"]["id"] == runs[1] and data["run"]["error_message"] == "password authentication failed"
    [sent] = await deliveries(session)
    assert sent.status is DeliveryStatus.SENT and sent.job_run_id == runs[1]


async def test_schema_drift_from_the_runners_transaction_is_delivered_signed(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, database_url: str
) -> None:
    job = await make_job(session, name="sales files")
    other = await make_job(session, name="unrelated")
    run = JobRun(job_id=job.id, status=S.RUNNING)
    session.add(run)
    await session.commit()
    job_id, other_id, run_id = job.id, other.id, run.id
    with WebhookReceiver(secret=SECRET) as receiver, WebhookReceiver() as slack:
        hook = await webhook(client, receiver.url)
        await subscribe(client, job, hook, ["schema_drift"])
        response = await client.post(
            "/api/v1/notification-channels",
            json={
                "name": "slack",
                "config": {"kind": "slack"},
                "secret": slack.url,
                "all_jobs_events": ["schema_drift"],
            },
        )
        assert response.status_code == 201, response.text
        engine = create_engine(database_url.replace("+asyncpg", "+psycopg"))
        try:
            with Session(engine) as sync:  # rolled back with the run's transaction: nothing queued
                enqueue_event_sync(
                    sync, event=EventType.SCHEMA_DRIFT, job_id=job_id, run_id=run_id, data=DRIFT
                )
                sync.rollback()
            assert await deliveries(session) == []
            with Session(engine) as sync, sync.begin():
                queued = enqueue_event_sync(
                    sync, event=EventType.SCHEMA_DRIFT, job_id=job_id, run_id=run_id, data=DRIFT
                )
        finally:
            engine.dispose()
        assert queued == 2  # the job's webhook and the channel that hears every job's drift
        # The async twin, about another job (rolled back): only the all-jobs channel hears it.
        assert (
            await enqueue_event(
                session, event=EventType.SCHEMA_DRIFT, job_id=other_id, run_id=None, data=DRIFT
            )
            == 1
        )
        await session.rollback()

        assert len(await send(app)) == 2

    [request] = receiver.requests
    assert request.verified and request.headers["x-portal-event"] == "schema_drift"
    data = json.loads(request.body)["data"]
    assert data == {
        "event": "schema_drift",
        "job": {"id": job_id, "name": "sales files"},
        "run": {"id": run_id},
        **DRIFT,
    }
    [text] = [json.loads(r.body)["text"] for r in slack.requests]
    assert text.splitlines() == [
        "Schema drift found: sales files",
        "1 column added (region); 1 removed (city)",
        f"Run #{run_id} of job #{job_id}",
    ]
