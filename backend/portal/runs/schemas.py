"""Job runs as the API shows them: live counters plus what is derived from them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field

from portal.runs.models import EventKind, JobRun, JobRunEvent, JobRunStatus, JobRunTable, RunTrigger

# The mapped task both the on-demand DAG and every schedule DAG run, one instance per table
# (portal.runner.flow); a single-source run is its instance 0.
AIRFLOW_TASK_ID = "execute_etl_job"


class JobRunTableRead(BaseModel):
    """One table of a many-table run: its own status, attempt, counts and error."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    job_table_id: int | None = Field(description="The job's table (null once it was removed from the job)")
    position: int
    source_name: str
    target_name: str
    status: JobRunStatus
    attempt: int
    rows_read: int
    rows_staged: int
    rows_loaded: int
    rows_rejected: int
    rows_filtered: int
    bytes_read: int
    bytes_total: int = Field(description="Estimated rows of a table source (bytes of a file)")
    rows_per_second: float
    eta_seconds: float | None
    progress_percent: float
    error_message: str | None
    outputs: list[str] | None
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, table: JobRunTable) -> JobRunTableRead:
        return cls.model_validate(
            {
                **{name: getattr(table, name) for name in cls.model_fields if name != "progress_percent"},
                "progress_percent": _progress_percent(table, table.status),
            }
        )


class JobRunRead(BaseModel):
    id: int
    job_id: int
    job_name: str
    status: JobRunStatus
    trigger: RunTrigger
    schedule_id: int | None
    attempt: int
    dag_id: str | None
    dag_run_id: str | None
    rows_read: int
    rows_staged: int = Field(
        description="Rows written to the run's staging table so far; rolled back unless the run commits."
    )
    rows_loaded: int = Field(description="Rows committed to the target table (0 until the run commits).")
    rows_rejected: int
    rows_filtered: int
    bytes_read: int
    bytes_total: int
    rows_per_second: float
    eta_seconds: float | None
    progress_percent: float
    error_message: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_seconds: float | None
    airflow_task_log_path: str | None = Field(
        description="The run's task log in the Airflow UI, relative to `airflow_ui_url` of /api/v1/config "
        "(null until the run has a DAG run); a many-table run's: the mapped task's instances."
    )
    tables: list[JobRunTableRead] = Field(
        description="A many-table run's tables, in the job's order (empty for a single-source run)."
    )
    schema_drift: dict[str, Any] | None = Field(
        description="How the source's columns differed from the mapping when the run started (null: alike)."
    )
    outputs: list[str] | None = Field(description="Files the load wrote (object-store destinations)")

    @classmethod
    def of(cls, run: JobRun, *, now: datetime | None = None) -> JobRunRead:
        status = run.status
        return cls(
            id=run.id,
            job_id=run.job_id,
            job_name=run.job.name,
            status=status,
            trigger=run.trigger,
            schedule_id=run.schedule_id,
            attempt=run.attempt,
            dag_id=run.dag_id,
            dag_run_id=run.dag_run_id,
            rows_read=run.rows_read,
            rows_staged=run.rows_staged,
            rows_loaded=run.rows_loaded,
            rows_rejected=run.rows_rejected,
            rows_filtered=run.rows_filtered,
            bytes_read=run.bytes_read,
            bytes_total=run.bytes_total,
            rows_per_second=run.rows_per_second,
            eta_seconds=run.eta_seconds,
            progress_percent=_progress_percent(run, status),
            error_message=run.error_message,
            created_at=run.created_at,
            started_at=run.started_at,
            finished_at=run.finished_at,
            duration_seconds=_duration_seconds(run, now or datetime.now(UTC)),
            airflow_task_log_path=_airflow_task_log_path(run),
            tables=[JobRunTableRead.of(table) for table in run.tables],
            schema_drift=run.schema_drift,
            outputs=run.outputs,
        )


def _progress_percent(run: JobRun | JobRunTable, status: JobRunStatus) -> float:
    if status in (JobRunStatus.COMPLETED, JobRunStatus.COMPLETED_WITH_REJECTS, JobRunStatus.NOTHING_TO_LOAD):
        return 100.0
    if run.bytes_total <= 0:
        return 0.0
    return round(min(100.0, 100.0 * run.bytes_read / run.bytes_total), 1)


def _airflow_task_log_path(run: JobRun) -> str | None:
    """Airflow 3's UI page of the run's task (its log is the page's first tab), at the latest try: a
    single-source run's is the mapped task's instance 0; a many-table run's, the task's instances."""
    if not run.dag_id or not run.dag_run_id:
        return None
    path = f"/dags/{quote(run.dag_id, safe='')}/runs/{quote(run.dag_run_id, safe='')}/tasks/{AIRFLOW_TASK_ID}"
    if run.tables or run.job.source_type == "tables":
        return path
    path += "/mapped/0"
    return f"{path}?try_number={run.attempt}" if run.attempt > 0 else path


def _duration_seconds(run: JobRun, now: datetime) -> float | None:
    """Wall time since the run started; still growing while it runs."""
    if run.started_at is None:
        return None
    end = run.finished_at or now
    return round(max(0.0, (end - run.started_at).total_seconds()), 3)


class JobRunEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    job_run_id: int
    job_run_table_id: int | None = Field(description="The table run the event is about (null: the run)")
    created_at: datetime
    kind: EventKind
    level: str
    message: str
    data: dict[str, Any] | None

    @classmethod
    def of(cls, event: JobRunEvent) -> JobRunEventRead:
        return cls.model_validate(event)


class RejectedRowRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    job_run_table_id: int | None = Field(description="The table run the row belongs to (null: the run)")
    line_number: int
    raw: str
    column: str | None
    reason: str


class LoadedColumn(BaseModel):
    name: str
    type: str = Field(description="The column's type as the destination names it.")


class LoadedRows(BaseModel):
    """A page of the run's target table, in the destination's storage order."""

    schema_: str = Field(alias="schema")
    table: str
    columns: list[LoadedColumn]
    rows: list[list[Any]] = Field(
        description="Values in `columns` order; numerics, large integers and binary values as text, "
        "dates and times as ISO 8601."
    )
    total_rows: int = Field(description="Rows in the table now (other loads may have added some).")
