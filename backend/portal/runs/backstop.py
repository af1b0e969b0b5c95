"""The backstop: a loop in the API process that keeps the portal and Airflow honest.

Every ~15 s it
- fails runs that are PENDING/RUNNING in the portal although their Airflow DAG run failed, finished
  without the runner recording an outcome, vanished, or never started (stuck PENDING), and
- reconciles the schedule DAGs' pause state with the schedules table.

While Airflow is unreachable it changes nothing: an outage is not a reason to fail runs.
Start it from the app lifespan with `start_backstop(app)`; cancel the returned task to stop it.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portal.clients.airflow import AirflowClient, AirflowRequestError
from portal.core.errors import AirflowUnavailableError
from portal.runs.models import JobRun, JobRunStatus
from portal.runs.service import ACTIVE_STATUSES, fail_if_active
from portal.schedules.service import desired_dag_states
from portal.schedules.sync import reconcile_schedules

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class BackstopPolicy:
    interval_seconds: float = 15.0
    # A run is committed just before its trigger: give the trigger time before "vanished".
    missing_grace: timedelta = timedelta(seconds=60)
    # The DAG run ended but the runner never wrote the outcome (killed after the task ended?).
    finished_grace: timedelta = timedelta(seconds=60)
    # The DAG run still queued, never picked up by a scheduler (none running?).
    pending_timeout: timedelta = timedelta(minutes=60)


async def check_runs(
    session_factory: async_sessionmaker[AsyncSession],
    airflow: AirflowClient,
    policy: BackstopPolicy = BackstopPolicy(),
) -> list[int]:
    """One pass over the active runs; returns the ids of the runs it failed."""
    async with session_factory() as session:
        active = (await session.scalars(select(JobRun).where(JobRun.status.in_(ACTIVE_STATUSES)))).all()
    failed: list[int] = []
    for run in active:
        try:
            reason = await _reason_to_fail(airflow, run, policy, datetime.now(UTC))
        except AirflowRequestError as exc:  # about this run only; the others still get checked
            log.warning("backstop_run_check_failed", job_run_id=run.id, reason=exc.message)
            continue
        if reason is None:
            continue
        async with session_factory() as session:
            if await fail_if_active(session, run.id, reason):
                failed.append(run.id)
                log.warning("job_run_failed_by_backstop", job_run_id=run.id, reason=reason)
    return failed


async def _reason_to_fail(
    airflow: AirflowClient, run: JobRun, policy: BackstopPolicy, now: datetime
) -> str | None:
    age = now - run.created_at
    if not run.dag_id or not run.dag_run_id:
        if age > policy.pending_timeout:
            return f"Run was never handed to Airflow within {_minutes(policy.pending_timeout)}"
        return None
    dag_run = await airflow.get_dag_run(run.dag_id, run.dag_run_id)
    if dag_run is None:
        if age > policy.missing_grace:
            return f"Airflow has no DAG run {run.dag_run_id} of {run.dag_id} (deleted, or never created)"
        return None
    if dag_run.state == "failed":
        return f"Airflow DAG run {run.dag_run_id} failed (worker killed, timed out or marked failed)"
    if dag_run.state == "success":
        ended = _parse(dag_run.end_date) or now
        if now - ended > policy.finished_grace:
            return f"Airflow DAG run {run.dag_run_id} ended, but the runner never recorded an outcome"
        return None
    # Only a DAG run no scheduler ever started: a started one whose task waits for a worker slot is
    # Airflow's to time out (scheduler.task_queued_timeout), and a long legitimate queue is not stuck.
    if run.status == JobRunStatus.PENDING and dag_run.state == "queued" and age > policy.pending_timeout:
        # Stop Airflow from starting it later, after the portal has already given up on it.
        await airflow.set_dag_run_state(run.dag_id, run.dag_run_id, "failed")
        return (
            f"Airflow did not start DAG run {run.dag_run_id} within {_minutes(policy.pending_timeout)} "
            "(still queued): is the Airflow scheduler running?"
        )
    return None


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _minutes(delta: timedelta) -> str:
    return f"{int(delta.total_seconds() // 60)} minutes"


async def run_backstop_once(
    session_factory: async_sessionmaker[AsyncSession], airflow: AirflowClient, policy: BackstopPolicy
) -> None:
    try:
        await check_runs(session_factory, airflow, policy)
        async with session_factory() as session:
            wanted = await desired_dag_states(session)
        await reconcile_schedules(airflow, wanted)
    except (AirflowUnavailableError, AirflowRequestError) as exc:
        log.info("backstop_skipped", reason=exc.message)


async def run_backstop(
    session_factory: async_sessionmaker[AsyncSession],
    airflow: AirflowClient,
    policy: BackstopPolicy = BackstopPolicy(),
) -> None:
    """Forever, one pass every `policy.interval_seconds`; a failing pass never ends the loop."""
    while True:
        try:
            await run_backstop_once(session_factory, airflow, policy)
        except Exception:  # e.g. the app database briefly down; try again next round
            log.exception("backstop_pass_failed")
        await asyncio.sleep(policy.interval_seconds)


def start_backstop(app: FastAPI, policy: BackstopPolicy = BackstopPolicy()) -> asyncio.Task[None]:
    """Call in the lifespan after the session factory and Airflow client exist on `app.state`."""
    return asyncio.create_task(
        run_backstop(app.state.session_factory, app.state.airflow, policy), name="portal-backstop"
    )


async def stop_backstop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
