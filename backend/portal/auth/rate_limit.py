"""Failed password logins, counted in the database (every worker sees the same numbers): at most
LOGIN_MAX_FAILURES_PER_ACCOUNT per email and LOGIN_MAX_FAILURES_PER_ADDRESS per client address
within LOGIN_FAILURE_WINDOW_SECONDS, then 429 until the oldest failure leaves the window."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth.models import LoginFailure
from portal.core.config import Settings
from portal.core.errors import TooManyRequestsError
from portal.db.base import utcnow


async def _oldest_if_over(
    db: AsyncSession, where: ColumnElement[bool], since: datetime, limit: int
) -> datetime | None:
    """The oldest failure in the window when there are `limit` or more, else None."""
    count, oldest = (
        await db.execute(
            select(func.count(), func.min(LoginFailure.at)).where(where, LoginFailure.at > since)
        )
    ).one()
    return oldest if int(count) >= limit else None


async def check_login_allowed(db: AsyncSession, settings: Settings, email: str, ip: str | None) -> None:
    """TooManyRequestsError `TooManyLoginAttempts` (with retry_after_seconds) when over a limit."""
    now = utcnow()
    window = timedelta(seconds=settings.login_failure_window_seconds)
    since = now - window
    blocked = [
        await _oldest_if_over(db, LoginFailure.email == email, since, settings.login_max_failures_per_account)
    ]
    if ip is not None:
        blocked.append(
            await _oldest_if_over(db, LoginFailure.ip == ip, since, settings.login_max_failures_per_address)
        )
    oldest = [at for at in blocked if at is not None]
    if oldest:
        # Allowed again once the oldest counted failure leaves the window (the latest block decides).
        retry_after = max(1, math.ceil(max((at + window - now).total_seconds() for at in oldest)))
        raise TooManyRequestsError(
            f"Too many failed sign-ins; try again in {retry_after} seconds",
            error="TooManyLoginAttempts",
            retry_after_seconds=retry_after,
        )


def note_failure(db: AsyncSession, email: str, ip: str | None) -> None:
    """Add a failure (the caller commits it)."""
    db.add(LoginFailure(email=email, ip=ip, at=utcnow()))


async def forget_failures(db: AsyncSession, settings: Settings, email: str) -> None:
    """After a good sign-in the account's count starts over (flushed; the caller commits). Old
    rows of everyone are pruned on the way."""
    cutoff = utcnow() - timedelta(seconds=settings.login_failure_window_seconds)
    await db.execute(delete(LoginFailure).where((LoginFailure.email == email) | (LoginFailure.at <= cutoff)))
