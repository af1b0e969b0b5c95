"""Jobs: create, read, change and delete them, with their column mappings checked against the
file (and, for an existing table, against the destination) before anything runs."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from etl_engine import (
    ColumnType,
    DestinationConfig,
    DestinationKind,
    EngineError,
    SourceColumn,
    TableColumn,
    open_destination,
    target_mismatches,
    validate_expression,
)
from portal.audit.context import AuditContext
from portal.audit.models import AuditAction
from portal.clients.airflow import AirflowClient
from portal.connections import service as credential_service
from portal.connections.engine_inputs import destination_config, destination_kind
from portal.connections.kinds import serves_as
from portal.connections.models import ConnectionUsage, Credential
from portal.core.crypto import CredentialCipher
from portal.core.errors import (
    ConflictError,
    DestinationUnavailableError,
    EntityNotFoundError,
    ValidationFailedError,
)
from portal.jobs import run_guard
from portal.jobs.engine_spec import column_specs, new_table_ddl
from portal.jobs.expression_sample import expression_sample
from portal.jobs.models import ColumnMapping, Job, LoadStrategy
from portal.jobs.schemas import (
    DdlPreview,
    ExpressionRequest,
    ExpressionResult,
    JobCreate,
    JobFields,
    JobRead,
    JobUpdate,
    MappingIn,
    MappingRead,
    TransformIn,
)
from portal.runs import service as run_service
from portal.runs.models import JobRun
from portal.runs.service import ACTIVE_STATUSES
from portal.schedules.models import Schedule
from portal.schedules.sync import Desired, apply_in_background
from portal.uploads import service as upload_service
from portal.uploads.engine_inputs import csv_options, source_columns
from portal.uploads.models import UploadedFile

log = structlog.get_logger(__name__)

# Checking an existing table must answer while the user waits.
DESTINATION_TIMEOUT_SECONDS = 30.0
AUDIT_RESOURCE = "job"


@dataclass
class Problem:
    field: str
    message: str


@dataclass
class ResolvedJob:
    """A job body checked against its file and credential, mappings filled in."""

    fields: JobFields
    file: UploadedFile
    credential: Credential
    mappings: list[MappingIn]
    sources: list[SourceColumn]

    @property
    def included(self) -> list[MappingIn]:
        return [m for m in self.mappings if m.include]

    def row(self) -> Job:
        """The job as it is saved (not added to any session): the engine specs are built from it."""
        job = Job(**_column_values(self.fields))
        job.mappings = _mapping_rows(self.mappings)
        return job


async def get_job(session: AsyncSession, job_id: int) -> Job:
    job = await session.get(Job, job_id, populate_existing=True)
    if job is None:
        raise EntityNotFoundError("Job", job_id)
    return job


async def list_jobs(session: AsyncSession, *, offset: int, limit: int) -> tuple[Sequence[Job], int]:
    total = await session.scalar(select(func.count()).select_from(Job))
    jobs = await session.scalars(select(Job).order_by(Job.id.desc()).offset(offset).limit(limit))
    return jobs.all(), int(total or 0)


def audit_view(job: Job) -> dict[str, Any]:
    """The job as the audit log records it: its fields and its mappings."""
    view = JobFields.model_validate(job, from_attributes=True).model_dump(mode="json")
    view["mappings"] = [_mapping_in(m).model_dump(mode="json") for m in job.mappings]
    return view


async def create_job(
    session: AsyncSession, cipher: CredentialCipher, body: JobCreate, audit: AuditContext
) -> Job:
    fields = JobFields.model_validate(body.model_dump(exclude={"mappings"}))
    resolved = await resolve(session, cipher, fields, body.mappings, check_destination=True)
    job = resolved.row()
    session.add(job)
    await session.flush()
    audit.record(session, AuditAction.CREATE, AUDIT_RESOURCE, job.id, after=audit_view(job))
    await session.commit()
    log.info("job_created", job_id=job.id, file_id=job.file_id, columns=len(resolved.included))
    return await get_job(session, job.id)


async def update_job(
    session: AsyncSession, cipher: CredentialCipher, job_id: int, body: JobUpdate, audit: AuditContext
) -> Job:
    """Merge the given fields into the job and check the whole again. Without new mappings the old
    ones stay, unless the file changed: then they are mapped from the new file."""
    job = await get_job(session, job_id)
    changes = body.model_dump(exclude_unset=True, exclude={"mappings"})
    current = JobFields.model_validate(job, from_attributes=True).model_dump()
    try:
        fields = JobFields.model_validate({**current, **changes})
    except ValueError as exc:  # a null for a required field, etc.
        raise ValidationFailedError(
            f"Invalid job: {exc}", problems=[{"field": "body", "message": str(exc)}]
        ) from exc
    mappings = body.mappings
    if mappings is None and fields.file_id == job.file_id:
        mappings = [_mapping_in(m) for m in job.mappings]
    resolved = await resolve(session, cipher, fields, mappings, check_destination=True)
    before = audit_view(job)
    for name, value in _column_values(fields).items():
        setattr(job, name, value)
    job.mappings = _mapping_rows(resolved.mappings)
    audit.record(session, AuditAction.UPDATE, AUDIT_RESOURCE, job.id, before=before, after=audit_view(job))
    await session.commit()
    return await get_job(session, job.id)


async def execute_job(
    session: AsyncSession, airflow: AirflowClient, job_id: int, audit: AuditContext
) -> JobRun:
    """Start a run of the job now. Unless the job allows concurrent runs, a job with a PENDING or
    RUNNING run answers 409 JobAlreadyRunning naming it; concurrent executes get one run (run_guard)."""
    job = await get_job(session, job_id)
    if not job.allow_concurrent_runs:
        await session.execute(run_guard.take_turn(job_id))
        busy = (await session.execute(run_guard.active_run(job_id))).first()
        if busy is not None:
            await session.rollback()
            run_id, status = busy
            raise ConflictError(
                run_guard.busy_message(job_id, run_id, status),
                error="JobAlreadyRunning",
                job_id=job_id,
                active_run_id=run_id,
                active_run_status=status.value,
            )
    # The run is inserted and committed in the transaction that holds the job's turn.
    return await run_service.start_manual_run(session, airflow, job_id, audit)


async def delete_job(session: AsyncSession, airflow: AirflowClient, job_id: int, audit: AuditContext) -> None:
    """Delete the job with its runs and schedules; its schedule DAGs leave Airflow afterwards."""
    job = await get_job(session, job_id)
    active = (
        await session.scalars(
            select(JobRun.id).where(JobRun.job_id == job_id, JobRun.status.in_(ACTIVE_STATUSES))
        )
    ).all()
    if active:
        raise ConflictError(
            f"Job {job_id} has {len(active)} active run(s); cancel them before deleting the job",
            error="JobHasActiveRuns",
            job_id=job_id,
            job_run_ids=list(active),
        )
    dag_ids = (
        await session.scalars(
            select(Schedule.dag_id).where(Schedule.job_id == job_id, Schedule.dag_id.is_not(None))
        )
    ).all()
    audit.record(session, AuditAction.DELETE, AUDIT_RESOURCE, job_id, before=audit_view(job))
    await session.delete(job)
    await session.commit()
    for dag_id in dag_ids:
        if dag_id:
            apply_in_background(airflow, dag_id, Desired.DELETED)
    log.info("job_deleted", job_id=job_id, schedules=len(dag_ids))


async def resolve(
    session: AsyncSession,
    cipher: CredentialCipher,
    fields: JobFields,
    mappings: list[MappingIn] | None,
    *,
    check_destination: bool,
) -> ResolvedJob:
    """Check a job body; every problem found is reported at once (422 with `details.problems`)."""
    file = await upload_service.get_upload(session, fields.file_id)
    credential = await credential_service.get_credential(session, fields.credential_id)
    sources = source_columns(file)
    resolved = ResolvedJob(
        fields, file, credential, mappings if mappings is not None else auto_mappings(sources), sources
    )
    problems = _mapping_problems(resolved, sources) + _strategy_problems(resolved)
    if not serves_as(credential.usage, ConnectionUsage.DESTINATION):
        problems.append(
            Problem(
                "credential_id",
                f"connection {credential.name!r} is a {credential.usage} connection: a job loads into a "
                "destination (set its usage to destination or both)",
            )
        )
    if not problems and check_destination and not fields.create_table:
        config = destination_config(credential, cipher)
        existing = await _table_columns(config, fields.target_schema, fields.target_table)
        if not existing:
            problems.append(
                Problem(
                    "target_table",
                    f"table {fields.target_schema}.{fields.target_table} does not exist in "
                    f"{credential.name!r}; set create_table to create it",
                )
            )
        else:
            problems += _table_problems(resolved, f"{fields.target_schema}.{fields.target_table}", existing)
    if problems:
        raise ValidationFailedError(
            "Invalid job: " + "; ".join(p.message for p in problems),
            problems=[{"field": p.field, "message": p.message} for p in problems],
        )
    return resolved


def auto_mappings(sources: list[SourceColumn]) -> list[MappingIn]:
    """Every column of the file under its SQL name with its inferred type."""
    return [
        MappingIn(source_column=c.sql_name, target_column=c.sql_name, target_type=c.type) for c in sources
    ]


def _mapping_problems(job: ResolvedJob, sources: list[SourceColumn]) -> list[Problem]:
    problems: list[Problem] = []
    by_name = {c.sql_name: c for c in sources}
    # A header as written ("First Name") is accepted for its SQL name ("first_name").
    by_header = {c.name: c.sql_name for c in sources}
    for index, mapping in enumerate(job.mappings):
        where = f"mappings[{index}]"
        if mapping.source_column is not None and mapping.source_column not in by_name:
            if mapping.source_column in by_header:
                mapping.source_column = by_header[mapping.source_column]
            else:
                problems.append(
                    Problem(
                        f"{where}.source_column",
                        f"unknown source column {mapping.source_column!r} (the file has "
                        f"{', '.join(sorted(by_name)) or 'no columns'})",
                    )
                )
        if mapping.expression is not None and mapping.include:
            check = validate_expression(mapping.expression, sources)
            if not check.valid:
                problems.append(
                    Problem(
                        f"{where}.expression",
                        f"expression of {mapping.target_column!r} is invalid"
                        + (f" at position {check.position}" if check.position is not None else "")
                        + f": {check.error or 'not an expression'}",
                    )
                )
    included = job.included
    if not included:
        problems.append(Problem("mappings", "no column is included: the load would have nothing to write"))
    seen: dict[str, str] = {}
    for mapping in included:
        key = mapping.target_column.lower()
        if key in seen:
            problems.append(
                Problem(
                    "mappings",
                    f"duplicate target column {mapping.target_column!r} (also {seen[key]!r}); "
                    "target names must be unique (case-insensitively)",
                )
            )
        seen.setdefault(key, mapping.target_column)
    return problems


def _strategy_problems(job: ResolvedJob) -> list[Problem]:
    if job.fields.strategy != LoadStrategy.UPSERT:
        return []
    keys = job.fields.upsert_keys
    if not keys:
        return [Problem("upsert_keys", "UPSERT needs upsert_keys: the target columns that identify a row")]
    targets = {m.target_column for m in job.included}
    problems = [
        Problem("upsert_keys", f"upsert key {key!r} is not an included target column of the mapping")
        for key in keys
        if key not in targets
    ]
    if len(set(keys)) != len(keys):
        problems.append(Problem("upsert_keys", "upsert_keys lists a column twice"))
    return problems


async def _table_columns(config: DestinationConfig, schema: str, table: str) -> list[TableColumn]:
    """The target's columns (none: no such table); blocking driver calls run in a worker thread."""

    def read() -> list[TableColumn]:
        return open_destination(config).table_columns(schema, table)

    try:
        return await asyncio.wait_for(run_in_threadpool(read), timeout=DESTINATION_TIMEOUT_SECONDS)
    except (EngineError, TimeoutError) as exc:
        raise DestinationUnavailableError(
            f"Cannot check table {schema}.{table} in the destination: {exc or 'no answer'}",
            kind=config.kind,
        ) from exc


