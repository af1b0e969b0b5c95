"""
### ETL job schedules

One DAG per schedule of the ETL Portal, named `etl_job_<job_id>_schedule_<schedule_id>`, built from
the portal's `schedules` table each time this file is parsed (the portal asks Airflow to re-parse it
after every change). A disabled schedule's DAG exists but is paused; the portal pauses and unpauses
it through the REST API. When the portal's database cannot be read, the last good snapshot of the
table (`$AIRFLOW_HOME/etl_schedules_snapshot.json`) keeps the DAGs in place.

Each DAG run creates its own portal run (trigger `schedule`, in its first task) and loads it like a
manual run: plan, one mapped task per table, finish (`portal.runner.flow`).
"""

from __future__ import annotations

import structlog
from airflow.sdk import DAG, CronTriggerTimetable, dag, get_current_context

from portal.core.config import get_settings
from portal.runner.flow import load_tasks
from portal.runner.schedule_snapshot import (
    ScheduleRow,
    current_schedules,
    default_snapshot_path,
    invalid_reason,
)

log = structlog.get_logger(__name__)


def build_schedule_dag(schedule: ScheduleRow) -> DAG:
    schedule_id = schedule.id

    @dag(
        dag_id=schedule.dag_id,
        schedule=CronTriggerTimetable(schedule.cron_expression, timezone=schedule.timezone),
        start_date=schedule.start_date,
        catchup=False,
        is_paused_upon_creation=not schedule.enabled,
        max_active_runs=1,
        tags=["etl-portal", "scheduled", f"job-{schedule.job_id}"],
        doc_md=__doc__,
        description=f"Job {schedule.job_id} on cron '{schedule.cron_expression}' ({schedule.timezone})",
    )
    def scheduled_etl_job() -> None:
        def job_run_id() -> int:
            from portal.runner import scheduled_job_run

            context = get_current_context()
            return scheduled_job_run(schedule_id, context["dag"].dag_id, context["run_id"])

        load_tasks(job_run_id)

    return scheduled_etl_job()


for _schedule in current_schedules(get_settings().sync_database_url, default_snapshot_path()):
    # One bad row must not turn the whole file into an import error that hides every schedule.
    if _reason := invalid_reason(_schedule):
        log.error("schedule_dag_skipped", schedule_id=_schedule.id, reason=_reason)
        continue
    globals()[_schedule.dag_id] = build_schedule_dag(_schedule)
