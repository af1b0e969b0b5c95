"""Users as the API shows them (never the password hash)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

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
