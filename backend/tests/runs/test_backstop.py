"""The backstop's decisions, on a real PostgreSQL.

Airflow's side is an `httpx.MockTransport` holding DAG runs and DAGs in a dict: the states under test
(a DAG run that vanished, one that failed or succeeded without the runner reporting, a run queued for
half an hour) cannot be produced on demand in a real Airflow within a unit test. The e2e and chaos
tests (tests/e2e) drive the same code against a real Airflow. "Airflow down" is a real closed port.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fake_airflow import AirflowState, fake_airflow
from fastapi import FastAPI
from run_factories import make_job, make_run
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.jobs.models import Job
from portal.runs.backstop import BackstopPolicy, check_runs, run_backstop_once
from portal.runs.models import JobRun, JobRunTable
from portal.schedules.models import Schedule

POLICY = BackstopPolicy(
    missing_grace=timedelta(seconds=60),
    finished_grace=timedelta(seconds=60),
    pending_timeout=timedelta(minutes=30),
)
LONG_AGO = datetime.now(UTC) - timedelta(hours=1)


async def active_run(session: AsyncSession, job_id: int, number: int, **values: Any) -> JobRun:
    job = await session.get_one(Job, job_id)
    values.setdefault("status", "RUNNING")
    values.setdefault("created_at", LONG_AGO)
    return await make_run(
        session, job, dag_id="etl_job_executor", dag_run_id=f"job_{job_id}_run_{number}", **values
    )


async def status_of(session: AsyncSession, run: JobRun) -> tuple[str, str | None]:
    fresh = await session.get(JobRun, run.id, populate_existing=True)
    assert fresh is not None
    return fresh.status, fresh.error_message


async def test_runs_whose_dag_run_failed_or_vanished_are_failed_with_the_reason(
    app: FastAPI, session: AsyncSession
) -> None:
    job = await make_job(session)
    failed_in_airflow = await active_run(session, job.id, 1)
    vanished = await active_run(session, job.id, 2)
    just_triggered = await active_run(session, job.id, 3, status="PENDING", created_at=datetime.now(UTC))
    healthy = await active_run(session, job.id, 4)
    state = AirflowState()
    state.add_run(failed_in_airflow, "failed")
    state.add_run(healthy, "running")

    failed_ids = await check_runs(app.state.session_factory, fake_airflow(state), POLICY)

    assert sorted(failed_ids) == [failed_in_airflow.id, vanished.id]
    status, reason = await status_of(session, failed_in_airflow)
    assert status == "FAILED" and reason is not None and "failed" in reason
    status, reason = await status_of(session, vanished)
    assert status == "FAILED" and reason is not None and "no DAG run" in reason
    assert (await status_of(session, just_triggered))[0] == "PENDING"
    assert (await status_of(session, healthy))[0] == "RUNNING"


async def test_a_run_left_pending_too_long_is_failed_and_stopped_in_airflow(
    app: FastAPI, session: AsyncSession
) -> None:
    job = await make_job(session)
    stuck = await active_run(session, job.id, 1, status="PENDING")
    waiting_for_a_worker = await active_run(session, job.id, 2, status="PENDING")
    state = AirflowState()
    state.add_run(stuck, "queued")
    state.add_run(waiting_for_a_worker, "running")

    await check_runs(app.state.session_factory, fake_airflow(state), POLICY)

    status, reason = await status_of(session, stuck)
    assert status == "FAILED"
    assert reason is not None and "scheduler" in reason
    assert state.dag_runs[("etl_job_executor", stuck.dag_run_id or "")]["state"] == "failed"
    assert (await status_of(session, waiting_for_a_worker))[0] == "PENDING"


async def test_a_dag_run_that_succeeded_without_an_outcome_fails_after_the_grace(
    app: FastAPI, session: AsyncSession
) -> None:
    job = await make_job(session)
    silent = await active_run(session, job.id, 1)
    just_ended = await active_run(session, job.id, 2)
    state = AirflowState()
    state.add_run(silent, "success", end_date=datetime.now(UTC) - timedelta(minutes=5))
    state.add_run(just_ended, "success", end_date=datetime.now(UTC))

    await check_runs(app.state.session_factory, fake_airflow(state), POLICY)

    assert (await status_of(session, silent))[0] == "FAILED"
    assert (await status_of(session, just_ended))[0] == "RUNNING"


async def test_finished_runs_are_left_alone_and_the_failure_is_logged_as_an_event(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    job = await make_job(session)
    done = await active_run(session, job.id, 1, status="COMPLETED")
    lost = await active_run(session, job.id, 2)
    state = AirflowState()
    state.add_run(done, "failed")

    await check_runs(app.state.session_factory, fake_airflow(state), POLICY)

    assert (await status_of(session, done))[0] == "COMPLETED"
    events = (await client.get(f"/api/v1/job-runs/{lost.id}/logs")).json()
    status, line = events[-2:]
    assert status["kind"] == "status" and status["data"] == {"status": "FAILED"}
    # The run's log (kind=log) says why it ended.
    assert (line["kind"], line["level"], line["message"]) == ("log", "error", "run_failed")
    assert line["data"]["reason"].startswith("Airflow has no DAG run")


async def test_airflow_down_changes_nothing(app: FastAPI, session: AsyncSession) -> None:
    job = await make_job(session)
    run = await active_run(session, job.id, 1)

    # app.state.airflow points at a closed port (tests' settings).
    await run_backstop_once(app.state.session_factory, app.state.airflow, POLICY)

    assert (await status_of(session, run))[0] == "RUNNING"


async def test_reconcile_pauses_unpauses_and_removes_schedule_dags(
    app: FastAPI, session: AsyncSession
) -> None:
    job = await make_job(session)
    for number, enabled in ((1, True), (2, False), (3, True)):
        session.add(Schedule(id=number, job_id=job.id, cron_expression="@daily", enabled=enabled))
        await session.flush()
        (await session.get_one(Schedule, number)).dag_id = f"etl_job_{job.id}_schedule_{number}"
    await session.commit()
    state = AirflowState()
    state.add_dag(f"etl_job_{job.id}_schedule_1", paused=True)  # enabled in the portal
    state.add_dag(f"etl_job_{job.id}_schedule_2", paused=False)  # disabled in the portal
    state.add_dag(f"etl_job_{job.id}_schedule_8", paused=False, stale=True)  # deleted, its run still running
    state.refuse_delete.add(f"etl_job_{job.id}_schedule_8")
    state.add_dag(f"etl_job_{job.id}_schedule_9", paused=False, stale=True)  # deleted in the portal
    # schedule 3 has no DAG yet: the schedules file must be re-parsed.

    await run_backstop_once(app.state.session_factory, fake_airflow(state), POLICY)

    assert state.dags[f"etl_job_{job.id}_schedule_1"]["is_paused"] is False
    assert state.dags[f"etl_job_{job.id}_schedule_2"]["is_paused"] is True
    assert state.deleted == [f"etl_job_{job.id}_schedule_9"]
    assert f"etl_job_{job.id}_schedule_8" in state.dags  # refused (409) this time, retried next pass
    assert state.reparsed == ["schedules-file"]


async def test_a_many_table_run_failed_by_the_backstop_fails_its_tables_not_over(
    app: FastAPI, session: AsyncSession
) -> None:
    job = await make_job(session)
    run = await active_run(session, job.id, 1)
    session.add_all(
        [
            JobRunTable(job_run_id=run.id, position=0, source_name="a", target_name="a", status="COMPLETED"),
            JobRunTable(job_run_id=run.id, position=1, source_name="b", target_name="b", status="RUNNING"),
        ]
    )
    await session.commit()
    state = AirflowState()
    state.add_run(run, "failed")

    assert await check_runs(app.state.session_factory, fake_airflow(state), POLICY) == [run.id]

    tables = (
        await session.scalars(
            select(JobRunTable).where(JobRunTable.job_run_id == run.id).order_by(JobRunTable.position)
        )
    ).all()
    assert [(t.status, t.error_message is not None) for t in tables] == [
        ("COMPLETED", False),
        ("FAILED", True),
    ]
