"""Accounts: creating users, finding them, checking a password, the first admin at start.

Functions flush and leave the commit to the caller (so an audit event commits with the change),
except `ensure_first_admin`, which runs on its own at start.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.context import AuditContext
from portal.audit.models import AuditAction
from portal.audit.service import REDACTED, record
from portal.auth.passwords import check_new_password, hash_password, verify_password
from portal.auth.principal import Role
from portal.auth.sessions import revoke_user_sessions
from portal.core.config import Settings
from portal.core.errors import ConflictError, EntityNotFoundError
from portal.users.models import AuthSource, User
from portal.users.schemas import PasswordReset, UserCreate, UserUpdate

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


# The users admin API (GET/POST /users, GET/PATCH /users/{id}, POST /users/{id}/password): each
# change commits with its audit event.

AUDIT_RESOURCE = "user"


async def list_users(session: AsyncSession, *, offset: int, limit: int) -> tuple[Sequence[User], int]:
    total = await count_users(session)
    users = await session.scalars(select(User).order_by(User.email).offset(offset).limit(limit))
    return users.all(), total


async def get_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id, populate_existing=True)
    if user is None:
        raise EntityNotFoundError("User", user_id)
    return user


async def add_user(session: AsyncSession, body: UserCreate, audit: AuditContext) -> User:
    """An admin creates a password user (409 `UserExists`, 422 `PasswordTooShort`)."""
    user = await create_user(
        session, email=body.email, name=body.name, role=body.role, password=body.password.get_secret_value()
    )
    audit.record(session, AuditAction.CREATE, AUDIT_RESOURCE, user.id, after=user_snapshot(user))
    await session.commit()
    log.info("user_created", user_id=user.id, role=user.role.value)
    return user


async def update_user(session: AsyncSession, user_id: int, body: UserUpdate, audit: AuditContext) -> User:
    """Rename, re-role, deactivate or reactivate. A role change is its own audit event
    (`role_change`); the other fields are one `update`. Deactivating ends the user's sessions."""
    user = await get_user(session, user_id)
    role = body.role if body.role is not None else user.role
    active = body.active if body.active is not None else user.active
    if user.role is Role.ADMIN and user.active and (role is not Role.ADMIN or not active):
        await _keep_an_admin(session, user, audit)
    before = user_snapshot(user)
    if body.name is not None:
        user.name = body.name.strip() or user.name
    user.role, user.active = role, active
    after = user_snapshot(user)
    if before["role"] != after["role"]:
        audit.record(
            session,
            AuditAction.ROLE_CHANGE,
            AUDIT_RESOURCE,
            user.id,
            before={"role": before["role"]},
            after={"role": after["role"]},
        )
    others = [field for field in before if field != "role"]
    audit.record(
        session,
        AuditAction.UPDATE,
        AUDIT_RESOURCE,
        user.id,
        before={f: before[f] for f in others},
        after={f: after[f] for f in others},
    )
    if before["active"] and not active:
        await revoke_user_sessions(session, user.id)
    await session.commit()
    log.info("user_updated", user_id=user.id, role=user.role.value, active=user.active)
    return user


async def reset_password(
    session: AsyncSession, user_id: int, body: PasswordReset, audit: AuditContext
) -> None:
    """An admin sets a password user's password (409 `SingleSignOnUser` for an SSO user); every
    session of that user ends (its API tokens stay)."""
    user = await get_user(session, user_id)
    if user.auth_source is AuthSource.OIDC:
        raise ConflictError(
            f"{user.email} signs in with single sign-on; the identity provider keeps the password",
            error="SingleSignOnUser",
            user_id=user.id,
        )
    password = body.new_password.get_secret_value()
    check_new_password(password)
    user.password_hash = hash_password(password)
    await revoke_user_sessions(session, user.id)
    # Which user and that it changed; never a value, not even a hash.
    audit.record(
        session,
        AuditAction.UPDATE,
        AUDIT_RESOURCE,
        user.id,
        before={"password": REDACTED},
        after={"password": "new"},
    )
    await session.commit()
    log.info("user_password_reset", user_id=user.id)


async def _keep_an_admin(session: AsyncSession, user: User, audit: AuditContext) -> None:
    """409 `LastAdmin` when `user` (an active admin about to lose the role or be deactivated) is
    the one asking, or no other active admin would remain. The active admins' rows are locked
    (PostgreSQL) so two admins demoting each other at once cannot both succeed."""
    if user.id == audit.actor.user_id:
        raise ConflictError(
            "You cannot demote or deactivate yourself; ask another admin",
            error="LastAdmin",
            user_id=user.id,
        )
    admins = await session.scalars(
        select(User.id).where(User.role == Role.ADMIN, User.active.is_(True)).with_for_update()
    )
    if not [admin_id for admin_id in admins if admin_id != user.id]:
        raise ConflictError(
            f"{user.email} is the last active admin; make another user admin first",
            error="LastAdmin",
            user_id=user.id,
        )
