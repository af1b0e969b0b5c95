"""Jobs: create, read, change and delete them, with their column mappings checked against their
source (a file's profile, or what the source database describes for a query or each table) and,
for an existing table, against the destination, before anything runs."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
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
    InvalidJobSpec,
    SourceColumn,
    SourceConfig,
    TableColumn,
    open_destination,
    target_mismatches,
    validate_expression,
)
from etl_engine.destinations import destination_strategies
from etl_engine.templating import render_path, run_context, template_names
from etl_engine.transforms.rows import check_row_transforms
from portal.audit.context import AuditContext
from portal.audit.models import AuditAction
from portal.clients.airflow import AirflowClient
from portal.connections import service as credential_service
from portal.connections.engine_inputs import destination_config, destination_kind, source_from_fields
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
from portal.jobs.engine_spec import column_specs, new_table_ddl, row_transforms, target_columns
from portal.jobs.expression_sample import expression_sample
from portal.jobs.models import ColumnMapping, Job, JobTable, LoadStrategy, SourceType
from portal.jobs.schemas import (
    DdlPreview,
    ExpressionRequest,
    ExpressionResult,
    JobCreate,
    JobFields,
    JobRead,
    JobTableIn,
    JobTableRead,
    JobUpdate,
    MappingIn,
    MappingRead,
    ProposedColumn,
    ProposedQuery,
    ProposedTables,
    ProposeQueryRequest,
    ProposeTablesRequest,
    RowTransformIn,
    TransformIn,
)
from portal.jobs.source_columns import ask_source, primary_key_now, query_columns_now, table_columns_now
from portal.runs import service as run_service
from portal.runs.models import JobRun
from portal.runs.service import ACTIVE_STATUSES
from portal.schedules.models import Schedule
from portal.schedules.sync import Desired, apply_in_background
from portal.uploads import service as upload_service
from portal.uploads.engine_inputs import csv_options, source_columns
from portal.uploads.models import UploadedFile
from portal.variables.models import Variable, VariableKind
from portal.variables.resolve import render_for_source

log = structlog.get_logger(__name__)

# Checking an existing table must answer while the user waits.
DESTINATION_TIMEOUT_SECONDS = 30.0
AUDIT_RESOURCE = "job"
# What each source type's `source_options` may say, and the values each option takes.
SOURCE_OPTIONS: dict[SourceType, dict[str, tuple[str, ...]]] = {
    SourceType.UPLOAD: {},
    SourceType.FILES: {"mode": ("new", "latest"), "on_empty": ("complete", "fail")},
    # key_ranges: each table with a single integer primary key is read in this many ranges at once.
    SourceType.TABLES: {"zero_dates": ("reject", "null"), "key_ranges": ("1", "2", "4", "8")},
    SourceType.QUERY: {"zero_dates": ("reject", "null")},
}
# Kinds whose source the API can describe (SQL Server and Oracle cannot be reached from here).
DESCRIBABLE_KINDS = ("postgres", "mysql")


@dataclass
class Problem:
    field: str
    message: str


@dataclass
class ResolvedTable:
    """One table of a `tables` job, checked against the source table's columns."""

    body: JobTableIn
    mappings: list[MappingIn]
    sources: list[SourceColumn]

    @property
    def included(self) -> list[MappingIn]:
        return [m for m in self.mappings if m.include]


@dataclass
class ResolvedJob:
    """A job body checked against its source and credential, mappings filled in."""

    fields: JobFields
    file: UploadedFile | None
    credential: Credential
    mappings: list[MappingIn]
    sources: list[SourceColumn]
    source: Credential | None = None
    tables: list[ResolvedTable] = field(default_factory=list)

    @property
    def included(self) -> list[MappingIn]:
        return [m for m in self.mappings if m.include]

    def row(self) -> Job:
        """The job as it is saved (not added to any session): the engine specs are built from it."""
        job = Job(**_column_values(self.fields))
        job.mappings = _mapping_rows(self.mappings)
        job.tables = [_table_row(table, position) for position, table in enumerate(self.tables)]
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
    """The job as the audit log records it: its fields, its mappings and its tables."""
    view = _fields_of(job).model_dump(mode="json")
    view["mappings"] = [_mapping_in(m).model_dump(mode="json") for m in job.mappings]
    view["tables"] = [_table_in(t).model_dump(mode="json") for t in job.tables]
    return view


