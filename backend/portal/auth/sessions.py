"""Browser sessions: opaque tokens in httpOnly cookies, kept server-side as SHA-256 hashes.

Signing a user in (password login here, single sign-on in `portal.auth.oidc`) goes through one
function:

    async def sign_in(db: AsyncSession, response: Response, user: User, request: Request,
                      *, method: str = "password") -> LoginResponse

It creates the `auth_sessions` row, sets the `portal_access`, `portal_refresh` and `portal_csrf`
cookies on `response` (any Response: a JSONResponse, a RedirectResponse), stamps
`user.last_login_at`, records the `login` audit event (`after={"method": method}`) and commits.
The caller has already decided that `user` may sign in (active, right credentials).

Other entry points: `refresh` (rotation + reuse detection), `revoke_session`,
`revoke_user_sessions` (password change, admin reset, deactivation), `clear_cookies`,
`resolve_access` (the app-wide check), `session_is_live` (SSE heartbeats).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from fastapi import Request, Response
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.models import AuditAction
from portal.audit.service import record
from portal.auth.deps import client_ip
from portal.auth.models import AuthSession, RetiredRefreshToken
from portal.auth.principal import AuthMethod, Principal
from portal.auth.schemas import LoginResponse
from portal.core.config import Settings
from portal.core.errors import NotAuthenticatedError
from portal.db.base import utcnow
from portal.users.models import User
from portal.users.schemas import UserRead

ACCESS_COOKIE = "portal_access"
REFRESH_COOKIE = "portal_refresh"
CSRF_COOKIE = "portal_csrf"
CSRF_HEADER = "X-CSRF-Token"
REFRESH_COOKIE_PATH = "/api/v1/auth"
# Two tabs refreshing at once present the same refresh token; the second one within this many
# seconds of the rotation is turned away (401) without ending the session. Later: theft.
REFRESH_RACE_SECONDS = 10

log = structlog.get_logger(__name__)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def request_id() -> str | None:
    value = structlog.contextvars.get_contextvars().get("request_id")
    return str(value) if value is not None else None


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _set_cookies(
    response: Response,
    settings: Settings,
    *,
    access: str,
    refresh: str,
    csrf: str,
) -> None:
    secure = bool(settings.session_cookie_secure)
    response.set_cookie(
        ACCESS_COOKIE,
        access,
        max_age=settings.session_access_ttl_seconds,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    response.set_cookie(
        REFRESH_COOKIE,
        refresh,
        max_age=settings.session_refresh_ttl_seconds,
        path=REFRESH_COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=secure,
    )
    response.set_cookie(
        CSRF_COOKIE,
        csrf,
        max_age=settings.session_refresh_ttl_seconds,
        path="/",
        httponly=False,  # the SPA reads it and echoes it in X-CSRF-Token
        samesite="strict",
        secure=secure,
    )


def clear_cookies(response: Response, settings: Settings) -> None:
    secure = bool(settings.session_cookie_secure)
    response.delete_cookie(ACCESS_COOKIE, path="/", httponly=True, samesite="lax", secure=secure)
    response.delete_cookie(
        REFRESH_COOKIE, path=REFRESH_COOKIE_PATH, httponly=True, samesite="strict", secure=secure
    )
    response.delete_cookie(CSRF_COOKIE, path="/", samesite="strict", secure=secure)


async def sign_in(
    db: AsyncSession,
    response: Response,
    user: User,
    request: Request,
    *,
    method: str = "password",
) -> LoginResponse:
    """Start a session for `user`: cookies on `response`, audit event, commit (see module doc)."""
    settings = _settings(request)
    now = utcnow()
    access, refresh, csrf = new_token(), new_token(), new_token()
    ip = client_ip(request)
    auth_session = AuthSession(
        user_id=user.id,
        access_hash=hash_token(access),
        refresh_hash=hash_token(refresh),
        csrf_hash=hash_token(csrf),
        access_expires_at=now + timedelta(seconds=settings.session_access_ttl_seconds),
        refresh_expires_at=now + timedelta(seconds=settings.session_refresh_ttl_seconds),
        created_at=now,
        ip=ip,
        user_agent=(request.headers.get("user-agent") or "")[:512] or None,
    )
    db.add(auth_session)
    user.last_login_at = now
    await db.flush()
    record(
        db,
        action=AuditAction.LOGIN,
        resource_type="session",
        resource_id=auth_session.id,
        actor=principal_for(user, AuthMethod.SESSION, auth_session.id),
        ip=ip,
        request_id=request_id(),
        after={"method": method},
    )
    await db.commit()
    _set_cookies(response, settings, access=access, refresh=refresh, csrf=csrf)
    log.info("signed_in", user_id=user.id, session_id=auth_session.id, method=method)
    return LoginResponse(
        user=UserRead.model_validate(user), csrf_token=csrf, access_expires_at=auth_session.access_expires_at
    )


def principal_for(user: User, method: AuthMethod, session_id: int | None = None) -> Principal:
    return Principal(user_id=user.id, email=user.email, role=user.role, method=method, session_id=session_id)


@dataclass(frozen=True, slots=True)
class ResolvedSession:
    session: AuthSession
    user: User


async def resolve_access(db: AsyncSession, access_token: str) -> ResolvedSession | None:
    """The live session this access cookie belongs to (not revoked, not expired, user active)."""
    row = (
        await db.execute(
            select(AuthSession, User)
            .join(User, User.id == AuthSession.user_id)
            .where(
                AuthSession.access_hash == hash_token(access_token),
                AuthSession.revoked_at.is_(None),
                AuthSession.access_expires_at > utcnow(),
                User.active.is_(True),
            )
        )
    ).first()
    return ResolvedSession(row[0], row[1]) if row is not None else None


def csrf_matches(auth_session: AuthSession, header_value: str) -> bool:
    return secrets.compare_digest(auth_session.csrf_hash, hash_token(header_value))


async def refresh(db: AsyncSession, request: Request, response: Response) -> LoginResponse:
    """Rotate the session's access and refresh tokens (the CSRF token stays). A refresh token
    already rotated away, presented again, revokes the whole session (someone else holds it)."""
    settings = _settings(request)
    token = request.cookies.get(REFRESH_COOKIE)
    if not token:
        raise NotAuthenticatedError("No session to refresh; sign in", error="SessionExpired")
    token_hash = hash_token(token)
    now = utcnow()
    row = (
        await db.execute(
            select(AuthSession, User)
            .join(User, User.id == AuthSession.user_id)
            .where(AuthSession.refresh_hash == token_hash)
            .with_for_update(of=AuthSession)
        )
    ).first()
    if row is None:
        await _refuse_retired(db, token_hash, now)
        raise NotAuthenticatedError("The session has ended; sign in again", error="SessionExpired")
    auth_session, user = row[0], row[1]
    if auth_session.revoked_at is not None or auth_session.refresh_expires_at <= now or not user.active:
        raise NotAuthenticatedError("The session has ended; sign in again", error="SessionExpired")
    access, new_refresh = new_token(), new_token()
    db.add(RetiredRefreshToken(token_hash=token_hash, session_id=auth_session.id, retired_at=now))
    auth_session.access_hash = hash_token(access)
    auth_session.refresh_hash = hash_token(new_refresh)
    auth_session.access_expires_at = now + timedelta(seconds=settings.session_access_ttl_seconds)
    auth_session.refresh_expires_at = now + timedelta(seconds=settings.session_refresh_ttl_seconds)
    auth_session.refreshed_at = now
    csrf = request.cookies.get(CSRF_COOKIE, "")
    if not csrf or not csrf_matches(auth_session, csrf):
        # The CSRF cookie is gone (cleared by hand): it cannot be recovered from its hash, so a
        # new one comes with the rotation.
        csrf = new_token()
        auth_session.csrf_hash = hash_token(csrf)
    await db.commit()
    # The CSRF cookie is set again too, so it lives as long as the refresh cookie it goes with.
    _set_cookies(response, settings, access=access, refresh=new_refresh, csrf=csrf)
    return LoginResponse(
        user=UserRead.model_validate(user), csrf_token=csrf, access_expires_at=auth_session.access_expires_at
    )


async def _refuse_retired(db: AsyncSession, token_hash: str, now: datetime) -> None:
    retired = await db.get(RetiredRefreshToken, token_hash)
    if retired is None:
        return
    if retired.retired_at > now - timedelta(seconds=REFRESH_RACE_SECONDS):
        raise NotAuthenticatedError(
            "This session was just refreshed by another request; retry with the new cookies",
            error="RefreshRaced",
        )
    revoked = await db.execute(
        update(AuthSession)
        .where(AuthSession.id == retired.session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    await db.commit()
    if getattr(revoked, "rowcount", 0):
        log.warning("refresh_token_reused", session_id=retired.session_id)
    raise NotAuthenticatedError("The session has ended; sign in again", error="SessionExpired")


async def revoke_session(db: AsyncSession, session_id: int) -> None:
    """End one session (flushed, the caller commits)."""
    await db.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def revoke_user_sessions(db: AsyncSession, user_id: int, *, keep_session_id: int | None = None) -> None:
    """End every session of a user but `keep_session_id` (flushed, the caller commits)."""
    statement = update(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
    if keep_session_id is not None:
        statement = statement.where(AuthSession.id != keep_session_id)
    await db.execute(statement.values(revoked_at=utcnow()))


async def session_is_live(db: AsyncSession, session_id: int) -> bool:
    """Still signed in: not revoked, refresh not expired, user active (SSE streams ask each beat).
    The access cookie's expiry does not end a stream: the SPA refreshes in the background."""
    found = await db.scalar(
        select(AuthSession.id)
        .join(User, User.id == AuthSession.user_id)
        .where(
            AuthSession.id == session_id,
            AuthSession.revoked_at.is_(None),
            AuthSession.refresh_expires_at > utcnow(),
            User.active.is_(True),
        )
    )
    return found is not None
