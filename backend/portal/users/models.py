"""Accounts: who may sign in, with which role, and how (a password or single sign-on)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.auth.principal import Role
from portal.db.base import Base, str_enum, utcnow


class AuthSource(StrEnum):
    PASSWORD = "password"  # signs in with email + password (hash below)
    OIDC = "oidc"  # created by single sign-on; no password of ours


class User(Base):
    """A person; never deleted (deactivated instead), so the audit log's ids keep meaning."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # lower-cased on the way in
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, 16))
    password_hash: Mapped[str | None] = mapped_column(String(255))  # None: single sign-on only
    active: Mapped[bool] = mapped_column(default=True)
    auth_source: Mapped[AuthSource] = mapped_column(str_enum(AuthSource, 16), default=AuthSource.PASSWORD)
    oidc_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_login_at: Mapped[datetime | None]
