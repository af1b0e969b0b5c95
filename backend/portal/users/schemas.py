"""Users as the API shows them (never the password hash), and what an admin sends to manage them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from portal.auth.passwords import MAX_PASSWORD_LENGTH
from portal.auth.principal import Role
from portal.users.models import AuthSource


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    role: Role
    active: bool
    auth_source: AuthSource
    created_at: datetime
    last_login_at: datetime | None


# Enough to refuse what cannot be an address; whether it receives mail is not our business.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+$"


class UserCreate(BaseModel):
    """A password user; the password must have at least 8 characters (422 `PasswordTooShort`)."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=320, pattern=EMAIL_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    role: Role
    password: SecretStr = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class UserUpdate(BaseModel):
    """Omitted fields stay. An admin cannot demote or deactivate themself, nor the last active
    admin (409 `LastAdmin`); deactivating ends every session of the user at once."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    role: Role | None = None
    active: bool | None = None


class PasswordReset(BaseModel):
    """An admin sets a user's password (at least 8 characters); the user's sessions end."""

    model_config = ConfigDict(extra="forbid")

    new_password: SecretStr = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)
