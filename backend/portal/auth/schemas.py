"""Sign-in, password change, providers and API tokens as the API shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from portal.auth.passwords import MAX_PASSWORD_LENGTH
from portal.users.schemas import UserRead

MAX_TOKEN_DAYS = 3650


class LoginRequest(BaseModel):
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class LoginResponse(BaseModel):
    """The signed-in user; the session itself travels in httpOnly cookies. `csrf_token` is the
    value the SPA sends back as `X-CSRF-Token` on every write (also in the `portal_csrf` cookie)."""

    user: UserRead
    csrf_token: str
    access_expires_at: datetime


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)
    new_password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class OidcProvider(BaseModel):
    enabled: bool
    name: str | None = None


class Providers(BaseModel):
    """How the login page may sign in."""

    password: bool = True
    oidc: OidcProvider


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    expires_in_days: int | None = Field(default=None, ge=1, le=MAX_TOKEN_DAYS)


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenRead):
    """The token itself, shown this once (only its hash is kept)."""

    token: str
