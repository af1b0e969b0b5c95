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
    INCREMENTAL = "INCREMENTAL"  # a `tables` job's table only


class SourceType(StrEnum):
    UPLOAD = "upload"  # an uploaded file (`file_id`)
    TABLES = "tables"  # tables of `source_credential_id` (`tables`, each with its own target and mapping)
    QUERY = "query"  # `source_query` against `source_credential_id`
    FILES = "files"  # files that arrive under DROP_DIR matching `source_pattern` (`file_id`: a sample)


class DriftPolicy(StrEnum):
    FAIL = "fail"  # a run whose source columns differ from the mapping fails before loading
    EVOLVE = "evolve"  # new source columns are added to the mapping and the target; never dropped
    IGNORE = "ignore"  # new source columns are left out


class Job(Base):
    """What to load (a file, tables, a query or arriving files), where (a credential + table) and how
    (strategy, mappings). A `tables` job's targets are its `tables`; the others load into
    `target_schema.target_table` with the job's own mappings."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    # RESTRICT: a file or credential in use cannot vanish under a job (the API answers 409).
    source_type: Mapped[str] = mapped_column(
        String(16), default=SourceType.UPLOAD.value, server_default="upload"
    )
    file_id: Mapped[str | None] = mapped_column(
        ForeignKey("uploaded_files.id", ondelete="RESTRICT"), index=True
    )
    source_credential_id: Mapped[int | None] = mapped_column(
        ForeignKey("credentials.id", ondelete="RESTRICT"), index=True
    )
    source_query: Mapped[str | None] = mapped_column(Text)
    source_pattern: Mapped[str | None] = mapped_column(String(1024))
    # files: {"mode": "new|latest", "on_empty": "complete|fail"}; tables/query: {"zero_dates": "reject|null"}
    source_options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    max_parallel_tables: Mapped[int] = mapped_column(default=4, server_default="4")
    # upload/query/files jobs: [{"type": "filter", ...}, ...] (a `tables` job's are per table)
    row_transforms: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")
    # S3: {"format", "compression", "prefix", "partition_by": [{"column", "part"}], "max_file_mb"}
    destination_options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    drift_policy: Mapped[str] = mapped_column(
        String(16), default=DriftPolicy.FAIL.value, server_default="fail"
    )
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

    # The job's own mapping (upload, query and files jobs); a table's mapping is on its JobTable.
    mappings: Mapped[list[ColumnMapping]] = relationship(
        back_populates="job",
        primaryjoin="and_(ColumnMapping.job_id == Job.id, ColumnMapping.job_table_id.is_(None))",
        order_by="ColumnMapping.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
    )
    tables: Mapped[list[JobTable]] = relationship(
        back_populates="job",
        order_by="JobTable.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
    )


class JobTable(Base):
    """One table of a `tables` job: where it comes from, where it goes, how, and its mapping."""

    __tablename__ = "job_tables"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    source_schema: Mapped[str | None] = mapped_column(String(255))  # MySQL: the database
    source_table: Mapped[str] = mapped_column(String(255))
    target_schema: Mapped[str] = mapped_column(String(255))
    target_table: Mapped[str] = mapped_column(String(255))
    create_table: Mapped[bool] = mapped_column(default=True)
    # INSERT | UPSERT | TRUNCATE_INSERT | INCREMENTAL (by `cursor_column`, merged on `upsert_keys`)
    strategy: Mapped[str] = mapped_column(String(32), default=LoadStrategy.INSERT.value)
    upsert_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    cursor_column: Mapped[str | None] = mapped_column(String(255))
    # Re-read this much before the last cursor: seconds (timestamps) or units (integers).
    cursor_lookback: Mapped[float | None]
    row_transforms: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    include: Mapped[bool] = mapped_column(default=True)

    job: Mapped[Job] = relationship(back_populates="tables")
    mappings: Mapped[list[ColumnMapping]] = relationship(
        back_populates="table",
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
    # Null: the job's own mapping; else the mapping of this table of a `tables` job.
    job_table_id: Mapped[int | None] = mapped_column(
        ForeignKey("job_tables.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    source_column: Mapped[str | None] = mapped_column(String(255))  # null for a calculated column
    target_column: Mapped[str] = mapped_column(String(255))
    target_type: Mapped[str] = mapped_column(String(32))
    include: Mapped[bool] = mapped_column(default=True)
    # [{"type": "upper"}, {"type": "replace", "old": ..., "new": ...}, ...]
    transforms: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    expression: Mapped[str | None] = mapped_column(Text)

    job: Mapped[Job] = relationship(back_populates="mappings")
    table: Mapped[JobTable | None] = relationship(back_populates="mappings")
