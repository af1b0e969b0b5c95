"""Single sign-on against a real OpenID Connect provider running in the test (tests/oidc_idp.py):
its own keys, discovery document and token endpoint; the portal's client is never stubbed."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from oidc_idp import TAMPERINGS, Tampering, TestIdp, running_idp
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.models import AuditAction, AuditEvent
from portal.auth.oidc import FLOW_COOKIE, role_from_claims, safe_next
from portal.auth.principal import Role
from portal.core.config import Settings
from portal.main import create_app
from portal.users.models import AuthSource, User
from portal.users.service import create_user

CLIENT_ID = "etl-portal"
FIRST_ADMIN = "admin@example.com"
SESSION_COOKIES = {"portal_access", "portal_refresh", "portal_csrf"}


@pytest.fixture
def idp() -> Iterator[TestIdp]:
    with running_idp() as provider:
        yield provider


@pytest.fixture
def oidc_settings(make_settings: Callable[..., Settings], idp: TestIdp) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "oidc_issuer": idp.issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": "client-secret-for-tests",
            "oidc_provider_name": "Test IdP",
        }
        return make_settings(**{**values, **overrides})

    return make


@pytest.fixture
def settings(oidc_settings: Callable[..., Settings]) -> Settings:
    return oidc_settings()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A browser with no session yet (the shared `client` fixture is signed in)."""
    async with browser(app) as http:
        yield http


