"""Emission: the deliveries an event causes, added to the caller's session so they commit (or roll
back) with the change that caused them — the outbox the delivery loop sends from.

`portal.runs.lifecycle` calls `enqueue_run_outcome` / `enqueue_run_outcome_sync` when a run reaches
COMPLETED, COMPLETED_WITH_REJECTS or FAILED (a cancel notifies nobody). A scheduled run that FAILED
also checks its schedule's failure streak there (`portal.schedules.failures`): a schedule that
reaches its limit is disabled in the same transaction and `schedule_disabled` is emitted. Other
events (schema drift...) come through `enqueue_event_sync` / `enqueue_event`. Only rows are written
here: no channel is contacted inside the run's transaction, so a failing channel cannot fail a load.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from portal.db.base import utcnow
from portal.jobs.models import Job
from portal.notifications.models import (
    DeliveryStatus,
    EventType,
    NotificationChannel,
    NotificationDelivery,
    NotificationSubscription,
)
from portal.runs.models import JobRun, JobRunStatus
from portal.schedules.failures import DisabledSchedule, disable_if_failing, disable_if_failing_sync

RUN_EVENTS: Mapping[JobRunStatus, EventType] = {
    JobRunStatus.COMPLETED: EventType.RUN_SUCCEEDED,
    JobRunStatus.COMPLETED_WITH_REJECTS: EventType.RUN_COMPLETED_WITH_REJECTS,
    JobRunStatus.FAILED: EventType.RUN_FAILED,
}


def _run_query(run_id: int) -> Select[*tuple[Any, ...]]:
    # Columns, not the ORM object: the status was just written by a bulk UPDATE the identity map
    # may not know about.
    return (
        select(
            JobRun.id,
            JobRun.job_id,
            JobRun.status,
            JobRun.trigger,
            JobRun.schedule_id,
            JobRun.rows_read,
            JobRun.rows_loaded,
            JobRun.rows_rejected,
            JobRun.rows_filtered,
            JobRun.error_message,
            JobRun.started_at,
            JobRun.finished_at,
            Job.name.label("job_name"),
        )
        .join(Job, Job.id == JobRun.job_id)
        .where(JobRun.id == run_id)
    )


def _channels_query(job_id: int | None) -> Select[int, list[str], list[str]]:
    """Enabled channels with their all-jobs events and `job_id`'s subscription events (NULL when it
    has none; always NULL for no job). Few rows: the event lists are matched in Python (JSON has no
    portable containment test)."""
    return (
        select(NotificationChannel.id, NotificationChannel.all_jobs_events, NotificationSubscription.events)
        .outerjoin(
            NotificationSubscription,
            and_(
                NotificationSubscription.channel_id == NotificationChannel.id,
                NotificationSubscription.job_id == job_id,
            ),
        )
        .where(NotificationChannel.enabled.is_(True))
        .order_by(NotificationChannel.id)
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def run_payload(run: Row[*tuple[Any, ...]]) -> dict[str, Any]:
    """What every channel is told about a run (ids, counts, the error; never a secret)."""
    return {
        "job": {"id": run.job_id, "name": run.job_name},
        "run": {
            "id": run.id,
            "status": JobRunStatus(run.status).value,
            "trigger": str(run.trigger.value if hasattr(run.trigger, "value") else run.trigger),
            "schedule_id": run.schedule_id,
            "rows_read": run.rows_read,
            "rows_loaded": run.rows_loaded,
            "rows_rejected": run.rows_rejected,
            "rows_filtered": run.rows_filtered,
            "error_message": run.error_message,
            "started_at": _iso(run.started_at),
            "finished_at": _iso(run.finished_at),
        },
    }


def deliveries_for(
    channels: Sequence[Row[int, list[str], list[str]]],
    event: EventType,
    payload: Mapping[str, Any],
    *,
    job_id: int | None,
    job_run_id: int | None = None,
) -> list[NotificationDelivery]:
    """One pending delivery per channel whose all-jobs events or whose job subscription has `event`."""
    now = utcnow()
    wanted = [
        row.id
        for row in channels
        if event.value in (row.all_jobs_events or []) or event.value in (row.events or [])
    ]
    return [
        NotificationDelivery(
            channel_id=channel_id,
            event=event.value,
            job_id=job_id,
            job_run_id=job_run_id,
            payload={"event": event.value, **payload},
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        for channel_id in dict.fromkeys(wanted)
    ]


def enqueue_run_outcome_sync(session: Session, run_id: int, status: JobRunStatus) -> int:
    """Add the deliveries of run `run_id` reaching `status` (the runner's sync sessions)."""
    event = RUN_EVENTS.get(status)
    if event is None:
        return 0
    run = session.execute(_run_query(run_id)).one_or_none()
    if run is None:
        return 0
    channels = session.execute(_channels_query(run.job_id)).all()
    deliveries = deliveries_for(channels, event, run_payload(run), job_id=run.job_id, job_run_id=run.id)
    if status == JobRunStatus.FAILED and run.schedule_id is not None:
        disabled = disable_if_failing_sync(session, run.schedule_id, run.id)
        if disabled is not None:
            payload = schedule_disabled_payload(disabled, run)
            deliveries += deliveries_for(
                channels, EventType.SCHEDULE_DISABLED, payload, job_id=run.job_id, job_run_id=run.id
            )
    session.add_all(deliveries)
    return len(deliveries)


async def enqueue_run_outcome(session: AsyncSession, run_id: int, status: JobRunStatus) -> int:
    """`enqueue_run_outcome_sync` for an async session (API, backstop, cancel)."""
    event = RUN_EVENTS.get(status)
    if event is None:
        return 0
    run = (await session.execute(_run_query(run_id))).one_or_none()
    if run is None:
        return 0
    channels = (await session.execute(_channels_query(run.job_id))).all()
    deliveries = deliveries_for(channels, event, run_payload(run), job_id=run.job_id, job_run_id=run.id)
    if status == JobRunStatus.FAILED and run.schedule_id is not None:
        disabled = await disable_if_failing(session, run.schedule_id, run.id)
        if disabled is not None:
            payload = schedule_disabled_payload(disabled, run)
            deliveries += deliveries_for(
                channels, EventType.SCHEDULE_DISABLED, payload, job_id=run.job_id, job_run_id=run.id
            )
    session.add_all(deliveries)
    return len(deliveries)


def schedule_disabled_payload(disabled: DisabledSchedule, run: Row[*tuple[Any, ...]]) -> dict[str, Any]:
    """The failed run that ended the streak, and the schedule with why it was disabled."""
    return {
        **run_payload(run),
        "schedule": {
            "id": disabled.id,
            "cron_expression": disabled.cron_expression,
            "timezone": disabled.timezone,
            "disable_after_failures": disabled.failures,
        },
        "reason": disabled.reason,
    }


def _job_query(job_id: int) -> Select[str]:
    return select(Job.name).where(Job.id == job_id)


def event_payload(
    job_id: int, job_name: str | None, run_id: int | None, data: Mapping[str, Any]
) -> dict[str, Any]:
    return {"job": {"id": job_id, "name": job_name}, **({"run": {"id": run_id}} if run_id else {}), **data}


def enqueue_event_sync(
    session: Session, *, event: EventType, job_id: int, run_id: int | None, data: Mapping[str, Any]
) -> int:
    """Add the deliveries of `event` about job `job_id` (and run `run_id`) to the caller's
    transaction: the channels subscribed to it for that job or for every job. The payload is
    `{"event", "job": {"id", "name"}, "run": {"id"}, **data}`; `data` must be JSON and hold no
    secret. For a run's outcome use the lifecycle (it calls `enqueue_run_outcome_sync`)."""
    name = session.scalar(_job_query(job_id))
    channels = session.execute(_channels_query(job_id)).all()
    payload = event_payload(job_id, name, run_id, data)
    deliveries = deliveries_for(channels, event, payload, job_id=job_id, job_run_id=run_id)
    session.add_all(deliveries)
    return len(deliveries)


async def enqueue_event(
    session: AsyncSession, *, event: EventType, job_id: int, run_id: int | None, data: Mapping[str, Any]
) -> int:
    """`enqueue_event_sync` for an async session."""
    name = await session.scalar(_job_query(job_id))
    channels = (await session.execute(_channels_query(job_id))).all()
    payload = event_payload(job_id, name, run_id, data)
    deliveries = deliveries_for(channels, event, payload, job_id=job_id, job_run_id=run_id)
    session.add_all(deliveries)
    return len(deliveries)
