"""OpenID Connect single sign-on: the authorization code flow with PKCE, state and nonce (authlib).

    info = oidc_provider_info(settings)                          # the login page's button
    started = await start_login(request, settings, next_page)    # -> IdP URL + sealed flow cookie
    identity = await finish_login(request, settings, flow, code=..., state=...)  # ID token checked
    user = await resolve_user(db, settings, identity, ip=..., request_id=...)    # find, link or create

The provider is found through `<OIDC_ISSUER>/.well-known/openid-configuration` (its `issuer` must be
OIDC_ISSUER); the ID token's signature is checked against the provider's JWKS and its issuer,
audience (OIDC_CLIENT_ID), expiry and nonce against this login.

The flow's own state (state, nonce, PKCE verifier, the page to return to, the redirect URI) travels
in one short-lived cookie, `portal_oidc`, sealed with AES-GCM under a key derived from
CREDENTIALS_KEY: nothing kept server-side and no app-wide SessionMiddleware. It is httpOnly,
SameSite=Lax (so the provider's top-level redirect back carries it), scoped to the OIDC routes,
lives 10 minutes and is cleared by the callback.

The role comes from OIDC_ROLE_CLAIM at every login (a string or a list; without OIDC_ROLE_MAP the
values are role names, with it only mapped values count; several: the highest role wins; none:
OIDC_DEFAULT_ROLE, or no sign-in when that is "none").
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import structlog
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.starlette_client import OAuth
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import Request
from joserfc.errors import JoseError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.models import AuditAction
from portal.audit.service import record
from portal.auth.principal import AuthMethod, Principal, Role
from portal.auth.schemas import OidcProvider
from portal.core.config import Settings
from portal.core.crypto import decode_key
from portal.core.errors import ConflictError, PortalError
from portal.users.models import AuthSource, User
from portal.users.service import create_user, normalize_email, user_snapshot

log = structlog.get_logger(__name__)

FLOW_COOKIE = "portal_oidc"
FLOW_COOKIE_PATH = "/api/v1/auth/oidc"
FLOW_TTL_SECONDS = 600
CALLBACK_ROUTE = "oidc_callback"  # the callback route's name (the default redirect URI)
_SEAL_INFO = b"etl-portal oidc login flow v1"
_SEAL_AAD = FLOW_COOKIE.encode()
_HTTP_TIMEOUT_SECONDS = 10.0
_ID_TOKEN_LEEWAY_SECONDS = 60
_ROLE_NAMES = frozenset(role.value for role in Role)


class OidcNotConfiguredError(PortalError):
    """Single sign-on is off (OIDC_ISSUER / OIDC_CLIENT_ID unset): 404."""

    status_code = 404

    def __init__(self) -> None:
        super().__init__("Single sign-on is not configured on this portal", error="OidcNotConfigured")


class OidcLoginError(Exception):
    """A sign-in that cannot go on; `code` is what /login?error= shows (never a secret or a trace)."""

    def __init__(self, code: str, reason: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.reason = reason  # for the log line


@dataclass(frozen=True, slots=True)
class LoginFlow:
    """What the callback needs from the login that started it."""

    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    next_page: str
    expires_at: float


@dataclass(frozen=True, slots=True)
class StartedLogin:
    authorization_url: str
    flow_cookie: str  # the sealed LoginFlow, for FLOW_COOKIE


@dataclass(frozen=True, slots=True)
class OidcIdentity:
    """Who the provider says signed in (the ID token's claims, completed from userinfo)."""

    subject: str
    email: str
    name: str | None
    claims: Mapping[str, Any]


def oidc_enabled(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def oidc_provider_info(settings: Settings) -> OidcProvider:
    """For GET /auth/providers: is single sign-on on, and the label of its button."""
    if not oidc_enabled(settings):
        return OidcProvider(enabled=False, name=None)
    return OidcProvider(enabled=True, name=settings.oidc_provider_name)


def safe_next(value: str | None) -> str:
    """`value` when it is a path on this site ("/jobs?x=1"), else "/": never another host
    ("//evil.example", "/\\evil.example", "https://..."), never a control character."""
    if not value or len(value) > 2000 or not value.startswith("/"):
        return "/"
    if value.startswith(("//", "/\\")) or "\\" in value:
        return "/"
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        return "/"
    return value


def discovery_url(settings: Settings) -> str:
    return f"{settings.oidc_issuer.rstrip('/')}/.well-known/openid-configuration"


# --- the sealed flow cookie -------------------------------------------------------------------


def _seal_key(settings: Settings) -> AESGCM:
    master = decode_key(settings.credentials_key.get_secret_value())
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SEAL_INFO).derive(master)
    return AESGCM(derived)


def seal_flow(settings: Settings, flow: LoginFlow) -> str:
    payload = json.dumps(
        {
            "s": flow.state,
            "n": flow.nonce,
            "v": flow.code_verifier,
            "r": flow.redirect_uri,
            "x": flow.next_page,
            "e": flow.expires_at,
        },
        separators=(",", ":"),
    ).encode()
    nonce = os.urandom(12)
    sealed = nonce + _seal_key(settings).encrypt(nonce, payload, _SEAL_AAD)
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def open_flow(settings: Settings, cookie: str | None) -> LoginFlow:
    """The flow sealed in `cookie`; OidcLoginError("oidc_state_invalid") if absent, altered or old."""
    if not cookie:
        raise OidcLoginError("oidc_state_invalid", "no flow cookie")
    try:
        sealed = base64.urlsafe_b64decode(cookie + "=" * (-len(cookie) % 4))
        payload = _seal_key(settings).decrypt(sealed[:12], sealed[12:], _SEAL_AAD)
        data = json.loads(payload)
        flow = LoginFlow(
            state=str(data["s"]),
            nonce=str(data["n"]),
            code_verifier=str(data["v"]),
            redirect_uri=str(data["r"]),
            next_page=safe_next(str(data["x"])),
            expires_at=float(data["e"]),
        )
    except (binascii.Error, InvalidTag, ValueError, KeyError, TypeError) as exc:
        raise OidcLoginError("oidc_state_invalid", "flow cookie unreadable") from exc
    if flow.expires_at < time.time():
        raise OidcLoginError("oidc_state_invalid", "flow cookie expired")
    return flow


# --- talking to the provider ------------------------------------------------------------------


def _client(request: Request, settings: Settings) -> Any:
    """The app's authlib client (one per app: it caches the discovery document and the JWKS)."""
    client = getattr(request.app.state, "oidc_client", None)
    if client is None:
        secret = settings.oidc_client_secret.get_secret_value()
        registry = OAuth()
        client = registry.register(
            "oidc",
            client_id=settings.oidc_client_id,
            client_secret=secret or None,
            server_metadata_url=discovery_url(settings),
            client_kwargs={
                "scope": settings.oidc_scopes,
                "code_challenge_method": "S256",
                # No secret: a public client, which PKCE alone protects.
                "token_endpoint_auth_method": "client_secret_basic" if secret else "none",
                "timeout": _HTTP_TIMEOUT_SECONDS,
            },
        )
        request.app.state.oidc_client = client
    return client


async def _metadata(client: Any, settings: Settings) -> dict[str, Any]:
    try:
        metadata: dict[str, Any] = await client.load_server_metadata()
    except (httpx.HTTPError, ValueError) as exc:
        raise OidcLoginError("oidc_unavailable", f"discovery failed: {type(exc).__name__}") from exc
    issuer = str(metadata.get("issuer", ""))
    if issuer.rstrip("/") != settings.oidc_issuer.rstrip("/"):
        # Forget it: a corrected provider (or setting) is read again on the next login.
        client.server_metadata.pop("_loaded_at", None)
        raise OidcLoginError("oidc_provider_error", "discovery issuer differs from OIDC_ISSUER")
    return metadata


def _redirect_uri(request: Request, settings: Settings) -> str:
    return settings.oidc_redirect_url or str(request.url_for(CALLBACK_ROUTE))


async def start_login(request: Request, settings: Settings, next_page: str | None) -> StartedLogin:
    """The provider's authorization URL (state, nonce, PKCE S256) and the sealed flow cookie."""
    if not oidc_enabled(settings):
        raise OidcNotConfiguredError()
    client = _client(request, settings)
    await _metadata(client, settings)
    redirect_uri = _redirect_uri(request, settings)
    nonce = secrets.token_urlsafe(24)
    created = await client.create_authorization_url(
        redirect_uri,
        state=secrets.token_urlsafe(24),
        nonce=nonce,
        code_verifier=secrets.token_urlsafe(48),
    )
    flow = LoginFlow(
        state=str(created["state"]),
        nonce=nonce,
        code_verifier=str(created["code_verifier"]),
        redirect_uri=redirect_uri,
        next_page=safe_next(next_page),
        expires_at=time.time() + FLOW_TTL_SECONDS,
    )
    return StartedLogin(authorization_url=str(created["url"]), flow_cookie=seal_flow(settings, flow))


async def finish_login(
    request: Request, settings: Settings, flow: LoginFlow, *, code: str | None, state: str | None
) -> OidcIdentity:
    """Exchange the code (with the PKCE verifier) and check the ID token: signature (JWKS),
    issuer, audience, expiry, nonce. OidcLoginError on anything wrong."""
    if not state or not secrets.compare_digest(state.encode(), flow.state.encode()):
        raise OidcLoginError("oidc_state_invalid", "state differs from this browser's login")
    if not code:
        raise OidcLoginError("oidc_provider_error", "no code in the callback")
    client = _client(request, settings)
    metadata = await _metadata(client, settings)
    try:
        token: dict[str, Any] = await client.fetch_access_token(
            redirect_uri=flow.redirect_uri, code=code, code_verifier=flow.code_verifier
        )
    except httpx.HTTPError as exc:
        raise OidcLoginError("oidc_unavailable", f"token request failed: {type(exc).__name__}") from exc
    except (AuthlibBaseError, ValueError) as exc:
        raise OidcLoginError("oidc_provider_error", f"token refused: {type(exc).__name__}") from exc
    if "id_token" not in token:
        raise OidcLoginError("oidc_token_invalid", "no ID token (is 'openid' in OIDC_SCOPES?)")
    claims_options = {
        "iss": {"essential": True, "value": metadata["issuer"]},
        "aud": {"essential": True, "value": settings.oidc_client_id},
        "nonce": {"essential": True, "value": flow.nonce},
    }
    try:
        id_claims = await client.parse_id_token(
            token, nonce=flow.nonce, claims_options=claims_options, leeway=_ID_TOKEN_LEEWAY_SECONDS
        )
    except httpx.HTTPError as exc:
        raise OidcLoginError("oidc_unavailable", f"JWKS request failed: {type(exc).__name__}") from exc
    except (JoseError, AuthlibBaseError, ValueError, KeyError, TypeError) as exc:
        raise OidcLoginError("oidc_token_invalid", f"ID token refused: {type(exc).__name__}") from exc
    claims: dict[str, Any] = dict(id_claims)
    if _needs_userinfo(claims, settings) and metadata.get("userinfo_endpoint"):
        claims = await _with_userinfo(client, token, claims)
    return _identity(claims)


def _needs_userinfo(claims: Mapping[str, Any], settings: Settings) -> bool:
    return not claims.get("email") or claim_value(claims, settings.oidc_role_claim) is None


async def _with_userinfo(client: Any, token: dict[str, Any], claims: dict[str, Any]) -> dict[str, Any]:
    """The ID token's claims, missing ones filled from the userinfo endpoint (same subject only)."""
    try:
        info = dict(await client.userinfo(token=token))
    except httpx.HTTPError as exc:
        raise OidcLoginError("oidc_unavailable", f"userinfo request failed: {type(exc).__name__}") from exc
    except (AuthlibBaseError, ValueError) as exc:
        raise OidcLoginError("oidc_provider_error", f"userinfo refused: {type(exc).__name__}") from exc
    if info.get("sub") != claims.get("sub"):
        raise OidcLoginError("oidc_token_invalid", "userinfo is about another subject")
    return {**info, **claims}


def _identity(claims: Mapping[str, Any]) -> OidcIdentity:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise OidcLoginError("oidc_token_invalid", "no usable subject")
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email or len(email) > 320:
        raise OidcLoginError("oidc_email_missing", "no email claim")
    if claims.get("email_verified") is False:
        raise OidcLoginError("oidc_email_unverified", "the provider says the email is not verified")
    name = claims.get("name")
    return OidcIdentity(
        subject=subject,
        email=normalize_email(email),
        name=name.strip()[:200] if isinstance(name, str) and name.strip() else None,
        claims=claims,
    )


# --- who signs in, with which role --------------------------------------------------------------


def claim_value(claims: Mapping[str, Any], name: str) -> Any:
    """`claims[name]`, else a dotted path into nested objects ("realm_access.roles")."""
    if name in claims:
        return claims[name]
    value: Any = claims
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def role_from_claims(claims: Mapping[str, Any], settings: Settings) -> Role | None:
    """The role OIDC_ROLE_CLAIM grants (see the module doc); None: sign-in refused."""
    raw = claim_value(claims, settings.oidc_role_claim)
    values: list[str] = []
    if isinstance(raw, str):
        values = [raw]
    elif isinstance(raw, list):
        values = [item for item in raw if isinstance(item, str)]
    granted: list[Role] = []
    for value in (item.strip() for item in values):
        name = settings.oidc_role_map.get(value) if settings.oidc_role_map else value.lower()
        if name in _ROLE_NAMES:
            granted.append(Role(name))
    if granted:
        return max(granted, key=lambda role: role.rank)
    if settings.oidc_default_role == "none":
        return None
    return Role(settings.oidc_default_role)


async def resolve_user(
    db: AsyncSession,
    settings: Settings,
    identity: OidcIdentity,
    *,
    ip: str | None,
    request_id: str | None,
) -> User:
    """The user `identity` signs in as: by subject, else by email (linked), else created; its role
    set from the claim (a change audited). OidcLoginError (the refusal audited as login_failed)
    when no role is granted or the user is deactivated. Flushed, not committed (sign_in commits)."""
    role = role_from_claims(identity.claims, settings)
    user: User | None = await db.scalar(select(User).where(User.oidc_subject == identity.subject))
    if user is None:
        user = await db.scalar(select(User).where(User.email == identity.email))
        if user is not None and user.oidc_subject is not None:
            # Another subject of the provider already owns this account.
            await _refuse(db, identity.email, user.id, "oidc_account_conflict", ip, request_id)
    if user is not None and not user.active:
        await _refuse(db, user.email, user.id, "account_inactive", ip, request_id)
    if role is None:
        await _refuse(db, identity.email, user.id if user else None, "oidc_no_role", ip, request_id)
    assert role is not None
    if user is None:
        try:
            user = await create_user(
                db,
                email=identity.email,
                name=identity.name or identity.email,
                role=role,
                auth_source=AuthSource.OIDC,
                oidc_subject=identity.subject,
            )
        except ConflictError:  # the same person's first login in another tab, a moment earlier
            await _refuse(db, identity.email, None, "oidc_account_conflict", ip, request_id)
            raise
        record(
            db,
            action=AuditAction.CREATE,
            resource_type="user",
            resource_id=user.id,
            actor=_principal(user),
            ip=ip,
            request_id=request_id,
            after=user_snapshot(user),
        )
        log.info("oidc_user_created", user_id=user.id, role=role.value)
        return user
    if user.oidc_subject is None:
        user.oidc_subject = identity.subject
        record(
            db,
            action=AuditAction.UPDATE,
            resource_type="user",
            resource_id=user.id,
            actor=_principal(user),
            ip=ip,
            request_id=request_id,
            before={"oidc_linked": False},
            after={"oidc_linked": True},
        )
        log.info("oidc_user_linked", user_id=user.id)
    if user.role == Role.ADMIN and role != Role.ADMIN and not await _another_active_admin(db, user.id):
        # The provider would leave the portal with no admin (locked out of users and connections):
        # the role stays until another admin exists; the CLI (`portal.users create-admin`) recovers too.
        log.warning("oidc_role_change_kept_last_admin", user_id=user.id, claimed=role.value)
        role = Role.ADMIN
    if user.role != role:
        record(
            db,
            action=AuditAction.ROLE_CHANGE,
            resource_type="user",
            resource_id=user.id,
            actor=_principal(user),
            ip=ip,
            request_id=request_id,
            before={"role": user.role.value, "source": "oidc"},
            after={"role": role.value, "source": "oidc"},
        )
        log.info("oidc_role_changed", user_id=user.id, before=user.role.value, after=role.value)
        user.role = role
    await db.flush()
    return user


async def _another_active_admin(db: AsyncSession, user_id: int) -> bool:
    found = await db.scalar(
        select(User.id).where(User.role == Role.ADMIN, User.active.is_(True), User.id != user_id).limit(1)
    )
    return found is not None


def _principal(user: User) -> Principal:
    return Principal(user_id=user.id, email=user.email, role=user.role, method=AuthMethod.SESSION)


async def _refuse(
    db: AsyncSession, email: str, user_id: int | None, code: str, ip: str | None, request_id: str | None
) -> None:
    await db.rollback()
    record(
        db,
        action=AuditAction.LOGIN_FAILED,
        resource_type="session",
        resource_id=None,
        actor_email=email,
        ip=ip,
        request_id=request_id,
        after={"method": "oidc", "reason": code, "user_id": user_id},
    )
    await db.commit()
    raise OidcLoginError(code, "refused")