async def create_job(
    session: AsyncSession, cipher: CredentialCipher, body: JobCreate, audit: AuditContext
) -> Job:
    fields = JobFields.model_validate(body.model_dump(exclude={"mappings", "tables"}))
    resolved = await resolve(session, cipher, fields, body.mappings, body.tables, check_destination=True)
    job = Job(**_column_values(resolved.fields))
    job.mappings = _mapping_rows(resolved.mappings)
    job.tables = []  # loaded (empty) now, so filling it after the flush loads nothing
    session.add(job)
    await session.flush()  # the job's id, which its tables' mappings carry
    job.tables = [_table_row(table, position, job.id) for position, table in enumerate(resolved.tables)]
    await session.flush()
    audit.record(session, AuditAction.CREATE, AUDIT_RESOURCE, job.id, after=audit_view(job))
    await session.commit()
    log.info("job_created", job_id=job.id, source_type=job.source_type, tables=len(job.tables))
    return await get_job(session, job.id)


async def update_job(
    session: AsyncSession, cipher: CredentialCipher, job_id: int, body: JobUpdate, audit: AuditContext
) -> Job:
    """Merge the given fields into the job and check the whole again. Without new mappings the old
    ones stay, unless the file changed: then they are mapped from the new file. Without `tables`
    the job's tables stay."""
    job = await get_job(session, job_id)
    changes = body.model_dump(exclude_unset=True, exclude={"mappings", "tables"})
    current = _fields_of(job).model_dump()
    try:
        fields = JobFields.model_validate({**current, **changes})
    except ValueError as exc:  # a null for a required field, etc.
        raise ValidationFailedError(
            f"Invalid job: {exc}", problems=[{"field": "body", "message": str(exc)}]
        ) from exc
    mappings = body.mappings
    same_source = fields.file_id == job.file_id and fields.source_query == job.source_query
    if mappings is None and same_source:
        mappings = [_mapping_in(m) for m in job.mappings]
    tables = body.tables if body.tables is not None else [_table_in(t) for t in job.tables]
    known = {t.id for t in job.tables}
    unknown = [i for i, t in enumerate(tables) if t.id is not None and t.id not in known]
    if unknown:
        raise ValidationFailedError(
            f"Invalid job: tables[{unknown[0]}].id is not a table of job {job_id}",
            problems=[
                {"field": f"tables[{i}].id", "message": f"not a table of job {job_id}"} for i in unknown
            ],
        )
    resolved = await resolve(session, cipher, fields, mappings, tables, check_destination=True)
    before = audit_view(job)
    for name, value in _column_values(fields).items():
        setattr(job, name, value)
    job.mappings = _mapping_rows(resolved.mappings)
    existing = {t.id: t for t in job.tables}
    rows = []
    for position, table in enumerate(resolved.tables):
        row = existing.get(table.body.id) if table.body.id is not None else None
        rows.append(_table_row(table, position, job.id, row))
    job.tables = rows
    await session.flush()
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
    tables: list[JobTableIn],
    *,
    check_destination: bool,
) -> ResolvedJob:
    """Check a job body; every problem found is reported at once (422 with `details.problems`)."""
    _raise(_shape_problems(fields, tables))
    credential = await credential_service.get_credential(session, fields.credential_id)
    file = await upload_service.get_upload(session, fields.file_id) if fields.file_id else None
    source = None
    problems = _destination_problems(credential)
    if fields.source_credential_id is not None:
        source = await credential_service.get_credential(session, fields.source_credential_id)
        problems += _source_problems(source)
    _raise(problems)
    resolved = ResolvedJob(fields, file, credential, [], [], source)
    if fields.source_type == SourceType.TABLES:
        assert source is not None  # _shape_problems
        config = _source_config(source, cipher)
        for index, table in enumerate(tables):
            sources = await _table_sources(config, table, f"tables[{index}].source_table")
            proposed = table.mappings if table.mappings is not None else auto_mappings(sources)
            resolved.tables.append(ResolvedTable(table, proposed, sources))
    else:
        if file is not None:
            resolved.sources = source_columns(file)
        elif source is not None and fields.source_query is not None:
            resolved.sources = await _query_sources(session, source, cipher, fields.source_query, mappings)
        resolved.mappings = mappings if mappings is not None else auto_mappings(resolved.sources)
    problems = _job_problems(resolved)
    if not problems and check_destination:
        problems += await _existing_table_problems(resolved, cipher)
    _raise(problems)
    return resolved


