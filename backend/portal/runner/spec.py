"""A run's JobSpec, resolved from the portal's rows: file, mappings, decrypted credential."""

from __future__ import annotations

from etl_engine import JobSpec
from portal.connections.engine_inputs import destination_config
from portal.connections.models import Credential
from portal.core.config import Settings
from portal.core.crypto import CredentialCipher
from portal.jobs.engine_spec import job_spec
from portal.jobs.models import Job
from portal.runs.models import JobRun
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
    destination = destination_config(credential, CredentialCipher.from_settings(settings))
    return job_spec(job, file, destination, run_id=engine_run_id(run), upload_dir=settings.upload_dir)
