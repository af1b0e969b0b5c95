"""Bring Airflow in line with the schedules in the app database.

The factory file `airflow/dags/etl_job_schedules.py` builds one DAG per enabled schedule from the
app database. After a change the portal asks Airflow to re-parse that file now (instead of at its
next interval), then pauses, unpauses or deletes the DAG through the REST API. Airflow may be down
or slow: the database change always stands, and `reconcile_schedules` (run by the backstop loop)
repeats whatever did not get through.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable
from enum import StrEnum

import structlog

from portal.clients.airflow import AirflowClient, AirflowRequestError, DagInfo
from portal.core.background import spawn
from portal.core.errors import AirflowUnavailableError

log = structlog.get_logger(__name__)

SCHEDULE_DAG_ID = re.compile(r"^etl_job_\d+_schedule_\d+$")
_DAG_ID_PATTERN = "_schedule_"
_APPEAR_TIMEOUT_SECONDS = 15.0
_POLL_SECONDS = 0.5


class Desired(StrEnum):
    ENABLED = "enabled"
    DISABLED = "disabled"
    DELETED = "deleted"


def schedule_dag_id(job_id: int, schedule_id: int) -> str:
    return f"etl_job_{job_id}_schedule_{schedule_id}"


async def _schedule_dags(airflow: AirflowClient) -> list[DagInfo]:
    return [dag for dag in await airflow.list_dags(_DAG_ID_PATTERN) if SCHEDULE_DAG_ID.match(dag.dag_id)]


async def _reparse_schedules_file(airflow: AirflowClient, known: Iterable[DagInfo]) -> bool:
    """Every schedule DAG comes from the same file, so any of them (stale ones too) carries its
    token. With none known yet Airflow has no token for the file (it refuses tokens of files without
    a DAG): the DAG processor parses it again after `[dag_processor] min_file_process_interval`,
    which deployments set to a few seconds."""
    for dag in known:
        await airflow.reparse_dag_file(dag.file_token)
        return True
    return False


async def apply(airflow: AirflowClient, dag_id: str, desired: Desired) -> None:
    """Make one schedule's DAG match `desired`, waiting briefly for the re-parse to show it."""
    known = await _schedule_dags(airflow)
    reparsed = await _reparse_schedules_file(airflow, known)
    if desired is Desired.DISABLED:
        await airflow.set_paused(dag_id, True)
        return
    if desired is Desired.DELETED:
        # Delete after the re-parse has dropped it from the file, or the DAG would come back.
        await _wait_for(airflow, dag_id, lambda dag: dag is None or dag.is_stale, reparsed)
        await airflow.delete_dag(dag_id)
        return
    dag = await _wait_for(airflow, dag_id, lambda dag: dag is not None and not dag.is_stale, reparsed)
    if dag is not None and dag.is_paused:
        await airflow.set_paused(dag_id, False)


async def _wait_for(
    airflow: AirflowClient, dag_id: str, done: Callable[[DagInfo | None], bool], reparsed: bool
) -> DagInfo | None:
    """The DAG once `done` holds for it; gives up after a while (the reconciler carries on)."""
    deadline = asyncio.get_running_loop().time() + (_APPEAR_TIMEOUT_SECONDS if reparsed else 0)
    while True:
        dag = await airflow.get_dag(dag_id)
        if done(dag) or asyncio.get_running_loop().time() >= deadline:
            return dag
        await asyncio.sleep(_POLL_SECONDS)


async def apply_quietly(airflow: AirflowClient, dag_id: str, desired: Desired) -> None:
    """`apply`, logging instead of raising: the caller's database change already stands."""
    try:
        await apply(airflow, dag_id, desired)
        log.info("schedule_dag_synced", dag_id=dag_id, desired=desired.value)
    except (AirflowUnavailableError, AirflowRequestError) as exc:
        log.warning("schedule_dag_sync_deferred", dag_id=dag_id, desired=desired.value, reason=exc.message)
    except RuntimeError as exc:  # the app (and its client) shut down while this ran
        log.info("schedule_dag_sync_interrupted", dag_id=dag_id, reason=str(exc))


def apply_in_background(airflow: AirflowClient, dag_id: str, desired: Desired) -> None:
    """Answer the request now; the DAG follows within seconds (or at the next reconcile)."""
    spawn(apply_quietly(airflow, dag_id, desired), name=f"schedule-sync-{dag_id}")


async def reconcile_schedules(airflow: AirflowClient, wanted: dict[str, bool]) -> None:
    """`wanted` maps every schedule's dag_id to whether it is enabled. Pauses, unpauses and deletes
    schedule DAGs in Airflow until they match; raises AirflowUnavailableError when Airflow is down."""
    known = {dag.dag_id: dag for dag in await _schedule_dags(airflow)}
    file_behind = any(
        (enabled and (dag_id not in known or known[dag_id].is_stale)) for dag_id, enabled in wanted.items()
    ) or any(dag_id not in wanted and not dag.is_stale for dag_id, dag in known.items())
    if file_behind:
        await _reparse_schedules_file(airflow, known.values())
    for dag_id, dag in known.items():
        try:
            await _reconcile_one(airflow, dag, wanted.get(dag_id))
        except AirflowRequestError as exc:  # e.g. 409 while its last run still runs: next pass
            log.warning("schedule_dag_reconcile_deferred", dag_id=dag_id, reason=exc.message)


async def _reconcile_one(airflow: AirflowClient, dag: DagInfo, enabled: bool | None) -> None:
    if enabled is None:  # its schedule is gone
        if dag.is_stale:
            await airflow.delete_dag(dag.dag_id)
            log.info("schedule_dag_removed", dag_id=dag.dag_id)
        return
    if dag.is_paused == enabled:
        await airflow.set_paused(dag.dag_id, not enabled)
        log.info("schedule_dag_pause_fixed", dag_id=dag.dag_id, paused=not enabled)