def _raise(problems: list[Problem]) -> None:
    if problems:
        raise ValidationFailedError(
            "Invalid job: " + "; ".join(p.message for p in problems),
            problems=[{"field": p.field, "message": p.message} for p in problems],
        )


def _shape_problems(fields: JobFields, tables: list[JobTableIn]) -> list[Problem]:
    """What each source type requires, before any row is looked up."""
    kind = fields.source_type
    problems: list[Problem] = []

    def need(name: str, why: str) -> None:
        if getattr(fields, name) in (None, ""):
            problems.append(Problem(name, f"a {kind.value} job needs {name}: {why}"))

    if kind in (SourceType.UPLOAD, SourceType.FILES):
        need("file_id", "the uploaded file" if kind == SourceType.UPLOAD else "a sample file of the columns")
    if kind in (SourceType.TABLES, SourceType.QUERY):
        need("source_credential_id", "the connection to read from")
    if kind == SourceType.QUERY:
        need("source_query", "the SELECT to read")
    if kind == SourceType.FILES:
        need("source_pattern", "the files to read, relative to the drop directory")
        if fields.source_pattern:
            problems += _pattern_problems(fields.source_pattern)
    if kind == SourceType.TABLES:
        if not tables:
            problems.append(Problem("tables", "a tables job needs at least one table"))
        if fields.row_transforms:
            problems.append(Problem("row_transforms", "a tables job has row transforms per table"))
    else:
        need("target_schema", "the schema to load into")
        need("target_table", "the table to load into")
        if tables:
            problems.append(Problem("tables", f"only a tables job has tables (this is a {kind.value} job)"))
    allowed = SOURCE_OPTIONS[kind]
    for name, value in fields.source_options.items():
        if name not in allowed:
            known = ", ".join(allowed) or "none"
            problems.append(
                Problem(f"source_options.{name}", f"a {kind.value} job has no option {name!r} ({known})")
            )
        elif value not in allowed[name]:
            problems.append(
                Problem(
                    f"source_options.{name}", f"{name} is one of {', '.join(allowed[name])}, not {value!r}"
                )
            )
    return problems


def _pattern_problems(pattern: str) -> list[Problem]:
    """A pattern that cannot stay inside the drop directory, whatever its variables say."""
    try:
        render_path(pattern, {name: "x" for name in template_names(pattern)})
    except InvalidJobSpec as exc:
        return [Problem("source_pattern", str(exc))]
    return []


def _destination_problems(credential: Credential) -> list[Problem]:
    if serves_as(credential.usage, ConnectionUsage.DESTINATION):
        return []
    return [
        Problem(
            "credential_id",
            f"connection {credential.name!r} is a {credential.usage} connection: a job loads into a "
            "destination (set its usage to destination or both)",
        )
    ]


def _source_problems(source: Credential) -> list[Problem]:
    if not serves_as(source.usage, ConnectionUsage.SOURCE):
        return [
            Problem(
                "source_credential_id",
                f"connection {source.name!r} is a {source.usage} connection: a job reads from a source "
                "(set its usage to source or both)",
            )
        ]
    return []


