"""The engine's Reporter, backed by the portal's database: what the live progress view reads."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import structlog
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from etl_engine import Progress, RejectedRow
from portal.runs.lifecycle import roll_up_sync
from portal.runs.models import EventKind, JobRun, JobRunEvent, JobRunStatus, JobRunTable
from portal.runs.models import RejectedRow as RejectedRowModel

log = structlog.get_logger(__name__)

# Progress reaches the database at most this often (and always at the end): often enough for a live
# view, rare enough that a fast load does not spend its time writing counters.
PROGRESS_INTERVAL_SECONDS = 0.5
# The same pace for asking the database whether the run was cancelled.
CANCEL_CHECK_INTERVAL_SECONDS = 0.5


# Keys the Airflow 3.3 task supervisor passes positionally when it forwards a task's log line: an
# event carrying one of them makes the supervisor raise, abandoning a task that keeps running.
_TASK_LOG_RENAMES = {"target": "target_table", "msg": "message", "level": "log_level"}


def progress_values(p: Progress) -> dict[str, Any]:
    """A run's live counters from the engine's progress. Its `rows_loaded` counts rows written to
    staging so far: `rows_staged` here; the run's `rows_loaded` comes from the committed result only."""
    return {
        "rows_read": p.rows_read,
        "rows_staged": p.rows_loaded,
        "rows_rejected": p.rows_rejected,
        "rows_filtered": p.rows_filtered,
        "bytes_read": p.bytes_read,
        "bytes_total": p.bytes_total,
        "rows_per_second": p.rows_per_second,
        "eta_seconds": p.eta_seconds,
    }


def _json_safe(values: dict[str, object]) -> dict[str, Any]:
    """Log key-values as JSON-compatible data (paths, decimals, enums become strings)."""
    return dict(json.loads(json.dumps(values, default=str)))


class DatabaseReporter:
    """Writes progress, rejected rows and log lines of one run, or of one table run of a many-table
    run (`job_run_table_id`: its rows carry it, its counters go to the table run and are summed up
    to the run); tells the engine when the run was cancelled."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        job_run_id: int,
        clock: Callable[[], float] = time.monotonic,
        *,
        header_records: int | None = 0,
        job_run_table_id: int | None = None,
    ) -> None:
        self._sessions = sessions
        self._job_run_id = job_run_id
        self._table_id = job_run_table_id
        self._clock = clock
        self._header_records = header_records
        self._latest: Progress | None = None
        self._rejected = 0
        self._last_rejected_line = 0
        self._pending: Progress | None = None
        self._last_write = float("-inf")
        self._last_cancel_check = float("-inf")
        self._cancelled = False

    def progress(self, p: Progress) -> None:
        self._pending = self._latest = p
        if self._clock() - self._last_write >= PROGRESS_INTERVAL_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Write the latest progress now, if any is unwritten."""
        if self._pending is None:
            return
        values = progress_values(self._pending)
        with self._sessions.begin() as session:
            if self._table_id is None:
                session.execute(update(JobRun).where(JobRun.id == self._job_run_id).values(**values))
            else:
                session.execute(update(JobRunTable).where(JobRunTable.id == self._table_id).values(**values))
                roll_up_sync(session, self._job_run_id)
            session.add(self._row_event(EventKind.PROGRESS, "", "info", values))
        self._pending = None
        self._last_write = self._clock()

    def rejected(self, rows: list[RejectedRow]) -> None:
        if not rows:
            return
        self._rejected += len(rows)
        self._last_rejected_line = max(self._last_rejected_line, max(row.line_number for row in rows))
        values = [
            {
                "job_run_id": self._job_run_id,
                "job_run_table_id": self._table_id,
                "line_number": row.line_number,
                "raw": row.raw,
                "column": row.column,
                "reason": row.reason,
            }
            for row in rows
        ]
        with self._sessions.begin() as session:
            session.execute(insert(RejectedRowModel), values)

    def counts_so_far(self) -> dict[str, int]:
        """Counters that agree with what this reporter recorded, for a run that ends without a result.

        The engine may stop (a reject threshold) after reporting rejected rows but before the progress
        that counts them: then as many rejected as rows kept, and at least as many read as the last
        of them shows (its line number, less the header).
        """
        latest = self._latest
        rejected = max(latest.rows_rejected if latest else 0, self._rejected)
        # Line numbers tell how far a file was read; other identities (keys, ordinals) do not.
        read_through_last_reject = (
            self._last_rejected_line - self._header_records if self._header_records is not None else 0
        )
        staged = latest.rows_loaded if latest else 0
        filtered = latest.rows_filtered if latest else 0
        read = max(latest.rows_read if latest else 0, read_through_last_reject, staged + rejected + filtered)
        return {
            "rows_read": read,
            "rows_staged": staged,
            "rows_rejected": rejected,
            "rows_filtered": filtered,
        }

    def log(self, event: str, **kv: object) -> None:
        log.info(event, **{_TASK_LOG_RENAMES.get(key, key): value for key, value in kv.items()})
        self.event(EventKind.LOG, event, level="info", data=_json_safe(kv))

    def event(
        self, kind: EventKind, message: str, *, level: str = "info", data: dict[str, Any] | None = None
    ) -> None:
        with self._sessions.begin() as session:
            session.add(self._row_event(kind, message, level, data))

    def _row_event(
        self, kind: EventKind, message: str, level: str, data: dict[str, Any] | None
    ) -> JobRunEvent:
        return JobRunEvent(
            job_run_id=self._job_run_id,
            job_run_table_id=self._table_id,
            kind=kind,
            level=level,
            message=message,
            data=data,
        )

    def cancelled(self) -> bool:
        """True once the API has set the run to CANCELLED (checked at most every half second); a
        table run is cancelled with its run."""
        if self._cancelled or self._clock() - self._last_cancel_check < CANCEL_CHECK_INTERVAL_SECONDS:
            return self._cancelled
        self._last_cancel_check = self._clock()
        with self._sessions() as session:
            status = session.scalar(select(JobRun.status).where(JobRun.id == self._job_run_id))
        self._cancelled = status == JobRunStatus.CANCELLED
        return self._cancelled
