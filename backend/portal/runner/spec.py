"""A run's JobSpec, resolved from the portal's rows: connections decrypted (their hosts checked
against the network policy), the job's file, the run's variables; converted by
`portal.jobs.engine_spec`, the one conversion the API checks with too."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from etl_engine import JobSpec
from portal.connections.engine_inputs import destination_config, source_from_fields
from portal.connections.guard import check_destination, stage_endpoint_host
from portal.connections.kinds import serves_as
from portal.connections.models import ConnectionUsage, Credential
from portal.core.config import Settings
from portal.core.crypto import CredentialCipher
from portal.jobs.destination_options import file_layout
from portal.jobs.engine_spec import SpecInputs, job_spec
from portal.jobs.models import Job, JobTable, SourceType
from portal.runner.errors import RunFailedError
from portal.runs.models import JobRun, JobRunTable
from portal.uploads.models import UploadedFile
from portal.variables.resolve import run_logical_date, run_variables

# Source types whose source names {{variables}} (a query, a file pattern).
_TEMPLATED = (SourceType.QUERY, SourceType.FILES)


def engine_run_id(run: JobRun, table_run: JobRunTable | None = None) -> str:
    """Names the run's staging table and its ledger entry in the destination (a table run's: its own).

    The same on every attempt (a retry finds its committed load instead of loading twice), and unique
    beyond this app database: the creation time tells apart a run 1 of a recreated app database.
    """
    base = f"r{run.id}_{run.created_at:%Y%m%d%H%M%S}"
    return f"{base}_t{table_run.id}" if table_run is not None else base


def build_job_spec(
    sessions: sessionmaker[Session],
    settings: Settings,
    run: JobRun,
    job: Job,
    *,
    table: JobTable | None = None,
    table_run: JobRunTable | None = None,
) -> JobSpec:
    """Raises RunFailedError when a row the load needs is gone, DestinationRefusedError when a host
    resolves into a refused network, and the variables' errors (engine errors) as they come."""
    cipher = CredentialCipher.from_settings(settings)
    with sessions() as session:
        credential = session.get(Credential, job.credential_id)
        if credential is None:
            raise RunFailedError("The job's credential no longer exists.")
        # Before any connection: a host may resolve into a refused network by now.
        check_destination(credential.kind, credential.host, settings)
        check_destination(
            credential.kind, stage_endpoint_host(credential.kind, credential.options or {}), settings
        )
        destination = destination_config(credential, cipher)
        if destination.kind == "s3":
            destination.files = file_layout(
                job.destination_options, job_name=job.name, run_date=run_logical_date(run).date()
            )
        inputs = SpecInputs(destination=destination, upload_dir=settings.upload_dir)
        if job.source_type == SourceType.FILES:
            inputs.drop_dir = settings.drop_dir
        if job.source_credential_id is not None:
            source = session.get(Credential, job.source_credential_id)
            if source is None or not serves_as(source.usage, ConnectionUsage.SOURCE):
                raise RunFailedError("The job's source connection no longer exists or is no source.")
            check_destination(source.kind, source.host, settings)
            password = cipher.decrypt(source.password_encrypted) if source.password_encrypted else None
            inputs.source = source_from_fields(
                source.kind, source.host, source.port, source.database, source.username, password,
                source.options or {},
            )  # fmt: skip
        if job.file_id is not None:
            inputs.file = session.get(UploadedFile, job.file_id)
            if inputs.file is None:
                raise RunFailedError("The job's file no longer exists.")
        if job.source_type in _TEMPLATED:
            inputs.variables = run_variables(session, settings, job=job, run=run)
    return job_spec(job, inputs, run_id=engine_run_id(run, table_run), table=table)
