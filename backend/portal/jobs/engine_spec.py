"""A job as the engine sees it: the one conversion of stored job rows into engine specs.

Pure functions on model rows that import no web code and do no I/O. The API's checks and DDL
previews (on the rows a job body would be saved as) and the runner's load (inside an Airflow worker,
on the saved rows, `portal.runner.spec`) build their ColumnSpecs, LoadSpecs and JobSpecs here, so
what is checked is what runs. A `tables` job is one JobSpec per included table; the other source
types are one JobSpec for the job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from etl_engine import (
    ArrivingFiles,
    ColumnSpec,
    ColumnType,
    DestinationConfig,
    DestinationKind,
    FileSource,
    Incremental,
    JobSpec,
    LoadSpec,
    LoadStrategy,
    QuerySource,
    RowTransform,
    SourceColumn,
    SourceConfig,
    SourceSpec,
    TableSource,
    Transform,
    render_ddl,
)
from etl_engine.templating import render_path
from etl_engine.transforms.rows import columns_with_row_transforms
from portal.jobs.models import ColumnMapping, Job, JobTable, SourceType
from portal.jobs.models import LoadStrategy as JobStrategy
from portal.uploads.engine_inputs import csv_options, source_columns
from portal.uploads.models import UploadedFile
from portal.variables.resolve import render_for_source

ZeroDates = Literal["reject", "null"]


def column_specs(mappings: Sequence[ColumnMapping]) -> list[ColumnSpec]:
    """The included mappings as destination columns. NUMERIC precision and scale stay unset: the
    engine takes them from the source column (render_ddl given the sources, run_job)."""
    return [
        ColumnSpec(
            source=m.source_column,
            target=m.target_column,
            type=ColumnType(m.target_type),
            transforms=[_transform(step) for step in m.transforms],
            expression=m.expression,
        )
        for m in mappings
        if m.include
    ]


def _transform(step: dict[str, Any]) -> Transform:
    """A stored step, `{"type": "replace", "old": ..., "new": ...}`: arguments sit next to `type`, so
    a cast names its type `to`, which the engine takes as its `type` argument."""
    args = {k: v for k, v in step.items() if k != "type"}
    if step["type"] == "cast":
        args = {"type": args["to"]}
    return Transform(type=step["type"], args=args)


def row_transforms(steps: Sequence[Mapping[str, Any]]) -> list[RowTransform]:
    """Stored row transforms, `{"type": "filter", "args": {...}}`, as the engine's."""
    return [RowTransform(type=step["type"], args=dict(step.get("args") or {})) for step in steps]


def stream_key(job: Job, table: JobTable | None = None) -> str | None:
    """The destination ledger's key of what earlier runs committed (an incremental table's cursor,
    the arriving files already loaded); None where nothing carries over between runs."""
    if table is not None:
        return f"job{job.id}/table{table.id}" if table.strategy == JobStrategy.INCREMENTAL else None
    return f"job{job.id}/files" if job.source_type == SourceType.FILES else None


def load_spec(job: Job, table: JobTable | None = None) -> LoadSpec:
    """Where and how a load writes: the job's target, or one table's of a `tables` job. INCREMENTAL
    reads from the last cursor and merges on the keys, so it loads as an UPSERT."""
    target = table or job
    strategy = JobStrategy.UPSERT if target.strategy == JobStrategy.INCREMENTAL else target.strategy
    return LoadSpec(
        schema=target.target_schema,
        table=target.target_table,
        create_table=target.create_table,
        strategy=cast(LoadStrategy, strategy),  # one of LoadStrategy's values, checked by the API
        upsert_keys=list(target.upsert_keys),
        batch_size=job.batch_size,
        reject_threshold_count=job.reject_threshold_count,
        reject_threshold_percent=job.reject_threshold_percent,
        max_rows_per_second=job.max_rows_per_second,
        stream=stream_key(job, table),
    )


