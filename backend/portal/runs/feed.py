"""One database poller per watched run, shared by every stream of that run in this process.

The runner writes from Airflow workers (other processes, other machines), so changes are read from
the app database, not received in-process. Polling once per run instead of once per client keeps
a hundred browsers on one run as cheap as one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portal.runs.models import JobRun, JobRunEvent, JobRunStatus
from portal.runs.schemas import JobRunEventRead, JobRunRead
from portal.runs.service import list_events

log = structlog.get_logger(__name__)

POLL_SECONDS = 0.5
EVENTS_PER_POLL = 500
# A client this many ticks behind is dropped; it reconnects with Last-Event-ID and misses nothing.
MAX_QUEUED_TICKS = 600


@dataclass(frozen=True)
class Tick:
    """What one poll found: new events (id order), the run as it is now, whether it changed."""

    after_id: int  # the events are those after this id (a subscriber behind it reads the gap itself)
    events: list[JobRunEventRead]
    run: JobRunRead | None  # None: the run was deleted
    changed: bool
    terminal: bool  # the run is over and this tick carries its last events


class Lagging(Exception):
    """The subscriber did not keep up."""


def _fingerprint(run: JobRun) -> tuple[object, ...]:
    # Counters the runner may update without writing an event row.
    return (run.status, run.rows_read, run.rows_loaded, run.rows_rejected, run.bytes_read, run.updated_at)


async def latest_event_id(session: AsyncSession, run_id: int) -> int:
    latest = await session.scalar(select(func.max(JobRunEvent.id)).where(JobRunEvent.job_run_id == run_id))
    return int(latest or 0)


class RunFeed:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], run_id: int, poll_seconds: float):
        self._sessions = session_factory
        self.run_id = run_id
        self._poll_seconds = poll_seconds
        self.subscribers: set[asyncio.Queue[Tick | Lagging]] = set()
        self.task: asyncio.Task[None] | None = None

    async def run(self, on_done: Callable[[RunFeed], None]) -> None:
        try:
            async with self._sessions() as session:
                cursor = await latest_event_id(session, self.run_id)
                run = await session.get(JobRun, self.run_id)
                seen = _fingerprint(run) if run is not None else None
            while self.subscribers:
                tick, cursor, seen = await self._poll(cursor, seen)
                self._publish(tick)
                if tick.run is None or tick.terminal:
                    return
                if len(tick.events) < EVENTS_PER_POLL:
                    await asyncio.sleep(self._poll_seconds)
        except Exception:  # a poll failed (database gone?): end every stream, clients reconnect
            log.exception("run_feed_failed", job_run_id=self.run_id)
            self._publish(Tick(after_id=0, events=[], run=None, changed=False, terminal=True))
        finally:
            on_done(self)

    async def _poll(
        self, cursor: int, seen: tuple[object, ...] | None
    ) -> tuple[Tick, int, tuple[object, ...] | None]:
        async with self._sessions() as session:
            # Status first, events second: an event committed before the final status is never missed.
            run = await session.get(JobRun, self.run_id, populate_existing=True)
            if run is None:
                return Tick(after_id=cursor, events=[], run=None, changed=True, terminal=True), cursor, seen
            events = await list_events(session, self.run_id, after_id=cursor, limit=EVENTS_PER_POLL)
            read = JobRunRead.of(run)
            fingerprint = _fingerprint(run)
        tick = Tick(
            after_id=cursor,
            events=[JobRunEventRead.of(e) for e in events],
            run=read,
            changed=fingerprint != seen,
            # Over only once every event up to the final status has been read.
            terminal=JobRunStatus(run.status).is_terminal and len(events) < EVENTS_PER_POLL,
        )
        return tick, (events[-1].id if events else cursor), fingerprint

    def _publish(self, tick: Tick) -> None:
        for queue in list(self.subscribers):
            if queue.qsize() >= MAX_QUEUED_TICKS:
                self.subscribers.discard(queue)
                queue.put_nowait(Lagging())
            else:
                queue.put_nowait(tick)


class RunFeeds:
    """The feeds of one app: started by the first subscriber of a run, stopped after the last."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], poll_seconds: float = POLL_SECONDS):
        self._sessions = session_factory
        self._poll_seconds = poll_seconds
        self._feeds: dict[int, RunFeed] = {}

    @contextlib.asynccontextmanager
    async def subscribe(self, run_id: int) -> AsyncIterator[asyncio.Queue[Tick | Lagging]]:
        feed = self._feeds.get(run_id)
        if feed is None:
            feed = self._feeds[run_id] = RunFeed(self._sessions, run_id, self._poll_seconds)
        queue: asyncio.Queue[Tick | Lagging] = asyncio.Queue()
        feed.subscribers.add(queue)
        if feed.task is None:
            feed.task = asyncio.create_task(feed.run(self._forget), name=f"run-feed-{run_id}")
        try:
            yield queue
        finally:
            feed.subscribers.discard(queue)

    def watched(self) -> set[int]:
        """Runs with a poller right now."""
        return set(self._feeds)

    def _forget(self, feed: RunFeed) -> None:
        if self._feeds.get(feed.run_id) is feed:
            del self._feeds[feed.run_id]
