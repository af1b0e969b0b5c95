"""One Airflow attempt at one JobRun, or at one table of a many-table JobRun: check the retry
budget, mark RUNNING, load, record the outcome.

The outcome reaches Airflow as the function's return (success) or as an exception from
`portal.runner.errors`: `RetryableAttemptError` (transient, retries left) or `RunFailedError`
(terminal, cancelled or out of retries). The run's row (a table's: its JobRunTable row) and its
`status` events say the same to the portal. Retry safety lives in the engine: every attempt loads
through a staging table named from the run (and table), and a ledger entry in the destination makes
a committed load happen once. A table attempt first takes one of the run's `max_parallel_tables`
slots (`portal.runner.tables.claim_slot`); the run's own outcome is settled from its tables by the
DAG's last task (`portal.runner.tables.settle_run`).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, joinedload, sessionmaker

from etl_engine import EngineError, RunCancelled, RunResult, TransientError, run_job
from portal.connections.engine_inputs import KeyFileUnreadable
from portal.core.config import Settings
from portal.core.crypto import CredentialDecryptionError
from portal.core.network_policy import DestinationRefusedError
from portal.jobs.models import Job, JobTable, SourceType
from portal.runner.drift import apply_drift_policy
from portal.runner.errors import RetryableAttemptError, RunFailedError
from portal.runner.reporter import DatabaseReporter
from portal.runner.spec import build_job_spec
from portal.runner.tables import claim_slot
from portal.runs import lifecycle
from portal.runs.models import EventKind, JobRun, JobRunStatus, JobRunTable, RejectedRow
from portal.uploads.models import UploadedFile

log = structlog.get_logger(__name__)

# Over without a failure: the load committed, or the source had nothing new.
DONE = lifecycle.DONE


@dataclass(frozen=True)
class Subject:
    """What an attempt moves: the run itself (one source), or one table run of it."""

    job_run_id: int
    table_run_id: int | None = None

    def move(
        self,
        session: Session,
        status: JobRunStatus,
        *,
        reason: str | None = None,
        data: dict[str, Any] | None = None,
        **values: Any,
    ) -> bool:
        if self.table_run_id is None:
            return lifecycle.move_sync(session, self.job_run_id, status, reason=reason, data=data, **values)
        return lifecycle.move_table_sync(
            session, self.table_run_id, status, reason=reason, data=data, **values
        )

    def status(self, session: Session) -> JobRunStatus | None:
        if self.table_run_id is None:
            return session.scalar(select(JobRun.status).where(JobRun.id == self.job_run_id))
        return session.scalar(select(JobRunTable.status).where(JobRunTable.id == self.table_run_id))

    def overwrite(self, session: Session, **values: Any) -> None:
        """Counters written whatever the status (a load that committed after a cancel)."""
        if self.table_run_id is None:
            session.execute(update(JobRun).where(JobRun.id == self.job_run_id).values(**values))
            return
        session.execute(update(JobRunTable).where(JobRunTable.id == self.table_run_id).values(**values))
        lifecycle.roll_up_sync(session, self.job_run_id)


@dataclass(frozen=True)
class _Loaded:
    run: JobRun
    job: Job
    table: JobTable | None
    table_run: JobRunTable | None
    file: UploadedFile | None

    @property
    def status(self) -> JobRunStatus:
        return self.table_run.status if self.table_run is not None else self.run.status

    @property
    def error_message(self) -> str | None:
        return self.table_run.error_message if self.table_run is not None else self.run.error_message


def execute_attempt(
    sessions: sessionmaker[Session],
    settings: Settings,
    job_run_id: int,
    try_number: int,
    job_run_table_id: int | None = None,
) -> dict[str, Any]:
    """Run attempt `try_number` (Airflow's, from 1) of run `job_run_id` (of its table run
    `job_run_table_id` for a many-table run); return its summary."""
    subject = Subject(job_run_id, job_run_table_id)
    context = {"job_run_id": job_run_id, "attempt": try_number}
    if job_run_table_id is not None:
        context["job_run_table_id"] = job_run_table_id
    with structlog.contextvars.bound_contextvars(**context):
        loaded = _load(sessions, subject)
        run, job = loaded.run, loaded.job
        if loaded.status in DONE:
            # The previous attempt committed but Airflow never heard of it (the process died after).
            log.info("run_already_finished", status=loaded.status)
            return _summary(loaded.table_run or run)
        if loaded.status not in lifecycle.ACTIVE:
            raise RunFailedError(loaded.error_message or f"Run {job_run_id} is already {loaded.status}.")

        reporter = DatabaseReporter(
            sessions,
            job_run_id,
            header_records=_header_records(job, loaded.file),
            job_run_table_id=job_run_table_id,
        )
        if run.status == JobRunStatus.CANCELLED:  # a table of a run cancelled before it started
            _finish(sessions, reporter, subject, JobRunStatus.CANCELLED, reason="Cancelled by a user.")
            raise RunFailedError(f"Run {job_run_id} was cancelled.")
        if try_number > job.max_retries + 1:
            message = (
                f"Attempt {try_number - 1} ended without reporting a result (its process was killed or "
                f"lost) and the job allows {job.max_retries} retries."
            )
            _finish(sessions, reporter, subject, JobRunStatus.FAILED, reason=message)
            raise RunFailedError(message)
        if try_number > 1 and loaded.status == JobRunStatus.RUNNING:
            reporter.event(
                EventKind.LOG,
                "previous_attempt_lost",
                level="warning",
                data={"attempt": try_number - 1, "reason": "ended without reporting a result"},
            )

        if not _mark_running(sessions, subject, job, try_number):
            if job_run_table_id is not None:  # the run's cancel leaves its tables to their tasks
                _finish(sessions, reporter, subject, JobRunStatus.CANCELLED, reason="Cancelled by a user.")
            raise RunFailedError(f"Run {job_run_id} was cancelled.")
        return _load_and_record(sessions, settings, reporter, subject, loaded, try_number)


def _header_records(job: Job, file: UploadedFile | None) -> int | None:
    """Records before the first row of an uploaded file (its identities are line numbers); None for
    sources whose identities are no line numbers (tables, queries, several arriving files)."""
    if job.source_type != SourceType.UPLOAD or file is None:
        return None
    return 1 if file.has_header else 0


def _load(sessions: sessionmaker[Session], subject: Subject) -> _Loaded:
    with sessions() as session:
        run = session.scalar(
            select(JobRun)
            .where(JobRun.id == subject.job_run_id)
            .options(
                joinedload(JobRun.job).selectinload(Job.mappings),
                joinedload(JobRun.job).selectinload(Job.tables).selectinload(JobTable.mappings),
            )
        )
        if run is None:
            raise RunFailedError(f"Run {subject.job_run_id} does not exist in the portal's database.")
        table_run = table = None
        if subject.table_run_id is not None:
            table_run = session.scalar(
                select(JobRunTable).where(
                    JobRunTable.id == subject.table_run_id, JobRunTable.job_run_id == run.id
                )
            )
            if table_run is None:
                raise RunFailedError(f"Run {run.id} has no table run {subject.table_run_id}.")
            table = next((t for t in run.job.tables if t.id == table_run.job_table_id), None)
            if table is None and table_run.status in lifecycle.ACTIVE:
                message = f"The job no longer has table {table_run.source_name}."
                lifecycle.move_table_sync(session, table_run.id, JobRunStatus.FAILED, reason=message)
                session.commit()
                raise RunFailedError(message)
        file = session.get(UploadedFile, run.job.file_id) if run.job.file_id else None
    return _Loaded(run=run, job=run.job, table=table, table_run=table_run, file=file)


def _mark_running(sessions: sessionmaker[Session], subject: Subject, job: Job, try_number: int) -> bool:
    """Start the attempt on the run's (table run's) row, unless it was cancelled meanwhile; False then.
    A table first waits for one of the run's `max_parallel_tables` slots."""
    where = {"attempt": try_number, "pid": os.getpid(), "host": socket.gethostname()}
    # Every attempt starts over from the first row (the previous one committed nothing).
    fresh: dict[str, Any] = {
        "attempt": try_number,
        "rows_read": 0,
        "rows_staged": 0,
        "rows_loaded": 0,
        "rows_rejected": 0,
        "rows_filtered": 0,
        "bytes_read": 0,
        "rows_per_second": 0.0,
        "eta_seconds": None,
    }
    if subject.table_run_id is not None:
        started = claim_slot(
            sessions, subject.job_run_id, subject.table_run_id, job.max_parallel_tables, where, fresh
        )
    else:
        with sessions.begin() as session:
            started = subject.move(session, JobRunStatus.RUNNING, data=where, **fresh)
    if started:
        with sessions.begin() as session:
            # The earlier attempt's rejected rows: this one reads the same rows and reports them again.
            stale = RejectedRow.job_run_id == subject.job_run_id
            if subject.table_run_id is not None:
                stale = RejectedRow.job_run_table_id == subject.table_run_id
            session.execute(delete(RejectedRow).where(stale))
        log.info("attempt_started", **where)
    return started


