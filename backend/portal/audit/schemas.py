"""Audit events as the API shows them (read-only: nothing writes the log but the services)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from portal.api.schemas import ReadModel
from portal.audit.models import AuditAction


class AuditEventRead(ReadModel):
    id: int
    at: datetime
    actor_user_id: int | None = Field(description="null for a failed login (no user) or a deleted account")
    actor_email: str | None = Field(description="who did it; for a failed login, the email that was tried")
    ip: str | None
    action: AuditAction
    resource_type: str = Field(
        description="user, session, api_token, credential, job, job_run, schedule or upload"
    )
    resource_id: str | None
    changes: dict[str, Any] | None = Field(
        description='{field: {"before": ..., "after": ...}} for the fields that changed; secrets are "***"'
    )
    request_id: str | None = Field(description="the X-Request-ID of the request that did it (server logs)")
