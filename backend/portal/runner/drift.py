"""Schema drift before a run: compare the source's columns now with what the job maps, record the
difference and apply the job's policy.

The runner calls `apply_drift_policy(sessions, settings, job_run_id, job, spec)` right before
`run_job` for jobs whose source can change (tables, query, files; an upload cannot). No drift: the
spec goes on unchanged. Drift: the diff, the policy and what was done are stored on
`JobRun.schema_drift` (a table of a many-table job: under `{"tables": {"<source name>": ...}}`), a
`log` event `schema_drift` is written and the `schema_drift` notification is enqueued, all in one
transaction; then

- `fail`: the run fails before loading (SchemaDriftFound, the readable diff as its message);
- `evolve`: each added column gets a ColumnMapping on the job (or its table) with its inferred
  type, and the spec loads it with `LoadSpec.evolve` (the writer adds it to the target in the final
  transaction; rows loaded before keep NULL there; nothing is ever dropped or retyped);
- `ignore`: added columns are not read.

A mapped column that is gone (removed, or renamed-looking) fails the run under every policy, naming
it. An unmapped column that is gone fails only under `fail`. A type change fails under `fail`;
otherwise its values that no longer convert are rejected row by row, as always.

What the job expects: a files job, its sample's profiled columns plus the columns evolve added
earlier (mapped, not in the sample; files may lack them: NULL there); a database job, the source
columns its mapping rows name (included or not; their types are the mapping's, so no type change
is reported for databases). For arriving files, the columns are those of the files the run will
read: the stream's state is read from the destination's ledger first.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

import structlog
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from etl_engine import (
    ArrivingFiles,
    ColumnSpec,
    ColumnType,
    DestinationUnreachable,
    EngineError,
    JobSpec,
    LoadFailed,
    SourceColumn,
    TableSource,
    open_destination,
)
from etl_engine.drift import SchemaDriftFound, diff, source_columns_now
from etl_engine.identifiers import unique_sql_identifiers
from etl_engine.transforms.expressions import referenced_names
from portal.core.config import Settings
from portal.jobs.models import ColumnMapping, DriftPolicy, Job, JobTable, SourceType
from portal.notifications.models import EventType
from portal.notifications.outbox import enqueue_event_sync
from portal.runs.models import EventKind, JobRun, JobRunEvent, JobRunTable

log = structlog.get_logger(__name__)

Action = Literal["failed", "evolved", "ignored"]


def apply_drift_policy(
    sessions: sessionmaker[Session], settings: Settings, job_run_id: int, job: Job, spec: JobSpec
) -> JobSpec:
    """The spec to load with, after the job's drift policy; raises SchemaDriftFound (terminal) when
    the run must fail, and the source's or destination's errors when they cannot be read."""
    if job.source_type == SourceType.UPLOAD:
        return spec
    table = _job_table(job, spec)
    mappings = table.mappings if table is not None else job.mappings
    policy = DriftPolicy(job.drift_policy)
    files = isinstance(spec.source, ArrivingFiles)
    expected, adopted = _expected(spec, mappings, files)
    probe = spec
    if isinstance(spec.source, ArrivingFiles):
        optional = [*spec.source.optional_columns, *(c.sql_name for c in adopted)]
        probe = replace(spec, source=replace(spec.source, optional_columns=optional), source_columns=expected)
    found = source_columns_now(probe, _stream_state(probe))
    drift = diff(expected, found, types=files)
    if policy == DriftPolicy.EVOLVE:
        probe = replace(probe, load=replace(probe.load, evolve=True))
    if not drift:
        return probe

    used = _used_sources(mappings)
    gone = [c for c in drift.removed if c.sql_name in used] + [
        old for old, _ in drift.renamed if old.sql_name in used
    ]
    entry: dict[str, Any] = {**drift.as_dict(), "policy": policy.value}
    if gone:
        names = ", ".join(repr(c.name) for c in gone)
        message = (
            f"mapped column{'s' if len(gone) > 1 else ''} {names} no longer in the source ({drift}); "
            "nothing was loaded: map other columns or leave them out of the job"
        )
        _record(sessions, job_run_id, job, table, {**entry, "action": "failed"}, level="error")
        raise SchemaDriftFound(drift, message)
    if policy == DriftPolicy.FAIL:
        _record(sessions, job_run_id, job, table, {**entry, "action": "failed"}, level="error")
        raise SchemaDriftFound(
            drift, f"the source's columns changed ({drift}); the job's drift policy is fail"
        )

    # Gone but unmapped: not read any more. Renamed-looking with an unmapped old side: a new column.
    new = [*drift.added, *(now for old, now in drift.renamed)]
    dropped = {c.sql_name for c in drift.removed} | {old.sql_name for old, _ in drift.renamed}
    columns = [c for c in expected if c.sql_name not in dropped]
    optional = [c.sql_name for c in adopted]
    if policy == DriftPolicy.EVOLVE and new:
        specs = _add_mappings(sessions, job, table, new, spec.columns)
        entry["columns_added"] = [c.target for c in specs]
        probe = replace(probe, columns=[*probe.columns, *specs])
        columns += new
        optional += [c.sql_name for c in new]
        action: Action = "evolved"
    else:
        action = "ignored"
    _record(sessions, job_run_id, job, table, {**entry, "action": action}, level="warning")
    if isinstance(probe.source, ArrivingFiles):
        probe = replace(probe, source=replace(probe.source, optional_columns=optional))
    if files:
        probe = replace(probe, source_columns=columns)
    return probe


def _job_table(job: Job, spec: JobSpec) -> JobTable | None:
    """The table of a `tables` job this spec loads: by its source, and by its target too when the
    job reads one source table more than once."""
    if job.source_type != SourceType.TABLES or not isinstance(spec.source, TableSource):
        return None
    source = spec.source
    tables = [t for t in job.tables if (t.source_schema, t.source_table) == (source.schema, source.table)]
    if len(tables) > 1:
        tables = [
            t for t in tables if (t.target_schema, t.target_table) == (spec.load.schema, spec.load.table)
        ]
    return tables[0] if tables else None


def _expected(
    spec: JobSpec, mappings: list[ColumnMapping], files: bool
) -> tuple[list[SourceColumn], list[SourceColumn]]:
    """The columns the job expects and, of them, those evolve adopted earlier (files)."""
    if files:
        known = {c.sql_name for c in spec.source_columns}
        adopted = [
            SourceColumn(m.source_column, m.source_column, ColumnType(m.target_type))
            for m in mappings
            if m.source_column is not None and m.source_column not in known
        ]
        return [*spec.source_columns, *adopted], adopted
    named = dict.fromkeys(m.source_column for m in mappings if m.source_column is not None)
    typed = {m.source_column: m.target_type for m in mappings}
    return [SourceColumn(name, name, ColumnType(typed[name])) for name in named], []


def _used_sources(mappings: list[ColumnMapping]) -> set[str]:
    """Source columns the included mappings read (directly or in an expression)."""
    used: set[str] = set()
    for mapping in mappings:
        if not mapping.include:
            continue
        if mapping.expression:
            used |= referenced_names(mapping.expression)
        elif mapping.source_column is not None:
            used.add(mapping.source_column)
    return used


def _stream_state(spec: JobSpec) -> dict[str, Any] | None:
    """What the stream's last committed load recorded (arriving files: the files loaded), read from
    the destination's ledger, so that only the files the run will read are compared."""
    if not isinstance(spec.source, ArrivingFiles) or spec.load.stream is None:
        return None
    destination = open_destination(spec.destination)
    try:
        with destination.writer(spec.load, spec.columns, spec.run_id) as writer:
            return writer.last_state()
    except EngineError:
        raise
    except destination.transient_errors as error:
        raise DestinationUnreachable(f"cannot read the destination's ledger: {error}") from error
    except Exception as error:  # the destination refused the ledger's statements
        raise LoadFailed(f"cannot read the destination's ledger: {type(error).__name__}: {error}") from error


