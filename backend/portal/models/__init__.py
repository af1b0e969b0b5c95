"""Every app-database model; importing this package registers them all on `Base.metadata`."""

from portal.models.column_mapping import ColumnMapping
from portal.models.credential import Credential, CredentialKind
from portal.models.job import Job, LoadStrategy
from portal.models.job_run import JobRun, JobRunStatus, RunTrigger
from portal.models.job_run_event import EventKind, JobRunEvent
from portal.models.rejected_row import RejectedRow
from portal.models.schedule import Schedule
from portal.models.uploaded_file import UploadedFile

__all__ = [
    "ColumnMapping",
    "Credential",
    "CredentialKind",
    "EventKind",
    "Job",
    "JobRun",
    "JobRunEvent",
    "JobRunStatus",
    "LoadStrategy",
    "RejectedRow",
    "RunTrigger",
    "Schedule",
    "UploadedFile",
]
