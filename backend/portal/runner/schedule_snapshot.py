"""The schedules the DAG factory builds DAGs from: read from the app database, else the last good copy.

The factory runs at every parse of its file, so this must be quick and must not fail: a short
connection timeout, and when the database cannot answer, the snapshot written after the last read
that worked (without it every schedule DAG would vanish from Airflow while the database is down).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from croniter import croniter
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from portal.schedules.models import Schedule

log = structlog.get_logger(__name__)

SNAPSHOT_FILENAME = "etl_schedules_snapshot.json"


@dataclass(frozen=True)
class ScheduleRow:
    id: int
    job_id: int
    cron_expression: str
    timezone: str
    enabled: bool
    start_date: datetime  # when it was (last) enabled, else created

    @property
    def dag_id(self) -> str:
        return schedule_dag_id(self.job_id, self.id)


def invalid_reason(row: ScheduleRow) -> str | None:
    """Why Airflow could not schedule this row (the API validates, but rows can be edited), or None."""
    try:
        fields = len(croniter(row.cron_expression).expanded)
        ZoneInfo(row.timezone)
    except (ValueError, KeyError) as error:  # CroniterError and ZoneInfoNotFoundError among them
        return f"{type(error).__name__}: {error}"
    return None if fields == 5 else f"Airflow takes 5 cron fields, not {fields}"


def schedule_dag_id(job_id: int, schedule_id: int) -> str:
    return f"etl_job_{job_id}_schedule_{schedule_id}"


def default_snapshot_path() -> Path:
    home = Path(os.environ.get("AIRFLOW_HOME") or Path.home() / "airflow")
    return home / SNAPSHOT_FILENAME


def current_schedules(sync_database_url: str, snapshot: Path, timeout_seconds: int = 3) -> list[ScheduleRow]:
    """Every schedule row, enabled or not; the snapshot's when the database does not answer in time."""
    try:
        rows = read_schedules(sync_database_url, timeout_seconds)
    except (SQLAlchemyError, OSError) as error:
        log.warning(
            "schedules_unreadable_using_snapshot", error=str(error).splitlines()[0], snapshot=str(snapshot)
        )
        return load_snapshot(snapshot)
    save_snapshot(snapshot, rows)
    return rows


def read_schedules(sync_database_url: str, timeout_seconds: int) -> list[ScheduleRow]:
    url = make_url(sync_database_url)
    connect_args: dict[str, Any]
    if url.get_backend_name() == "sqlite":
        connect_args = {"timeout": timeout_seconds}
    else:
        statement_timeout = f"-c statement_timeout={timeout_seconds * 1000}"
        connect_args = {"connect_timeout": timeout_seconds, "options": statement_timeout}
    engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)
    try:
        with Session(engine) as session:
            found = session.scalars(select(Schedule).order_by(Schedule.id)).all()
    finally:
        engine.dispose()
    return [
        ScheduleRow(
            id=row.id,
            job_id=row.job_id,
            cron_expression=row.cron_expression,
            timezone=row.timezone,
            enabled=row.enabled,
            start_date=row.enabled_at or row.created_at,
        )
        for row in found
    ]


def save_snapshot(path: Path, rows: list[ScheduleRow]) -> None:
    """Keep `rows` as the last good read; never fails the parse that calls it."""
    content = json.dumps([asdict(row) for row in rows], default=datetime.isoformat, indent=1)
    try:
        if path.exists() and path.read_text() == content:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # Per process: the dag-processor and task processes may write at the same moment.
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_text(content)
        partial.replace(path)  # atomic: a parse never reads half a file
    except OSError as error:
        log.warning("schedules_snapshot_not_saved", error=str(error), snapshot=str(path))


def load_snapshot(path: Path) -> list[ScheduleRow]:
    """The last good read; none when there is no readable snapshot (the schedule DAGs then go stale)."""
    try:
        rows = json.loads(path.read_text())
        return [
            ScheduleRow(**{**row, "start_date": datetime.fromisoformat(row["start_date"])}) for row in rows
        ]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, TypeError, KeyError) as error:
        log.error("schedules_snapshot_unreadable", error=str(error), snapshot=str(path))
        return []
