"""Schedules: cron + timezone per job, stored in the app database and mirrored as Airflow DAGs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.context import AuditContext
from portal.audit.models import AuditAction
from portal.clients.airflow import AirflowClient
from portal.core.errors import EntityNotFoundError
from portal.jobs.models import Job
from portal.runs.models import JobRun
from portal.schedules import cron
from portal.schedules.models import Schedule
from portal.schedules.schemas import LastRun, ScheduleCreate, ScheduleRead, ScheduleUpdate
from portal.schedules.sync import Desired, apply_in_background, schedule_dag_id

AUDIT_RESOURCE = "schedule"


def audit_view(schedule: Schedule) -> dict[str, Any]:
    return {
        "job_id": schedule.job_id,
        "cron_expression": schedule.cron_expression,
        "timezone": schedule.timezone,
        "enabled": schedule.enabled,
        "disable_after_failures": schedule.disable_after_failures,
    }


async def get_schedule(session: AsyncSession, schedule_id: int) -> Schedule:
    schedule = await session.get(Schedule, schedule_id, populate_existing=True)
    if schedule is None:
        raise EntityNotFoundError("Schedule", schedule_id)
    return schedule


async def list_schedules(
    session: AsyncSession, *, job_id: int | None, offset: int, limit: int
) -> tuple[Sequence[Schedule], int]:
    query = select(Schedule)
    if job_id is not None:
        query = query.where(Schedule.job_id == job_id)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    schedules = await session.scalars(query.order_by(Schedule.id).offset(offset).limit(limit))
    return schedules.all(), int(total or 0)


async def create_schedule(
    session: AsyncSession, airflow: AirflowClient, job_id: int, body: ScheduleCreate, audit: AuditContext
) -> Schedule:
    if await session.get(Job, job_id) is None:
        raise EntityNotFoundError("Job", job_id)
    expression = cron.check_cron(body.cron_expression)
    cron.check_timezone(body.timezone)
    schedule = Schedule(
        job_id=job_id,
        cron_expression=expression,
        timezone=body.timezone,
        enabled=body.enabled,
        enabled_at=datetime.now(UTC) if body.enabled else None,
        disable_after_failures=body.disable_after_failures,
    )
    session.add(schedule)
    await session.flush()
    schedule.dag_id = schedule_dag_id(job_id, schedule.id)
    audit.record(session, AuditAction.CREATE, AUDIT_RESOURCE, schedule.id, after=audit_view(schedule))
    await session.commit()
    apply_in_background(airflow, schedule.dag_id, Desired.ENABLED if body.enabled else Desired.DISABLED)
    return schedule


async def update_schedule(
    session: AsyncSession, airflow: AirflowClient, schedule_id: int, body: ScheduleUpdate, audit: AuditContext
) -> Schedule:
    schedule = await get_schedule(session, schedule_id)
    before = audit_view(schedule)
    if body.cron_expression is not None:
        schedule.cron_expression = cron.check_cron(body.cron_expression)
    if body.timezone is not None:
        cron.check_timezone(body.timezone)
        schedule.timezone = body.timezone
    if "disable_after_failures" in body.model_fields_set:
        schedule.disable_after_failures = body.disable_after_failures
    if body.enabled is not None:
        _set_enabled(schedule, body.enabled)
    audit.record(
        session, AuditAction.UPDATE, AUDIT_RESOURCE, schedule.id, before=before, after=audit_view(schedule)
    )
    await session.commit()
    _sync(airflow, schedule)
    return schedule


async def set_enabled(
    session: AsyncSession, airflow: AirflowClient, schedule_id: int, enabled: bool, audit: AuditContext
) -> Schedule:
    """Enabling an enabled schedule (or disabling a disabled one) changes nothing."""
    schedule = await get_schedule(session, schedule_id)
    before = audit_view(schedule)
    _set_enabled(schedule, enabled)
    audit.record(
        session, AuditAction.UPDATE, AUDIT_RESOURCE, schedule.id, before=before, after=audit_view(schedule)
    )
    await session.commit()
    _sync(airflow, schedule)
    return schedule


def _set_enabled(schedule: Schedule, enabled: bool) -> None:
    if enabled and not schedule.enabled:
        # The DAG's start date: a fresh one means no missed tick fires the moment it is enabled.
        # It also starts a new failure streak (schedules/failures.py counts runs since then).
        schedule.enabled_at = datetime.now(UTC)
        schedule.disabled_reason = None
    schedule.enabled = enabled


async def delete_schedule(
    session: AsyncSession, airflow: AirflowClient, schedule_id: int, audit: AuditContext
) -> None:
    schedule = await get_schedule(session, schedule_id)
    dag_id = schedule.dag_id
    audit.record(session, AuditAction.DELETE, AUDIT_RESOURCE, schedule_id, before=audit_view(schedule))
    await session.delete(schedule)
    await session.commit()
    if dag_id:
        apply_in_background(airflow, dag_id, Desired.DELETED)


def _sync(airflow: AirflowClient, schedule: Schedule) -> None:
    if schedule.dag_id:
        apply_in_background(
            airflow, schedule.dag_id, Desired.ENABLED if schedule.enabled else Desired.DISABLED
        )


async def read(session: AsyncSession, schedules: Sequence[Schedule]) -> list[ScheduleRead]:
    """Schedules as the API shows them, with their last run (one query for all of them)."""
    last_runs = await _last_runs(session, [s.id for s in schedules])
    now = datetime.now(UTC)
    return [
        ScheduleRead(
            id=s.id,
            job_id=s.job_id,
            cron_expression=s.cron_expression,
            timezone=s.timezone,
            enabled=s.enabled,
            enabled_at=s.enabled_at,
            disable_after_failures=s.disable_after_failures,
            disabled_reason=s.disabled_reason,
            description=cron.describe(s.cron_expression),
            next_runs=cron.next_fire_times(s.cron_expression, s.timezone, after=now),
            last_run=last_runs.get(s.id),
            dag_id=s.dag_id or schedule_dag_id(s.job_id, s.id),
            created_at=s.created_at,
            updated_at=s.updated_at,
        )
        for s in schedules
    ]


async def _last_runs(session: AsyncSession, schedule_ids: list[int]) -> dict[int, LastRun]:
    if not schedule_ids:
        return {}
    latest = (
        select(func.max(JobRun.id).label("id"))
        .where(JobRun.schedule_id.in_(schedule_ids))
        .group_by(JobRun.schedule_id)
        .subquery()
    )
    runs = await session.scalars(select(JobRun).where(JobRun.id.in_(select(latest.c.id))))
    return {
        run.schedule_id: LastRun(id=run.id, status=run.status, created_at=run.created_at)
        for run in runs
        if run.schedule_id is not None
    }


async def desired_dag_states(session: AsyncSession) -> dict[str, bool]:
    """dag_id -> enabled, for every schedule (the reconciler's target)."""
    rows = await session.execute(
        select(Schedule.dag_id, Schedule.enabled).where(Schedule.dag_id.is_not(None))
    )
    return {dag_id: enabled for dag_id, enabled in rows.all() if dag_id is not None}
