"""/api/v1/auth: sign in with a password, refresh, sign out, who am I, change my password, how
may I sign in; /api/v1/tokens: my personal API tokens."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status

from portal.api.deps import SessionDep, SettingsDep
from portal.api.schemas import IdPath
from portal.audit.models import AuditAction
from portal.audit.service import record
from portal.auth import rate_limit, sessions, tokens
from portal.auth.deps import ClientIp, CurrentPrincipal
from portal.auth.oidc import oidc_provider_info
from portal.auth.passwords import check_new_password, hash_password, verify_password
from portal.auth.schemas import (
    LoginRequest,
    LoginResponse,
    PasswordChange,
    Providers,
    TokenCreate,
    TokenCreated,
    TokenRead,
)
from portal.core.errors import EntityNotFoundError, NotAuthenticatedError, ValidationFailedError
from portal.users import service as users
from portal.users.models import User
from portal.users.schemas import UserRead

router = APIRouter(prefix="/auth", tags=["auth"])
tokens_router = APIRouter(prefix="/tokens", tags=["auth"])

Responses = dict[int | str, dict[str, Any]]
_SIGNED_IN: Responses = {401: {"description": "`NotAuthenticated`: no valid session or API token"}}
_WRITE: Responses = {
    **_SIGNED_IN,
    403: {"description": "`CsrfTokenMissing` / `CsrfTokenInvalid`: a cookie write without its X-CSRF-Token"},
}


def _invalid_credentials() -> NotAuthenticatedError:
    # One answer for an unknown email, a wrong password and an inactive user: no account probing.
    return NotAuthenticatedError("Wrong email or password", error="InvalidCredentials")


@router.post(
    "/login",
    responses={
        401: {"description": "`InvalidCredentials`: unknown email, wrong password or inactive user"},
        429: {"description": "`TooManyLoginAttempts`: details.retry_after_seconds (and Retry-After)"},
    },
)
async def login(
    body: LoginRequest,
    request: Request,
    response: Response,
    db: SessionDep,
    settings: SettingsDep,
    ip: ClientIp,
) -> LoginResponse:
    """Sign in: session cookies (`portal_access`, `portal_refresh`, `portal_csrf`) and the user."""
    email = users.normalize_email(body.email)
    await rate_limit.check_login_allowed(db, settings, email, ip)
    user = await users.authenticate(db, email, body.password)
    if user is None:
        rate_limit.note_failure(db, email, ip)
        record(
            db,
            action=AuditAction.LOGIN_FAILED,
            resource_type="session",
            actor_email=email[:320],
            ip=ip,
            request_id=sessions.request_id(),
        )
        await db.commit()
        raise _invalid_credentials()
    await rate_limit.forget_failures(db, settings, email)
    return await sessions.sign_in(db, response, user, request, method="password")


@router.post(
    "/refresh",
    responses={401: {"description": "`SessionExpired` / `NotAuthenticated` / `RefreshRaced`: sign in again"}},
)
async def refresh(request: Request, response: Response, db: SessionDep) -> LoginResponse:
    """New access and refresh cookies from the refresh cookie (which is then spent)."""
    return await sessions.refresh(db, request, response)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=_WRITE)
async def logout(
    principal: CurrentPrincipal, response: Response, db: SessionDep, settings: SettingsDep, ip: ClientIp
) -> None:
    """End this browser session (server side) and clear its cookies. With an API token: nothing to end."""
    if principal.session_id is not None:
        await sessions.revoke_session(db, principal.session_id)
        record(
            db,
            action=AuditAction.LOGOUT,
            resource_type="session",
            resource_id=principal.session_id,
            actor=principal,
            ip=ip,
            request_id=sessions.request_id(),
        )
        await db.commit()
    sessions.clear_cookies(response, settings)


async def _user(db: SessionDep, user_id: int) -> User:
    user = await db.get(User, user_id)
    if user is None:
        raise EntityNotFoundError("User", user_id)
    return user


@router.get("/me", responses=_SIGNED_IN)
async def me(principal: CurrentPrincipal, db: SessionDep) -> UserRead:
    return UserRead.model_validate(await _user(db, principal.user_id))


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        **_WRITE,
        401: {"description": "`InvalidCredentials`: the current password is wrong"},
        422: {
            "description": "`PasswordTooShort` (under 8) / `PasswordUnchanged` / `NoPassword` (SSO account)"
        },
    },
)
async def change_password(
    body: PasswordChange, principal: CurrentPrincipal, db: SessionDep, ip: ClientIp
) -> None:
    """Change my password; every other session of mine ends (this one stays)."""
    user = await _user(db, principal.user_id)
    if user.password_hash is None:
        raise ValidationFailedError("This account signs in through single sign-on", error="NoPassword")
    if not verify_password(body.current_password, user.password_hash):
        raise _invalid_credentials()
    check_new_password(body.new_password)
    if body.new_password == body.current_password:
        raise ValidationFailedError("The new password is the current one", error="PasswordUnchanged")
    user.password_hash = hash_password(body.new_password)
    await sessions.revoke_user_sessions(db, user.id, keep_session_id=principal.session_id)
    record(
        db,
        action=AuditAction.UPDATE,
        resource_type="user",
        resource_id=user.id,
        actor=principal,
        ip=ip,
        request_id=sessions.request_id(),
        before={"password": "old"},
        after={"password": "new"},
    )
    await db.commit()


@router.get("/providers")
async def providers(settings: SettingsDep) -> Providers:
    """How the login page may sign in (public)."""
    return Providers(password=True, oidc=oidc_provider_info(settings))


@tokens_router.get("", responses=_SIGNED_IN)
async def list_tokens(principal: CurrentPrincipal, db: SessionDep) -> list[TokenRead]:
    """My API tokens, newest first (revoked and expired ones included)."""
    return [TokenRead.model_validate(t) for t in await tokens.list_tokens(db, principal.user_id)]


@tokens_router.post("", status_code=status.HTTP_201_CREATED, responses=_WRITE)
async def create_token(
    body: TokenCreate, principal: CurrentPrincipal, db: SessionDep, ip: ClientIp
) -> TokenCreated:
    """A new token; `token` is shown this once (send it as `Authorization: Bearer <token>`)."""
    token, value = await tokens.create_token(
        db, principal, name=body.name, expires_in_days=body.expires_in_days, ip=ip
    )
    return TokenCreated(**TokenRead.model_validate(token).model_dump(), token=value)


@tokens_router.delete(
    "/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**_WRITE, 404: {"description": "No such token of yours"}},
)
async def delete_token(token_id: IdPath, principal: CurrentPrincipal, db: SessionDep, ip: ClientIp) -> None:
    """Revoke one of my tokens (at once, for every request after this one)."""
    await tokens.revoke_token(db, principal, token_id, ip=ip)
