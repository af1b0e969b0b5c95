"""The JobRun of a scheduled DAG run: created by its first attempt, found again by the next ones."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from portal.jobs import run_guard
from portal.jobs.models import Job
from portal.runner.errors import RunFailedError
from portal.runs import lifecycle
from portal.runs.models import JobRun, JobRunStatus, RunTrigger
from portal.schedules.models import Schedule


def ensure_scheduled_run(
    sessions: sessionmaker[Session], schedule_id: int, dag_id: str, dag_run_id: str
) -> int:
    """The id of the JobRun recording this DAG run of schedule `schedule_id` (created when new).

    A tick that finds its job busy (a run PENDING or RUNNING, and the job does not allow concurrent
    runs) is skipped: its run is recorded CANCELLED with the reason, and the attempt then stops.
    Waiting instead would hold a worker slot and pile ticks up behind a long load."""
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
        job = session.get(Job, schedule.job_id)
        busy = None
        if job is not None and not job.allow_concurrent_runs:
            session.execute(run_guard.take_turn(job.id))
            busy = session.execute(run_guard.active_run(job.id)).first()
        session.add(run)
        session.flush()
        session.add(lifecycle.created_event(run, schedule_id=schedule_id, dag_run_id=dag_run_id))
        if busy is not None:
            reason = "Skipped: " + run_guard.busy_message(schedule.job_id, busy[0], busy[1])
            lifecycle.move_sync(session, run.id, JobRunStatus.CANCELLED, reason=reason)
        return run.id