def _add_mappings(
    sessions: sessionmaker[Session],
    job: Job,
    table: JobTable | None,
    added: list[SourceColumn],
    current: list[ColumnSpec],
) -> list[ColumnSpec]:
    """Persist one included mapping per added column (target named as its SQL name, made unique
    among the job's targets), at the end; the ColumnSpecs to load them with."""
    with sessions.begin() as session:
        owner = (
            ColumnMapping.job_table_id == table.id
            if table is not None
            else ColumnMapping.job_table_id.is_(None)
        )
        rows = session.execute(
            select(ColumnMapping.target_column, ColumnMapping.source_column).where(
                ColumnMapping.job_id == job.id, owner
            )
        ).all()
        mapped_sources = {row.source_column for row in rows}
        added = [c for c in added if c.sql_name not in mapped_sources]  # a retry added them already
        taken = [row.target_column for row in rows] + [c.target for c in current]
        targets = unique_sql_identifiers([*taken, *(c.sql_name for c in added)])[len(taken) :]
        last = session.scalar(
            select(func.max(ColumnMapping.position)).where(ColumnMapping.job_id == job.id, owner)
        )
        position = -1 if last is None else int(last)
        specs = []
        for offset, (column, target) in enumerate(zip(added, targets, strict=True), start=1):
            session.add(
                ColumnMapping(
                    job_id=job.id,
                    job_table_id=table.id if table is not None else None,
                    position=position + offset,
                    source_column=column.sql_name,
                    target_column=target,
                    target_type=column.type.value,
                    include=True,
                    transforms=[],
                    expression=None,
                )
            )
            specs.append(ColumnSpec(column.sql_name, target, column.type))
    return specs


def _record(
    sessions: sessionmaker[Session],
    job_run_id: int,
    job: Job,
    table: JobTable | None,
    entry: dict[str, Any],
    *,
    level: str,
) -> None:
    """Store the drift on the run, log it and enqueue its notification, in one transaction."""
    with sessions.begin() as session:
        run = session.scalar(select(JobRun).where(JobRun.id == job_run_id).with_for_update())
        if run is None:
            return
        table_run_id = None
        data = entry
        if table is not None:
            table_run = session.scalar(
                select(JobRunTable).where(
                    JobRunTable.job_run_id == job_run_id, JobRunTable.job_table_id == table.id
                )
            )
            table_run_id = table_run.id if table_run is not None else None
            name = (
                f"{table.source_schema}.{table.source_table}" if table.source_schema else table.source_table
            )
            data = {**entry, "table": name}
            tables = dict((run.schema_drift or {}).get("tables") or {})
            run.schema_drift = {"tables": {**tables, name: entry}}
        else:
            run.schema_drift = entry
        session.add(
            JobRunEvent(
                job_run_id=job_run_id,
                job_run_table_id=table_run_id,
                kind=EventKind.LOG,
                level=level,
                message="schema_drift",
                data=data,
            )
        )
        enqueue_event_sync(
            session,
            event=EventType.SCHEMA_DRIFT,
            job_id=job.id,
            run_id=job_run_id,
            data={"schema_drift": data},
        )
    log.info("schema_drift", **data)
