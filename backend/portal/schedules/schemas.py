"""Cron schedules of a job, each shown with its description, next fire times and last run."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from portal.runs.models import JobRunStatus


class ScheduleCreate(BaseModel):
    cron_expression: str = Field(min_length=1, max_length=120, examples=["0 6 * * MON-FRI", "@daily"])
    enabled: bool = True
    timezone: str = Field(default="UTC", min_length=1, max_length=64, examples=["Europe/Berlin"])


class ScheduleUpdate(BaseModel):
    """Fields left out keep their value."""

    cron_expression: str | None = Field(default=None, min_length=1, max_length=120)
    enabled: bool | None = None
    timezone: str | None = Field(default=None, min_length=1, max_length=64)


class LastRun(BaseModel):
    id: int
    status: JobRunStatus
    created_at: datetime


class ScheduleRead(BaseModel):
    id: int
    job_id: int
    cron_expression: str
    timezone: str
    enabled: bool
    enabled_at: datetime | None
    description: str
    next_runs: list[datetime]  # in the schedule's timezone, with its offset
    last_run: LastRun | None
    dag_id: str
    created_at: datetime
    updated_at: datetime
