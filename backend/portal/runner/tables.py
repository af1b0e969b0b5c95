"""A run as the DAG sees it: `plan` (what to execute), one task per table, `finish` (the outcome).

    plan_run(...)   -> [table run ids]  (a run that is not a many-table run: [SINGLE])
    execute ...      one mapped task instance per id (portal.runner.job_run.execute_attempt)
    settle_run(...) -> the run's outcome, settled from its tables once every task is over

Airflow bounds a mapped task's parallel instances with `max_active_tis_per_dagrun`, fixed when the
DAG file is parsed, so it is the API's maximum (8); a job's own `max_parallel_tables` is enforced
here: a table's attempt takes a slot with a conditional write in the portal's database (fewer than
`max_parallel_tables` of the run's tables RUNNING) and otherwise waits, checking for a cancel.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import structlog
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from portal.jobs.engine_spec import included_tables
from portal.jobs.models import SourceType
from portal.runner.errors import RunFailedError
from portal.runs import lifecycle
from portal.runs.models import JobRun, JobRunStatus, JobRunTable

log = structlog.get_logger(__name__)

S = JobRunStatus
# The plan's one item for a run with a single source: its task loads the run itself.
SINGLE = 0
SLOT_POLL_SECONDS = 1.0
_LOST = "its task ended without reporting a result (killed or lost, no retries left)"


def plan_run(sessions: sessionmaker[Session], job_run_id: int) -> list[int]:
    """The table runs to execute (a scheduled run's are created here), or [SINGLE]. A many-table
    run starts RUNNING here; a plan repeated by Airflow returns the tables still to do."""
    with sessions.begin() as session:
        run = session.get(JobRun, job_run_id)
        if run is None:
            raise RunFailedError(f"Run {job_run_id} does not exist in the portal's database.")
        if run.job.source_type != SourceType.TABLES and not run.tables:
            return [SINGLE]
        if not run.tables and run.status in lifecycle.ACTIVE:
            run.tables = lifecycle.new_table_runs(included_tables(run.job))
            session.flush()
        if run.status == S.PENDING:
            lifecycle.move_sync(session, run.id, S.RUNNING, data={"tables": len(run.tables)}, attempt=1)
        if run.status not in lifecycle.ACTIVE:
            return []
        planned = [table.id for table in run.tables if table.status in lifecycle.ACTIVE]
    log.info("run_planned", job_run_id=job_run_id, tables=len(planned))
    return planned


def claim_slot(
    sessions: sessionmaker[Session],
    job_run_id: int,
    table_run_id: int,
    max_parallel: int,
    data: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Move the table run to RUNNING once fewer than `max_parallel` of its run's other tables are
    RUNNING; wait (polling) until then. False when the run was cancelled meanwhile."""
    waited = False
    while True:
        with sessions.begin() as session:
            # The run's row is the turnstile: a real write (updated_at to itself) that holds the row
            # (PostgreSQL) or the database (SQLite) until the claim commits, so two tables cannot
            # both count the same free slot.
            session.execute(
                update(JobRun)
                .where(JobRun.id == job_run_id)
                .values(updated_at=JobRun.updated_at)
                .execution_options(synchronize_session=False)
            )
            if session.scalar(select(JobRun.status).where(JobRun.id == job_run_id)) not in lifecycle.ACTIVE:
                return False
            running = session.scalar(
                select(func.count())
                .select_from(JobRunTable)
                .where(
                    JobRunTable.job_run_id == job_run_id,
                    JobRunTable.status == S.RUNNING,
                    JobRunTable.id != table_run_id,
                )
            )
            if int(running or 0) < max_parallel:
                return lifecycle.move_table_sync(session, table_run_id, S.RUNNING, data=dict(data), **values)
        if not waited:
            log.info("table_waits_for_slot", job_run_table_id=table_run_id, max_parallel_tables=max_parallel)
            waited = True
        sleep(SLOT_POLL_SECONDS)


def settle_run(sessions: sessionmaker[Session], job_run_id: int) -> dict[str, Any]:
    """The run's outcome once its tasks are over. A single-source run's own task recorded it; a
    many-table run's is settled from its tables: tables left active failed (their task was lost),
    then COMPLETED only when every table is COMPLETED (or had nothing to load),
    COMPLETED_WITH_REJECTS when some rejected rows and none failed, FAILED naming the failed tables,
    CANCELLED when the run was cancelled. Raises RunFailedError for a run that did not succeed, so
    the DAG run says failed too."""
    with sessions.begin() as session:
        run = session.get(JobRun, job_run_id)
        if run is None:
            raise RunFailedError(f"Run {job_run_id} does not exist in the portal's database.")
        if run.job.source_type == SourceType.TABLES or run.tables:
            _settle_tables(session, run)
        session.refresh(run)
        status, message = run.status, run.error_message
        summary = {"status": status.value, "rows_loaded": run.rows_loaded, "tables": len(run.tables)}
    if status not in (*lifecycle.SUCCEEDED, S.NOTHING_TO_LOAD):
        raise RunFailedError(message or f"Run {job_run_id} ended {status.value}.")
    return summary


def _settle_tables(session: Session, run: JobRun) -> None:
    cancelled = run.status == S.CANCELLED
    for table in run.tables:
        if table.status in lifecycle.ACTIVE:
            outcome = S.CANCELLED if cancelled else S.FAILED
            reason = "Cancelled by a user." if cancelled else f"Table {table.source_name}: {_LOST}."
            lifecycle.move_table_sync(session, table.id, outcome, reason=reason)
    session.flush()
    for table in run.tables:
        session.refresh(table)
    lifecycle.roll_up_sync(session, run.id)
    if cancelled or run.status not in lifecycle.ACTIVE:
        return
    if run.status == S.PENDING:  # every table was over before any started (nothing planned)
        lifecycle.move_sync(session, run.id, S.RUNNING, attempt=1)
    failed = [t for t in run.tables if t.status not in (*lifecycle.SUCCEEDED, S.NOTHING_TO_LOAD)]
    outputs = [key for t in run.tables for key in (t.outputs or [])] or None
    if failed:
        names = ", ".join(t.source_name for t in failed)
        first = next((t.error_message for t in failed if t.error_message), None)
        reason = f"{len(failed)} of {len(run.tables)} tables failed: {names}" + (
            f". {first}" if first else ""
        )
        lifecycle.move_sync(session, run.id, S.FAILED, reason=reason, outputs=outputs, eta_seconds=None)
        return
    if run.tables and all(t.status == S.NOTHING_TO_LOAD for t in run.tables):
        outcome = S.NOTHING_TO_LOAD
    elif any(t.rows_rejected > 0 for t in run.tables):
        outcome = S.COMPLETED_WITH_REJECTS
    else:
        outcome = S.COMPLETED
    counts = {name: sum(getattr(t, name) for t in run.tables) for name in lifecycle.ROLLED_UP}
    lifecycle.move_sync(
        session,
        run.id,
        outcome,
        data={k: v for k, v in counts.items() if k.startswith("rows_")},
        outputs=outputs,
        eta_seconds=0.0,
    )