def _source_config(source: Credential, cipher: CredentialCipher) -> SourceConfig:
    password = cipher.decrypt(source.password_encrypted) if source.password_encrypted else None
    return source_from_fields(
        source.kind,
        source.host,
        source.port,
        source.database,
        source.username,
        password,
        source.options or {},
    )


async def _table_sources(config: SourceConfig, table: JobTableIn, where: str) -> list[SourceColumn]:
    """The table's columns as a run gets them; [] where this side cannot describe the kind (the
    mapping is then taken as given and the run checks it)."""
    if config.kind not in DESCRIBABLE_KINDS:
        return []
    name = ".".join(p for p in (table.source_schema, table.source_table) if p)
    return await ask_source(
        lambda: table_columns_now(config, table.source_schema, table.source_table), where, f"table {name}"
    )


async def _query_sources(
    session: AsyncSession,
    source: Credential,
    cipher: CredentialCipher,
    query: str,
    mappings: list[MappingIn] | None,
) -> list[SourceColumn]:
    """The query's columns, described (never run) with its variables bound as a run binds them:
    static values and the context of a run started now (a db_query variable is bound as NULL)."""
    config = _source_config(source, cipher)
    if config.kind not in DESCRIBABLE_KINDS:
        return []
    variables: dict[str, Any] = {name: None for name in template_names(query)}
    statics = await session.scalars(select(Variable).where(Variable.kind == VariableKind.STATIC))
    variables |= {v.name: v.value for v in statics}
    variables |= run_context(run_date=datetime.now(UTC), job_id=0, job_name="", run_id="")
    try:
        rendered = render_for_source(query, variables, config.kind)
    except InvalidJobSpec as exc:
        _raise([Problem("source_query", str(exc))])
        raise  # unreachable: _raise raised
    sql, params = rendered.sql, rendered.params
    return await ask_source(lambda: query_columns_now(config, sql, params), "source_query", "the query")


def auto_mappings(sources: list[SourceColumn]) -> list[MappingIn]:
    """Every column of the source under its SQL name with its type."""
    return [
        MappingIn(source_column=c.sql_name, target_column=c.sql_name, target_type=c.type) for c in sources
    ]


def _job_problems(job: ResolvedJob) -> list[Problem]:
    return _destination_strategy_problems(job) + _load_problems(job)


def _destination_strategy_problems(job: ResolvedJob) -> list[Problem]:
    """A strategy the destination cannot honour is refused at save, not at the first run."""
    honoured = destination_strategies(_kind(job.credential.kind))
    if job.fields.source_type != SourceType.TABLES:
        asked = [("strategy", job.fields.strategy)]
    else:
        asked = [
            (f"tables[{i}].strategy", t.body.strategy) for i, t in enumerate(job.tables) if t.body.include
        ]
    return [
        Problem(
            where,
            f"{strategy.value} is not possible on a {job.credential.kind} destination "
            f"(it takes {', '.join(sorted(honoured))})",
        )
        for where, strategy in asked
        # INCREMENTAL loads by UPSERT
        if (LoadStrategy.UPSERT.value if strategy == LoadStrategy.INCREMENTAL else strategy.value)
        not in honoured
    ]


def _load_problems(job: ResolvedJob) -> list[Problem]:
    if job.fields.source_type != SourceType.TABLES:
        return (
            _mapping_problems(job.mappings, job.sources, "mappings", "the file" if job.file else "the query")
            + _strategy_problems(job.fields.strategy, job.fields.upsert_keys, job.included, None, [], "")
            + _row_transform_problems(job.fields.row_transforms, job.row(), None, "row_transforms")
        )
    problems: list[Problem] = []
    row = job.row()
    targets: dict[str, int] = {}
    for index, (table, saved) in enumerate(zip(job.tables, row.tables, strict=True)):
        where = f"tables[{index}]"
        body = table.body
        problems += _mapping_problems(
            table.mappings, table.sources, f"{where}.mappings", f"table {body.source_table}"
        )
        problems += _strategy_problems(
            body.strategy, body.upsert_keys, table.included, body.cursor_column, table.sources, f"{where}."
        )
        problems += _row_transform_problems(body.row_transforms, row, saved, f"{where}.row_transforms")
        target = f"{body.target_schema}.{body.target_table}".lower()
        if body.include and target in targets:
            problems.append(
                Problem(f"{where}.target_table", f"tables[{targets[target]}] loads into {target} too")
            )
        targets.setdefault(target, index)
    return problems


