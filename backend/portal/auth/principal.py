"""Who is asking: the role ladder and the principal every authenticated request carries."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """viewer < operator < admin; a route names the lowest role it needs."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


_RANKS = {Role.VIEWER: 0, Role.OPERATOR: 1, Role.ADMIN: 2}


class AuthMethod(StrEnum):
    SESSION = "session"  # browser cookies (CSRF token required on writes)
    TOKEN = "token"  # a personal API token in `Authorization: Bearer`


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in user behind a request (the role is read live from the user, not the token)."""

    user_id: int
    email: str
    role: Role
    method: AuthMethod
    session_id: int | None = None  # the browser session, to end its streams when it is revoked
