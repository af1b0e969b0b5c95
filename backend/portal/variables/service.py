"""Variables: CRUD (audited), a db_query variable read now, and templates rendered for a preview or
for a run, exactly as the runner renders them (portal/variables/resolve.py)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from etl_engine.errors import InvalidJobSpec
from etl_engine.sources import QueryRefused
from etl_engine.sources.sql import single_select
from etl_engine.templating import render_name, render_path, template_names
from portal.audit.context import AuditContext
from portal.audit.models import AuditAction
from portal.connections.models import Credential
from portal.core.config import Settings
from portal.core.errors import (
    ConflictError,
    DestinationUnavailableError,
    EntityNotFoundError,
    ValidationFailedError,
)
from portal.jobs.models import Job
from portal.runs.models import JobRun
from portal.variables.models import Variable, VariableKind
from portal.variables.resolve import (
    CONTEXT_VARIABLES,
    QUERY_KINDS,
    TemplateKind,
    VariableFailed,
    VariableUnreachable,
    context_of,
    context_values,
    is_query_connection,
    job_template_fields,
    read_db_query,
    render_for_source,
    run_logical_date,
)
from portal.variables.schemas import (
    ContextVariableRead,
    EvaluatedVariable,
    RenderedParam,
    RenderedSource,
    RenderedTemplate,
    RenderRequest,
    RenderResult,
    VariableCreate,
    VariableRead,
    VariableUpdate,
)

AUDIT_RESOURCE = "variable"
# Beyond the statement timeout: connecting, and a pool thread that is slow to start.
GRACE_SECONDS = 20.0
SAFE_INTEGER = 2**53 - 1
PREVIEW_JOB_NAME = "preview"
T = TypeVar("T")


def audit_view(variable: Variable) -> dict[str, Any]:
    return {
        "name": variable.name,
        "kind": variable.kind.value,
        "description": variable.description,
        "value": variable.value,
        "credential_id": variable.credential_id,
        "query": variable.query,
    }


async def list_variables(session: AsyncSession, offset: int, limit: int) -> tuple[Sequence[Variable], int]:
    total = await session.scalar(select(func.count()).select_from(Variable))
    rows = await session.scalars(select(Variable).order_by(Variable.name).offset(offset).limit(limit))
    return rows.all(), int(total or 0)


async def get_variable(session: AsyncSession, variable_id: int) -> Variable:
    variable = await session.get(Variable, variable_id, populate_existing=True)
    if variable is None:
        raise EntityNotFoundError("Variable", variable_id)
    return variable


async def read(session: AsyncSession, variables: Sequence[Variable]) -> list[VariableRead]:
    """Variables as the API shows them, each db_query one with its connection's name."""
    ids = {v.credential_id for v in variables if v.credential_id is not None}
    names: dict[int, str] = {}
    if ids:
        rows = await session.execute(select(Credential.id, Credential.name).where(Credential.id.in_(ids)))
        names = {row.id: row.name for row in rows}
    return [
        VariableRead(
            id=v.id,
            name=v.name,
            kind=v.kind,
            description=v.description,
            value=v.value,
            credential_id=v.credential_id,
            connection_name=names.get(v.credential_id) if v.credential_id is not None else None,
            query=v.query,
            created_at=v.created_at,
            updated_at=v.updated_at,
        )
        for v in variables
    ]


def context_variables() -> list[ContextVariableRead]:
    return [ContextVariableRead(name=name, description=text) for name, text in CONTEXT_VARIABLES.items()]


async def create_variable(session: AsyncSession, body: VariableCreate, audit: AuditContext) -> Variable:
    variable = Variable(name=body.name, kind=body.kind, description=body.description)
    _set_content(variable, body.value, body.credential_id, body.query)
    await _check(session, variable)
    session.add(variable)
    await _flush_unique_name(session, variable.name)
    audit.record(session, AuditAction.CREATE, AUDIT_RESOURCE, variable.id, after=audit_view(variable))
    await session.commit()
    return variable


async def update_variable(
    session: AsyncSession, variable_id: int, body: VariableUpdate, audit: AuditContext
) -> Variable:
    variable = await get_variable(session, variable_id)
    before = audit_view(variable)
    given = body.model_fields_set
    if body.name is not None:
        variable.name = body.name
    if body.kind is not None:
        variable.kind = body.kind
    if "description" in given:
        variable.description = body.description
    _set_content(
        variable,
        body.value if "value" in given else variable.value,
        body.credential_id if "credential_id" in given else variable.credential_id,
        body.query if "query" in given else variable.query,
    )
    await _check(session, variable)
    await _flush_unique_name(session, variable.name)
    audit.record(
        session, AuditAction.UPDATE, AUDIT_RESOURCE, variable.id, before=before, after=audit_view(variable)
    )
    await session.commit()
    return variable


async def delete_variable(session: AsyncSession, variable_id: int, audit: AuditContext) -> None:
    """Jobs are not checked: a job whose template still names it fails at its next run, by name."""
    variable = await get_variable(session, variable_id)
    audit.record(session, AuditAction.DELETE, AUDIT_RESOURCE, variable.id, before=audit_view(variable))
    await session.delete(variable)
    await session.commit()


