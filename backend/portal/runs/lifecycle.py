"""The run state machine: the one writer of `JobRun.status`.

    PENDING ──► RUNNING ──► COMPLETED | COMPLETED_WITH_REJECTS | NOTHING_TO_LOAD | FAILED | CANCELLED
       │  ▲        │ ▲
       │  └────────┘ └─ RUNNING again: a new attempt after one that died without reporting
       │   (retry)
       └──► FAILED | CANCELLED          (never started: backstop, cancel, no retries left)

`SOURCES` is the table: for each status, the statuses a run may move to it from. A final status is
final: a late writer (a runner finishing after a cancel, a backstop pass after the runner's own
outcome) is refused, not obeyed. Every move is one conditional UPDATE (`... WHERE status IN
sources`), so two writers racing cannot both win, and it stamps the times its target implies:

- RUNNING: `started_at` (first attempt only), clears `finished_at` and `error_message`;
- PENDING (a retry is coming): clears `finished_at`;
- a final status: `finished_at`.

A move that happened records a `status` event; FAILED and CANCELLED also record a `log` line with
the reason (`run_failed`, `run_cancelled`), so the run's log says why it ended, and a retry's PENDING
with its reason records `attempt_failed`. A move to COMPLETED, COMPLETED_WITH_REJECTS or FAILED also
adds the notification deliveries it causes (`portal.notifications.outbox`: outbox rows, sent later by
the API process). The runner (sync sessions) and the API, backstop and cancel
(async sessions) call the same table through `move_sync` / `move`; neither commits: the caller owns
the transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Update, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from portal.db.base import utcnow
from portal.jobs.models import JobTable
from portal.notifications.outbox import enqueue_run_outcome, enqueue_run_outcome_sync
from portal.runs.models import EventKind, JobRun, JobRunEvent, JobRunStatus, JobRunTable, RunTrigger

S = JobRunStatus
ACTIVE: frozenset[JobRunStatus] = frozenset({S.PENDING, S.RUNNING})
SUCCEEDED: frozenset[JobRunStatus] = frozenset({S.COMPLETED, S.COMPLETED_WITH_REJECTS})
FINAL: frozenset[JobRunStatus] = frozenset(status for status in S if status.is_terminal)

SOURCES: Mapping[JobRunStatus, frozenset[JobRunStatus]] = {
    S.PENDING: frozenset({S.RUNNING}),  # a transient failure with retries left
    S.RUNNING: frozenset({S.PENDING, S.RUNNING}),  # an attempt starts (again, after a lost one)
    S.COMPLETED: frozenset({S.RUNNING}),
    S.COMPLETED_WITH_REJECTS: frozenset({S.RUNNING}),
    S.NOTHING_TO_LOAD: frozenset({S.RUNNING}),  # the source had nothing new: nothing committed
    S.FAILED: ACTIVE,
    S.CANCELLED: ACTIVE,
}

# The log line a move records, by target: (event name, level), so the run's log says why it ended
# or why an attempt is retried (PENDING only with a reason: a new run is PENDING too).
_LOG_LINES: Mapping[JobRunStatus, tuple[str, str]] = {
    S.FAILED: ("run_failed", "error"),
    S.CANCELLED: ("run_cancelled", "warning"),
    S.PENDING: ("attempt_failed", "warning"),
}


def allowed(source: JobRunStatus, target: JobRunStatus) -> bool:
    return source in SOURCES[target]


def new_run(job_id: int, *, trigger: RunTrigger, **fields: Any) -> JobRun:
    """A run that has not started: PENDING is the only status a run is created with."""
    return JobRun(job_id=job_id, status=S.PENDING, trigger=trigger, **fields)


def created_event(run: JobRun, **data: Any) -> JobRunEvent:
    """The `status` event of a run's creation (after a flush gave it an id)."""
    return JobRunEvent(
        job_run_id=run.id,
        kind=EventKind.STATUS,
        message=S.PENDING.value,
        data={"status": S.PENDING.value, "trigger": run.trigger.value, **data},
    )


def _stamps(
    model: type[JobRun] | type[JobRunTable], target: JobRunStatus, reason: str | None
) -> dict[str, Any]:
    """What a move to `target` writes besides the caller's values, for a run or a table run alike."""
    now = utcnow()
    stamps: dict[str, Any] = {"status": target, "updated_at": now}
    if target == S.RUNNING:
        started_at = func.coalesce(model.started_at, now)
        stamps |= {"started_at": started_at, "finished_at": None, "error_message": None}
    elif target == S.PENDING:
        stamps["finished_at"] = None
    else:
        stamps["finished_at"] = now
    if reason is not None:
        stamps["error_message"] = reason
    return stamps


def _statement(run_id: int, target: JobRunStatus, reason: str | None, values: dict[str, Any]) -> Update:
    return (
        update(JobRun)
        .where(JobRun.id == run_id, JobRun.status.in_(SOURCES[target]))
        .values(**values, **_stamps(JobRun, target, reason))
        .returning(JobRun.id)
        .execution_options(synchronize_session=False)
    )


def _events(
    run_id: int, target: JobRunStatus, reason: str | None, data: Mapping[str, Any]
) -> list[JobRunEvent]:
    level = "error" if target == S.FAILED else "warning" if target == S.CANCELLED else "info"
    events = [
        JobRunEvent(
            job_run_id=run_id,
            kind=EventKind.STATUS,
            level=level,
            message=reason or target.value,
            data={"status": target.value, **data},
        )
    ]
    if target in _LOG_LINES and (reason is not None or target != S.PENDING):
        name, line_level = _LOG_LINES[target]
        events.append(
            JobRunEvent(
                job_run_id=run_id,
                kind=EventKind.LOG,
                level=line_level,
                message=name,
                data={"reason": reason or target.value},
            )
        )
    return events


