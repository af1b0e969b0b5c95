"""/api/v1/schedules: cron schedules of jobs, each mirrored as its own Airflow DAG."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from portal.api.deps import AirflowDep, SessionDep
from portal.api.openapi import errors
from portal.api.page import Page
from portal.api.schemas import MAX_INT, IdPath, IdQuery, Offset
from portal.audit.context import AuditDep
from portal.schedules import service
from portal.schedules.schemas import ScheduleCreate, ScheduleRead, ScheduleUpdate

router = APIRouter(prefix="/schedules", tags=["schedules"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=errors(404))
async def create_schedule(
    job_id: IdQuery, body: ScheduleCreate, session: SessionDep, airflow: AirflowDep, audit: AuditDep
) -> ScheduleRead:
    schedule = await service.create_schedule(session, airflow, job_id, body, audit)
    return (await service.read(session, [schedule]))[0]


@router.get("")
async def list_schedules(
    session: SessionDep,
    job_id: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Page[ScheduleRead]:
    items, total = await service.list_schedules(session, job_id=job_id, offset=offset, limit=limit)
    return Page(items=await service.read(session, items), total=total)


@router.get("/{schedule_id}")
async def read_schedule(schedule_id: IdPath, session: SessionDep) -> ScheduleRead:
    return (await service.read(session, [await service.get_schedule(session, schedule_id)]))[0]


@router.put("/{schedule_id}")
async def update_schedule(
    schedule_id: IdPath, body: ScheduleUpdate, session: SessionDep, airflow: AirflowDep, audit: AuditDep
) -> ScheduleRead:
    schedule = await service.update_schedule(session, airflow, schedule_id, body, audit)
    return (await service.read(session, [schedule]))[0]


@router.post("/{schedule_id}/enable")
async def enable_schedule(
    schedule_id: IdPath, session: SessionDep, airflow: AirflowDep, audit: AuditDep
) -> ScheduleRead:
    schedule = await service.set_enabled(session, airflow, schedule_id, True, audit)
    return (await service.read(session, [schedule]))[0]


@router.post("/{schedule_id}/disable")
async def disable_schedule(
    schedule_id: IdPath, session: SessionDep, airflow: AirflowDep, audit: AuditDep
) -> ScheduleRead:
    schedule = await service.set_enabled(session, airflow, schedule_id, False, audit)
    return (await service.read(session, [schedule]))[0]


@router.delete("/{schedule_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_schedule(
    schedule_id: IdPath, session: SessionDep, airflow: AirflowDep, audit: AuditDep
) -> None:
    await service.delete_schedule(session, airflow, schedule_id, audit)
