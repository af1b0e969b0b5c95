"""A schedule disables itself after `disable_after_failures` failed runs in a row, on a real
PostgreSQL, through the run lifecycle both ways (the API's async moves, the runner's sync moves):
what breaks the streak and what does not, never, re-enabling starts a new streak, and the
reconciler then pauses its DAG in Airflow (a stateful fake of Airflow's REST API)."""

from __future__ import annotations

from typing import Any

import httpx
from fake_airflow import AirflowState, fake_airflow
from run_factories import make_job
from sqlalchemy import create_engine, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from portal.audit.models import AuditEvent
from portal.jobs.models import Job
from portal.runs import lifecycle
from portal.runs.models import JobRun, JobRunStatus, RunTrigger
from portal.schedules import service as schedule_service
from portal.schedules.sync import reconcile_schedules

S = JobRunStatus


async def schedule(client: httpx.AsyncClient, job: Job, **body: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/schedules", params={"job_id": job.id}, json={"cron_expression": "@hourly", **body}
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def read(client: httpx.AsyncClient, schedule_id: int) -> dict[str, Any]:
    body: dict[str, Any] = (await client.get(f"/api/v1/schedules/{schedule_id}")).json()
    return body


async def tick(session: AsyncSession, job: Job, schedule_id: int, outcome: JobRunStatus) -> int:
    """One scheduled run that ends with `outcome` through the lifecycle (as the backstop would)."""
    run = JobRun(job_id=job.id, status=S.RUNNING, trigger=RunTrigger.SCHEDULE, schedule_id=schedule_id)
    session.add(run)
    await session.commit()
    reason = "source unreachable" if outcome == S.FAILED else None
    assert await lifecycle.move(session, run.id, outcome, reason=reason)
    await session.commit()
    return run.id


async def test_a_schedule_is_disabled_after_n_failed_runs_in_a_row(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    job = await make_job(session)
    created = await schedule(client, job, disable_after_failures=3)
    assert created["disable_after_failures"] == 3 and created["disabled_reason"] is None

    await tick(session, job, created["id"], S.FAILED)
    await tick(session, job, created["id"], S.FAILED)
    await tick(session, job, created["id"], S.COMPLETED)  # breaks the streak
    await tick(session, job, created["id"], S.FAILED)
    await tick(session, job, created["id"], S.CANCELLED)  # a skipped tick: neither counts nor breaks
    await tick(session, job, created["id"], S.FAILED)
    assert (await read(client, created["id"]))["enabled"] is True

    last = await tick(session, job, created["id"], S.FAILED)

    body = await read(client, created["id"])
    assert body["enabled"] is False
    assert body["disabled_reason"] == f"Disabled after 3 failed runs in a row (the last: run {last})"
    [audit] = (
        await session.scalars(
            select(AuditEvent).where(
                AuditEvent.resource_type == "schedule", AuditEvent.actor_user_id.is_(None)
            )
        )
    ).all()
    assert audit.resource_id == str(created["id"]) and audit.changes is not None
    assert audit.changes["enabled"] == {"before": True, "after": False}


async def test_re_enabling_starts_a_new_streak_and_clears_the_reason(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    job = await make_job(session)
    created = await schedule(client, job, disable_after_failures=2)
    await tick(session, job, created["id"], S.FAILED)
    await tick(session, job, created["id"], S.FAILED)
    assert (await read(client, created["id"]))["enabled"] is False

    enabled = (await client.post(f"/api/v1/schedules/{created['id']}/enable")).json()
    assert enabled["enabled"] is True and enabled["disabled_reason"] is None

    await tick(session, job, created["id"], S.FAILED)  # the two before do not count any more
    assert (await read(client, created["id"]))["enabled"] is True
    await tick(session, job, created["id"], S.FAILED)
    assert (await read(client, created["id"]))["enabled"] is False


async def test_null_never_disables_and_the_setting_is_updated(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    job = await make_job(session)
    created = await schedule(client, job)
    assert created["disable_after_failures"] == 3  # the default

    updated = await client.put(f"/api/v1/schedules/{created['id']}", json={"disable_after_failures": None})
    assert updated.status_code == 200 and updated.json()["disable_after_failures"] is None
    kept = await client.put(f"/api/v1/schedules/{created['id']}", json={"timezone": "Europe/Paris"})
    assert kept.json()["disable_after_failures"] is None  # left out: kept
    for _ in range(4):
        await tick(session, job, created["id"], S.FAILED)
    assert (await read(client, created["id"]))["enabled"] is True

    refused = await client.put(f"/api/v1/schedules/{created['id']}", json={"disable_after_failures": 0})
    assert refused.status_code == 422


async def test_the_runners_sync_move_disables_and_the_reconciler_pauses_the_dag(
    client: httpx.AsyncClient, session: AsyncSession, database_url: str
) -> None:
    job = await make_job(session)
    created = await schedule(client, job, disable_after_failures=1)
    run = JobRun(job_id=job.id, status=S.RUNNING, trigger=RunTrigger.SCHEDULE, schedule_id=created["id"])
    session.add(run)
    await session.commit()
    engine = create_engine(database_url.replace("+asyncpg", "+psycopg"))
    try:
        with Session(engine) as sync:  # rolled back with the run's move: still enabled
            assert lifecycle.move_sync(sync, run.id, S.FAILED, reason="boom")
            sync.rollback()
        assert (await read(client, created["id"]))["enabled"] is True
        with Session(engine) as sync, sync.begin():
            assert lifecycle.move_sync(sync, run.id, S.FAILED, reason="boom")
    finally:
        engine.dispose()
    assert (await read(client, created["id"]))["enabled"] is False

    state = AirflowState(schedules_file={created["dag_id"]})
    state.add_dag(created["dag_id"], paused=False)
    await reconcile_schedules(fake_airflow(state), await schedule_service.desired_dag_states(session))
    assert state.dags[created["dag_id"]]["is_paused"] is True
