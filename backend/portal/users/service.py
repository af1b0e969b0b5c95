"""Accounts: creating users, finding them, checking a password, the first admin at start.

Functions flush and leave the commit to the caller (so an audit event commits with the change),
except `ensure_first_admin`, which runs on its own at start.
"""

from __future__ import annotations

import structlog
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.models import AuditAction
from portal.audit.service import record
from portal.auth.passwords import check_new_password, hash_password, verify_password
from portal.auth.principal import Role
from portal.core.config import Settings
from portal.core.errors import ConflictError
from portal.users.models import AuthSource, User

log = structlog.get_logger(__name__)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def user_snapshot(user: User) -> dict[str, object]:
    """The fields an audit event compares (never the password hash)."""
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "active": user.active,
        "auth_source": user.auth_source.value,
    }


async def get_by_email(session: AsyncSession, email: str) -> User | None:
    found: User | None = await session.scalar(select(User).where(User.email == normalize_email(email)))
    return found


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    name: str,
    role: Role,
    password: str | None = None,
    auth_source: AuthSource = AuthSource.PASSWORD,
    oidc_subject: str | None = None,
    enforce_policy: bool = True,
) -> User:
    """A new active user (flushed, not committed). ConflictError `UserExists` (409) when the email
    (or the single sign-on subject) is taken; 422 when the password is too short (unless
    `enforce_policy=False`: the documented development login `admin`)."""
    email = normalize_email(email)
    if password is not None and enforce_policy:
        check_new_password(password, field="password")
    if await get_by_email(session, email) is not None:
        raise ConflictError(f"A user with email {email} already exists", error="UserExists", email=email)
    user = User(
        email=email,
        name=name.strip() or email,
        role=role,
        password_hash=hash_password(password) if password is not None else None,
        active=True,
        auth_source=auth_source,
        oidc_subject=oidc_subject,
    )
    session.add(user)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # created by a concurrent request since the check above
        raise ConflictError(
            f"A user with email {email} already exists", error="UserExists", email=email
        ) from exc
    return user


async def authenticate(session: AsyncSession, email: str, password: str) -> User | None:
    """The active password user with this email and password, else None (same cost either way)."""
    user = await get_by_email(session, email)
    password_hash = user.password_hash if user is not None else None
    if not verify_password(password, password_hash) or user is None or not user.active:
        return None
    return user


async def count_users(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(User)) or 0)


async def ensure_first_admin(session: AsyncSession, settings: Settings) -> User | None:
    """With no user at all, create ADMIN_EMAIL as admin (development: `admin` unless ADMIN_PASSWORD
    says otherwise; production: only when ADMIN_PASSWORD is set). Returns the user created."""
    if await count_users(session) > 0:
        return None
    password = settings.first_admin_password
    if password is None:
        log.warning(
            "no_users", hint="set ADMIN_EMAIL and ADMIN_PASSWORD or run: python -m portal.users create-admin"
        )
        return None
    try:
        user = await create_user(
            session,
            email=settings.admin_email,
            name=settings.admin_name,
            role=Role.ADMIN,
            password=password,
            enforce_policy=settings.environment == "production",
        )
    except ConflictError:  # another worker created it first
        await session.rollback()
        return None
    record(
        session,
        action=AuditAction.CREATE,
        resource_type="user",
        resource_id=user.id,
        after=user_snapshot(user),
    )
    await session.commit()
    log.info("first_admin_created", email=user.email)
    return user
