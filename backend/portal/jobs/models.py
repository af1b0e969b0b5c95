"""A job and its column mappings."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db.base import Base, utcnow


class LoadStrategy(StrEnum):
    INSERT = "INSERT"
    UPSERT = "UPSERT"
    TRUNCATE_INSERT = "TRUNCATE_INSERT"


class Job(Base):
    """What to load (an uploaded file), where (a credential + table) and how (strategy, mappings)."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    # RESTRICT: a file or credential in use cannot vanish under a job (the API answers 409).
    file_id: Mapped[str] = mapped_column(ForeignKey("uploaded_files.id", ondelete="RESTRICT"), index=True)
    credential_id: Mapped[int] = mapped_column(ForeignKey("credentials.id", ondelete="RESTRICT"), index=True)
    target_schema: Mapped[str] = mapped_column(String(255))
    target_table: Mapped[str] = mapped_column(String(255))
    create_table: Mapped[bool] = mapped_column(default=True)
    strategy: Mapped[str] = mapped_column(String(32), default=LoadStrategy.INSERT.value)
    upsert_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    batch_size: Mapped[int] = mapped_column(default=100_000)
    reject_threshold_count: Mapped[int | None]
    reject_threshold_percent: Mapped[float | None]
    max_retries: Mapped[int] = mapped_column(default=0)
    retry_delay_seconds: Mapped[int] = mapped_column(default=60)
    # Null: no cap. Spares a busy source or destination; tests use it to keep a run RUNNING.
    max_rows_per_second: Mapped[int | None]
    # False: one PENDING/RUNNING run per job at a time (execute answers 409 JobAlreadyRunning).
    allow_concurrent_runs: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    mappings: Mapped[list[ColumnMapping]] = relationship(
        back_populates="job",
        order_by="ColumnMapping.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
    )


class ColumnMapping(Base):
    """One destination column of a job: from a source column (by sql_name) or an expression."""

    __tablename__ = "column_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    source_column: Mapped[str | None] = mapped_column(String(255))  # null for a calculated column
    target_column: Mapped[str] = mapped_column(String(255))
    target_type: Mapped[str] = mapped_column(String(32))
    include: Mapped[bool] = mapped_column(default=True)
    # [{"type": "upper"}, {"type": "replace", "old": ..., "new": ...}, ...]
    transforms: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    expression: Mapped[str | None] = mapped_column(Text)

    job: Mapped[Job] = relationship(back_populates="mappings")
