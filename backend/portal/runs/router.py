"""/api/v1/job-runs: run history, logs, rejected rows, loaded rows, live stream, cancel and delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, status
from fastapi.responses import StreamingResponse
from sse_starlette import EventSourceResponse

from portal.api.deps import AirflowDep, CipherDep, SessionDep, SettingsDep
from portal.api.openapi import errors
from portal.api.page import Page
from portal.api.schemas import MAX_INT, IdPath, Offset
from portal.audit.context import AuditDep
from portal.auth.check import liveness
from portal.runs import service
from portal.runs.feed import RunFeeds
from portal.runs.loaded_rows import loaded_rows
from portal.runs.models import EventKind, JobRunStatus
from portal.runs.rejected_rows_csv import rejected_rows_csv
from portal.runs.schemas import JobRunEventRead, JobRunRead, LoadedRows, RejectedRowRead
from portal.runs.streaming import parse_last_event_id, run_events

router = APIRouter(prefix="/job-runs", tags=["job-runs"])


def run_feeds(request: Request) -> RunFeeds:
    """The app's shared run pollers, created with the first stream."""
    state = request.app.state
    if not hasattr(state, "run_feeds"):
        state.run_feeds = RunFeeds(state.session_factory)
    feeds: RunFeeds = state.run_feeds
    return feeds


Limit = Annotated[int, Query(ge=1, le=500)]
LoadedLimit = Annotated[int, Query(ge=1, le=200, description="rows to return")]


@router.get("")
async def list_job_runs(
    session: SessionDep,
    job_id: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
    status: JobRunStatus | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Page[JobRunRead]:
    runs, total = await service.list_runs(session, job_id=job_id, status=status, offset=offset, limit=limit)
    return Page(items=[JobRunRead.of(run) for run in runs], total=total)


@router.get("/{run_id}")
async def read_job_run(run_id: IdPath, session: SessionDep) -> JobRunRead:
    return JobRunRead.of(await service.get_run(session, run_id))


@router.get("/{run_id}/logs")
async def read_job_run_logs(
    run_id: IdPath, session: SessionDep, kind: EventKind | None = None, after_id: Offset = 0
) -> list[JobRunEventRead]:
    """The run's events in order; `kind=log` leaves out the progress snapshots."""
    await service.get_run(session, run_id)
    events = await service.list_events(session, run_id, after_id=after_id, kind=kind)
    return [JobRunEventRead.of(event) for event in events]


@router.get("/{run_id}/rejected-rows")
async def list_rejected_rows(
    run_id: IdPath,
    session: SessionDep,
    offset: Offset = 0,
    limit: Limit = 100,
    job_run_table_id: Annotated[int | None, Query(ge=1, le=MAX_INT, description="one table's rows")] = None,
) -> Page[RejectedRowRead]:
    rows, total = await service.list_rejected_rows(
        session, run_id, offset=offset, limit=limit, job_run_table_id=job_run_table_id
    )
    return Page(items=[RejectedRowRead.model_validate(row) for row in rows], total=total)


@router.get("/{run_id}/rejected-rows.csv", response_class=StreamingResponse)
async def download_rejected_rows(run_id: IdPath, session: SessionDep) -> StreamingResponse:
    await service.get_run(session, run_id)
    return StreamingResponse(
        rejected_rows_csv(session, run_id),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="job_run_{run_id}_rejected_rows.csv"'},
    )


@router.get("/{run_id}/loaded-rows", responses=errors((409, "The run has not completed"), 502))
async def read_loaded_rows(
    run_id: IdPath,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    offset: Offset = 0,
    limit: LoadedLimit = 50,
) -> LoadedRows:
    """A page of the target table of a completed run, read from its destination now (409 before
    the run has completed, 502 when the destination cannot be read)."""
    return await loaded_rows(session, cipher, settings, run_id, offset=offset, limit=limit)


@router.get("/{run_id}/stream", response_class=EventSourceResponse)
async def stream_job_run(
    run_id: IdPath,
    request: Request,
    last_event_id: Annotated[str | None, Header()] = None,
) -> EventSourceResponse:
    """Server-sent events: `snapshot`, then `progress` / `log` / `table` (ids = event ids), then `end`
    (docs/architecture.md, "Run streams")."""
    session_factory = request.app.state.session_factory
    # A short session of its own: a request-scoped one would hold a pooled connection for as
    # long as the stream stays open.
    async with session_factory() as session:
        await service.get_run(session, run_id)  # a 404 before the stream starts
    events = run_events(
        session_factory,
        run_feeds(request),
        run_id,
        last_event_id=parse_last_event_id(last_event_id),
        still_signed_in=liveness(request),  # logout ends the stream
    )
    return EventSourceResponse(events, ping=15)


@router.post(
    "/{run_id}/retry-failed-tables",
    status_code=status.HTTP_201_CREATED,
    responses=errors(
        (409, "`RunStillActive`, `NoFailedTables`, or `JobAlreadyRunning` (`details.active_run_id`)"), 503
    ),
)
async def retry_failed_tables(
    run_id: IdPath, session: SessionDep, airflow: AirflowDep, audit: AuditDep
) -> JobRunRead:
    """A new run of the job with only the tables of this run that did not load (201). 409
    `RunStillActive` while this run is active, `NoFailedTables` when every table loaded,
    `JobAlreadyRunning` while another run of the job is active; 503 when Airflow cannot take it."""
    return JobRunRead.of(await service.retry_failed_tables(session, airflow, run_id, audit))


@router.post(
    "/{run_id}/cancel",
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors((409, "The run already finished")),
)
async def cancel_job_run(
    run_id: IdPath, session: SessionDep, airflow: AirflowDep, audit: AuditDep
) -> JobRunRead:
    return JobRunRead.of(await service.cancel_run(session, airflow, run_id, audit))


@router.delete(
    "/{run_id}", status_code=status.HTTP_204_NO_CONTENT, responses=errors((409, "The run is still active"))
)
async def delete_job_run(run_id: IdPath, session: SessionDep) -> None:
    await service.delete_run(session, run_id)
