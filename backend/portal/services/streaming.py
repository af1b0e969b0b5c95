"""Live progress of one run as server-sent events, read from the app database.

The runner writes from Airflow workers (other processes, other machines), so the stream polls the
database instead of listening in-process: snapshot first, then every new JobRunEvent after the last
one sent (`log` events one by one, progress/status changes as one `progress` with the current run),
then `end` with the final run once the run is terminal.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sse_starlette import ServerSentEvent

from portal.models import EventKind, JobRun, JobRunEvent, JobRunStatus
from portal.schemas.job_run import JobRunEventRead, JobRunRead
from portal.services.job_runs import get_run, list_events

POLL_SECONDS = 0.5
EVENTS_PER_POLL = 500


def _event(name: str, payload: JobRunRead | JobRunEventRead, event_id: int | None) -> ServerSentEvent:
    return ServerSentEvent(
        data=payload.model_dump_json(), event=name, id=str(event_id) if event_id is not None else None
    )


def _fingerprint(run: JobRun) -> tuple[object, ...]:
    # Counters the runner may update without writing an event row.
    return (run.status, run.rows_read, run.rows_loaded, run.rows_rejected, run.bytes_read, run.updated_at)


async def _latest_event_id(session: AsyncSession, run_id: int) -> int:
    latest = await session.scalar(select(func.max(JobRunEvent.id)).where(JobRunEvent.job_run_id == run_id))
    return int(latest or 0)


async def run_events(
    session_factory: async_sessionmaker[AsyncSession],
    run_id: int,
    *,
    last_event_id: int | None,
    poll_seconds: float = POLL_SECONDS,
) -> AsyncIterator[ServerSentEvent]:
    """The event stream of run `run_id`. A client that reconnects with `last_event_id` gets a fresh
    snapshot and then every event it missed; a new client gets the snapshot and what follows it."""
    async with session_factory() as session:
        run = await get_run(session, run_id)
        latest = await _latest_event_id(session, run_id)
        snapshot = JobRunRead.of(run)
    cursor = latest if last_event_id is None else min(last_event_id, latest)
    # The snapshot's id is where this stream continues from, so a reconnect never skips an event.
    yield _event("snapshot", snapshot, cursor or None)
    seen = _fingerprint(run)
    while True:
        async with session_factory() as session:
            # Status first, events second: an event committed before the final status is never missed.
            current = await session.get(JobRun, run_id, populate_existing=True)
            if current is None:  # deleted while watched
                return
            events = await list_events(session, run_id, after_id=cursor, limit=EVENTS_PER_POLL)
            read = JobRunRead.of(current)
            terminal = JobRunStatus(current.status).is_terminal
            fingerprint = _fingerprint(current)
        progress_id: int | None = None
        for event in events:
            if event.kind == EventKind.LOG.value:
                yield _event("log", JobRunEventRead.of(event), event.id)
            else:
                progress_id = event.id
            cursor = event.id
        if progress_id is not None or fingerprint != seen:
            # One progress per poll with the run as it is now; its id covers every event read.
            yield _event("progress", read, cursor if progress_id is not None else None)
            seen = fingerprint
        if terminal and len(events) < EVENTS_PER_POLL:
            yield _event("end", read, None)
            return
        if len(events) < EVENTS_PER_POLL:
            await asyncio.sleep(poll_seconds)


def parse_last_event_id(header: str | None) -> int | None:
    if header is None or not header.strip().isdigit():
        return None
    return int(header.strip())