def _load_and_record(
    sessions: sessionmaker[Session],
    settings: Settings,
    reporter: DatabaseReporter,
    subject: Subject,
    loaded: _Loaded,
    try_number: int,
) -> dict[str, Any]:
    job = loaded.job
    try:
        spec = build_job_spec(
            sessions, settings, loaded.run, job, table=loaded.table, table_run=loaded.table_run
        )
        # A source that can change is compared with the mapping first (the diff is stored on the
        # run; the job's drift policy fails, evolves or ignores it).
        spec = apply_drift_policy(sessions, settings, loaded.run.id, job, spec)
        result = run_job(spec, reporter)
    except DestinationRefusedError as error:
        _finish(sessions, reporter, subject, JobRunStatus.FAILED, reason=error.message)
        raise RunFailedError(error.message) from error
    except KeyFileUnreadable as error:
        message = f"The connection's private key file cannot be read: {error}"
        _finish(sessions, reporter, subject, JobRunStatus.FAILED, reason=message)
        raise RunFailedError(message) from error
    except CredentialDecryptionError as error:
        message = f"The credential's password cannot be decrypted ({error}): check CREDENTIALS_KEY here."
        _finish(sessions, reporter, subject, JobRunStatus.FAILED, reason=message)
        raise RunFailedError(message) from error
    except RunCancelled:
        reporter.flush()
        # The API moved the run to CANCELLED already; this only records the final counts.
        _finish(sessions, reporter, subject, JobRunStatus.CANCELLED, reason="Cancelled by a user.")
        raise RunFailedError(f"Run {subject.job_run_id} was cancelled.") from None
    except TransientError as error:
        reporter.flush()
        attempts = job.max_retries + 1
        if try_number < attempts:
            message = (
                f"Attempt {try_number} of {attempts} failed: {error} Retrying in {job.retry_delay_seconds} s."
            )
            _finish(sessions, reporter, subject, JobRunStatus.PENDING, reason=message)
            raise RetryableAttemptError(message, retry_delay_seconds=job.retry_delay_seconds) from error
        message = f"{error} (gave up after {attempts} attempt{'s' if attempts > 1 else ''})"
        _finish(sessions, reporter, subject, JobRunStatus.FAILED, reason=message)
        raise RunFailedError(message) from error
    except EngineError as error:
        reporter.flush()
        _finish(sessions, reporter, subject, JobRunStatus.FAILED, reason=str(error))
        raise RunFailedError(str(error)) from error
    except RunFailedError as error:  # the job's rows no longer allow a load (a deleted credential)
        _finish(sessions, reporter, subject, JobRunStatus.FAILED, reason=str(error))
        raise
    except Exception as error:
        # A fault of ours, not of the data: fail readably rather than retry the same fault.
        log.exception("runner_failed")
        message = f"Internal error while loading: {type(error).__name__}: {error}"
        _finish(sessions, reporter, subject, JobRunStatus.FAILED, reason=message)
        raise RunFailedError(message) from error
    reporter.flush()
    return _complete(sessions, reporter, subject, result)


