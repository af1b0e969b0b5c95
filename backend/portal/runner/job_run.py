"""One Airflow attempt at one JobRun: check the retry budget, mark RUNNING, load, record the outcome.

The outcome reaches Airflow as the function's return (success) or as an exception from
`portal.runner.errors`: `RetryableAttemptError` (transient, retries left) or `RunFailedError`
(terminal, cancelled or out of retries). The run's row and its `status` events say the same to the
portal. Retry safety lives in the engine: every attempt loads through a staging table named from the
run, and a ledger entry in the destination makes a committed run load nothing twice.
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
from portal.connections.guard import check_destination
from portal.connections.models import Credential
from portal.core.config import Settings
from portal.core.crypto import CredentialDecryptionError
from portal.core.network_policy import DestinationRefusedError
from portal.jobs.models import Job
from portal.runner.errors import RetryableAttemptError, RunFailedError
from portal.runner.reporter import DatabaseReporter
from portal.runner.spec import build_job_spec
from portal.runs import lifecycle
from portal.runs.models import EventKind, JobRun, JobRunStatus, RejectedRow
from portal.uploads.models import UploadedFile

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class _Loaded:
    run: JobRun
    job: Job
    file: UploadedFile
    credential: Credential


def execute_attempt(
    sessions: sessionmaker[Session], settings: Settings, job_run_id: int, try_number: int
) -> dict[str, Any]:
    """Run attempt `try_number` (Airflow's, from 1) of run `job_run_id`; return its summary."""
    with structlog.contextvars.bound_contextvars(job_run_id=job_run_id, attempt=try_number):
        loaded = _load(sessions, job_run_id)
        run, job = loaded.run, loaded.job
        if run.status in lifecycle.SUCCEEDED:
            # The previous attempt committed but Airflow never heard of it (the process died after).
            log.info("run_already_finished", status=run.status)
            return _summary(run)
        if run.status not in lifecycle.ACTIVE:
            raise RunFailedError(run.error_message or f"Run {job_run_id} is already {run.status}.")

        reporter = DatabaseReporter(sessions, job_run_id, header_records=1 if loaded.file.has_header else 0)
        if try_number > job.max_retries + 1:
            message = (
                f"Attempt {try_number - 1} ended without reporting a result (its process was killed or "
                f"lost) and the job allows {job.max_retries} retries."
            )
            _finish(sessions, reporter, job_run_id, JobRunStatus.FAILED, reason=message)
            raise RunFailedError(message)
        if try_number > 1 and run.status == JobRunStatus.RUNNING:
            reporter.event(
                EventKind.LOG,
                "previous_attempt_lost",
                level="warning",
                data={"attempt": try_number - 1, "reason": "ended without reporting a result"},
            )

        if not _mark_running(sessions, reporter, run, try_number):
            raise RunFailedError(f"Run {job_run_id} was cancelled.")
        return _load_and_record(sessions, settings, reporter, loaded, try_number)


def _load(sessions: sessionmaker[Session], job_run_id: int) -> _Loaded:
    with sessions() as session:
        run = session.scalar(
            select(JobRun)
            .where(JobRun.id == job_run_id)
            .options(joinedload(JobRun.job).selectinload(Job.mappings))
        )
        if run is None:
            raise RunFailedError(f"Run {job_run_id} does not exist in the portal's database.")
        file = session.get(UploadedFile, run.job.file_id)
        credential = session.get(Credential, run.job.credential_id)
    if file is None or credential is None:
        missing = "file" if file is None else "credential"
        raise RunFailedError(f"The job's {missing} no longer exists.")
    return _Loaded(run=run, job=run.job, file=file, credential=credential)


def _mark_running(
    sessions: sessionmaker[Session], reporter: DatabaseReporter, run: JobRun, try_number: int
) -> bool:
    """Start the attempt on the run's row, unless it was cancelled meanwhile; False then."""
    where = {"attempt": try_number, "pid": os.getpid(), "host": socket.gethostname()}
    with sessions.begin() as session:
        started = lifecycle.move_sync(
            session,
            run.id,
            JobRunStatus.RUNNING,
            data=where,
            attempt=try_number,
            # Every attempt starts over from the first row (the previous one committed nothing).
            rows_read=0,
            rows_staged=0,
            rows_loaded=0,
            rows_rejected=0,
            rows_filtered=0,
            bytes_read=0,
            rows_per_second=0.0,
            eta_seconds=None,
        )
        if started:
            # The earlier attempt's rejected rows: this one reads the same rows and reports them again.
            session.execute(delete(RejectedRow).where(RejectedRow.job_run_id == run.id))
    if started:
        log.info("attempt_started", **where)
    return started


def _load_and_record(
    sessions: sessionmaker[Session],
    settings: Settings,
    reporter: DatabaseReporter,
    loaded: _Loaded,
    try_number: int,
) -> dict[str, Any]:
    run, job = loaded.run, loaded.job
    try:
        # Before any connection: the credential's host may resolve into a refused network by now.
        check_destination(loaded.credential.kind, loaded.credential.host, settings)
        spec = build_job_spec(run, job, loaded.file, loaded.credential, settings)
        result = run_job(spec, reporter)
    except DestinationRefusedError as error:
        _finish(sessions, reporter, run.id, JobRunStatus.FAILED, reason=error.message)
        raise RunFailedError(error.message) from error
    except CredentialDecryptionError as error:
        message = f"The credential's password cannot be decrypted ({error}): check CREDENTIALS_KEY here."
        _finish(sessions, reporter, run.id, JobRunStatus.FAILED, reason=message)
        raise RunFailedError(message) from error
    except RunCancelled:
        reporter.flush()
        # The API moved the run to CANCELLED already; this only records the final counts.
        _finish(sessions, reporter, run.id, JobRunStatus.CANCELLED, reason="Cancelled by a user.")
        raise RunFailedError(f"Run {run.id} was cancelled.") from None
    except TransientError as error:
        reporter.flush()
        attempts = job.max_retries + 1
        if try_number < attempts:
            message = (
                f"Attempt {try_number} of {attempts} failed: {error} Retrying in {job.retry_delay_seconds} s."
            )
            _finish(sessions, reporter, run.id, JobRunStatus.PENDING, reason=message)
            raise RetryableAttemptError(message, retry_delay_seconds=job.retry_delay_seconds) from error
        message = f"{error} (gave up after {attempts} attempt{'s' if attempts > 1 else ''})"
        _finish(sessions, reporter, run.id, JobRunStatus.FAILED, reason=message)
        raise RunFailedError(message) from error
    except EngineError as error:
        reporter.flush()
        _finish(sessions, reporter, run.id, JobRunStatus.FAILED, reason=str(error))
        raise RunFailedError(str(error)) from error
    except Exception as error:
        # A fault of ours, not of the data: fail readably rather than retry the same fault.
        log.exception("runner_failed")
        message = f"Internal error while loading: {type(error).__name__}: {error}"
        _finish(sessions, reporter, run.id, JobRunStatus.FAILED, reason=message)
        raise RunFailedError(message) from error
    reporter.flush()
    return _complete(sessions, reporter, run.id, result)


def _complete(
    sessions: sessionmaker[Session], reporter: DatabaseReporter, job_run_id: int, result: RunResult
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
        job_run_id,
        JobRunStatus(result.status),
        eta_seconds=0.0,
        rows_per_second=rate,
        **counts,
    )
    return {"status": result.status, **counts, "seconds": round(result.seconds, 3)}


def _finish(
    sessions: sessionmaker[Session],
    reporter: DatabaseReporter,
    job_run_id: int,
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
    committed = status in lifecycle.SUCCEEDED
    if not committed:
        values = {**reporter.counts_so_far(), **values, "rows_loaded": 0}
    data = {key: value for key, value in values.items() if key.startswith("rows_")}
    with sessions.begin() as session:
        moved = lifecycle.move_sync(session, job_run_id, status, reason=reason, data=data, **values)
        current = session.scalar(select(JobRun.status).where(JobRun.id == job_run_id))
        if not moved and (committed or current == JobRunStatus.CANCELLED):
            session.execute(update(JobRun).where(JobRun.id == job_run_id).values(**values))
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


def _summary(run: JobRun) -> dict[str, Any]:
    return {
        "status": run.status,
        "rows_read": run.rows_read,
        "rows_loaded": run.rows_loaded,
        "rows_rejected": run.rows_rejected,
        "rows_filtered": run.rows_filtered,
    }