@pytest.fixture
def make_browser(clean_tables: None) -> Callable[[Settings], AbstractAsyncContextManager[httpx.AsyncClient]]:
    """`async with make_browser(settings) as http:` a browser on a one-off app with these settings."""

    @asynccontextmanager
    async def make(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
        application = create_app(settings)
        async with application.router.lifespan_context(application), browser(application) as http:
            yield http

    return make


async def sso(
    http: httpx.AsyncClient, idp: TestIdp, sub: str, next_page: str | None = "/jobs"
) -> httpx.Response:
    """A browser signing in: portal -> provider's consent page -> portal's callback."""
    params = {"next": next_page} if next_page is not None else {}
    started = await http.get("/api/v1/auth/oidc/login", params=params)
    assert started.status_code == 302, started.text
    callback_url = await idp.authorize(started.headers["location"], sub)
    return await http.get(callback_url)


def browser(app: FastAPI) -> httpx.AsyncClient:
    """Another browser on the same portal (its own cookie jar)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal.test")


def login_error(response: httpx.Response) -> str:
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    assert location.path == "/login" and not location.netloc, response.headers["location"]
    query = parse_qs(location.query)
    assert list(query) == ["error"], "nothing but the error code in the URL"
    return query["error"][0]


def session_cookies(response: httpx.Response) -> set[str]:
    return {
        header.split("=", 1)[0]
        for header in response.headers.get_list("set-cookie")
        if header.split("=", 1)[0] in SESSION_COOKIES and "max-age=0" not in header.lower()
    }


async def users(session: AsyncSession) -> list[User]:
    """Every user but the development admin the app creates at start."""
    session.expire_all()
    found = await session.scalars(select(User).where(User.email != FIRST_ADMIN).order_by(User.id))
    return list(found.all())


async def events(session: AsyncSession, action: AuditAction) -> list[AuditEvent]:
    """The audit events of `action` someone caused (not the first admin's creation at start)."""
    found = await session.scalars(
        select(AuditEvent).where(AuditEvent.action == action, AuditEvent.actor_email.is_not(None))
    )
    return list(found.all())


async def test_first_login_creates_the_user_with_the_claims_role_and_signs_in(
    client: httpx.AsyncClient, idp: TestIdp, session: AsyncSession
) -> None:
    await idp.set_user(
        "alice-sub", {"email": "Alice@Example.com", "name": "Alice A", "portal_role": "operator"}
    )

    started = await client.get("/api/v1/auth/oidc/login", params={"next": "/jobs?tab=2"})
    assert started.status_code == 302
    authorization = urlsplit(started.headers["location"])
    query = {key: values[0] for key, values in parse_qs(authorization.query).items()}
    assert f"{authorization.scheme}://{authorization.netloc}" == idp.issuer
    assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
    assert query["redirect_uri"] == "http://portal.test/api/v1/auth/oidc/callback"
    assert set(query["scope"].split()) == {"openid", "email", "profile"}
    assert query["code_challenge_method"] == "S256" and query["state"] and query["nonce"]
    flow_cookie = client.cookies.get(FLOW_COOKIE)
    assert flow_cookie and query["state"] not in flow_cookie and query["nonce"] not in flow_cookie  # sealed

    callback = await client.get(await idp.authorize(started.headers["location"], "alice-sub"))

    assert callback.status_code == 302, callback.text
    assert callback.headers["location"] == "/jobs?tab=2"
    assert session_cookies(callback) == SESSION_COOKIES
    assert client.cookies.get(FLOW_COOKIE) is None  # the flow cookie is single-use
    # PKCE: the token request carried the verifier whose S256 is the challenge sent at the start.
    (token_request,) = idp.token_requests
    digest = hashlib.sha256(token_request["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).decode().rstrip("=") == query["code_challenge"]

    me = await client.get("/api/v1/auth/me")
    assert me.status_code == 200, me.text
    assert me.json()["email"] == "alice@example.com"
    assert me.json()["role"] == "operator" and me.json()["auth_source"] == "oidc"
    (user,) = await users(session)
    assert (user.name, user.oidc_subject, user.password_hash) == ("Alice A", "alice-sub", None)
    assert user.auth_source == AuthSource.OIDC and user.last_login_at is not None
    (created,) = await events(session, AuditAction.CREATE)
    assert (created.resource_type, created.resource_id) == ("user", str(user.id))
    (login,) = await events(session, AuditAction.LOGIN)
    assert login.resource_type == "session" and login.actor_email == "alice@example.com"
    assert login.changes == {"method": {"before": None, "after": "oidc"}}


async def test_role_changed_at_the_provider_changes_at_next_login_and_is_audited(
    client: httpx.AsyncClient, idp: TestIdp, session: AsyncSession
) -> None:
    await idp.set_user("bob-sub", {"email": "bob@example.com", "portal_role": "viewer"})
    assert login_error_or_none(await sso(client, idp, "bob-sub")) is None
    assert (await client.get("/api/v1/auth/me")).json()["role"] == "viewer"
    assert await events(session, AuditAction.ROLE_CHANGE) == []

    await idp.set_user("bob-sub", {"email": "bob@example.com", "portal_role": ["staff", "admin"]})
    assert login_error_or_none(await sso(client, idp, "bob-sub")) is None

    assert (await client.get("/api/v1/auth/me")).json()["role"] == "admin"
    (user,) = await users(session)
    assert user.role == Role.ADMIN
    (change,) = await events(session, AuditAction.ROLE_CHANGE)
    assert (change.resource_type, change.resource_id, change.actor_email) == (
        "user",
        str(user.id),
        "bob@example.com",
    )
    assert change.changes is not None and change.changes["role"] == {"before": "viewer", "after": "admin"}
    assert len(await events(session, AuditAction.LOGIN)) == 2


async def test_the_provider_cannot_demote_the_last_active_admin(
    client: httpx.AsyncClient, idp: TestIdp, session: AsyncSession
) -> None:
    await idp.set_user("erin-sub", {"email": "erin@example.com", "portal_role": "admin"})
    assert login_error_or_none(await sso(client, idp, "erin-sub")) is None
    first = await session.scalar(select(User).where(User.email == FIRST_ADMIN))
    assert first is not None
    first.active = False  # erin is now the only active admin
    await session.commit()

    await idp.set_user("erin-sub", {"email": "erin@example.com", "portal_role": "viewer"})
    assert login_error_or_none(await sso(client, idp, "erin-sub")) is None

    assert (await client.get("/api/v1/auth/me")).json()["role"] == "admin"
    assert await events(session, AuditAction.ROLE_CHANGE) == []

    first.active = True  # with another admin again, the provider's word holds
    await session.commit()
    assert login_error_or_none(await sso(client, idp, "erin-sub")) is None
    assert (await client.get("/api/v1/auth/me")).json()["role"] == "viewer"


def login_error_or_none(response: httpx.Response) -> str | None:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    return login_error(response) if location.startswith("/login") else None


async def test_no_role_claim_gives_the_default_role(
    make_browser: Callable[..., Any], oidc_settings: Callable[..., Settings], idp: TestIdp
) -> None:
    await idp.set_user("carol-sub", {"email": "carol@example.com"})
    async with make_browser(oidc_settings()) as http:
        assert login_error_or_none(await sso(http, idp, "carol-sub")) is None
        assert (await http.get("/api/v1/auth/me")).json()["role"] == "viewer"
    await idp.set_user("dave-sub", {"email": "dave@example.com", "portal_role": "superuser"})
    async with make_browser(oidc_settings(oidc_default_role="operator")) as http:
        assert login_error_or_none(await sso(http, idp, "dave-sub")) is None
        assert (await http.get("/api/v1/auth/me")).json()["role"] == "operator"


async def test_role_map_translates_the_providers_groups(
    make_browser: Callable[..., Any], oidc_settings: Callable[..., Settings], idp: TestIdp
) -> None:
    settings = oidc_settings(
        oidc_role_claim="groups", oidc_role_map="etl-admins=admin,etl-ops=operator", oidc_default_role="none"
    )
    await idp.set_user("erin-sub", {"email": "erin@example.com", "groups": ["everyone", "etl-ops"]})
    async with make_browser(settings) as http:
        assert login_error_or_none(await sso(http, idp, "erin-sub")) is None
        assert (await http.get("/api/v1/auth/me")).json()["role"] == "operator"


async def test_default_role_none_refuses_sign_in_without_a_role(
    make_browser: Callable[..., Any],
    oidc_settings: Callable[..., Settings],
    idp: TestIdp,
    session: AsyncSession,
) -> None:
    await idp.set_user("frank-sub", {"email": "frank@example.com", "portal_role": "superuser"})
    async with make_browser(oidc_settings(oidc_default_role="none")) as http:
        callback = await sso(http, idp, "frank-sub")
        assert login_error(callback) == "oidc_no_role"
        assert session_cookies(callback) == set()
        assert (await http.get("/api/v1/auth/me")).status_code == 401
    assert await users(session) == []
    (failed,) = await events(session, AuditAction.LOGIN_FAILED)
    assert (failed.resource_type, failed.actor_email) == ("session", "frank@example.com")


async def test_a_state_that_is_not_this_browsers_is_refused(
    app: FastAPI, client: httpx.AsyncClient, idp: TestIdp, session: AsyncSession
) -> None:
    await idp.set_user("gina-sub", {"email": "gina@example.com"})
    started = await client.get("/api/v1/auth/oidc/login")
    callback_url = await idp.authorize(started.headers["location"], "gina-sub")
    parts = urlsplit(callback_url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}

    forged = await client.get(parts.path, params={**query, "state": "someone-elses-state"})
    assert login_error(forged) == "oidc_state_invalid"

    # The right state from another browser (no flow cookie: a login CSRF attempt) is refused too.
    async with browser(app) as other:
        assert login_error(await other.get(callback_url)) == "oidc_state_invalid"
    client.cookies.set(FLOW_COOKIE, "bm90LWEtc2VhbGVkLWZsb3c", domain="portal.test", path="/api/v1/auth/oidc")
    assert login_error(await client.get(callback_url)) == "oidc_state_invalid"
    assert await users(session) == []
    assert idp.token_requests == []  # refused before the code was ever exchanged


@pytest.mark.parametrize("tampering", TAMPERINGS)
async def test_an_id_token_that_fails_validation_is_refused(
    client: httpx.AsyncClient, idp: TestIdp, session: AsyncSession, tampering: Tampering
) -> None:
    await idp.set_user("hank-sub", {"email": "hank@example.com", "portal_role": "viewer"})
    idp.tamper = tampering

    callback = await sso(client, idp, "hank-sub")

    assert login_error(callback) == "oidc_token_invalid"
    assert session_cookies(callback) == set()
    assert len(idp.token_requests) == 1
    assert await users(session) == []
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_missing_claims_are_read_from_userinfo(
    client: httpx.AsyncClient, idp: TestIdp, session: AsyncSession
) -> None:
    await idp.set_user("ivy-sub", {"email": "ivy@example.com", "portal_role": "admin"})
    idp.tamper = "without_email_and_role"  # still signed by the provider: only the claims moved

    assert login_error_or_none(await sso(client, idp, "ivy-sub")) is None

    (user,) = await users(session)
    assert (user.email, user.role) == ("ivy@example.com", Role.ADMIN)


@pytest.mark.parametrize(
    "next_page",
    ["//evil.example/jobs", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "jobs"],
)
async def test_next_never_leaves_the_site(client: httpx.AsyncClient, idp: TestIdp, next_page: str) -> None:
    await idp.set_user("jack-sub", {"email": "jack@example.com"})
    callback = await sso(client, idp, "jack-sub", next_page=next_page)
    assert callback.status_code == 302
    assert callback.headers["location"] == "/"
    assert session_cookies(callback) == SESSION_COOKIES


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "/"),
        ("", "/"),
        ("/runs/7?tab=log#end", "/runs/7?tab=log#end"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/ok\\..\\x", "/"),
        ("https://evil.example/", "/"),
        ("/jobs\r\nSet-Cookie: x=1", "/"),
    ],
)
def test_safe_next(value: str | None, expected: str) -> None:
    assert safe_next(value) == expected


@pytest.mark.parametrize(
    ("claims", "overrides", "expected"),
    [
        ({"portal_role": "Operator"}, {}, Role.OPERATOR),
        ({"portal_role": ["viewer", "admin", "operator"]}, {}, Role.ADMIN),
        ({"portal_role": 3}, {}, Role.VIEWER),
        ({}, {"oidc_default_role": "none"}, None),
        ({"realm_access": {"roles": ["operator"]}}, {"oidc_role_claim": "realm_access.roles"}, Role.OPERATOR),
        (
            {"https://portal.example/role": "admin"},
            {"oidc_role_claim": "https://portal.example/role"},
            Role.ADMIN,
        ),
        # With a map, only mapped values count: a group that happens to be called "admin" does not.
        ({"portal_role": ["admin", "etl-ops"]}, {"oidc_role_map": "etl-ops=operator"}, Role.OPERATOR),
        (
            {"portal_role": ["admin"]},
            {"oidc_role_map": "etl-ops=operator", "oidc_default_role": "none"},
            None,
        ),
    ],
)
def test_role_from_claims(
    make_settings: Callable[..., Settings],
    claims: dict[str, Any],
    overrides: dict[str, Any],
    expected: Role | None,
) -> None:
    assert role_from_claims(claims, make_settings(**overrides)) == expected


async def test_an_existing_account_is_linked_by_email(
    app: FastAPI, client: httpx.AsyncClient, idp: TestIdp, session: AsyncSession
) -> None:
    existing = await create_user(
        session, email="kim@example.com", name="Kim", role=Role.VIEWER, password="a-long-password"
    )
    existing_id = existing.id
    await session.commit()
    await idp.set_user("kim-sub", {"email": "KIM@example.com", "portal_role": "operator"})

    assert login_error_or_none(await sso(client, idp, "kim-sub")) is None

    (user,) = await users(session)
    assert user.id == existing_id
    assert (user.oidc_subject, user.role, user.auth_source) == ("kim-sub", Role.OPERATOR, AuthSource.PASSWORD)
    assert user.password_hash is not None  # the password still works too

    # Another subject claiming the same email later is not let into this account.
    await idp.set_user("impostor-sub", {"email": "kim@example.com", "portal_role": "admin"})
    async with browser(app) as other:
        assert login_error(await sso(other, idp, "impostor-sub")) == "oidc_account_conflict"
    (user,) = await users(session)
    assert (user.oidc_subject, user.role) == ("kim-sub", Role.OPERATOR)


async def test_a_deactivated_user_is_refused(
    client: httpx.AsyncClient, idp: TestIdp, session: AsyncSession
) -> None:
    await idp.set_user("lee-sub", {"email": "lee@example.com"})
    assert login_error_or_none(await sso(client, idp, "lee-sub")) is None
    (user,) = await users(session)
    user.active = False
    await session.commit()
    await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": client.cookies.get("portal_csrf", "")})

    callback = await sso(client, idp, "lee-sub")

    assert login_error(callback) == "account_inactive"
    assert session_cookies(callback) == set()
    assert len(await events(session, AuditAction.LOGIN_FAILED)) == 1


async def test_an_unverified_email_is_refused(
    client: httpx.AsyncClient, idp: TestIdp, session: AsyncSession
) -> None:
    await idp.set_user("mo-sub", {"email": "mo@example.com", "email_verified": False})
    assert login_error(await sso(client, idp, "mo-sub")) == "oidc_email_unverified"
    assert await users(session) == []


async def test_the_user_denying_consent_goes_back_to_the_login_page(
    client: httpx.AsyncClient, idp: TestIdp
) -> None:
    started = await client.get("/api/v1/auth/oidc/login")
    callback_url = await idp.authorize(started.headers["location"], "", deny=True)
    assert login_error(await client.get(callback_url)) == "access_denied"


async def test_an_unreachable_provider_goes_back_to_the_login_page(
    make_browser: Callable[..., Any], oidc_settings: Callable[..., Settings]
) -> None:
    async with make_browser(oidc_settings(oidc_issuer="http://127.0.0.1:9")) as http:
        assert login_error(await http.get("/api/v1/auth/oidc/login")) == "oidc_unavailable"


async def test_providers_names_the_configured_provider(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/auth/providers")
    assert response.status_code == 200
    assert response.json()["oidc"] == {"enabled": True, "name": "Test IdP"}


async def test_oidc_not_configured_is_404(
    make_browser: Callable[..., Any], make_settings: Callable[..., Settings]
) -> None:
    async with make_browser(make_settings()) as http:
        login = await http.get("/api/v1/auth/oidc/login", params={"next": "/jobs"})
        assert login.status_code == 404 and login.json()["error"] == "OidcNotConfigured"
        callback = await http.get("/api/v1/auth/oidc/callback", params={"code": "x", "state": "y"})
        assert callback.status_code == 404 and callback.json()["error"] == "OidcNotConfigured"
        assert (await http.get("/api/v1/auth/providers")).json()["oidc"] == {"enabled": False, "name": None}


async def test_a_configured_redirect_url_is_sent_to_the_provider(
    make_browser: Callable[..., Any], oidc_settings: Callable[..., Settings]
) -> None:
    callback = "https://etl.example.com/api/v1/auth/oidc/callback"
    async with make_browser(oidc_settings(oidc_redirect_url=callback)) as http:
        started = await http.get("/api/v1/auth/oidc/login")
    assert parse_qs(urlsplit(started.headers["location"]).query)["redirect_uri"] == [callback]


def test_oidc_settings_are_checked(make_settings: Callable[..., Settings]) -> None:
    parsed = make_settings(oidc_role_map=" etl-admins = admin , etl-ops=operator,,")
    assert parsed.oidc_role_map == {"etl-admins": "admin", "etl-ops": "operator"}
    with pytest.raises(ValidationError, match="OIDC_ROLE_MAP"):
        make_settings(oidc_role_map="etl-admins")
    with pytest.raises(ValidationError, match="oidc_role_map"):
        make_settings(oidc_role_map="etl-admins=root")
    with pytest.raises(ValidationError, match="oidc_default_role"):
        make_settings(oidc_default_role="root")
    with pytest.raises(ValidationError, match="OIDC_ISSUER and OIDC_CLIENT_ID"):
        make_settings(oidc_issuer="https://idp.example.com")
    with pytest.raises(ValidationError, match="https://"):
        make_settings(environment="production", oidc_issuer="http://idp.example.com", oidc_client_id="portal")
