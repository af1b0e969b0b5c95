"""Browser sessions, personal API tokens and failed logins; every secret is kept as a SHA-256 hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db.base import Base, utcnow

_BIG_ID = BigInteger().with_variant(Integer(), "sqlite")


class AuthSession(Base):
    """One signed-in browser: its access, refresh and CSRF tokens (hashes), revocable."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    access_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_hash: Mapped[str] = mapped_column(String(64))
    access_expires_at: Mapped[datetime]
    refresh_expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    refreshed_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(512))


class RetiredRefreshToken(Base):
    """A refresh token already rotated away: presenting it again means it was stolen (or raced)."""

    __tablename__ = "auth_retired_refresh_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True)
    retired_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    """A personal token for scripts (`Authorization: Bearer etlp_...`); acts with its owner's live role."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # the token's first characters, for display
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class LoginFailure(Base):
    """One failed password login; the rate limit counts them per email and per address in a window."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    ip: Mapped[str | None] = mapped_column(String(64), index=True)
