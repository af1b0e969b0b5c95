"""What the Airflow tasks call (`portal.runner.flow` builds the tasks): plan a portal JobRun, run
one attempt at it (or at one of its tables) through the engine, settle its outcome.

    plan_job_run(job_run_id)                                 -> [table run ids] or [SINGLE]
    execute_job_run(job_run_id, try_number, table_run_id)    -> summary (SINGLE: the run itself)
    finish_job_run(job_run_id)                               -> summary of the settled run
    scheduled_job_run(schedule_id, dag_id, dag_run_id)       -> the JobRun of a schedule's DAG run

Executes return a small summary (status and row counts) or raise `RetryableAttemptError` /
`RunFailedError`. The database is the portal's own (its settings from the environment), never
Airflow's. Imports stay light here: DAG files import this package while they are parsed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from portal.runner.errors import RetryableAttemptError, RunFailedError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from portal.core.config import Settings


# The plan's one item for a run with a single source (portal.runner.tables.SINGLE).
SINGLE = 0


def plan_job_run(job_run_id: int) -> list[int]:
    from portal.runner.tables import plan_run

    with _portal_database() as (sessions, _):
        return plan_run(sessions, job_run_id)


def execute_job_run(job_run_id: int, try_number: int, job_run_table_id: int = SINGLE) -> dict[str, Any]:
    from portal.runner.job_run import execute_attempt

    with _portal_database() as (sessions, settings):
        table_run = job_run_table_id if job_run_table_id != SINGLE else None
        return execute_attempt(sessions, settings, job_run_id, try_number, table_run)


def finish_job_run(job_run_id: int) -> dict[str, Any]:
    from portal.runner.tables import settle_run

    with _portal_database() as (sessions, _):
        return settle_run(sessions, job_run_id)


def scheduled_job_run(schedule_id: int, dag_id: str, dag_run_id: str) -> int:
    """Created by the DAG run's first task, found again by the others and by retries."""
    from portal.runner.scheduled import ensure_scheduled_run

    with _portal_database() as (sessions, _):
        return ensure_scheduled_run(sessions, schedule_id, dag_id, dag_run_id)


@contextmanager
def _portal_database() -> Iterator[tuple[sessionmaker[Session], Settings]]:
    from portal.core.config import get_settings
    from portal.db.sync import create_sync_engine, create_sync_session_factory

    settings = get_settings()
    engine = create_sync_engine(settings)
    try:
        yield create_sync_session_factory(engine), settings
    finally:
        engine.dispose()


__all__ = [
    "SINGLE",
    "RetryableAttemptError",
    "RunFailedError",
    "execute_job_run",
    "finish_job_run",
    "plan_job_run",
    "scheduled_job_run",
]
