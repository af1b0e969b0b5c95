"""Password hashing (pwdlib, argon2id) and the rules a new password must meet."""

from __future__ import annotations

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from portal.core.errors import ValidationFailedError

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256  # argon2 takes any length; this only bounds the work per request

_hasher = PasswordHash((Argon2Hasher(),))
# Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-password-of-anyone")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """True when `password` matches; a missing hash (no such user, SSO-only) still spends the time."""
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    return _hasher.verify(password, password_hash)


def check_new_password(password: str, *, field: str = "new_password") -> None:
    """ValidationFailedError (422) when `password` is too short or too long."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailedError(
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters",
            error="PasswordTooShort",
            field=field,
            min_length=MIN_PASSWORD_LENGTH,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailedError(
            f"The password must have at most {MAX_PASSWORD_LENGTH} characters",
            error="PasswordTooLong",
            field=field,
            max_length=MAX_PASSWORD_LENGTH,
        )
