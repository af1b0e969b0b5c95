"""The tasks of every load DAG (imported by the DAG files only: it imports Airflow).

    plan ──► execute_etl_job.expand(job_run_table_id=plan) ──► finish (trigger rule all_done)

`plan` returns the run's table runs to load ([0] for a single-source run: one instance loading the
run itself), so one DAG run has one task instance per table; each instance retries alone under
the job's retry settings (`JobRetryPolicy`). `max_active_tis_per_dagrun` is fixed at parse time,
so it is the API's maximum of `max_parallel_tables`; the job's own (smaller) bound is a slot each
instance takes in the portal's database (`portal.runner.tables.claim_slot`). `finish` runs however
the tables ended and settles the run's status from them; it fails when the run did not succeed, so
the DAG run's state says the same as the portal.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from airflow.sdk import get_current_context, task

from portal.runner.retry_policy import MAX_JOB_RETRIES, UNREPORTED_FAILURE_RETRY_DELAY, JobRetryPolicy

# The API's bound on Job.max_parallel_tables (portal.jobs.schemas; tests/test_dags.py compares them).
MAX_PARALLEL_TABLES = 8
# The run's bookkeeping tasks retry a lost attempt a few times (both are idempotent).
BOOKKEEPING_RETRIES = 3
BOOKKEEPING_RETRY_DELAY = timedelta(seconds=5)


def load_tasks(job_run_id: Callable[[], int]) -> None:
    """Add plan -> execute_etl_job (mapped) -> finish to the DAG being defined; `job_run_id()`
    names the portal run from inside a running task (its params, or its schedule's DAG run)."""

    @task(retries=BOOKKEEPING_RETRIES, retry_delay=BOOKKEEPING_RETRY_DELAY, retry_policy=JobRetryPolicy())
    def plan() -> list[int]:
        from portal.runner import plan_job_run

        return plan_job_run(job_run_id())

    @task(
        task_id="execute_etl_job",
        retries=MAX_JOB_RETRIES,
        retry_delay=UNREPORTED_FAILURE_RETRY_DELAY,
        retry_policy=JobRetryPolicy(),
        max_active_tis_per_dagrun=MAX_PARALLEL_TABLES,
    )
    def execute_etl_job(job_run_table_id: int) -> dict[str, Any]:
        from portal.runner import execute_job_run

        return execute_job_run(job_run_id(), get_current_context()["ti"].try_number, job_run_table_id)

    @task(
        trigger_rule="all_done",
        retries=BOOKKEEPING_RETRIES,
        retry_delay=BOOKKEEPING_RETRY_DELAY,
        retry_policy=JobRetryPolicy(),
    )
    def finish() -> dict[str, Any]:
        from portal.runner import finish_job_run

        return finish_job_run(job_run_id())

    planned = plan()
    execute_etl_job.expand(job_run_table_id=planned) >> finish()