def _table_problems(job: ResolvedJob, name: str, columns: list[TableColumn]) -> list[Problem]:
    """The checks the writer makes before a load, made before the job is saved."""
    return [
        Problem("mappings", m) for m in target_mismatches(columns, column_specs(job.row().mappings), name)
    ]


def ddl_for(job: ResolvedJob) -> str:
    return new_table_ddl(job.row(), job.sources, _kind(job.credential.kind))


async def read(session: AsyncSession, jobs: Sequence[Job]) -> list[JobRead]:
    """Jobs as the API shows them, each with the DDL its new table gets."""
    ids = {job.credential_id for job in jobs}
    kinds = dict(
        (await session.execute(select(Credential.id, Credential.kind).where(Credential.id.in_(ids)))).all()
    )
    files = await session.scalars(
        select(UploadedFile).where(UploadedFile.id.in_({job.file_id for job in jobs}))
    )
    sources = {file.id: source_columns(file) for file in files}
    result = []
    for job in jobs:
        fields = JobFields.model_validate(job, from_attributes=True)
        ddl = (
            new_table_ddl(job, sources.get(job.file_id or "", []), _kind(kinds[job.credential_id]))
            if job.create_table and any(m.include for m in job.mappings)
            else None
        )
        result.append(
            JobRead(
                **fields.model_dump(),
                id=job.id,
                mappings=[
                    MappingRead(**_mapping_in(m).model_dump(), id=m.id, position=m.position)
                    for m in job.mappings
                ],
                ddl=ddl,
                created_at=job.created_at,
                updated_at=job.updated_at,
            )
        )
    return result