def _mapping_problems(
    mappings: list[MappingIn], sources: list[SourceColumn], where: str, what: str
) -> list[Problem]:
    problems: list[Problem] = []
    by_name = {c.sql_name: c for c in sources}
    # A header as written ("First Name") is accepted for its SQL name ("first_name").
    by_header = {c.name: c.sql_name for c in sources}
    for index, mapping in enumerate(mappings):
        here = f"{where}[{index}]"
        if sources and mapping.source_column is not None and mapping.source_column not in by_name:
            if mapping.source_column in by_header:
                mapping.source_column = by_header[mapping.source_column]
            else:
                problems.append(
                    Problem(
                        f"{here}.source_column",
                        f"unknown source column {mapping.source_column!r} ({what} has "
                        f"{', '.join(sorted(by_name)) or 'no columns'})",
                    )
                )
        if sources and mapping.expression is not None and mapping.include:
            check = validate_expression(mapping.expression, sources)
            if not check.valid:
                problems.append(
                    Problem(
                        f"{here}.expression",
                        f"expression of {mapping.target_column!r} is invalid"
                        + (f" at position {check.position}" if check.position is not None else "")
                        + f": {check.error or 'not an expression'}",
                    )
                )
    included = [m for m in mappings if m.include]
    if not included:
        problems.append(Problem(where, "no column is included: the load would have nothing to write"))
    seen: dict[str, str] = {}
    for mapping in included:
        key = mapping.target_column.lower()
        if key in seen:
            problems.append(
                Problem(
                    where,
                    f"duplicate target column {mapping.target_column!r} (also {seen[key]!r}); "
                    "target names must be unique (case-insensitively)",
                )
            )
        seen.setdefault(key, mapping.target_column)
    return problems


def _strategy_problems(
    strategy: LoadStrategy,
    keys: list[str],
    included: list[MappingIn],
    cursor: str | None,
    sources: list[SourceColumn],
    where: str,
) -> list[Problem]:
    problems: list[Problem] = []
    if strategy == LoadStrategy.INCREMENTAL:
        if not where:
            return [Problem("strategy", "INCREMENTAL is for the tables of a tables job")]
        if not cursor:
            problems.append(
                Problem(
                    f"{where}cursor_column", "INCREMENTAL needs cursor_column: a timestamp or integer column"
                )
            )
        elif sources:
            found = next((c for c in sources if cursor in (c.sql_name, c.name)), None)
            if found is None:
                problems.append(Problem(f"{where}cursor_column", f"the source has no column {cursor!r}"))
            elif found.type not in _CURSOR_TYPES:
                problems.append(
                    Problem(
                        f"{where}cursor_column",
                        f"cursor column {cursor!r} is {found.type.value}: "
                        "a cursor is a timestamp, date or integer",
                    )
                )
    if strategy not in (LoadStrategy.UPSERT, LoadStrategy.INCREMENTAL):
        return problems
    if not keys:
        return [
            *problems,
            Problem(
                f"{where}upsert_keys",
                f"{strategy.value} needs upsert_keys: the target columns that identify a row",
            ),
        ]
    targets = {m.target_column for m in included}
    problems += [
        Problem(f"{where}upsert_keys", f"upsert key {key!r} is not an included target column of the mapping")
        for key in keys
        if key not in targets
    ]
    if len(set(keys)) != len(keys):
        problems.append(Problem(f"{where}upsert_keys", "upsert_keys lists a column twice"))
    return problems


