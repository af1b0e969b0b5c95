"""Cron schedules of a job, each shown with its description, next fire times and last run."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from portal.runs.models import JobRunStatus

# Disabled after this many failed runs in a row; null: never.
DisableAfter = Annotated[int | None, Field(ge=1, le=100, examples=[3])]


class ScheduleCreate(BaseModel):
    cron_expression: str = Field(min_length=1, max_length=120, examples=["0 6 * * MON-FRI", "@daily"])
    enabled: bool = True
    timezone: str = Field(default="UTC", min_length=1, max_length=64, examples=["Europe/Berlin"])
    disable_after_failures: DisableAfter = 3


class ScheduleUpdate(BaseModel):
    """Fields left out keep their value (`disable_after_failures: null` sent: never disable)."""

    cron_expression: str | None = Field(default=None, min_length=1, max_length=120)
    enabled: bool | None = None
    timezone: str | None = Field(default=None, min_length=1, max_length=64)
    disable_after_failures: DisableAfter = None


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
    disable_after_failures: int | None
    # Why the portal disabled it (failed runs in a row); cleared when it is enabled again.
    disabled_reason: str | None
    description: str
    next_runs: list[datetime]  # in the schedule's timezone, with its offset
    last_run: LastRun | None
    dag_id: str
    created_at: datetime
    updated_at: datetime
