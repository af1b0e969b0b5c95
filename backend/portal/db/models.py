"""Every app-database model; importing this module registers them all on `Base.metadata` (Alembic)."""

from portal.audit.models import AuditAction, AuditEvent
from portal.auth.models import ApiToken, AuthSession, LoginFailure, RetiredRefreshToken
from portal.connections.models import Credential, CredentialKind
from portal.jobs.models import ColumnMapping, Job, LoadStrategy
from portal.notifications.models import (
    NotificationChannel,
    NotificationDelivery,
    NotificationSubscription,
)
from portal.runs.models import EventKind, JobRun, JobRunEvent, JobRunStatus, RejectedRow, RunTrigger
from portal.schedules.models import Schedule
from portal.uploads.models import UploadedFile
from portal.users.models import AuthSource, User
from portal.variables.models import Variable, VariableKind

__all__ = [
    "ApiToken",
    "AuditAction",
    "AuditEvent",
    "AuthSession",
    "AuthSource",
    "ColumnMapping",
    "Credential",
    "CredentialKind",
    "EventKind",
    "Job",
    "JobRun",
    "JobRunEvent",
    "JobRunStatus",
    "LoadStrategy",
    "LoginFailure",
    "NotificationChannel",
    "NotificationDelivery",
    "NotificationSubscription",
    "RejectedRow",
    "RetiredRefreshToken",
    "RunTrigger",
    "Schedule",
    "UploadedFile",
    "User",
    "Variable",
    "VariableKind",
]
