"""The dashboard in one response."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from portal.runs.schemas import JobRunRead


class RowsPerDay(BaseModel):
    date: date
    rows: int


class Dashboard(BaseModel):
    counts_by_status: dict[str, int]  # every status, zeros included
    recent_runs: list[JobRunRead]
    rows_per_day: list[RowsPerDay]  # the last 14 days (UTC), oldest first, rows loaded by finished runs
    running: list[JobRunRead]
