"""Personal API tokens: `etlp_<random>`, shown once, stored as a SHA-256 hash, acting with the
owner's live role, revocable, optionally expiring."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.models import AuditAction
from portal.audit.service import record
from portal.auth.models import ApiToken
from portal.auth.principal import Principal
from portal.auth.sessions import hash_token, request_id
from portal.core.errors import EntityNotFoundError
from portal.db.base import utcnow
from portal.users.models import User

TOKEN_PREFIX = "etlp_"
SHOWN_PREFIX_LENGTH = 12
# last_used_at is written at most this often per token (not on every request of a busy script).
LAST_USED_RESOLUTION = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class ResolvedToken:
    token: ApiToken
    user: User


async def create_token(
    db: AsyncSession, actor: Principal, *, name: str, expires_in_days: int | None, ip: str | None
) -> tuple[ApiToken, str]:
    """A new token of `actor` (committed, with its audit event) and its value, to show once."""
    value = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(
        user_id=actor.user_id,
        name=name.strip() or "token",
        token_hash=hash_token(value),
        prefix=value[:SHOWN_PREFIX_LENGTH],
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days is not None else None,
    )
    db.add(token)
    await db.flush()
    record(
        db,
        action=AuditAction.CREATE,
        resource_type="api_token",
        resource_id=token.id,
        actor=actor,
        ip=ip,
        request_id=request_id(),
        after={"name": token.name, "prefix": token.prefix, "expires_at": _iso(token)},
    )
    await db.commit()
    return token, value


def _iso(token: ApiToken) -> str | None:
    return token.expires_at.isoformat() if token.expires_at is not None else None


async def list_tokens(db: AsyncSession, user_id: int) -> Sequence[ApiToken]:
    """The user's tokens, newest first (revoked and expired ones too, marked as such)."""
    rows = await db.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc()))
    return rows.all()


async def revoke_token(db: AsyncSession, actor: Principal, token_id: int, *, ip: str | None) -> None:
    """Revoke one of `actor`'s own tokens (404 for anyone else's: no probing of ids)."""
    token = await db.get(ApiToken, token_id)
    if token is None or token.user_id != actor.user_id:
        raise EntityNotFoundError("API token", token_id)
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    record(
        db,
        action=AuditAction.DELETE,
        resource_type="api_token",
        resource_id=token.id,
        actor=actor,
        ip=ip,
        request_id=request_id(),
        before={"name": token.name, "prefix": token.prefix},
    )
    await db.commit()


async def resolve_token(db: AsyncSession, value: str) -> ResolvedToken | None:
    """The live token with this value (not revoked, not expired, owner active); stamps last_used_at."""
    if not value.startswith(TOKEN_PREFIX):
        return None
    now = utcnow()
    row = (
        await db.execute(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(
                ApiToken.token_hash == hash_token(value),
                ApiToken.revoked_at.is_(None),
                User.active.is_(True),
            )
        )
    ).first()
    if row is None:
        return None
    token, user = row[0], row[1]
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        await db.commit()
    return ResolvedToken(token, user)


async def token_is_live(db: AsyncSession, token_id: int) -> bool:
    row = (
        await db.execute(
            select(ApiToken.expires_at)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None), User.active.is_(True))
        )
    ).first()
    return row is not None and (row[0] is None or row[0] > utcnow())
