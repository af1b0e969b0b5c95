"""Who did it, from where, in which request: what a route hands a service that records audit events.

@router.delete("/{job_id}")
async def delete_job(job_id: IdPath, session: SessionDep, audit: AuditDep) -> None:
    await service.delete_job(session, job_id, audit)

# in the service, before the commit that makes the change:
audit.record(session, AuditAction.DELETE, "job", job_id, before=snapshot)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import structlog
from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit import service
from portal.audit.models import AuditAction, AuditEvent
from portal.auth.deps import ClientIp, CurrentPrincipal
from portal.auth.principal import Principal


@dataclass(frozen=True, slots=True)
class AuditContext:
    actor: Principal
    ip: str | None = None
    request_id: str | None = None

    def record(
        self,
        session: AsyncSession,
        action: AuditAction,
        resource_type: str,
        resource_id: object | None = None,
        *,
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
    ) -> AuditEvent | None:
        """Add the event to `session` (the caller's commit writes it with the change). An update
        that changed nothing is not recorded (None)."""
        unchanged = before is not None and after is not None and not service.diff(before, after)
        if action is AuditAction.UPDATE and unchanged:
            return None
        return service.record(
            session,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            actor=self.actor,
            ip=self.ip,
            request_id=self.request_id,
            before=before,
            after=after,
        )


def current_request_id() -> str | None:
    """The id RequestIdMiddleware bound for this request's log lines (and echoed in X-Request-ID)."""
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    return str(request_id) if request_id is not None else None


async def audit_context(principal: CurrentPrincipal, ip: ClientIp) -> AuditContext:
    # async: it runs in the request's own context, where the middleware bound the request id.
    return AuditContext(actor=principal, ip=ip, request_id=current_request_id())


AuditDep = Annotated[AuditContext, Depends(audit_context)]