_CURSOR_TYPES = (
    ColumnType.INTEGER,
    ColumnType.BIGINT,
    ColumnType.DATE,
    ColumnType.TIMESTAMP,
    ColumnType.TIMESTAMPTZ,
)


def _row_transform_problems(
    steps: list[RowTransformIn], job: Job, table: JobTable | None, where: str
) -> list[Problem]:
    if not steps:
        return []
    mappings = table.mappings if table is not None else job.mappings
    errors = check_row_transforms(row_transforms([s.model_dump() for s in steps]), column_specs(mappings))
    return [Problem(where, error) for error in errors]


async def _existing_table_problems(job: ResolvedJob, cipher: CredentialCipher) -> list[Problem]:
    """An existing target (create_table off) is checked as the writer checks it before a load."""
    row = job.row()
    targets: list[tuple[str, str, bool, JobTable | None, str]] = []
    if job.fields.source_type == SourceType.TABLES:
        for index, table in enumerate(row.tables):
            if table.include:
                targets.append(
                    (table.target_schema, table.target_table, table.create_table, table, f"tables[{index}].")
                )
    else:
        assert job.fields.target_schema and job.fields.target_table  # _shape_problems
        targets.append((job.fields.target_schema, job.fields.target_table, job.fields.create_table, None, ""))
    problems: list[Problem] = []
    for schema, name, create, target, where in targets:
        if create:
            continue
        config = destination_config(job.credential, cipher)
        existing = await _table_columns(config, schema, name)
        if not existing:
            problems.append(
                Problem(
                    f"{where}target_table",
                    f"table {schema}.{name} does not exist in {job.credential.name!r}; "
                    "set create_table to create it",
                )
            )
            continue
        problems += [
            Problem(f"{where}mappings", m)
            for m in target_mismatches(existing, target_columns(row, target), f"{schema}.{name}")
        ]
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


def ddl_for(job: ResolvedJob) -> str:
    row = job.row()
    kind = _kind(job.credential.kind)
    if job.fields.source_type != SourceType.TABLES:
        return new_table_ddl(row, job.sources, kind)
    return "\n\n".join(
        new_table_ddl(row, resolved.sources, kind, table)
        for table, resolved in zip(row.tables, job.tables, strict=True)
        if table.include and table.create_table
    )


async def read(session: AsyncSession, jobs: Sequence[Job]) -> list[JobRead]:
    """Jobs as the API shows them, each with its source in words and the DDL its new table gets."""
    ids = {job.credential_id for job in jobs} | {
        j.source_credential_id for j in jobs if j.source_credential_id
    }
    credentials = {
        row.id: row for row in await session.scalars(select(Credential).where(Credential.id.in_(ids)))
    }
    files = {
        file.id: file
        for file in await session.scalars(
            select(UploadedFile).where(UploadedFile.id.in_({job.file_id for job in jobs if job.file_id}))
        )
    }
    result = []
    for job in jobs:
        file = files.get(job.file_id or "")
        sources = source_columns(file) if file is not None else []
        ddl = None
        if job.source_type != SourceType.TABLES and job.create_table and any(m.include for m in job.mappings):
            ddl = new_table_ddl(job, sources, _kind(credentials[job.credential_id].kind))
        result.append(
            JobRead(
                **_fields_of(job).model_dump(),
                id=job.id,
                mappings=[_mapping_read(m) for m in job.mappings],
                tables=[
                    JobTableRead(
                        **_table_in(t).model_dump(exclude={"mappings"}),
                        position=t.position,
                        mappings=[_mapping_read(m) for m in t.mappings],
                    )
                    for t in job.tables
                ],
                source_label=_source_label(job, file, credentials.get(job.source_credential_id or 0)),
                ddl=ddl,
                created_at=job.created_at,
                updated_at=job.updated_at,
            )
        )
    return result


