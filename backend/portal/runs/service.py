"""Job runs: start one in Airflow, read, cancel and delete them, and their events and rejected rows."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.context import AuditContext
from portal.audit.models import AuditAction
from portal.clients.airflow import (
    EXECUTOR_DAG_ID,
    FINISHED_TASK_STATES,
    AirflowClient,
    AirflowRequestError,
)
from portal.core.background import spawn
from portal.core.errors import AirflowUnavailableError, ConflictError, EntityNotFoundError
from portal.core.metrics import AIRFLOW_TRIGGER_SECONDS
from portal.jobs import run_guard
from portal.jobs.models import Job, JobTable, SourceType
from portal.runs import lifecycle
from portal.runs.models import (
    EventKind,
    JobRun,
    JobRunEvent,
    JobRunStatus,
    RejectedRow,
    RunTrigger,
)

log = structlog.get_logger(__name__)

ACTIVE_STATUSES = (JobRunStatus.PENDING, JobRunStatus.RUNNING)
# Long enough for a running load to notice the cancel between batches and clean up after itself.
CANCEL_GRACE_SECONDS = 10.0


def manual_dag_run_id(job_id: int, job_run_id: int) -> str:
    """Deterministic, so triggering the same run twice is a harmless 409 in Airflow."""
    return f"job_{job_id}_run_{job_run_id}"


async def get_run(session: AsyncSession, run_id: int) -> JobRun:
    run = await session.get(JobRun, run_id, populate_existing=True)
    if run is None:
        raise EntityNotFoundError("JobRun", run_id)
    return run


async def list_runs(
    session: AsyncSession,
    *,
    job_id: int | None,
    status: JobRunStatus | None,
    offset: int,
    limit: int,
) -> tuple[Sequence[JobRun], int]:
    query = select(JobRun)
    if job_id is not None:
        query = query.where(JobRun.job_id == job_id)
    if status is not None:
        query = query.where(JobRun.status == status)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    runs = await session.scalars(query.order_by(JobRun.id.desc()).offset(offset).limit(limit))
    return runs.all(), int(total or 0)


async def start_manual_run(
    session: AsyncSession, airflow: AirflowClient, job_id: int, audit: AuditContext
) -> JobRun:
    """Create the run (PENDING), then trigger `etl_job_executor` for it.

    The run is committed before the trigger because the Airflow task reads it from another
    process. When Airflow cannot take the run, it is deleted again: no PENDING run is left behind
    (the audit log keeps the `execute`, committed with the run: the person did ask for it).
    """
    job = await session.get(Job, job_id)
    if job is None:
        raise EntityNotFoundError("Job", job_id)
    tables = [table for table in job.tables if table.include] if job.source_type == SourceType.TABLES else []
    return await _start_run(session, airflow, job, tables, audit, {})


async def _start_run(
    session: AsyncSession,
    airflow: AirflowClient,
    job: Job,
    tables: list[JobTable],
    audit: AuditContext,
    audited: dict[str, object],
) -> JobRun:
    """A manual run of `job` (with a table run per entry of `tables`), committed, then triggered."""
    run = lifecycle.new_run(job.id, trigger=RunTrigger.MANUAL)
    run.tables = lifecycle.new_table_runs(tables)
    session.add(run)
    await session.flush()
    run.dag_id = EXECUTOR_DAG_ID
    run.dag_run_id = manual_dag_run_id(job.id, run.id)
    session.add(lifecycle.created_event(run, dag_run_id=run.dag_run_id, **audited))
    audit.record(session, AuditAction.EXECUTE, "job", job.id, after={"job_run_id": run.id, **audited})
    await session.commit()
    try:
        with AIRFLOW_TRIGGER_SECONDS.time():
            await airflow.trigger_dag_run(
                EXECUTOR_DAG_ID, run.dag_run_id, {"job_id": job.id, "job_run_id": run.id}
            )
    except (AirflowUnavailableError, AirflowRequestError):
        await session.delete(run)
        await session.commit()
        log.warning("job_run_trigger_failed", job_id=job.id, job_run_id=run.id)
        raise
    log.info("job_run_triggered", job_id=job.id, job_run_id=run.id, dag_run_id=run.dag_run_id)
    return await get_run(session, run.id)


async def retry_failed_tables(
    session: AsyncSession, airflow: AirflowClient, run_id: int, audit: AuditContext
) -> JobRun:
    """A new run of the same job with only the tables of run `run_id` that did not load (failed,
    cancelled or lost); the others stay as that run loaded them. 409 `RunStillActive` while the run
    is PENDING or RUNNING, `NoFailedTables` when every table loaded (or the job's tables are gone),
    `JobAlreadyRunning` while another run of the job is active."""
    run = await get_run(session, run_id)
    if run.status in ACTIVE_STATUSES:
        raise ConflictError(
            f"JobRun {run_id} is {run.status}; retry its failed tables once it is over",
            error="RunStillActive",
            job_run_id=run_id,
            status=run.status,
        )
    job = run.job
    failed_ids = {t.job_table_id for t in run.tables if t.status not in lifecycle.DONE and t.job_table_id}
    tables = [table for table in job.tables if table.id in failed_ids]
    if not tables:
        raise ConflictError(
            f"JobRun {run_id} has no failed table of job {job.id} to retry",
            error="NoFailedTables",
            job_run_id=run_id,
        )
    if not job.allow_concurrent_runs:
        job_id = job.id  # the rollback below expires the job
        await session.execute(run_guard.take_turn(job_id))
        busy = (await session.execute(run_guard.active_run(job_id))).first()
        if busy is not None:
            await session.rollback()
            active_id, status = busy
            raise ConflictError(
                run_guard.busy_message(job_id, active_id, status),
                error="JobAlreadyRunning",
                job_id=job_id,
                active_run_id=active_id,
                active_run_status=status.value,
            )
    audited: dict[str, object] = {"retry_of": run_id, "job_table_ids": [table.id for table in tables]}
    return await _start_run(session, airflow, job, tables, audit, audited)


async def cancel_run(
    session: AsyncSession,
    airflow: AirflowClient,
    run_id: int,
    audit: AuditContext,
    *,
    grace_seconds: float = CANCEL_GRACE_SECONDS,
) -> JobRun:
    """Mark the run CANCELLED, then fail its task in Airflow.

    A running load notices the status between batches and rolls back its staging itself, so Airflow
    is told only after `grace_seconds` (if the task is still going by then: a stuck load). A run
    that has not started yet is stopped in Airflow at once."""
    run = await get_run(session, run_id)
    previous = run.status
    was_running = previous == JobRunStatus.RUNNING
    cancelled = await lifecycle.move(session, run_id, JobRunStatus.CANCELLED, reason="Cancelled by user")
    if cancelled:  # every table not over yet ends with its run (a running one rolls back itself)
        await lifecycle.end_tables(session, run_id, JobRunStatus.CANCELLED, "Cancelled by user")
    else:
        await session.rollback()
        run = await get_run(session, run_id)  # it ended meanwhile (or had already)
        raise ConflictError(
            f"JobRun {run_id} already finished with status {run.status}; only PENDING or RUNNING "
            "runs can be cancelled",
            job_run_id=run_id,
            status=run.status,
        )
    audit.record(
        session,
        AuditAction.CANCEL,
        "job_run",
        run_id,
        before={"status": previous.value},
        after={"status": JobRunStatus.CANCELLED.value},
    )
    await session.commit()
    if run.dag_id and run.dag_run_id:
        delay = grace_seconds if was_running else 0.0
        spawn(_fail_in_airflow(airflow, run.dag_id, run.dag_run_id, delay), name=f"cancel-{run.dag_run_id}")
    return await get_run(session, run.id)


async def _fail_in_airflow(airflow: AirflowClient, dag_id: str, dag_run_id: str, delay: float) -> None:
    # The portal's CANCELLED status already stands; Airflow catching up later is fine, so a
    # failure here is logged, not raised (the backstop does not revive cancelled runs).
    await asyncio.sleep(delay)
    try:
        for task in await airflow.list_task_instances(dag_id, dag_run_id):
            if task.state not in FINISHED_TASK_STATES:
                await airflow.set_task_instance_state(
                    dag_id, dag_run_id, task.task_id, "failed", map_index=task.map_index
                )
        await airflow.set_dag_run_state(dag_id, dag_run_id, "failed")
    except (AirflowUnavailableError, AirflowRequestError) as exc:
        log.warning("job_run_cancel_airflow_failed", dag_id=dag_id, dag_run_id=dag_run_id, error=str(exc))
    except RuntimeError as exc:  # the app (and its client) shut down meanwhile
        log.info("job_run_cancel_airflow_interrupted", dag_run_id=dag_run_id, reason=str(exc))


async def fail_if_active(session: AsyncSession, run_id: int, reason: str) -> bool:
    """Mark the run FAILED with `reason` unless it has reached a final status meanwhile (the runner
    writing its own outcome wins). Returns whether it was failed here."""
    if not await lifecycle.move(session, run_id, JobRunStatus.FAILED, reason=reason):
        await session.rollback()
        return False
    await lifecycle.end_tables(session, run_id, JobRunStatus.FAILED, reason)
    await session.commit()
    return True


async def delete_run(session: AsyncSession, run_id: int) -> None:
    run = await get_run(session, run_id)
    if run.status in ACTIVE_STATUSES:
        raise ConflictError(
            f"JobRun {run_id} is {run.status}; cancel it before deleting it",
            job_run_id=run_id,
            status=run.status,
        )
    await session.delete(run)
    await session.commit()


async def list_events(
    session: AsyncSession,
    run_id: int,
    *,
    after_id: int = 0,
    limit: int | None = None,
    kind: EventKind | None = None,
) -> Sequence[JobRunEvent]:
    query = (
        select(JobRunEvent)
        .where(JobRunEvent.job_run_id == run_id, JobRunEvent.id > after_id)
        .order_by(JobRunEvent.id)
    )
    if kind is not None:
        query = query.where(JobRunEvent.kind == kind)
    if limit is not None:
        query = query.limit(limit)
    return (await session.scalars(query)).all()


async def list_rejected_rows(
    session: AsyncSession, run_id: int, *, offset: int, limit: int, job_run_table_id: int | None = None
) -> tuple[Sequence[RejectedRow], int]:
    await get_run(session, run_id)
    where = RejectedRow.job_run_id == run_id
    if job_run_table_id is not None:
        where &= RejectedRow.job_run_table_id == job_run_table_id
    total = await session.scalar(select(func.count()).select_from(RejectedRow).where(where))
    rows = await session.scalars(
        select(RejectedRow)
        .where(where)
        .order_by(RejectedRow.line_number, RejectedRow.id)
        .offset(offset)
        .limit(limit)
    )
    return rows.all(), int(total or 0)


async def iter_rejected_rows(
    session: AsyncSession, run_id: int, *, chunk: int = 5000
) -> AsyncIterator[Sequence[RejectedRow]]:
    """All rejected rows of a run in chunks (keyset by id), so a large download never sits in memory."""
    last_id = 0
    while True:
        rows = (
            await session.scalars(
                select(RejectedRow)
                .where(RejectedRow.job_run_id == run_id, RejectedRow.id > last_id)
                .order_by(RejectedRow.id)
                .limit(chunk)
            )
        ).all()
        if not rows:
            return
        yield rows
        last_id = rows[-1].id
