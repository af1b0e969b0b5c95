"""/api/v1/jobs: jobs with their column mappings, DDL preview, expression check, execute."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from portal.api.deps import AirflowDep, CipherDep, SessionDep
from portal.api.openapi import errors
from portal.api.page import Page
from portal.api.schemas import IdPath, Offset
from portal.audit.context import AuditDep
from portal.jobs import service
from portal.jobs.schemas import (
    DdlPreview,
    ExpressionRequest,
    ExpressionResult,
    JobCreate,
    JobRead,
    JobUpdate,
    ProposedQuery,
    ProposedTables,
    ProposeQueryRequest,
    ProposeTablesRequest,
)
from portal.runs.schemas import JobRunRead

router = APIRouter(prefix="/jobs", tags=["jobs"])


_SOURCE_ERRORS = errors(
    404,
    (422, "What the job lacks or gets wrong, per field in `details.problems` (a source table or query "
     "the source refuses included)"),
    (502, "`SourceUnreachable` (the source database) or the destination cannot be reached"),
)  # fmt: skip


@router.post("", status_code=status.HTTP_201_CREATED, responses=_SOURCE_ERRORS)
async def create_job(body: JobCreate, session: SessionDep, cipher: CipherDep, audit: AuditDep) -> JobRead:
    """Mappings omitted: every column of the source (the file, the query, each table), under its SQL
    name and type. Each source type needs its fields: upload `file_id`; files `file_id` (a sample)
    and `source_pattern`; query `source_credential_id` and `source_query`; tables
    `source_credential_id` and `tables` (each with its own target)."""
    job = await service.create_job(session, cipher, body, audit)
    return (await service.read(session, [job]))[0]


@router.get("")
async def list_jobs(
    session: SessionDep,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Page[JobRead]:
    items, total = await service.list_jobs(session, offset=offset, limit=limit)
    return Page(items=await service.read(session, items), total=total)


@router.post("/propose-tables", responses=_SOURCE_ERRORS)
async def propose_tables(
    body: ProposeTablesRequest, session: SessionDep, cipher: CipherDep
) -> ProposedTables:
    """The tables of a new tables job as the source describes them: mappings from the column types,
    UPSERT on the primary key (INSERT without one), targets named `target_prefix` + the table's name.
    Nothing is saved and nothing is written to the source."""
    return await service.propose_tables(session, cipher, body)


@router.post("/propose-query", responses=_SOURCE_ERRORS)
async def propose_query(body: ProposeQueryRequest, session: SessionDep, cipher: CipherDep) -> ProposedQuery:
    """The query's columns, described by the source without running it, and a mapping of each."""
    return await service.propose_query(session, cipher, body)


@router.post("/preview-ddl", responses=_SOURCE_ERRORS)
async def preview_ddl(body: JobCreate, session: SessionDep, cipher: CipherDep) -> DdlPreview:
    return await service.preview_ddl(session, cipher, body)


@router.post("/validate-expression", responses=errors(404))
async def validate_expression(body: ExpressionRequest, session: SessionDep) -> ExpressionResult:
    """Checks a calculated column against the file's columns; `sample` = its values on the first rows."""
    return await service.check_expression(session, body)


@router.post(
    "/execute/{job_id}",
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors((409, "`JobAlreadyRunning`: `details.active_run_id`"), 503),
)
async def execute_job(
    job_id: IdPath, session: SessionDep, airflow: AirflowDep, audit: AuditDep
) -> JobRunRead:
    """Start a run in Airflow now (503 when Airflow cannot take it; no run is left behind).
    409 JobAlreadyRunning (`details.active_run_id`) while a run of the job is PENDING or RUNNING,
    unless the job has `allow_concurrent_runs`."""
    return JobRunRead.of(await service.execute_job(session, airflow, job_id, audit))


@router.get("/{job_id}")
async def read_job(job_id: IdPath, session: SessionDep) -> JobRead:
    return (await service.read(session, [await service.get_job(session, job_id)]))[0]


@router.put("/{job_id}", responses=_SOURCE_ERRORS)
async def update_job(
    job_id: IdPath, body: JobUpdate, session: SessionDep, cipher: CipherDep, audit: AuditDep
) -> JobRead:
    job = await service.update_job(session, cipher, job_id, body, audit)
    return (await service.read(session, [job]))[0]


@router.delete(
    "/{job_id}", status_code=status.HTTP_204_NO_CONTENT, responses=errors((409, "`JobHasActiveRuns`"))
)
async def delete_job(job_id: IdPath, session: SessionDep, airflow: AirflowDep, audit: AuditDep) -> None:
    await service.delete_job(session, airflow, job_id, audit)