def _complete(
    sessions: sessionmaker[Session], reporter: DatabaseReporter, subject: Subject, result: RunResult
) -> dict[str, Any]:
    counts: dict[str, Any] = {
        "rows_read": result.rows_read,
        "rows_staged": result.rows_loaded,
        "rows_loaded": result.rows_loaded,
        "rows_rejected": result.rows_rejected,
        "rows_filtered": result.rows_filtered,
    }
    rate = result.rows_read / result.seconds if result.seconds > 0 else 0.0
    _finish(
        sessions,
        reporter,
        subject,
        JobRunStatus(result.status),
        eta_seconds=0.0,
        rows_per_second=rate,
        outputs=list(result.outputs) or None,
        **counts,
    )
    return {"status": result.status, **counts, "seconds": round(result.seconds, 3)}


def _finish(
    sessions: sessionmaker[Session],
    reporter: DatabaseReporter,
    subject: Subject,
    status: JobRunStatus,
    *,
    reason: str | None = None,
    **values: Any,
) -> None:
    """Record how the attempt ended (PENDING: a retry is coming) through the run state machine.

    Unless the load committed, the counts are made to agree with what the run recorded: as many
    rejected as rejected rows kept, at least as many read as the last of them implies, none loaded.
    A final status set meanwhile (a cancel) stands; a committed load still records its counts then,
    since those rows are in the target.
    """
    committed = status in DONE
    if not committed:
        values = {**reporter.counts_so_far(), **values, "rows_loaded": 0}
    data = {key: value for key, value in values.items() if key.startswith("rows_")}
    with sessions.begin() as session:
        moved = subject.move(session, status, reason=reason, data=data, **values)
        current = subject.status(session)
        if not moved and (committed or current == JobRunStatus.CANCELLED):
            subject.overwrite(session, **values)
    if moved:
        log.info("attempt_finished", status=status.value, error=reason)
        return
    log.info("attempt_outcome_not_applied", outcome=status.value, status=current, error=reason)
    if committed:
        reporter.event(
            EventKind.LOG,
            "load_committed_after_run_ended",
            level="warning",
            data={"rows_loaded": values["rows_loaded"], "status": current},
        )


def _summary(row: JobRun | JobRunTable) -> dict[str, Any]:
    return {
        "status": row.status,
        "rows_read": row.rows_read,
        "rows_loaded": row.rows_loaded,
        "rows_rejected": row.rows_rejected,
        "rows_filtered": row.rows_filtered,
    }