def _set_content(variable: Variable, value: Any, credential_id: int | None, query: str | None) -> None:
    """Keep only what the kind uses: a static value, or a db_query's connection and query."""
    if variable.kind == VariableKind.STATIC:
        variable.value, variable.credential_id, variable.query = value, None, None
    else:
        variable.value, variable.credential_id, variable.query = None, credential_id, query


async def _check(session: AsyncSession, variable: Variable) -> None:
    """422 `VariableNameReserved` (a context variable's name or a template keyword), or for a
    db_query: `ConnectionNotUsable` (missing, or not a PostgreSQL/MySQL source), `QueryRefused`."""
    name = variable.name
    if name in CONTEXT_VARIABLES or template_names("{{ " + name + " }}") != {name}:
        raise ValidationFailedError(
            f"{name!r} is reserved (a context variable or a template keyword); choose another name",
            error="VariableNameReserved",
            name=name,
        )
    if variable.kind != VariableKind.DB_QUERY:
        return
    if variable.credential_id is None or not variable.query:
        raise ValidationFailedError(
            "A db_query variable needs a connection (credential_id) and a query",
            error="ConnectionNotUsable",
        )
    # An edited variable is in the session: flushing its unknown connection id would be a foreign
    # key error (500) before this check could answer 422.
    with session.no_autoflush:
        credential = await session.get(Credential, variable.credential_id)
    if credential is None or not is_query_connection(credential):
        kinds = " or ".join(QUERY_KINDS)
        raise ValidationFailedError(
            f"Connection {variable.credential_id} is not a {kinds} connection usable as a source",
            error="ConnectionNotUsable",
            credential_id=variable.credential_id,
        )
    try:
        single_select(variable.query, "mysql" if credential.kind == "mysql" else "postgres")
    except QueryRefused as exc:
        raise ValidationFailedError(f"Query refused: {exc}", error="QueryRefused") from exc


async def _flush_unique_name(session: AsyncSession, name: str) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        raise ConflictError(
            f"A variable named {name!r} already exists", error="VariableNameTaken", name=name
        ) from exc


# -- values and rendering --------------------------------------------------------------------------


async def evaluate(
    session: AsyncSession, settings: Settings, variable_id: int, audit: AuditContext
) -> EvaluatedVariable:
    """A variable's value now: a static one as stored, a db_query one read (audited first)."""
    variable = await get_variable(session, variable_id)
    if variable.kind == VariableKind.STATIC:
        return EvaluatedVariable(name=variable.name, **shown(variable.value))
    [value] = (await _read_db_queries(session, settings, [variable], audit)).values()
    return EvaluatedVariable(name=variable.name, **shown(value))


async def render(
    session: AsyncSession, settings: Settings, body: RenderRequest, audit: AuditContext
) -> RenderResult:
    """One template rendered (never run): with the context of `job_id` (a placeholder job without
    one) at `logical_date` (now), the static values and the db_query values it uses, read now."""
    job = await session.get(Job, body.job_id) if body.job_id is not None else None
    if body.job_id is not None and job is None:
        raise ValidationFailedError(
            f"Job {body.job_id} does not exist", error="JobNotFound", job_id=body.job_id
        )
    dialect = None
    if body.connection_id is not None:
        credential = await session.get(Credential, body.connection_id)
        if credential is None:
            raise ValidationFailedError(
                f"Connection {body.connection_id} does not exist",
                error="ConnectionNotUsable",
                credential_id=body.connection_id,
            )
        dialect = credential.kind
    when = body.logical_date or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    context = (
        context_values(job, None, when)
        if job is not None
        else context_of(job_id=0, job_name=PREVIEW_JOB_NAME, run_id="", when=when)
    )
    templates = [("template", body.kind, body.template)]
    values = await _values(session, settings, templates, context, audit)
    return RenderResult(
        logical_date=when,
        rendered=[_render(field, kind, text, values, dialect) for field, kind, text in templates],
        variables=_used(templates, values),
    )


async def rendered_source(
    session: AsyncSession, settings: Settings, job_run_id: int, audit: AuditContext
) -> RenderedSource:
    """The run's job's templates as that run renders them: its logical date and context."""
    run = await session.get(JobRun, job_run_id)
    if run is None:
        raise EntityNotFoundError("JobRun", job_run_id)
    job = run.job
    await session.refresh(job, ["tables"])
    dialect = None
    if job.source_credential_id is not None:
        source = await session.get(Credential, job.source_credential_id)
        dialect = source.kind if source is not None else None
    templates = [
        (field, kind, text)
        for field, kind, text in job_template_fields(job)
        if field in ("source_query", "source_pattern") or "{" in text
    ]
    values = await _values(session, settings, templates, context_values(job, run), audit)
    return RenderedSource(
        job_id=job.id,
        job_run_id=run.id,
        logical_date=run_logical_date(run),
        rendered=[_render(field, kind, text, values, dialect) for field, kind, text in templates],
        variables=_used(templates, values),
    )


