"""Every app-database model; importing this module registers them all on `Base.metadata` (Alembic)."""

from portal.audit.models import AuditAction, AuditEvent
from portal.connections.models import Credential, CredentialKind
from portal.jobs.models import ColumnMapping, Job, LoadStrategy
from portal.runs.models import EventKind, JobRun, JobRunEvent, JobRunStatus, RejectedRow, RunTrigger
from portal.schedules.models import Schedule
from portal.uploads.models import UploadedFile

__all__ = [
    "AuditAction",
    "AuditEvent",
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
