"""
### ETL job executor

Runs one load of the ETL Portal on demand. The portal triggers it through the REST API with
`conf = {"job_id": ..., "job_run_id": ...}` and a `dag_run_id` of `job_<job_id>_run_<job_run_id>`.
`plan` lists the run's tables (one item for a job with a single source), `execute_etl_job` loads
each in its own mapped task instance through `portal.runner` (which reads the job from the portal's
database and writes progress back for the portal to stream), and `finish` settles the run's status.

Retries follow the job's own `max_retries` and `retry_delay_seconds` (see
`portal.runner.retry_policy`), per table; every attempt is recorded on the run (and its table).
"""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.sdk import Param, dag, get_current_context

from portal.runner.flow import load_tasks


def _job_run_id() -> int:
    return int(get_current_context()["params"]["job_run_id"])


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
    load_tasks(_job_run_id)


etl_job_executor()
