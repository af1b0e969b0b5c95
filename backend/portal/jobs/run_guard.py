"""One active run per job unless the job allows overlapping runs (`Job.allow_concurrent_runs`).

The API's execute and a schedule's tick apply the same rule, in an async (API) and a sync (runner)
session, with these two statements run first in the transaction that then creates the run:

    session.execute(take_turn(job_id))          # waits while another transaction holds the job
    busy = session.execute(active_run(job_id)).first()
    ... refuse when busy, else insert the run and commit

`take_turn` is an UPDATE of the job's row that changes nothing: PostgreSQL holds that row's lock,
SQLite its database write lock, until the transaction ends. A second execute of the same job waits
there, then finds the first one's committed run. Looking for active runs before taking the lock
would race (both find none, both insert).
"""

from __future__ import annotations

from sqlalchemy import Select, Update, select, update

from portal.jobs.models import Job
from portal.runs.lifecycle import ACTIVE
from portal.runs.models import JobRun, JobRunStatus


def take_turn(job_id: int) -> Update:
    # Setting updated_at to itself: a real write (so it locks) that leaves the row as it was.
    return (
        update(Job)
        .where(Job.id == job_id)
        .values(updated_at=Job.updated_at)
        .execution_options(synchronize_session=False)
    )


def active_run(job_id: int) -> Select[int, JobRunStatus]:
    """The job's oldest PENDING or RUNNING run (id, status), if any."""
    return (
        select(JobRun.id, JobRun.status)
        .where(JobRun.job_id == job_id, JobRun.status.in_(ACTIVE))
        .order_by(JobRun.id)
        .limit(1)
    )


def busy_message(job_id: int, run_id: int, status: JobRunStatus) -> str:
    return (
        f"Job {job_id} already has run {run_id} {status.value}; one run of a job is active at a time "
        "unless the job allows concurrent runs (allow_concurrent_runs)"
    )
