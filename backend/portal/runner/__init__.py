"""What the Airflow tasks call: run one attempt of a portal JobRun through the engine.

    execute_job_run(job_run_id, try_number)                             # etl_job_executor
    execute_scheduled_run(schedule_id, dag_id, dag_run_id, try_number)  # etl_job_<id>_schedule_<id>

Both return a small summary (status and row counts) or raise `RetryableAttemptError` /
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


def execute_job_run(job_run_id: int, try_number: int) -> dict[str, Any]:
    from portal.runner.job_run import execute_attempt

    with _portal_database() as (sessions, settings):
        return execute_attempt(sessions, settings, job_run_id, try_number)


def execute_scheduled_run(schedule_id: int, dag_id: str, dag_run_id: str, try_number: int) -> dict[str, Any]:
    from portal.runner.job_run import execute_attempt
    from portal.runner.scheduled import ensure_scheduled_run

    with _portal_database() as (sessions, settings):
        job_run_id = ensure_scheduled_run(sessions, schedule_id, dag_id, dag_run_id)
        return execute_attempt(sessions, settings, job_run_id, try_number)


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


__all__ = ["RetryableAttemptError", "RunFailedError", "execute_job_run", "execute_scheduled_run"]
