"""Writing audit events (in the caller's transaction, so a change and its record commit together)
and reading them back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.models import AuditAction, AuditEvent
from portal.auth.principal import Principal

REDACTED = "***"
# Field names whose values never reach the log, wherever they appear (nested config too).
_SECRET_WORDS = ("password", "secret", "token", "private_key", "passphrase", "api_key", "credentials")


def is_secret_field(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in _SECRET_WORDS)


def redact(value: Any, field: str = "") -> Any:
    """`value` with every secret-named field (at any depth) replaced by `***`."""
    if field and is_secret_field(field):
        return REDACTED if value is not None else None
    if isinstance(value, Mapping):
        return {key: redact(item, str(key)) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, Any]:
    """{field: {"before", "after"}} for the fields that differ (all of them on create / delete)."""
    old, new = before or {}, after or {}
    changes: dict[str, Any] = {}
    for field in sorted(set(old) | set(new)):
        if old.get(field) != new.get(field) or before is None or after is None:
            changes[field] = {"before": redact(old.get(field), field), "after": redact(new.get(field), field)}
    return changes


def record(
    session: AsyncSession,
    *,
    action: AuditAction,
    resource_type: str,
    resource_id: object | None = None,
    actor: Principal | None = None,
    actor_email: str | None = None,
    ip: str | None = None,
    request_id: str | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Add an event to `session` (the caller commits). `actor_email` names who tried when there
    is no principal (a failed login)."""
    event = AuditEvent(
        actor_user_id=actor.user_id if actor else None,
        actor_email=actor.email if actor else actor_email,
        ip=ip,
        action=action,
        resource_type=resource_type,
        resource_id=None if resource_id is None else str(resource_id),
        changes=diff(before, after) if before is not None or after is not None else None,
        request_id=request_id,
    )
    session.add(event)
    return event


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What GET /audit-events narrows to; every field is optional."""

    actor_email: str | None = None  # exact, case-insensitive
    action: AuditAction | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


async def list_events(
    session: AsyncSession, where: AuditFilter, *, offset: int, limit: int
) -> tuple[Sequence[AuditEvent], int]:
    """Newest first."""
    query = select(AuditEvent)
    if where.actor_email is not None:
        query = query.where(func.lower(AuditEvent.actor_email) == where.actor_email.lower())
    if where.action is not None:
        query = query.where(AuditEvent.action == where.action)
    if where.resource_type is not None:
        query = query.where(AuditEvent.resource_type == where.resource_type)
    if where.resource_id is not None:
        query = query.where(AuditEvent.resource_id == where.resource_id)
    if where.since is not None:
        query = query.where(AuditEvent.at >= where.since)
    if where.until is not None:
        query = query.where(AuditEvent.at < where.until)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    events = await session.scalars(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).offset(offset).limit(limit)
    )
    return events.all(), int(total or 0)
