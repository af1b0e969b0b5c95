"""Live progress of one run as server-sent events: `snapshot`, then `log` events one by one, `table`
events (a many-table run's table counters or status, as recorded) one by one, and `progress` (the
run as it is now, its tables included) whenever it changed, then `end` with the final run.

Every stream of a run reads the same shared poller (`feed.RunFeeds`); a stream that resumes
with `Last-Event-ID` first replays what it missed from the database. A stream re-checks its
session (or API token) every SIGNED_IN_CHECK_SECONDS and ends once it was revoked or expired or
the user deactivated: logout ends the stream.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sse_starlette import ServerSentEvent

from portal.runs.feed import Lagging, RunFeeds, latest_event_id
from portal.runs.models import EventKind, JobRunStatus
from portal.runs.schemas import JobRunEventRead, JobRunRead
from portal.runs.service import get_run, list_events

# How often a live stream asks whether its session still stands (the poller ticks every 0.5 s).
SIGNED_IN_CHECK_SECONDS = 2.0


async def _always() -> bool:
    return True


def _event(name: str, payload: JobRunRead | JobRunEventRead, event_id: int | None) -> ServerSentEvent:
    return ServerSentEvent(
        data=payload.model_dump_json(), event=name, id=str(event_id) if event_id is not None else None
    )


class _Cursor:
    """Turns events into SSE messages, each event once, in id order."""

    def __init__(self, position: int) -> None:
        self.position = position

    def messages(
        self, events: Sequence[JobRunEventRead], run: JobRunRead, changed: bool
    ) -> list[ServerSentEvent]:
        out: list[ServerSentEvent] = []
        progressed = False
        for event in events:
            if event.id <= self.position:
                continue  # already sent (replay and live feed overlap)
            if event.kind == EventKind.LOG:
                out.append(_event("log", event, event.id))
            else:
                if event.job_run_table_id is not None:  # one table's counters or status
                    out.append(_event("table", event, event.id))
                progressed = True
            self.position = event.id
        if progressed or changed:
            # One progress per poll, with the run as it is now; its id covers every event read.
            out.append(_event("progress", run, self.position if progressed else None))
        return out


async def run_events(
    session_factory: async_sessionmaker[AsyncSession],
    feeds: RunFeeds,
    run_id: int,
    *,
    last_event_id: int | None,
    still_signed_in: Callable[[], Awaitable[bool]] = _always,
) -> AsyncIterator[ServerSentEvent]:
    """The event stream of run `run_id`. A new client gets the snapshot and what follows it; one
    that reconnects with `last_event_id` gets a fresh snapshot and then every event it missed.
    The stream ends (without `end`) once `still_signed_in()` says no."""
    async with feeds.subscribe(run_id) as ticks:  # before the snapshot, so nothing falls in between
        async with session_factory() as session:
            run = await get_run(session, run_id)
            latest = await latest_event_id(session, run_id)
            snapshot = JobRunRead.of(run)
            start = latest if last_event_id is None else min(last_event_id, latest)
            missed = [JobRunEventRead.of(e) for e in await list_events(session, run_id, after_id=start)]
        cursor = _Cursor(start)
        # The snapshot's id is where this stream continues from, so a reconnect never skips an event.
        yield _event("snapshot", snapshot, start or None)
        for message in cursor.messages(missed, snapshot, changed=False):
            yield message
        if JobRunStatus(snapshot.status).is_terminal:
            yield _event("end", snapshot, None)
            return
        checked = time.monotonic()
        while True:
            tick = await ticks.get()
            if isinstance(tick, Lagging) or tick.run is None:
                return  # the client reconnects (with Last-Event-ID) or the run is gone
            if time.monotonic() - checked >= SIGNED_IN_CHECK_SECONDS:
                if not await still_signed_in():
                    return  # signed out: the browser's reconnect gets 401
                checked = time.monotonic()
            events = tick.events
            if tick.after_id > cursor.position:
                # The shared poller started past this stream's snapshot: read the gap first.
                async with session_factory() as session:
                    gap = await list_events(session, run_id, after_id=cursor.position)
                events = [JobRunEventRead.of(e) for e in gap if e.id <= tick.after_id] + events
            for message in cursor.messages(events, tick.run, tick.changed):
                yield message
            if tick.terminal:
                yield _event("end", tick.run, None)
                return


def parse_last_event_id(header: str | None) -> int | None:
    if header is None or not header.strip().isdigit():
        return None
    return int(header.strip())
