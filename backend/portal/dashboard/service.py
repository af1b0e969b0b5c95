"""Figures for the dashboard: runs by status, recent and running runs, rows loaded per day."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.dashboard.schemas import Dashboard, RowsPerDay
from portal.runs.models import JobRun, JobRunStatus
from portal.runs.schemas import JobRunRead
from portal.runs.service import ACTIVE_STATUSES

DAYS = 14
RECENT = 10


async def build_dashboard(session: AsyncSession, *, now: datetime | None = None) -> Dashboard:
    now = now or datetime.now(UTC)
    by_status = await session.execute(select(JobRun.status, func.count()).group_by(JobRun.status))
    counts = {status: count for status, count in by_status.all()}
    recent = await session.scalars(select(JobRun).order_by(JobRun.id.desc()).limit(RECENT))
    running = await session.scalars(
        select(JobRun).where(JobRun.status.in_(ACTIVE_STATUSES)).order_by(JobRun.id)
    )
    return Dashboard(
        counts_by_status={status.value: int(counts.get(status, 0)) for status in JobRunStatus},
        recent_runs=[JobRunRead.of(run, now=now) for run in recent],
        rows_per_day=await _rows_per_day(session, now),
        running=[JobRunRead.of(run, now=now) for run in running],
    )


async def _rows_per_day(session: AsyncSession, now: datetime) -> list[RowsPerDay]:
    first_day = (now.astimezone(UTC) - timedelta(days=DAYS - 1)).date()
    since = datetime(first_day.year, first_day.month, first_day.day, tzinfo=UTC)
    # Grouped here rather than in SQL: day boundaries in UTC the same way on PostgreSQL and SQLite.
    finished = await session.execute(
        select(JobRun.finished_at, JobRun.rows_loaded).where(
            JobRun.finished_at >= since,
            JobRun.status.in_((JobRunStatus.COMPLETED.value, JobRunStatus.COMPLETED_WITH_REJECTS.value)),
        )
    )
    per_day: Counter[object] = Counter()
    for finished_at, rows in finished.all():
        if finished_at is not None:
            per_day[finished_at.astimezone(UTC).date()] += rows
    days = [first_day + timedelta(days=offset) for offset in range(DAYS)]
    return [RowsPerDay(date=day, rows=per_day[day]) for day in days]
