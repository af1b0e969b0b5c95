"""A job as the engine sees it: the one conversion of stored job rows into engine specs.

Pure functions on model rows that import no web code and do no I/O. The API's checks and DDL
previews (on the rows a job body would be saved as) and the runner's load (inside an Airflow worker,
on the saved rows) build their ColumnSpecs and LoadSpec here, so what is checked is what runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from etl_engine import (
    ColumnSpec,
    ColumnType,
    DestinationConfig,
    DestinationKind,
    FileSource,
    JobSpec,
    LoadSpec,
    LoadStrategy,
    SourceColumn,
    Transform,
    render_ddl,
)
from portal.jobs.models import ColumnMapping, Job
from portal.uploads.engine_inputs import csv_options, source_columns
from portal.uploads.models import UploadedFile


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


def load_spec(job: Job) -> LoadSpec:
    return LoadSpec(
        schema=job.target_schema,
        table=job.target_table,
        create_table=job.create_table,
        strategy=cast(LoadStrategy, job.strategy),  # one of LoadStrategy's values, checked by the API
        upsert_keys=list(job.upsert_keys),
        batch_size=job.batch_size,
        reject_threshold_count=job.reject_threshold_count,
        reject_threshold_percent=job.reject_threshold_percent,
        max_rows_per_second=job.max_rows_per_second,
    )


def new_table_ddl(job: Job, sources: list[SourceColumn], kind: DestinationKind) -> str:
    """The CREATE TABLE a load of `job` issues for a new target, NUMERIC precision included."""
    return render_ddl(load_spec(job), column_specs(job.mappings), kind, sources)


def job_spec(
    job: Job, file: UploadedFile, destination: DestinationConfig, *, run_id: str, upload_dir: Path
) -> JobSpec:
    """Everything a load of `job` needs; a stored path relative to `upload_dir` is resolved there."""
    source_path = Path(file.stored_path)
    if not source_path.is_absolute():
        source_path = upload_dir / source_path
    sources = source_columns(file)
    return JobSpec(
        run_id=run_id,
        source=FileSource(str(source_path), csv_options(file)),
        source_columns=sources,
        columns=column_specs(job.mappings),
        destination=destination,
        load=load_spec(job),
    )
