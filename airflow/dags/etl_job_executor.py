"""
### ETL job executor

Runs one load of the ETL Portal on demand. The portal triggers it through the REST API with
`conf = {"job_id": ..., "job_run_id": ...}` and a `dag_run_id` of `job_<job_id>_run_<job_run_id>`;
the task hands the run to `portal.runner`, which reads the job from the portal's database, loads
the file and writes progress back for the portal to stream.

Retries follow the job's own `max_retries` and `retry_delay_seconds` (see
`portal.runner.retry_policy`); every attempt is recorded on the run.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from airflow.sdk import Param, dag, get_current_context, task

from portal.runner.retry_policy import MAX_JOB_RETRIES, UNREPORTED_FAILURE_RETRY_DELAY, JobRetryPolicy


@dag(
    dag_id="etl_job_executor",
    schedule=None,
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    catchup=False,
    is_paused_upon_creation=False,
    tags=["etl-portal", "on-demand"],
    doc_md=__doc__,
    params={
        "job_id": Param(type="integer", minimum=1, description="Portal job to load"),
        "job_run_id": Param(type="integer", minimum=1, description="Portal run to execute"),
    },
)
def etl_job_executor() -> None:
    @task(
        retries=MAX_JOB_RETRIES,
        retry_delay=UNREPORTED_FAILURE_RETRY_DELAY,
        retry_policy=JobRetryPolicy(),
    )
    def execute_etl_job() -> dict[str, Any]:
        from portal.runner import execute_job_run

        context = get_current_context()
        job_run_id = int(context["params"]["job_run_id"])
        return execute_job_run(job_run_id, context["ti"].try_number)

    execute_etl_job()


etl_job_executor()
