"""A run's JobSpec, resolved from the portal's rows: file, mappings, decrypted credential."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from etl_engine import ColumnSpec, ColumnType, JobSpec, LoadSpec, LoadStrategy, Transform
from portal.connections.engine_inputs import destination_config
from portal.connections.models import Credential
from portal.core.config import Settings
from portal.core.crypto import CredentialCipher
from portal.jobs.models import Job
from portal.runs.models import JobRun
from portal.uploads.engine_inputs import csv_options, source_columns
from portal.uploads.models import UploadedFile


def engine_run_id(run: JobRun) -> str:
    """Names the run's staging table and its ledger entry in the destination.

    The same on every attempt (a retry finds its committed load instead of loading twice), and unique
    beyond this app database: the creation time tells apart a run 1 of a recreated app database.
    """
    return f"r{run.id}_{run.created_at:%Y%m%d%H%M%S}"


def build_job_spec(
    run: JobRun, job: Job, file: UploadedFile, credential: Credential, settings: Settings
) -> JobSpec:
    source_path = Path(file.stored_path)
    if not source_path.is_absolute():
        source_path = settings.upload_dir / source_path
    return JobSpec(
        run_id=engine_run_id(run),
        source_path=str(source_path),
        csv=csv_options(file),
        source_columns=source_columns(file),
        columns=[
            ColumnSpec(
                source=mapping.source_column,
                target=mapping.target_column,
                type=ColumnType(mapping.target_type),
                transforms=[
                    Transform(type=step["type"], args={k: v for k, v in step.items() if k != "type"})
                    for step in mapping.transforms
                ],
                expression=mapping.expression,
            )
            for mapping in job.mappings
            if mapping.include
        ],
        destination=destination_config(credential, CredentialCipher.from_settings(settings)),
        load=LoadSpec(
            schema=job.target_schema,
            table=job.target_table,
            create_table=job.create_table,
            strategy=cast(LoadStrategy, job.strategy),  # validated by the API
            upsert_keys=list(job.upsert_keys),
            batch_size=job.batch_size,
            reject_threshold_count=job.reject_threshold_count,
            reject_threshold_percent=job.reject_threshold_percent,
            max_rows_per_second=job.max_rows_per_second,
        ),
    )
