"""Browser sessions: login, cookies, CSRF, refresh rotation and reuse detection, logout, password
change, deactivation, and the failed-login limits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from accounts import PASSWORD, cookie_client, make_user, plain_client
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.models import AuditAction, AuditEvent
from portal.auth.models import AuthSession, RetiredRefreshToken
from portal.auth.principal import Role
from portal.auth.sessions import ACCESS_COOKIE, CSRF_COOKIE, CSRF_HEADER, REFRESH_COOKIE, hash_token
from portal.core.config import Settings
from portal.db.base import utcnow
from portal.users.models import User

LOGIN = "/api/v1/auth/login"


async def login(http: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await http.post(LOGIN, json={"email": email, "password": password})


async def audit(session: AsyncSession, action: AuditAction) -> list[AuditEvent]:
    rows = await session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    )
    return list(rows.all())


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """Set-Cookie headers by cookie name."""
    return {header.split("=", 1)[0]: header for header in response.headers.get_list("set-cookie")}


async def test_login_sets_httponly_samesite_cookies_and_returns_the_user_and_csrf_token(app: FastAPI) -> None:
    user = await make_user(app, Role.OPERATOR, email="Ana@Example.com")
    async with plain_client(app) as http:
        response = await login(http, " ANA@example.com ")

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["user"]["email"] == "ana@example.com" and body["user"]["role"] == "operator"
        assert body["user"]["id"] == user.id and body["user"]["last_login_at"]
        assert PASSWORD not in response.text and "argon2" not in response.text
        cookies = set_cookies(response)
        assert "HttpOnly" in cookies[ACCESS_COOKIE] and "SameSite=lax" in cookies[ACCESS_COOKIE]
        assert "Path=/;" in cookies[ACCESS_COOKIE] and "Max-Age=900" in cookies[ACCESS_COOKIE]
        refresh = cookies[REFRESH_COOKIE]
        assert "HttpOnly" in refresh and "SameSite=strict" in refresh and "Path=/api/v1/auth" in refresh
        assert "HttpOnly" not in cookies[CSRF_COOKIE] and "SameSite=strict" in cookies[CSRF_COOKIE]
        assert all("Secure" not in c for c in cookies.values())  # development
        assert http.cookies[CSRF_COOKIE] == body["csrf_token"]

        me = await http.get("/api/v1/auth/me")
        assert me.status_code == 200 and me.json()["email"] == "ana@example.com"

    async with app.state.session_factory() as db:
        stored = (await db.scalars(select(AuthSession))).one()
        # Only hashes are kept.
        assert stored.access_hash == hash_token(http.cookies[ACCESS_COOKIE])
        assert stored.csrf_hash == hash_token(body["csrf_token"])
        [event] = await audit(db, AuditAction.LOGIN)
        assert event.actor_email == "ana@example.com" and event.resource_type == "session"
        assert event.ip == "127.0.0.1" and event.changes == {"method": {"before": None, "after": "password"}}


async def test_cookies_are_secure_in_production(app: FastAPI, make_settings: Callable[..., Settings]) -> None:
    await make_user(app, Role.VIEWER, email="v@example.com")
    settings = make_settings(session_cookie_secure=True)
    assert make_settings(environment="development").session_cookie_secure is False
    from portal.main import create_app

    application = create_app(settings)
    async with application.router.lifespan_context(application), plain_client(application) as http:
        response = await login(http, "v@example.com")
    assert response.status_code == 200
    assert all("Secure" in cookie for cookie in set_cookies(response).values())


@pytest.mark.parametrize("case", ["unknown email", "wrong password", "inactive user"])
async def test_a_failed_login_says_the_same_for_every_reason_and_is_audited(
    app: FastAPI, session: AsyncSession, case: str
) -> None:
    user = await make_user(app, Role.ADMIN, email="ops@example.com")
    if case == "inactive user":
        await session.execute(update(User).where(User.id == user.id).values(active=False))
        await session.commit()
    email = "nobody@example.com" if case == "unknown email" else "ops@example.com"
    password = "wrong-password" if case == "wrong password" else PASSWORD
    async with plain_client(app) as http:
        response = await login(http, email, password)

    assert response.status_code == 401
    assert response.json()["error"] == "InvalidCredentials"
    assert response.json()["message"] == "Wrong email or password"
    assert "set-cookie" not in response.headers
    [event] = await audit(session, AuditAction.LOGIN_FAILED)
    assert event.actor_email == email and event.actor_user_id is None and event.ip == "127.0.0.1"
    assert "wrong-password" not in str(event.changes)


async def test_a_cookie_write_needs_the_csrf_header(app: FastAPI, login_client: Callable[..., Any]) -> None:
    async with login_client(Role.OPERATOR, send_csrf=False) as http:
        missing = await http.post("/api/v1/tokens", json={"name": "x"})
        wrong = await http.post("/api/v1/tokens", json={"name": "x"}, headers={CSRF_HEADER: "forged"})
        # The cookie's value is the token: a page that cannot read it cannot send it.
        right = await http.post(
            "/api/v1/tokens", json={"name": "x"}, headers={CSRF_HEADER: http.cookies[CSRF_COOKIE]}
        )
        read = await http.get("/api/v1/tokens")  # reads need no header

    assert missing.status_code == 403 and missing.json()["error"] == "CsrfTokenMissing"
    assert wrong.status_code == 403 and wrong.json()["error"] == "CsrfTokenInvalid"
    assert right.status_code == 201
    assert read.status_code == 200 and len(read.json()) == 1


async def test_a_cross_origin_form_post_with_the_session_cookie_is_refused(
    app: FastAPI, login_client: Callable[..., Any]
) -> None:
    async with login_client(Role.OPERATOR, send_csrf=False) as http:
        # What a page on evil.example submits: a form post, the browser adding the cookies.
        form = {"content": "name=x", "headers": {"Content-Type": "application/x-www-form-urlencoded"}}
        cross_site = await http.post(
            "/api/v1/jobs/execute/1", headers={"Origin": "https://evil.example", **form["headers"]}
        )
        no_origin = await http.post("/api/v1/jobs/execute/1", headers=form["headers"])

    assert cross_site.status_code == 403 and cross_site.json()["error"] == "CrossOriginRequestRefused"
    # Without an Origin (an old browser, a stripped header) the missing CSRF token still refuses it.
    assert no_origin.status_code == 403 and no_origin.json()["error"] == "CsrfTokenMissing"


async def test_a_bearer_token_needs_no_csrf_header(client_as: Callable[[Role], Any]) -> None:
    async with client_as(Role.VIEWER) as http:
        response = await http.post("/api/v1/tokens", json={"name": "script"})
    assert response.status_code == 201


async def test_refresh_rotates_access_and_refresh_and_keeps_the_csrf_token(
    app: FastAPI, login_client: Callable[..., Any]
) -> None:
    async with login_client(Role.VIEWER) as http:
        old_access, old_refresh = http.cookies[ACCESS_COOKIE], http.cookies[REFRESH_COOKIE]
        csrf = http.cookies[CSRF_COOKIE]

        response = await http.post("/api/v1/auth/refresh")

        assert response.status_code == 200, response.text
        assert response.json()["csrf_token"] == csrf and http.cookies[CSRF_COOKIE] == csrf
        assert http.cookies[ACCESS_COOKIE] != old_access and http.cookies[REFRESH_COOKIE] != old_refresh
        assert (await http.get("/api/v1/auth/me")).status_code == 200
        # The old access cookie is dead at once.
        stale = await http.get("/api/v1/auth/me", cookies={ACCESS_COOKIE: old_access})
        assert stale.status_code == 401


async def test_a_refresh_without_the_csrf_cookie_issues_a_new_csrf_token(
    app: FastAPI, login_client: Callable[..., Any]
) -> None:
    async with login_client(Role.VIEWER) as http:
        old = http.cookies[CSRF_COOKIE]
        http.cookies.delete(CSRF_COOKIE)

        response = await http.post("/api/v1/auth/refresh")

        assert response.status_code == 200
        fresh = response.json()["csrf_token"]
        assert fresh != old and http.cookies[CSRF_COOKIE] == fresh
        assert (await http.post("/api/v1/tokens", json={"name": "t"})).status_code == 201  # sent by the hook
        stale = await http.post("/api/v1/tokens", json={"name": "t"}, headers={CSRF_HEADER: old})
        assert stale.status_code == 403 and stale.json()["error"] == "CsrfTokenInvalid"


async def test_a_reused_refresh_token_ends_the_whole_session(
    app: FastAPI, login_client: Callable[..., Any]
) -> None:
    async with login_client(Role.VIEWER) as http:
        stolen = http.cookies[REFRESH_COOKIE]
        assert (await http.post("/api/v1/auth/refresh")).status_code == 200
        # Past the two-tabs grace period (the rotation's time moved back, no waiting).
        async with app.state.session_factory() as db:
            await db.execute(update(RetiredRefreshToken).values(retired_at=utcnow() - timedelta(minutes=5)))
            await db.commit()

        async with plain_client(app) as thief:
            replay = await thief.post("/api/v1/auth/refresh", cookies={REFRESH_COOKIE: stolen})

        assert replay.status_code == 401 and replay.json()["error"] == "SessionExpired"
        # The rightful owner is signed out too: the session is revoked, not just the old token.
        assert (await http.get("/api/v1/auth/me")).status_code == 401
        assert (await http.post("/api/v1/auth/refresh")).status_code == 401


async def test_two_tabs_refreshing_at_once_do_not_end_the_session(
    app: FastAPI, login_client: Callable[..., Any]
) -> None:
    async with login_client(Role.VIEWER) as http:
        first_tab_token = http.cookies[REFRESH_COOKIE]
        assert (await http.post("/api/v1/auth/refresh")).status_code == 200
        raced = await http.post("/api/v1/auth/refresh", cookies={REFRESH_COOKIE: first_tab_token})

        assert raced.status_code == 401 and raced.json()["error"] == "RefreshRaced"
        assert (await http.get("/api/v1/auth/me")).status_code == 200


async def test_an_expired_access_cookie_is_401_until_refreshed(
    app: FastAPI, login_client: Callable[..., Any]
) -> None:
    async with login_client(Role.VIEWER) as http:
        async with app.state.session_factory() as db:
            await db.execute(update(AuthSession).values(access_expires_at=utcnow() - timedelta(seconds=1)))
            await db.commit()
        assert (await http.get("/api/v1/auth/me")).status_code == 401
        assert (await http.post("/api/v1/auth/refresh")).status_code == 200
        assert (await http.get("/api/v1/auth/me")).status_code == 200

        async with app.state.session_factory() as db:
            await db.execute(update(AuthSession).values(refresh_expires_at=utcnow() - timedelta(seconds=1)))
            await db.commit()
        assert (await http.post("/api/v1/auth/refresh")).status_code == 401


async def test_logout_revokes_the_session_and_clears_the_cookies(
    app: FastAPI, login_client: Callable[..., Any], session: AsyncSession
) -> None:
    async with login_client(Role.VIEWER) as http:
        access, refresh = http.cookies[ACCESS_COOKIE], http.cookies[REFRESH_COOKIE]
        response = await http.post("/api/v1/auth/logout")

        assert response.status_code == 204
        cleared = set_cookies(response)
        assert {ACCESS_COOKIE, REFRESH_COOKIE, CSRF_COOKIE} <= set(cleared)
        assert all("Max-Age=0" in c for c in cleared.values())
        # Replaying the cookies after logout: the server has ended the session.
        again = await http.get("/api/v1/auth/me", cookies={ACCESS_COOKIE: access})
        assert again.status_code == 401
        renewed = await http.post("/api/v1/auth/refresh", cookies={REFRESH_COOKIE: refresh})
        assert renewed.status_code == 401
    assert len(await audit(session, AuditAction.LOGOUT)) == 1


async def test_changing_the_password_ends_the_other_sessions_and_is_audited(
    app: FastAPI, session: AsyncSession
) -> None:
    user = await make_user(app, Role.VIEWER, email="pat@example.com")
    async with cookie_client(app, user.email) as laptop, cookie_client(app, user.email) as phone:
        too_short = await laptop.post(
            "/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": "short"}
        )
        same = await laptop.post(
            "/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": PASSWORD}
        )
        wrong = await laptop.post(
            "/api/v1/auth/password",
            json={"current_password": "not-it-at-all", "new_password": "n3w-passw0rd"},
        )
        changed = await laptop.post(
            "/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": "n3w-passw0rd"}
        )

        assert too_short.status_code == 422 and too_short.json()["error"] == "PasswordTooShort"
        assert same.status_code == 422 and same.json()["error"] == "PasswordUnchanged"
        assert wrong.status_code == 401 and wrong.json()["error"] == "InvalidCredentials"
        assert changed.status_code == 204
        assert (await laptop.get("/api/v1/auth/me")).status_code == 200
        assert (await phone.get("/api/v1/auth/me")).status_code == 401

    async with plain_client(app) as http:
        assert (await login(http, user.email)).status_code == 401
        assert (await login(http, user.email, "n3w-passw0rd")).status_code == 200
    [event] = [e for e in await audit(session, AuditAction.UPDATE) if e.resource_type == "user"]
    assert event.resource_id == str(user.id) and "n3w-passw0rd" not in str(event.changes)
    assert event.changes == {"password": {"before": "***", "after": "***"}}


async def test_a_deactivated_user_loses_every_session_and_token_at_once(
    app: FastAPI, session: AsyncSession
) -> None:
    from accounts import token_client, token_for

    user = await make_user(app, Role.OPERATOR, email="gone@example.com")
    token = await token_for(app, user)
    async with cookie_client(app, user.email) as browser, token_client(app, token) as script:
        assert (await browser.get("/api/v1/jobs")).status_code == 200
        assert (await script.get("/api/v1/jobs")).status_code == 200
        await session.execute(update(User).where(User.id == user.id).values(active=False))
        await session.commit()

        assert (await browser.get("/api/v1/jobs")).status_code == 401
        assert (await browser.post("/api/v1/auth/refresh")).status_code == 401
        assert (await script.get("/api/v1/jobs")).json()["error"] == "InvalidToken"


async def test_an_operator_is_refused_admin_routes_with_a_cookie_session_too(
    login_client: Callable[..., Any],
) -> None:
    async with login_client(Role.OPERATOR) as http:
        response = await http.post("/api/v1/credentials/test", json={})
    assert response.status_code == 403 and response.json()["details"]["required_role"] == "admin"


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(login_max_failures_per_account=3, login_max_failures_per_address=5)


async def test_failed_logins_are_limited_per_account(app: FastAPI, session: AsyncSession) -> None:
    await make_user(app, Role.VIEWER, email="target@example.com")
    async with plain_client(app) as http:
        failures = [await login(http, "target@example.com", f"guess-{n}") for n in range(3)]
        blocked = await login(http, "target@example.com", PASSWORD)  # even the right password

    assert [r.status_code for r in failures] == [401, 401, 401]
    assert blocked.status_code == 429
    body = blocked.json()
    assert body["error"] == "TooManyLoginAttempts"
    retry_after = body["details"]["retry_after_seconds"]
    assert 0 < retry_after <= 900 and blocked.headers["Retry-After"] == str(retry_after)

    # Once the failures are older than the window (moved back, no waiting), the account signs in.
    from portal.auth.models import LoginFailure

    await session.execute(update(LoginFailure).values(at=utcnow() - timedelta(seconds=901)))
    await session.commit()
    async with plain_client(app) as http:
        assert (await login(http, "target@example.com")).status_code == 200
    # A good sign-in starts the account's count over.
    assert await session.scalar(select(func.count()).select_from(LoginFailure)) == 0


async def test_failed_logins_are_limited_per_address_across_accounts(app: FastAPI) -> None:
    await make_user(app, Role.VIEWER, email="someone@example.com")
    async with plain_client(app) as http:
        for n in range(5):
            assert (await login(http, f"spray-{n}@example.com", "guess")).status_code == 401
        blocked = await login(http, "someone@example.com", PASSWORD)
    assert blocked.status_code == 429

    # Another address is not held back by this one.
    other = httpx.ASGITransport(app=app, client=("198.51.100.7", 5000))
    async with httpx.AsyncClient(transport=other, base_url="http://portal.test") as http:
        assert (await login(http, "someone@example.com")).status_code == 200
