from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db.base import Base, utcnow


class Schedule(Base):
    """A cron schedule of a job; each one becomes its own Airflow DAG (`dag_id`)."""

    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    cron_expression: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    enabled: Mapped[bool] = mapped_column(default=True)
    enabled_at: Mapped[datetime | None]  # the start date of its DAG
    # Disabled once this many of its runs in a row failed (None: never); see schedules/failures.py.
    disable_after_failures: Mapped[int | None] = mapped_column(default=3, server_default="3")
    disabled_reason: Mapped[str | None] = mapped_column(String(500))  # set when the portal disabled it
    # etl_job_<job_id>_schedule_<id>; set once the id is known (after the first flush).
    dag_id: Mapped[str | None] = mapped_column(String(250), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
