"""A job run, its events and its rejected rows."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db.base import Base, str_enum, utcnow
from portal.jobs.models import Job  # the relationship below needs Job mapped, whoever imports this


# Which status may follow which, and what each move stamps: `portal.runs.lifecycle`.
class JobRunStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    COMPLETED_WITH_REJECTS = "COMPLETED_WITH_REJECTS"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    NOTHING_TO_LOAD = "NOTHING_TO_LOAD"  # the source had nothing new (arriving files); nothing committed

    @property
    def is_terminal(self) -> bool:
        return self not in (JobRunStatus.PENDING, JobRunStatus.RUNNING)


class RunTrigger(StrEnum):
    MANUAL = "manual"
    SCHEDULE = "schedule"


class JobRun(Base):
    """One execution of a job inside Airflow, with the live counters the runner writes."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("dag_id", "dag_run_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    # Written only through `portal.runs.lifecycle` (creation and every transition).
    status: Mapped[JobRunStatus] = mapped_column(
        str_enum(JobRunStatus, 32), default=JobRunStatus.PENDING, index=True
    )
    trigger: Mapped[RunTrigger] = mapped_column(str_enum(RunTrigger, 16), default=RunTrigger.MANUAL)
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id", ondelete="SET NULL"))
    dag_id: Mapped[str | None] = mapped_column(String(250))
    # Airflow run ids are unique per DAG only (every schedule DAG has `scheduled__<time>` runs).
    dag_run_id: Mapped[str | None] = mapped_column(String(250))
    attempt: Mapped[int] = mapped_column(default=0)  # Airflow try number
    rows_read: Mapped[int] = mapped_column(BigInteger, default=0)
    # Staged: written to the run's staging table so far (live, rolled back unless the run commits).
    rows_staged: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))
    # Loaded: committed to the target; set only from the engine's result, never from progress.
    rows_loaded: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_rejected: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_filtered: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_read: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_total: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_per_second: Mapped[float] = mapped_column(default=0.0)
    eta_seconds: Mapped[float | None]
    error_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # How the source's columns differed from the job's mapping when the run started (None: alike).
    schema_drift: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # What the load wrote where a destination has files (S3 object keys); None elsewhere.
    outputs: Mapped[list[str] | None] = mapped_column(JSON)

    # Joined: every view of a run shows its job's name.
    job: Mapped[Job] = relationship(lazy="joined", innerjoin=True)
    tables: Mapped[list[JobRunTable]] = relationship(
        back_populates="run",
        order_by="JobRunTable.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
    )


class JobRunTable(Base):
    """One table of a many-table job's run: its own status, counts, attempt and error. The run is
    COMPLETED only when every table run is; a failed table is retried alone."""

    __tablename__ = "job_run_tables"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_run_id: Mapped[int] = mapped_column(ForeignKey("job_runs.id", ondelete="CASCADE"), index=True)
    job_table_id: Mapped[int | None] = mapped_column(ForeignKey("job_tables.id", ondelete="SET NULL"))
    position: Mapped[int]
    source_name: Mapped[str] = mapped_column(String(512))
    target_name: Mapped[str] = mapped_column(String(512))
    status: Mapped[JobRunStatus] = mapped_column(str_enum(JobRunStatus, 32), default=JobRunStatus.PENDING)
    attempt: Mapped[int] = mapped_column(default=0)
    rows_read: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_staged: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_loaded: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_rejected: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_filtered: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_read: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_total: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_per_second: Mapped[float] = mapped_column(default=0.0)
    eta_seconds: Mapped[float | None]
    error_message: Mapped[str | None] = mapped_column(Text)
    outputs: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    run: Mapped[JobRun] = relationship(back_populates="tables")


class EventKind(StrEnum):
    PROGRESS = "progress"
    LOG = "log"
    STATUS = "status"


class JobRunEvent(Base):
    """A progress snapshot, log line or status change of a run; its id is the SSE event id."""

    __tablename__ = "job_run_events"

    # SQLite only auto-increments an INTEGER PRIMARY KEY.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    job_run_id: Mapped[int] = mapped_column(ForeignKey("job_runs.id", ondelete="CASCADE"), index=True)
    # A many-table run's event about one of its tables; None: about the run.
    job_run_table_id: Mapped[int | None] = mapped_column(
        ForeignKey("job_run_tables.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, 16))
    level: Mapped[str] = mapped_column(String(16), default="info")
    message: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class RejectedRow(Base):
    """A source row the load refused, kept with its line, raw text, column and reason."""

    __tablename__ = "rejected_rows"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    job_run_id: Mapped[int] = mapped_column(ForeignKey("job_runs.id", ondelete="CASCADE"), index=True)
    job_run_table_id: Mapped[int | None] = mapped_column(
        ForeignKey("job_run_tables.id", ondelete="CASCADE"), index=True
    )
    line_number: Mapped[int] = mapped_column(BigInteger)
    raw: Mapped[str] = mapped_column(Text)
    column: Mapped[str | None] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(Text)
