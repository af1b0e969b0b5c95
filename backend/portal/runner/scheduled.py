"""The JobRun of a scheduled DAG run: created by its first attempt, found again by the next ones."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from portal.runner.errors import RunFailedError
from portal.runs import lifecycle
from portal.runs.models import JobRun, RunTrigger
from portal.schedules.models import Schedule


def ensure_scheduled_run(
    sessions: sessionmaker[Session], schedule_id: int, dag_id: str, dag_run_id: str
) -> int:
    """The id of the JobRun recording this DAG run of schedule `schedule_id` (created when new)."""
    with sessions.begin() as session:
        existing = session.scalar(
            select(JobRun.id).where(JobRun.dag_id == dag_id, JobRun.dag_run_id == dag_run_id)
        )
        if existing is not None:
            return existing
        schedule = session.get(Schedule, schedule_id)
        if schedule is None:
            raise RunFailedError(
                f"Schedule {schedule_id} no longer exists; its DAG disappears at the next parse."
            )
        run = lifecycle.new_run(
            schedule.job_id,
            trigger=RunTrigger.SCHEDULE,
            schedule_id=schedule_id,
            dag_id=dag_id,
            dag_run_id=dag_run_id,
        )
        session.add(run)
        session.flush()
        session.add(lifecycle.created_event(run, schedule_id=schedule_id, dag_run_id=dag_run_id))
        return run.id
