"""Emission and the delivery loop: a run's outcome adds outbox rows in its own transaction (async
and sync lifecycle), `send_due` sends them to a real receiver with retries and exponential backoff
on a clock the test moves, gives up after max attempts, bounds a channel that never answers, and a
failing channel never touches the run."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from notification_receivers import WebhookReceiver, closed_url
from run_factories import make_job, make_run
from sqlalchemy import create_engine, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from portal.core.config import Settings
from portal.jobs.models import Job
from portal.notifications.delivery import DeliveryPolicy, send_due
from portal.notifications.models import DeliveryStatus, NotificationDelivery
from portal.runs import lifecycle
from portal.runs.models import JobRun, JobRunStatus

SECRET = "whsec-delivery-tests-0123456789"
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
POLICY = DeliveryPolicy(max_attempts=4, backoff_seconds=30, max_backoff_seconds=3600, timeout_seconds=5)
S = JobRunStatus


async def channel(client: httpx.AsyncClient, url: str, name: str = "hook", **extra: Any) -> int:
    body = {"name": name, "config": {"kind": "webhook", "url": url}, "secret": SECRET, **extra}
    response = await client.post("/api/v1/notification-channels", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def subscribe(client: httpx.AsyncClient, job: Job, channel_id: int, events: list[str]) -> None:
    body = {"subscriptions": [{"channel_id": channel_id, "events": events}]}
    response = await client.put(f"/api/v1/jobs/{job.id}/notifications", json=body)
    assert response.status_code == 200, response.text


async def finish(session: AsyncSession, run: JobRun, target: JobRunStatus, **values: Any) -> bool:
    """The run's last move, through the lifecycle, committed like the API and backstop do."""
    moved = await lifecycle.move(session, run.id, target, **values)
    await session.commit()
    return moved


async def deliveries(session: AsyncSession) -> list[NotificationDelivery]:
    rows = await session.scalars(
        select(NotificationDelivery)
        .order_by(NotificationDelivery.id)
        .execution_options(populate_existing=True)
    )
    return list(rows.all())


async def state(session: AsyncSession) -> tuple[Any, ...]:
    [d] = await deliveries(session)
    return (d.status, d.attempts, d.last_response_code, d.next_attempt_at, d.last_error)


def due(app: FastAPI, now: datetime, policy: DeliveryPolicy = POLICY) -> Any:
    return send_due(app.state.session_factory, app.state.cipher, app.state.settings, policy, now=now)


