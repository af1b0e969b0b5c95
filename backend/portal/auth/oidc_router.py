"""/auth/oidc: single sign-on through the configured OpenID Connect provider (see auth/oidc.py).

Both routes are public and answer with redirects: the login page shows failures from
`/login?error=<code>` (codes: oidc_unavailable, oidc_provider_error, access_denied, oidc_state_invalid,
oidc_token_invalid, oidc_email_missing, oidc_email_unverified, oidc_no_role, oidc_account_conflict,
account_inactive).
"""

from __future__ import annotations

from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse

from portal.api.deps import SessionDep, SettingsDep
from portal.auth.deps import client_ip
from portal.auth.oidc import (
    CALLBACK_ROUTE,
    FLOW_COOKIE,
    FLOW_COOKIE_PATH,
    FLOW_TTL_SECONDS,
    OidcLoginError,
    OidcNotConfiguredError,
    finish_login,
    oidc_enabled,
    open_flow,
    resolve_user,
    start_login,
)
from portal.auth.sessions import request_id, sign_in
from portal.core.config import Settings

router = APIRouter(prefix="/auth/oidc", tags=["auth"])
log = structlog.get_logger(__name__)

LOGIN_PAGE = "/login"
_NOT_CONFIGURED: dict[int | str, dict[str, Any]] = {
    404: {"description": "`OidcNotConfigured`: single sign-on is off (OIDC_ISSUER / OIDC_CLIENT_ID unset)"}
}
# Bounded so the three together stay under the server's request line limit (uvicorn: 64 KiB), even
# percent-encoded: authorization codes run to ~1.5 KB at some providers; state is ours; error a word.
_Code = Annotated[str | None, Query(max_length=2048)]
_State = Annotated[str | None, Query(max_length=512)]
_Error = Annotated[str | None, Query(max_length=256)]


@router.get(
    "/login",
    status_code=302,
    response_class=RedirectResponse,
    responses={
        302: {
            "description": "To the provider's sign-in page (`/login?error=oidc_unavailable` if unreachable)"
        },
        **_NOT_CONFIGURED,
    },
)
async def oidc_login(
    request: Request,
    settings: SettingsDep,
    next: Annotated[
        str | None,
        Query(max_length=2000, description="Page to return to: a path on this site, anything else means /"),
    ] = None,
) -> RedirectResponse:
    """Start single sign-on: redirect to the provider (authorization code flow, PKCE, state, nonce)."""
    try:
        started = await start_login(request, settings, next)
    except OidcLoginError as exc:
        return _failed(exc)
    response = RedirectResponse(started.authorization_url, status_code=302)
    response.set_cookie(
        FLOW_COOKIE,
        started.flow_cookie,
        max_age=FLOW_TTL_SECONDS,
        path=FLOW_COOKIE_PATH,
        httponly=True,
        samesite="lax",  # sent on the provider's top-level redirect back to the callback
        secure=bool(settings.session_cookie_secure),
    )
    return response


@router.get(
    "/callback",
    name=CALLBACK_ROUTE,
    status_code=302,
    response_class=RedirectResponse,
    responses={
        302: {
            "description": "Signed in: to the page asked for, session cookies set; else `/login?error=<code>`"
        },
        **_NOT_CONFIGURED,
    },
)
async def oidc_callback(
    request: Request,
    settings: SettingsDep,
    db: SessionDep,
    code: _Code = None,
    state: _State = None,
    error: _Error = None,
) -> RedirectResponse:
    """Where the provider sends the browser back: check everything, then sign the user in."""
    if not oidc_enabled(settings):
        raise OidcNotConfiguredError()
    response: RedirectResponse
    try:
        if error:
            code_name = "access_denied" if error == "access_denied" else "oidc_provider_error"
            raise OidcLoginError(code_name, f"provider answered {error[:64]}")
        flow = open_flow(settings, request.cookies.get(FLOW_COOKIE))
        identity = await finish_login(request, settings, flow, code=code, state=state)
        user = await resolve_user(db, settings, identity, ip=client_ip(request), request_id=request_id())
        response = RedirectResponse(flow.next_page, status_code=302)
        await sign_in(db, response, user, request, method="oidc")
    except OidcLoginError as exc:
        response = _failed(exc)
    _clear_flow_cookie(response, settings)
    return response


def _failed(exc: OidcLoginError) -> RedirectResponse:
    log.warning("oidc_login_failed", code=exc.code, reason=exc.reason)
    return RedirectResponse(f"{LOGIN_PAGE}?error={exc.code}", status_code=302)


def _clear_flow_cookie(response: RedirectResponse, settings: Settings) -> None:
    response.delete_cookie(
        FLOW_COOKIE,
        path=FLOW_COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=bool(settings.session_cookie_secure),
    )
