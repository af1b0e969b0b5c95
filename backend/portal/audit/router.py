"""/api/v1/audit-events: the audit log, newest first, filtered and paged (admin)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from portal.api.deps import SessionDep
from portal.api.page import Page
from portal.api.schemas import Limit, Offset
from portal.audit import service
from portal.audit.models import AuditAction
from portal.audit.schemas import AuditEventRead
from portal.core.errors import ValidationFailedError

router = APIRouter(prefix="/audit-events", tags=["audit"])

Text = Annotated[str | None, Query(min_length=1, max_length=320)]
Moment = Annotated[datetime | None, Query(description="ISO 8601; without a zone it is UTC")]


def _utc(value: datetime | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError as exc:  # 0001-01-01T00:00+01:00 is before year 1 in UTC
        raise ValidationFailedError(
            f"{name} is out of range", problems=[{"field": name, "message": "out of range"}]
        ) from exc


@router.get("")
async def list_audit_events(
    session: SessionDep,
    actor_email: Text = None,
    action: AuditAction | None = None,
    resource_type: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    resource_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    since: Moment = None,
    until: Moment = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Page[AuditEventRead]:
    """`since` is inclusive, `until` exclusive; `actor_email` matches whole, ignoring case."""
    where = service.AuditFilter(
        actor_email=actor_email,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        since=_utc(since, "since"),
        until=_utc(until, "until"),
    )
    events, total = await service.list_events(session, where, offset=offset, limit=limit)
    return Page(items=[AuditEventRead.model_validate(event) for event in events], total=total)
