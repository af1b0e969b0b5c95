"""A schedule disables itself after `disable_after_failures` of its runs in a row failed.

Checked in the transaction that moves one of its runs to FAILED (the runner's sync session, the
backstop's async one: `portal.notifications.outbox` calls it with the run outcome, and emits
`schedule_disabled` when it says so). The streak counts the schedule's finished runs since it was
last enabled, newest first: a run that loaded (or had nothing to load) breaks it, a cancelled or
skipped tick neither counts nor breaks it. Only the app database changes here: the DAG factory
drops a disabled schedule's DAG at its next parse and the backstop's reconcile pauses it in
Airflow (`schedules/sync.py`), as after a user's disable.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, Update, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from portal.audit.models import AuditAction, AuditEvent
from portal.db.base import utcnow
from portal.runs.models import JobRun, JobRunStatus
from portal.schedules.models import Schedule

AUDIT_RESOURCE = "schedule"
# Statuses that end a run of a schedule one way or the other (CANCELLED: a skipped tick or a user).
_COUNTED = (
    JobRunStatus.FAILED,
    JobRunStatus.COMPLETED,
    JobRunStatus.COMPLETED_WITH_REJECTS,
    JobRunStatus.NOTHING_TO_LOAD,
)


@dataclass(frozen=True)
class DisabledSchedule:
    id: int
    job_id: int
    cron_expression: str
    timezone: str
    failures: int
    reason: str


def _schedule_query(schedule_id: int) -> Select[Schedule]:
    return select(Schedule).where(Schedule.id == schedule_id)


def _streak_query(schedule: Schedule) -> Select[JobRunStatus]:
    limit = schedule.disable_after_failures or 0
    query = select(JobRun.status).where(JobRun.schedule_id == schedule.id, JobRun.status.in_(_COUNTED))
    if schedule.enabled_at is not None:
        query = query.where(JobRun.created_at >= schedule.enabled_at)
    return query.order_by(JobRun.id.desc()).limit(limit)


def _disabled(schedule: Schedule, statuses: list[JobRunStatus], run_id: int) -> DisabledSchedule | None:
    limit = schedule.disable_after_failures
    if not limit or len(statuses) < limit or any(s != JobRunStatus.FAILED for s in statuses):
        return None
    reason = f"Disabled after {limit} failed runs in a row (the last: run {run_id})"
    return DisabledSchedule(
        schedule.id, schedule.job_id, schedule.cron_expression, schedule.timezone, limit, reason
    )


def _disable_statement(found: DisabledSchedule) -> Update:
    # Conditional: of two failures settling at once, one disables (and notifies), the other finds
    # the schedule disabled already.
    return (
        update(Schedule)
        .where(Schedule.id == found.id, Schedule.enabled.is_(True))
        .values(enabled=False, disabled_reason=found.reason, updated_at=utcnow())
        .returning(Schedule.id)
        .execution_options(synchronize_session=False)
    )


def _audit(found: DisabledSchedule) -> AuditEvent:
    """On the audit log with no actor: the portal did it, by the schedule's own rule."""
    return AuditEvent(
        action=AuditAction.UPDATE,
        resource_type=AUDIT_RESOURCE,
        resource_id=str(found.id),
        changes={
            "enabled": {"before": True, "after": False},
            "disabled_reason": {"before": None, "after": found.reason},
        },
    )


def disable_if_failing_sync(session: Session, schedule_id: int, run_id: int) -> DisabledSchedule | None:
    """After run `run_id` of schedule `schedule_id` failed: disable the schedule when its streak
    reached its limit (the schedule, for the notification), else None."""
    schedule = session.scalar(_schedule_query(schedule_id).execution_options(populate_existing=True))
    if schedule is None or not schedule.enabled or not schedule.disable_after_failures:
        return None
    found = _disabled(schedule, list(session.scalars(_streak_query(schedule))), run_id)
    if found is None or session.scalar(_disable_statement(found)) is None:
        return None
    session.add(_audit(found))
    return found


async def disable_if_failing(session: AsyncSession, schedule_id: int, run_id: int) -> DisabledSchedule | None:
    """`disable_if_failing_sync` for an async session."""
    schedule = await session.scalar(_schedule_query(schedule_id).execution_options(populate_existing=True))
    if schedule is None or not schedule.enabled or not schedule.disable_after_failures:
        return None
    found = _disabled(schedule, list(await session.scalars(_streak_query(schedule))), run_id)
    if found is None or await session.scalar(_disable_statement(found)) is None:
        return None
    session.add(_audit(found))
    return found