def _source_label(job: Job, file: UploadedFile | None, source: Credential | None) -> str:
    name = source.name if source is not None else "a removed connection"
    if job.source_type == SourceType.TABLES:
        included = [t for t in job.tables if t.include]
        return f"{name}: {len(included)} table{'s' if len(included) != 1 else ''}"
    if job.source_type == SourceType.QUERY:
        return f"{name}: query"
    if job.source_type == SourceType.FILES:
        return f"drop directory: {job.source_pattern}"
    return file.filename if file is not None else "a removed file"


def _kind(kind: str) -> DestinationKind:
    # A job's credential serves as a destination (checked when the job is saved).
    return destination_kind(kind)


def _fields_of(job: Job) -> JobFields:
    """A saved job's fields; a tables job keeps no target of its own ("" in the row)."""
    return JobFields.model_validate(job, from_attributes=True)


def _column_values(fields: JobFields) -> dict[str, object]:
    values = fields.model_dump(mode="json")
    values["target_schema"] = fields.target_schema or ""
    values["target_table"] = fields.target_table or ""
    values["destination_options"] = values["destination_options"] or {}
    return values


def _mapping_rows(mappings: Sequence[MappingIn], job_id: int | None = None) -> list[ColumnMapping]:
    return [
        ColumnMapping(
            job_id=job_id,
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


def _table_row(
    resolved: ResolvedTable, position: int, job_id: int | None = None, row: JobTable | None = None
) -> JobTable:
    """The table as saved: `row` (an existing table, kept with its run history) updated, or new. Its
    mappings carry the job's id too (`job_id` None: a row that is never saved)."""
    body = resolved.body
    row = row or JobTable()
    row.position = position
    row.source_schema = body.source_schema or None
    row.source_table = body.source_table
    row.target_schema = body.target_schema
    row.target_table = body.target_table
    row.create_table = body.create_table
    row.strategy = body.strategy.value
    row.upsert_keys = list(body.upsert_keys)
    row.cursor_column = body.cursor_column
    row.cursor_lookback = body.cursor_lookback
    row.row_transforms = [step.model_dump(mode="json") for step in body.row_transforms]
    row.include = body.include
    row.mappings = _mapping_rows(resolved.mappings, job_id)
    return row


def _mapping_in(row: ColumnMapping) -> MappingIn:
    return MappingIn(
        source_column=row.source_column,
        target_column=row.target_column,
        target_type=ColumnType(row.target_type),
        include=row.include,
        transforms=[TransformIn.model_validate(t) for t in row.transforms],
        expression=row.expression,
    )


def _mapping_read(row: ColumnMapping) -> MappingRead:
    return MappingRead(**_mapping_in(row).model_dump(), id=row.id, position=row.position)


def _table_in(row: JobTable) -> JobTableIn:
    return JobTableIn(
        id=row.id,
        source_schema=row.source_schema,
        source_table=row.source_table,
        target_schema=row.target_schema,
        target_table=row.target_table,
        create_table=row.create_table,
        strategy=LoadStrategy(row.strategy),
        upsert_keys=list(row.upsert_keys),
        cursor_column=row.cursor_column,
        cursor_lookback=row.cursor_lookback,
        row_transforms=[RowTransformIn.model_validate(step) for step in row.row_transforms],
        include=row.include,
        mappings=[_mapping_in(m) for m in row.mappings],
    )


async def preview_ddl(session: AsyncSession, cipher: CredentialCipher, body: JobCreate) -> DdlPreview:
    """The CREATE TABLE the job's new table (each new table of a tables job) would get, and what the
    user should know about it. An existing table is checked as POST /jobs checks it (422 listing
    what does not fit), so the wizard can say so at its mapping step."""
    fields = JobFields.model_validate(body.model_dump(exclude={"mappings", "tables"}))
    job = await resolve(session, cipher, fields, body.mappings, body.tables, check_destination=True)
    warnings: list[str] = []
    if fields.source_type == SourceType.TABLES:
        for table in job.tables:
            warnings += _warnings(
                table.mappings,
                table.sources,
                table.body.create_table,
                table.body.strategy,
                f"{table.body.target_schema}.{table.body.target_table}",
                f"{table.body.target_schema}.{table.body.target_table}: ",
            )
    else:
        target = f"{fields.target_schema}.{fields.target_table}"
        warnings = _warnings(job.mappings, job.sources, fields.create_table, fields.strategy, target)
    return DdlPreview(ddl=ddl_for(job), warnings=warnings)


def _warnings(
    mappings: list[MappingIn],
    sources: list[SourceColumn],
    create: bool,
    strategy: LoadStrategy,
    target: str,
    prefix: str = "",
) -> list[str]:
    """What the user should know about one target; `prefix` names it where a job has several."""
    by_name = {c.sql_name: c for c in sources}
    warnings: list[str] = []
    if not create:
        warnings.append(f"loads into the existing table {target}: nothing is created or altered")
    excluded = [m.target_column for m in mappings if not m.include]
    if excluded:
        warnings.append(f"{prefix}{len(excluded)} column(s) not loaded: {', '.join(excluded)}")
    for m in mappings:
        source = by_name.get(m.source_column or "")
        casts = any(t.type == "cast" for t in m.transforms)
        if m.include and source is not None and source.type != m.target_type and not casts:
            warnings.append(
                f"{prefix}column {m.target_column!r}: {source.type.value} values are converted to "
                f"{m.target_type.value}; values that do not convert become rejected rows"
            )
    if strategy == LoadStrategy.TRUNCATE_INSERT:
        warnings.append(f"every run replaces all rows of {target}")
    return warnings


async def propose_tables(
    session: AsyncSession, cipher: CredentialCipher, body: ProposeTablesRequest
) -> ProposedTables:
    """Each table's mapping from its source column types, its primary key as the upsert keys
    (UPSERT; INSERT without a key), its target `target_prefix` + its name in `target_schema`."""
    source = await credential_service.get_credential(session, body.source_credential_id)
    _raise(_source_problems(source))
    config = _source_config(source, cipher)
    if config.kind not in DESCRIBABLE_KINDS:
        _raise(
            [Problem("source_credential_id", f"the columns of a {config.kind} source cannot be read here")]
        )
    proposed: list[JobTableIn] = []
    for index, ref in enumerate(body.tables):
        where, name = f"tables[{index}]", ".".join(p for p in (ref.schema_, ref.table) if p)
        what = f"table {name}"
        columns = await ask_source(partial(table_columns_now, config, ref.schema_, ref.table), where, what)
        key = await ask_source(partial(primary_key_now, config, ref.schema_, ref.table), where, what)
        sql_names = {c.name: c.sql_name for c in columns}
        keys = [sql_names[k] for k in key if k in sql_names]
        target = f"{body.target_prefix}{ref.table}"
        proposed.append(
            JobTableIn(
                source_schema=ref.schema_,
                source_table=ref.table,
                target_schema=body.target_schema,
                target_table=target[:63],
                strategy=LoadStrategy.UPSERT if keys else LoadStrategy.INSERT,
                upsert_keys=keys,
                mappings=auto_mappings(columns),
            )
        )
    return ProposedTables(tables=proposed)


async def propose_query(
    session: AsyncSession, cipher: CredentialCipher, body: ProposeQueryRequest
) -> ProposedQuery:
    """The query's columns (described, never run) and a mapping of each under its SQL name."""
    source = await credential_service.get_credential(session, body.source_credential_id)
    _raise(_source_problems(source))
    if source.kind not in DESCRIBABLE_KINDS:
        _raise(
            [Problem("source_credential_id", f"the columns of a {source.kind} source cannot be read here")]
        )
    columns = await _query_sources(session, source, cipher, body.query, None)
    return ProposedQuery(
        columns=[
            ProposedColumn(
                name=c.name, sql_name=c.sql_name, type=c.type, precision=c.precision, scale=c.scale
            )
            for c in columns
        ],
        mappings=auto_mappings(columns),
    )


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