async def test_a_run_outcome_enqueues_one_delivery_per_subscribed_channel(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    job, other = await make_job(session, name="people"), await make_job(session, name="other")
    failures_only = await channel(client, "https://a.example/h", name="failures")
    successes = await channel(client, "https://b.example/h", name="successes")
    everything = await channel(
        client, "https://c.example/h", name="all jobs", all_jobs_events=["run_succeeded", "run_failed"]
    )
    disabled = await channel(client, "https://d.example/h", name="off", enabled=False)
    await subscribe(client, job, failures_only, ["run_failed"])
    await subscribe(client, other, successes, ["run_succeeded"])
    await client.put(
        f"/api/v1/jobs/{job.id}/notifications",
        json={
            "subscriptions": [
                {"channel_id": failures_only, "events": ["run_failed"]},
                {"channel_id": disabled, "events": ["run_succeeded"]},
            ]
        },
    )
    run = await make_run(session, job, status=S.RUNNING)

    assert await finish(session, run, S.COMPLETED, rows_read=3, rows_loaded=3)

    [delivery] = await deliveries(session)
    assert delivery.channel_id == everything and delivery.event == "run_succeeded"
    assert delivery.status is DeliveryStatus.PENDING and delivery.attempts == 0
    assert delivery.job_id == job.id and delivery.job_run_id == run.id
    assert delivery.payload["job"] == {"id": job.id, "name": "people"}
    assert delivery.payload["run"]["status"] == "COMPLETED" and delivery.payload["run"]["rows_loaded"] == 3

    failing = await make_run(session, job, status=S.RUNNING)
    assert await finish(session, failing, S.FAILED, reason="destination refused the COPY")
    rows = (await deliveries(session))[1:]
    assert sorted((d.channel_id, d.event) for d in rows) == sorted(
        [(failures_only, "run_failed"), (everything, "run_failed")]
    )
    assert rows[0].payload["run"]["error_message"] == "destination refused the COPY"


async def test_cancel_and_a_refused_move_notify_nobody(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    job = await make_job(session)
    await channel(client, "https://a.example/h", all_jobs_events=["run_failed", "run_succeeded"])
    cancelled = await make_run(session, job, status=S.RUNNING)
    done = await make_run(session, job, status=S.COMPLETED)

    assert await finish(session, cancelled, S.CANCELLED)
    assert not await finish(session, done, S.FAILED, reason="late backstop")  # final stays final

    assert await deliveries(session) == []


async def test_the_runners_sync_move_enqueues_in_its_transaction(
    client: httpx.AsyncClient, session: AsyncSession, database_url: str
) -> None:
    job = await make_job(session)
    hook = await channel(client, "https://a.example/h")
    await subscribe(client, job, hook, ["run_completed_with_rejects"])
    run = await make_run(session, job, status=S.RUNNING)
    engine = create_engine(database_url.replace("+asyncpg", "+psycopg"))
    try:
        with Session(engine) as sync:  # rolled back: the run stays RUNNING and nothing is queued
            assert lifecycle.move_sync(sync, run.id, S.COMPLETED_WITH_REJECTS, rows_rejected=2)
            sync.rollback()
        assert await deliveries(session) == []
        with Session(engine) as sync, sync.begin():
            assert lifecycle.move_sync(sync, run.id, S.COMPLETED_WITH_REJECTS, rows_rejected=2)
    finally:
        engine.dispose()

    [delivery] = await deliveries(session)
    assert delivery.event == "run_completed_with_rejects" and delivery.payload["run"]["rows_rejected"] == 2


async def test_send_due_delivers_a_signed_run_event(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    job = await make_job(session)
    with WebhookReceiver(secret=SECRET) as receiver:
        hook = await channel(client, receiver.url)
        await subscribe(client, job, hook, ["run_failed"])
        run = await make_run(session, job, status=S.RUNNING)
        await finish(session, run, S.FAILED, reason="boom")
        [queued] = await deliveries(session)

        tried = await due(app, datetime.now(UTC))

    assert tried == [queued.id]
    [request] = receiver.requests
    assert request.verified
    assert request.headers["x-portal-event"] == "run_failed"
    document = json.loads(request.body)
    assert document["id"] == queued.id and document["event"] == "run_failed"
    assert document["data"]["run"]["id"] == run.id and document["data"]["run"]["error_message"] == "boom"
    [sent] = await deliveries(session)
    assert sent.status is DeliveryStatus.SENT and sent.attempts == 1 and sent.last_response_code == 200
    log = (
        await client.get(f"/api/v1/notification-channels/{hook}/deliveries", params={"status": "sent"})
    ).json()
    assert log["total"] == 1 and log["items"][0]["job_run_id"] == run.id


async def test_a_failing_receiver_is_retried_with_exponential_backoff_until_it_answers(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    job = await make_job(session)
    with WebhookReceiver(secret=SECRET, statuses=[500, 503]) as receiver:
        hook = await channel(client, receiver.url)
        await subscribe(client, job, hook, ["run_succeeded"])
        run = await make_run(session, job, status=S.RUNNING)
        await finish(session, run, S.COMPLETED)
        [queued] = await deliveries(session)
        start = queued.next_attempt_at
        assert start is not None

        first = await due(app, start)
        after_first = await state(session)
        early = await due(app, start + timedelta(seconds=29))
        second = await due(app, start + timedelta(seconds=30))
        after_second = await state(session)
        early_again = await due(app, start + timedelta(seconds=89))
        third = await due(app, start + timedelta(seconds=90))

    assert first == second == third == [queued.id] and early == early_again == []
    assert after_first == (
        DeliveryStatus.PENDING,
        1,
        500,
        start + timedelta(seconds=30),
        "HTTP 500: receiver says no",
    )
    assert after_second == (
        DeliveryStatus.PENDING,
        2,
        503,
        start + timedelta(seconds=90),
        "HTTP 503: receiver says no",
    )
    [done] = await deliveries(session)
    assert done.status is DeliveryStatus.SENT and done.attempts == 3 and done.last_error is None
    assert done.sent_at == start + timedelta(seconds=90)
    assert [r.verified for r in receiver.requests] == [True] * 3
    assert {r.headers["x-portal-delivery"] for r in receiver.requests} == {str(queued.id)}


async def test_a_delivery_gives_up_after_max_attempts(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    job = await make_job(session)
    hook = await channel(client, closed_url())
    await subscribe(client, job, hook, ["run_failed"])
    run = await make_run(session, job, status=S.RUNNING)
    await finish(session, run, S.FAILED, reason="x")
    policy = DeliveryPolicy(max_attempts=2, backoff_seconds=10, timeout_seconds=5)

    await due(app, T0 + timedelta(days=1), policy)
    await due(app, T0 + timedelta(days=2), policy)
    after = await due(app, T0 + timedelta(days=3), policy)

    [delivery] = await deliveries(session)
    assert after == []
    assert delivery.status is DeliveryStatus.FAILED and delivery.attempts == 2
    assert delivery.next_attempt_at is None and delivery.last_error


async def test_a_channel_that_never_answers_is_cut_off_and_the_others_still_go(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    job = await make_job(session)
    hang = threading.Event()
    with WebhookReceiver(secret=SECRET, hang=hang) as stuck, WebhookReceiver(secret=SECRET) as healthy:
        slow = await channel(client, stuck.url, name="stuck")
        fine = await channel(client, healthy.url, name="healthy")
        await client.put(
            f"/api/v1/jobs/{job.id}/notifications",
            json={
                "subscriptions": [
                    {"channel_id": slow, "events": ["run_failed"]},
                    {"channel_id": fine, "events": ["run_failed"]},
                ]
            },
        )
        run = await make_run(session, job, status=S.RUNNING)
        await finish(session, run, S.FAILED, reason="x")

        await due(app, T0 + timedelta(days=1), DeliveryPolicy(timeout_seconds=0.5))
        hang.set()

    by_channel = {d.channel_id: d for d in await deliveries(session)}
    assert by_channel[fine].status is DeliveryStatus.SENT
    assert by_channel[slow].status is DeliveryStatus.PENDING and by_channel[slow].attempts == 1
    assert by_channel[slow].last_error and by_channel[slow].last_response_code is None


async def test_a_failing_channel_never_fails_the_run(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, make_settings: Callable[..., Settings]
) -> None:
    job = await make_job(session)
    dead = await channel(client, closed_url(), name="dead")
    await subscribe(client, job, dead, ["run_succeeded", "run_failed"])
    run = await make_run(session, job, status=S.RUNNING)

    assert await finish(session, run, S.COMPLETED, rows_loaded=5)
    await due(app, T0 + timedelta(days=1))

    stored = await session.scalar(
        select(JobRun).where(JobRun.id == run.id).execution_options(populate_existing=True)
    )
    assert stored is not None and stored.status is S.COMPLETED and stored.rows_loaded == 5
    [delivery] = await deliveries(session)
    assert delivery.status is DeliveryStatus.PENDING and delivery.attempts == 1


@pytest.mark.parametrize("attempts", [1, 2, 3, 10, 30])
def test_backoff_doubles_and_is_capped(attempts: int) -> None:
    policy = DeliveryPolicy(backoff_seconds=30, max_backoff_seconds=3600)

    assert policy.delay(attempts) == timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))
