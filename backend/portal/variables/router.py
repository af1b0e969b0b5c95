"""/api/v1/variables: global variables (static and db_query), the context ones every template has,
and templates rendered for a preview or for a run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from portal.api.deps import SessionDep, SettingsDep
from portal.api.openapi import errors
from portal.api.page import Page
from portal.api.schemas import MAX_INT, IdPath, Limit, Offset
from portal.audit.context import AuditDep
from portal.variables import service
from portal.variables.schemas import (
    ContextVariableRead,
    EvaluatedVariable,
    RenderedSource,
    RenderRequest,
    RenderResult,
    VariableCreate,
    VariableRead,
    VariableUpdate,
)

router = APIRouter(prefix="/variables", tags=["variables"])

_REFUSED = (
    422,
    "`RequestValidationError`, `VariableNameReserved` (a context variable's name or a template "
    "keyword), `ConnectionNotUsable` (a db_query variable's connection is missing or is not a "
    "PostgreSQL/MySQL source), `QueryRefused` (not one SELECT)",
)
_READ = (
    422,
    "`TemplateInvalid` (syntax, an undefined name, a value refused in a path or name: "
    "`details.field`), `VariableFailed` (a db_query variable's query failed or did not return one "
    "row of one column: `details.variable`), `JobNotFound`, `ConnectionNotUsable`",
)
_UNREACHABLE = (502, "`ConnectionUnreachable`: a db_query variable's connection did not answer")


@router.get("")
async def list_variables(session: SessionDep, offset: Offset = 0, limit: Limit = 100) -> Page[VariableRead]:
    rows, total = await service.list_variables(session, offset, limit)
    return Page(items=await service.read(session, rows), total=total)


@router.get("/context")
async def list_context_variables() -> list[ContextVariableRead]:
    """What every template may use without defining it, computed for each run."""
    return service.context_variables()


@router.post(
    "", status_code=status.HTTP_201_CREATED, responses=errors((409, "`VariableNameTaken`"), _REFUSED)
)
async def create_variable(body: VariableCreate, session: SessionDep, audit: AuditDep) -> VariableRead:
    return (await service.read(session, [await service.create_variable(session, body, audit)]))[0]


@router.post("/render", responses=errors(_READ, _UNREACHABLE))
async def render_template(
    body: RenderRequest, session: SessionDep, settings: SettingsDep, audit: AuditDep
) -> RenderResult:
    """A template rendered, never run: a query's SQL with placeholders and the parameters bound
    to them. db_query variables it uses are read now (audited)."""
    return await service.render(session, settings, body, audit)


@router.get("/rendered-source", responses=errors(404, _READ, _UNREACHABLE))
async def rendered_source(
    job_run_id: Annotated[int, Query(ge=1, le=MAX_INT)],
    session: SessionDep,
    settings: SettingsDep,
    audit: AuditDep,
) -> RenderedSource:
    """The query, file pattern and templated names of a run's job, rendered with that run's
    logical date and context (db_query values are read now, not as the run read them)."""
    return await service.rendered_source(session, settings, job_run_id, audit)


@router.get("/{variable_id}")
async def read_variable(variable_id: IdPath, session: SessionDep) -> VariableRead:
    return (await service.read(session, [await service.get_variable(session, variable_id)]))[0]


@router.put("/{variable_id}", responses=errors((409, "`VariableNameTaken`"), _REFUSED))
async def update_variable(
    variable_id: IdPath, body: VariableUpdate, session: SessionDep, audit: AuditDep
) -> VariableRead:
    variable = await service.update_variable(session, variable_id, body, audit)
    return (await service.read(session, [variable]))[0]


@router.delete("/{variable_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_variable(variable_id: IdPath, session: SessionDep, audit: AuditDep) -> None:
    await service.delete_variable(session, variable_id, audit)


@router.post("/{variable_id}/evaluate", responses=errors(_READ, _UNREACHABLE))
async def evaluate_variable(
    variable_id: IdPath, session: SessionDep, settings: SettingsDep, audit: AuditDep
) -> EvaluatedVariable:
    """The variable's value now (a db_query variable's query is run, audited)."""
    return await service.evaluate(session, settings, variable_id, audit)