def _names(templates: Sequence[tuple[str, TemplateKind, str]]) -> set[str]:
    try:
        return {name for _, _, text in templates for name in template_names(text)}
    except InvalidJobSpec as exc:
        raise ValidationFailedError(str(exc), error="TemplateInvalid") from exc


async def _values(
    session: AsyncSession,
    settings: Settings,
    templates: Sequence[tuple[str, TemplateKind, str]],
    context: Mapping[str, Any],
    audit: AuditContext,
) -> dict[str, Any]:
    """Static values, the db_query values the templates use (read now), and `context`."""
    used = _names(templates)
    stored = (await session.scalars(select(Variable).order_by(Variable.name))).all()
    values: dict[str, Any] = {v.name: v.value for v in stored if v.kind == VariableKind.STATIC}
    queries = [v for v in stored if v.kind == VariableKind.DB_QUERY and v.name in used]
    values |= await _read_db_queries(session, settings, queries, audit)
    return values | dict(context)


async def _read_db_queries(
    session: AsyncSession, settings: Settings, variables: Sequence[Variable], audit: AuditContext
) -> dict[str, Any]:
    """Each db_query variable's value, in a worker thread, after an audit event names what ran:
    422 `VariableFailed`, 502 `ConnectionUnreachable` (both with `details.variable`)."""
    if not variables:
        return {}
    loaded = [(v.id, v.name, v.query, v.credential_id) for v in variables]
    credentials = {
        c.id: c
        for c in await session.scalars(
            select(Credential).where(Credential.id.in_({c for *_, c in loaded if c is not None}))
        )
    }
    for variable_id, name, query, credential_id in loaded:
        connection = credentials.get(credential_id) if credential_id is not None else None
        audit.record(
            session,
            AuditAction.EXECUTE,
            AUDIT_RESOURCE,
            variable_id,
            after={"name": name, "connection": connection.name if connection else None, "sql": query},
        )
    await session.commit()
    values: dict[str, Any] = {}
    for _, name, query, credential_id in loaded:
        connection = credentials.get(credential_id) if credential_id is not None else None
        values[name] = await _call(partial(read_db_query, settings, name, query, connection), settings)
    return values


async def _call(action: Callable[[], T], settings: Settings) -> T:
    timeout = settings.query_timeout_seconds + GRACE_SECONDS
    try:
        return await asyncio.wait_for(run_in_threadpool(action), timeout=timeout)
    except VariableFailed as exc:
        raise ValidationFailedError(str(exc), error="VariableFailed", variable=exc.name) from exc
    except VariableUnreachable as exc:
        raise DestinationUnavailableError(str(exc), error="ConnectionUnreachable", variable=exc.name) from exc
    except TimeoutError as exc:
        raise DestinationUnavailableError(
            f"No answer within {timeout:.0f} s", error="ConnectionUnreachable"
        ) from exc


def _render(
    field: str, kind: TemplateKind, template: str, values: Mapping[str, Any], dialect: str | None
) -> RenderedTemplate:
    """422 `TemplateInvalid` naming the field: an undefined name, a refused value or syntax."""
    try:
        if kind == "query":
            query = render_for_source(template, values, dialect)
            params = [RenderedParam(name=name, **shown(value)) for name, value in query.params.items()]
            return RenderedTemplate(field=field, kind=kind, template=template, text=query.sql, params=params)
        text = render_path(template, values) if kind == "path" else render_name(template, values)
    except InvalidJobSpec as exc:
        raise ValidationFailedError(f"{field}: {exc}", error="TemplateInvalid", field=field) from exc
    return RenderedTemplate(field=field, kind=kind, template=template, text=text, params=[])


def _used(
    templates: Sequence[tuple[str, TemplateKind, str]], values: Mapping[str, Any]
) -> list[EvaluatedVariable]:
    return [
        EvaluatedVariable(name=name, **shown(values[name]))
        for name in sorted(_names(templates))
        if name in values
    ]


def shown(value: Any) -> dict[str, Any]:
    """`ValueRead` fields of a value: JSON-safe without loss (exact decimals and integers past 2**53
    as text, as the database browser shows them) and its type."""
    if value is None:
        return {"value": None, "type": "null"}
    if isinstance(value, bool):
        return {"value": value, "type": "boolean"}
    if isinstance(value, int):
        return {"value": value if abs(value) <= SAFE_INTEGER else str(value), "type": "integer"}
    if isinstance(value, float):
        return {"value": value if math.isfinite(value) else str(value), "type": "float"}
    if isinstance(value, Decimal):
        return {"value": format(value, "f"), "type": "decimal"}
    if isinstance(value, datetime):
        return {"value": value.isoformat(), "type": "timestamp"}
    if isinstance(value, date):
        return {"value": value.isoformat(), "type": "date"}
    if isinstance(value, str):
        return {"value": value, "type": "text"}
    return {"value": value, "type": "json"}  # a static value or a json column: JSON already