def _kind(kind: str) -> DestinationKind:
    # A job's credential serves as a destination (checked when the job is saved).
    return destination_kind(kind)


def _column_values(fields: JobFields) -> dict[str, object]:
    values = fields.model_dump()
    values["strategy"] = fields.strategy.value
    return values


def _mapping_rows(mappings: Sequence[MappingIn]) -> list[ColumnMapping]:
    return [
        ColumnMapping(
            position=position,
            source_column=m.source_column,
            target_column=m.target_column,
            target_type=ColumnType(m.target_type).value,
            include=m.include,
            transforms=[t.as_dict() for t in m.transforms],
            expression=m.expression,
        )
        for position, m in enumerate(mappings)
    ]


def _mapping_in(row: ColumnMapping) -> MappingIn:
    return MappingIn(
        source_column=row.source_column,
        target_column=row.target_column,
        target_type=ColumnType(row.target_type),
        include=row.include,
        transforms=[TransformIn.model_validate(t) for t in row.transforms],
        expression=row.expression,
    )


async def preview_ddl(session: AsyncSession, cipher: CredentialCipher, body: JobCreate) -> DdlPreview:
    """The CREATE TABLE the job's new table would get, and what the user should know about it. An
    existing table is checked as POST /jobs checks it (422 listing what does not fit), so the wizard
    can say so at its mapping step."""
    fields = JobFields.model_validate(body.model_dump(exclude={"mappings"}))
    job = await resolve(session, cipher, fields, body.mappings, check_destination=not fields.create_table)
    sources = {c.sql_name: c for c in job.sources}
    warnings: list[str] = []
    if not fields.create_table:
        warnings.append(
            f"loads into the existing table {fields.target_schema}.{fields.target_table}: "
            "nothing is created or altered"
        )
    excluded = [m.target_column for m in job.mappings if not m.include]
    if excluded:
        warnings.append(f"{len(excluded)} column(s) not loaded: {', '.join(excluded)}")
    for m in job.included:
        source = sources.get(m.source_column or "")
        casts = any(t.type == "cast" for t in m.transforms)
        if source is not None and source.type != m.target_type and not casts:
            warnings.append(
                f"column {m.target_column!r}: {source.type.value} values are converted to "
                f"{m.target_type.value}; values that do not convert become rejected rows"
            )
    if fields.strategy == LoadStrategy.TRUNCATE_INSERT:
        warnings.append(f"every run replaces all rows of {fields.target_schema}.{fields.target_table}")
    return DdlPreview(ddl=ddl_for(job), warnings=warnings)


async def check_expression(session: AsyncSession, body: ExpressionRequest) -> ExpressionResult:
    file = await upload_service.get_upload(session, body.file_id)
    sources = source_columns(file)
    check = validate_expression(body.expression, sources)
    sample = None
    if check.valid:
        sample = await run_in_threadpool(
            expression_sample, Path(file.stored_path), csv_options(file), sources, body.expression
        )
    return ExpressionResult(
        valid=check.valid, error=check.error, position=check.position, type=check.type, sample=sample
    )