def target_columns(job: Job, table: JobTable | None = None) -> list[ColumnSpec]:
    """The destination columns of a load: the mapped ones, then those the row transforms add."""
    mappings = table.mappings if table is not None else job.mappings
    steps = table.row_transforms if table is not None else job.row_transforms
    return columns_with_row_transforms(column_specs(mappings), row_transforms(steps))


def new_table_ddl(
    job: Job, sources: list[SourceColumn], kind: DestinationKind, table: JobTable | None = None
) -> str:
    """The CREATE TABLE a load of `job` (or of one of its tables) issues for a new target."""
    return render_ddl(load_spec(job, table), target_columns(job, table), kind, sources or None)


def included_tables(job: Job) -> list[JobTable]:
    return [table for table in job.tables if table.include]


@dataclass
class SpecInputs:
    """What the rows alone do not hold: decrypted connections, the job's file (upload: its source;
    files: the sample that defines the columns and CSV options), the run's variables, directories."""

    destination: DestinationConfig
    upload_dir: Path
    drop_dir: Path | None = None  # files jobs
    source: SourceConfig | None = None
    file: UploadedFile | None = None
    variables: Mapping[str, Any] = field(default_factory=dict)


def source_spec(job: Job, inputs: SpecInputs, table: JobTable | None = None) -> SourceSpec:
    """Where a load of `job` (one `table` of a `tables` job) reads from; {{variables}} rendered."""
    options = job.source_options or {}
    zero_dates = cast(ZeroDates, options.get("zero_dates", "reject"))
    if job.source_type == SourceType.TABLES:
        assert table is not None and inputs.source is not None, "a tables job loads table by table"
        incremental = None
        if table.strategy == JobStrategy.INCREMENTAL and table.cursor_column:
            incremental = Incremental(column=table.cursor_column, lookback=table.cursor_lookback or 0)
        return TableSource(
            connection=inputs.source,
            schema=table.source_schema,
            table=table.source_table,
            incremental=incremental,
            zero_dates=zero_dates,
            ranges=int(options.get("key_ranges", "1")),
        )
    if job.source_type == SourceType.QUERY:
        assert inputs.source is not None and job.source_query is not None, "checked by the API"
        # The connection's dialect: MySQL quotes identifiers with backticks, Oracle binds :name.
        query = render_for_source(job.source_query, inputs.variables, inputs.source.kind)
        return QuerySource(
            connection=inputs.source, sql=query.sql, params=dict(query.params), zero_dates=zero_dates
        )
    assert inputs.file is not None, "upload and files jobs have a file (checked by the API)"
    if job.source_type == SourceType.FILES:
        assert job.source_pattern is not None and inputs.drop_dir is not None, "checked by the API"
        return ArrivingFiles(
            directory=str(inputs.drop_dir),
            pattern=render_path(job.source_pattern, inputs.variables),
            csv=csv_options(inputs.file),
            mode=options.get("mode", "new"),
            on_empty=options.get("on_empty", "complete"),
        )
    path = Path(inputs.file.stored_path)
    if not path.is_absolute():
        path = inputs.upload_dir / path
    return FileSource(str(path), csv_options(inputs.file))


def job_spec(job: Job, inputs: SpecInputs, *, run_id: str, table: JobTable | None = None) -> JobSpec:
    """Everything a load of `job` (or of one table of a `tables` job) needs. A file's columns are
    its profile's; a database's are what the source finds when it opens ([] here)."""
    mappings = table.mappings if table is not None else job.mappings
    steps = table.row_transforms if table is not None else job.row_transforms
    file_columns = source_columns(inputs.file) if inputs.file is not None else []
    return JobSpec(
        run_id=run_id,
        source=source_spec(job, inputs, table),
        columns=column_specs(mappings),
        destination=inputs.destination,
        load=load_spec(job, table),
        source_columns=file_columns if job.source_type in (SourceType.UPLOAD, SourceType.FILES) else [],
        row_transforms=row_transforms(steps),
    )
