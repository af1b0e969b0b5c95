"""/api/v1/jobs: jobs with their column mappings, DDL preview, expression check, execute."""

from __future__ import annotations

from fastapi import APIRouter, status

from portal.api.deps import AirflowDep, SessionDep
from portal.schemas.job_run import JobRunRead
from portal.services import job_runs

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.post("/execute/{job_id}", status_code=status.HTTP_202_ACCEPTED)
async def execute_job(job_id: int, session: SessionDep, airflow: AirflowDep) -> JobRunRead:
    """Start a run in Airflow now (503 when Airflow cannot take it; no run is left behind)."""
    return JobRunRead.of(await job_runs.start_manual_run(session, airflow, job_id))
