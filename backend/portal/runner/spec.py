"""A run's JobSpec, resolved from the portal's rows: file, mappings, decrypted credential."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from etl_engine import (
    ColumnSpec,
    ColumnType,
    CsvOptions,
    DestinationConfig,
    JobSpec,
    LoadSpec,
    SourceColumn,
    Transform,
)
from etl_engine.spec import DestinationKind, LoadStrategy
from portal.core.config import Settings
from portal.core.crypto import CredentialCipher
from portal.models import Credential, Job, JobRun, UploadedFile


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
        csv=CsvOptions(
            encoding=file.encoding,
            delimiter=file.delimiter,
            quotechar=file.quotechar or '"',
            has_header=file.has_header,
            decimal=file.decimal,
            compression=file.compression,
        ),
        source_columns=[
            SourceColumn(
                name=column["name"],
                sql_name=column["sql_name"],
                type=ColumnType(column["type"]),
                precision=column.get("precision"),
                scale=column.get("scale"),
            )
            for column in file.columns
        ],
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
        destination=destination_config(credential, settings),
        load=LoadSpec(
            schema=job.target_schema,
            table=job.target_table,
            create_table=job.create_table,
            strategy=cast(LoadStrategy, job.strategy),  # validated by the API
            upsert_keys=list(job.upsert_keys),
            batch_size=job.batch_size,
            reject_threshold_count=job.reject_threshold_count,
            reject_threshold_percent=job.reject_threshold_percent,
        ),
    )


def destination_config(credential: Credential, settings: Settings) -> DestinationConfig:
    options = dict(credential.options or {})
    path = options.pop("path", None)
    if credential.is_builtin and credential.kind == "duckdb":
        # The embedded warehouse lives wherever this deployment's WAREHOUSE_PATH says.
        path = str(settings.warehouse_path)
    password = None
    if credential.password_encrypted:
        password = CredentialCipher.from_settings(settings).decrypt(credential.password_encrypted)
    return DestinationConfig(
        kind=cast(DestinationKind, credential.kind),  # validated by the API
        host=credential.host,
        port=credential.port,
        database=credential.database,
        user=credential.username,
        password=password,
        path=path,
        options=options,
    )