def move_sync(
    session: Session,
    run_id: int,
    target: JobRunStatus,
    *,
    reason: str | None = None,
    data: Mapping[str, Any] | None = None,
    **values: Any,
) -> bool:
    """Move run `run_id` to `target` (with `values`, `reason` as its error message) if the table
    allows it from its current status; False (nothing written) otherwise."""
    moved = session.scalar(_statement(run_id, target, reason, values))
    if moved is None:
        return False
    session.add_all(_events(run_id, target, reason, data or {}))
    enqueue_run_outcome_sync(session, run_id, target)  # notification outbox rows, same transaction
    return True


async def move(
    session: AsyncSession,
    run_id: int,
    target: JobRunStatus,
    *,
    reason: str | None = None,
    data: Mapping[str, Any] | None = None,
    **values: Any,
) -> bool:
    """`move_sync` for an async session."""
    moved = await session.scalar(_statement(run_id, target, reason, values))
    if moved is None:
        return False
    session.add_all(_events(run_id, target, reason, data or {}))
    await enqueue_run_outcome(session, run_id, target)  # notification outbox rows, same transaction
    return True


# --- table runs -------------------------------------------------------------------------------
# A many-table run's tables move through the same table of statuses (`SOURCES`), each on its own
# row; the run itself moves only through `move_sync` / `move` (`portal.runner.tables` settles it
# from its tables once they are all over).

_TABLE_LOG_LINES: Mapping[JobRunStatus, tuple[str, str]] = {
    S.FAILED: ("table_failed", "error"),
    S.CANCELLED: ("table_cancelled", "warning"),
    S.PENDING: ("table_attempt_failed", "warning"),
}
# Counters a run sums from its tables (`roll_up`).
ROLLED_UP = (
    "rows_read",
    "rows_staged",
    "rows_loaded",
    "rows_rejected",
    "rows_filtered",
    "bytes_read",
    "bytes_total",
)


def _table_statement(
    table_run_id: int, target: JobRunStatus, reason: str | None, values: dict[str, Any]
) -> Update:
    return (
        update(JobRunTable)
        .where(JobRunTable.id == table_run_id, JobRunTable.status.in_(SOURCES[target]))
        .values(**values, **_stamps(JobRunTable, target, reason))
        .returning(JobRunTable.job_run_id)
        .execution_options(synchronize_session=False)
    )


def move_table_sync(
    session: Session,
    table_run_id: int,
    target: JobRunStatus,
    *,
    reason: str | None = None,
    data: Mapping[str, Any] | None = None,
    **values: Any,
) -> bool:
    """`move_sync` for one table run: its `status` event (and log line) carry `job_run_table_id`,
    and the run's counters are summed again from its tables."""
    run_id = session.scalar(_table_statement(table_run_id, target, reason, values))
    if run_id is None:
        return False
    for event in _events(run_id, target, reason, data or {}):
        event.job_run_table_id = table_run_id
        if event.kind == EventKind.LOG:
            event.message = _TABLE_LOG_LINES[target][0]
        session.add(event)
    roll_up_sync(session, run_id)
    return True


def roll_up_statement(run_id: int) -> Update:
    """The run's counters as the sums of its tables' (rows per second: of those running now)."""
    tables = select(JobRunTable).where(JobRunTable.job_run_id == run_id).subquery()

    def total(column: str) -> Any:
        return select(func.coalesce(func.sum(tables.c[column]), 0)).scalar_subquery()

    rate = (
        select(func.coalesce(func.sum(tables.c.rows_per_second), 0.0))
        .where(tables.c.status == S.RUNNING)
        .scalar_subquery()
    )
    return (
        update(JobRun)
        .where(JobRun.id == run_id)
        .values(
            {**{name: total(name) for name in ROLLED_UP}, "rows_per_second": rate, "updated_at": utcnow()}
        )
        .execution_options(synchronize_session=False)
    )


def roll_up_sync(session: Session, run_id: int) -> None:
    session.execute(roll_up_statement(run_id))


def new_table_runs(tables: Sequence[JobTable]) -> list[JobRunTable]:
    """The PENDING table runs of a new run of a `tables` job: one per included table, in order."""
    return [
        JobRunTable(
            job_table_id=table.id,
            position=position,
            source_name=".".join(part for part in (table.source_schema, table.source_table) if part),
            target_name=f"{table.target_schema}.{table.target_table}",
            status=S.PENDING,
        )
        for position, table in enumerate(tables)
    ]


# Over without a failure: the load committed, or the source had nothing new.
DONE: frozenset[JobRunStatus] = SUCCEEDED | {S.NOTHING_TO_LOAD}


async def end_tables(session: AsyncSession, run_id: int, status: JobRunStatus, reason: str) -> None:
    """End the run's tables that are not over with `status` (CANCELLED or FAILED) when the run
    itself ended so (the run's own move is the caller's)."""
    await session.run_sync(end_tables_sync, run_id, status, reason)


def end_tables_sync(session: Session, run_id: int, status: JobRunStatus, reason: str) -> None:
    active = session.scalars(
        select(JobRunTable.id).where(JobRunTable.job_run_id == run_id, JobRunTable.status.in_(ACTIVE))
    ).all()
    for table_run_id in active:
        move_table_sync(session, table_run_id, status, reason=reason)
