"""The run state machine's table, through both adapters: sync (SQLite, as the runner writes in the
embedded stack) and async (PostgreSQL, as the API writes)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from run_factories import make_job, make_run
from sqlalchemy import create_engine, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, sessionmaker

from portal.connections.models import Credential
from portal.db.base import Base
from portal.jobs.models import Job
from portal.runs import lifecycle
from portal.runs.models import EventKind, JobRun, JobRunEvent, JobRunStatus, RunTrigger
from portal.uploads.models import UploadedFile

S = JobRunStatus

# The allowed moves, written out by hand: the table in lifecycle.py must say exactly this.
ALLOWED = {
    (S.PENDING, S.RUNNING),
    (S.PENDING, S.FAILED),
    (S.PENDING, S.CANCELLED),
    (S.RUNNING, S.RUNNING),
    (S.RUNNING, S.PENDING),
    (S.RUNNING, S.COMPLETED),
    (S.RUNNING, S.COMPLETED_WITH_REJECTS),
    (S.RUNNING, S.NOTHING_TO_LOAD),
    (S.RUNNING, S.FAILED),
    (S.RUNNING, S.CANCELLED),
}
EARLIER = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = create_engine(f"sqlite:///{tmp_path / 'portal.db'}")
    Base.metadata.create_all(engine)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def sync_run(sessions: sessionmaker[Session], status: JobRunStatus, **values: object) -> int:
    with sessions.begin() as session:
        file = UploadedFile(
            id="f", filename="a.csv", stored_path="a.csv", size_bytes=1, encoding="utf-8", delimiter=",",
            quotechar='"', has_header=True, columns=[],
        )  # fmt: skip
        credential = Credential(name="c", kind="duckdb", options={"path": "x"})
        session.add_all([file, credential])
        session.flush()
        job = Job(name="j", file_id=file.id, credential_id=credential.id, target_schema="s", target_table="t")
        session.add(job)
        session.flush()
        run = JobRun(job_id=job.id, status=status, **values)
        session.add(run)
        session.flush()
        return run.id


def read(sessions: sessionmaker[Session], run_id: int) -> tuple[JobRun, list[JobRunEvent]]:
    with sessions() as session:
        run = session.get_one(JobRun, run_id)
        events = session.scalars(select(JobRunEvent).where(JobRunEvent.job_run_id == run_id)).all()
        return run, list(events)


def test_the_table_allows_exactly_the_documented_moves() -> None:
    table = {(source, target) for target in S for source in S if lifecycle.allowed(source, target)}

    assert table == ALLOWED
    assert not any(lifecycle.allowed(final, target) for final in lifecycle.FINAL for target in S)


@pytest.mark.parametrize("source", list(S))
@pytest.mark.parametrize("target", list(S))
def test_every_move_is_applied_or_refused_as_the_table_says(
    sessions: sessionmaker[Session], source: JobRunStatus, target: JobRunStatus
) -> None:
    run_id = sync_run(sessions, source, rows_read=7)

    with sessions.begin() as session:
        moved = lifecycle.move_sync(session, run_id, target, rows_read=8)

    run, events = read(sessions, run_id)
    assert moved == ((source, target) in ALLOWED)
    if moved:
        assert (run.status, run.rows_read) == (target, 8)
        assert [(e.kind, (e.data or {})["status"]) for e in events if e.kind == EventKind.STATUS] == [
            (EventKind.STATUS, target.value)
        ]
    else:  # refused: nothing written, not even the values that came with it
        assert (run.status, run.rows_read, events) == (source, 7, [])


def test_running_stamps_the_first_start_only_and_clears_the_end_and_the_error(
    sessions: sessionmaker[Session],
) -> None:
    run_id = sync_run(sessions, S.RUNNING, started_at=EARLIER, finished_at=EARLIER, error_message="lost")

    with sessions.begin() as session:
        assert lifecycle.move_sync(session, run_id, S.RUNNING, data={"attempt": 2}, attempt=2)

    run, events = read(sessions, run_id)
    assert (run.started_at, run.finished_at, run.error_message, run.attempt) == (EARLIER, None, None, 2)
    assert events[0].data == {"status": "RUNNING", "attempt": 2}


def test_a_first_start_is_stamped_now(sessions: sessionmaker[Session]) -> None:
    run_id = sync_run(sessions, S.PENDING)
    before = datetime.now(UTC)

    with sessions.begin() as session:
        lifecycle.move_sync(session, run_id, S.RUNNING)

    started = read(sessions, run_id)[0].started_at
    assert started is not None and started >= before.replace(microsecond=0)


def test_a_retry_waits_as_pending_with_its_reason_and_no_end(sessions: sessionmaker[Session]) -> None:
    run_id = sync_run(sessions, S.RUNNING, started_at=EARLIER, finished_at=EARLIER)

    with sessions.begin() as session:
        lifecycle.move_sync(session, run_id, S.PENDING, reason="Attempt 1 of 2 failed")

    run, events = read(sessions, run_id)
    assert (run.status, run.finished_at, run.error_message) == (S.PENDING, None, "Attempt 1 of 2 failed")
    assert [(e.kind, e.message, e.level) for e in events] == [
        (EventKind.STATUS, "Attempt 1 of 2 failed", "info"),
        (EventKind.LOG, "attempt_failed", "warning"),  # not run_failed: the run goes on
    ]


@pytest.mark.parametrize(
    ("target", "line"),
    [
        (S.FAILED, ("run_failed", "error")),
        (S.CANCELLED, ("run_cancelled", "warning")),
        (S.COMPLETED, None),
        (S.COMPLETED_WITH_REJECTS, None),
    ],
)
def test_an_end_is_stamped_and_a_failure_or_cancel_gets_a_line_in_the_log(
    sessions: sessionmaker[Session], target: JobRunStatus, line: tuple[str, str] | None
) -> None:
    run_id = sync_run(sessions, S.RUNNING, started_at=EARLIER)
    reason = None if line is None else "the reason"

    with sessions.begin() as session:
        lifecycle.move_sync(session, run_id, target, reason=reason)

    run, events = read(sessions, run_id)
    assert run.finished_at is not None and run.finished_at > EARLIER
    assert run.error_message == reason
    logs = [(e.message, e.level, e.data) for e in events if e.kind == EventKind.LOG]
    assert logs == ([] if line is None else [(*line, {"reason": "the reason"})])


def test_a_new_run_is_pending_with_its_creation_event(sessions: sessionmaker[Session]) -> None:
    job_id = read(sessions, sync_run(sessions, S.COMPLETED))[0].job_id

    with sessions.begin() as session:
        run = lifecycle.new_run(job_id, trigger=RunTrigger.SCHEDULE, dag_id="d", dag_run_id="r")
        session.add(run)
        session.flush()
        session.add(lifecycle.created_event(run, dag_run_id="r"))
        run_id = run.id

    run, events = read(sessions, run_id)
    assert (run.status, run.trigger) == (S.PENDING, RunTrigger.SCHEDULE)
    assert [e.data for e in events] == [{"status": "PENDING", "trigger": "schedule", "dag_run_id": "r"}]


async def test_the_async_adapter_follows_the_same_table(session: AsyncSession) -> None:
    run = await make_run(session, await make_job(session), status=S.CANCELLED)

    late_runner = await lifecycle.move(session, run.id, S.COMPLETED, rows_loaded=3)
    await session.commit()
    fresh = await session.get_one(JobRun, run.id, populate_existing=True)

    assert late_runner is False
    assert (fresh.status, fresh.rows_loaded) == (S.CANCELLED, 0)
    assert isinstance(fresh.status, JobRunStatus)  # an enum from the column, not a bare string
