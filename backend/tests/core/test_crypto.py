from __future__ import annotations

import base64
import os

import pytest

from portal.core.config import Settings
from portal.core.crypto import CredentialCipher, CredentialDecryptionError


def new_key() -> bytes:
    return os.urandom(32)


def test_encrypt_round_trips_unicode_and_never_contains_the_plaintext() -> None:
    cipher = CredentialCipher(new_key())

    token = cipher.encrypt("pässwörd-🔑")

    assert b"p\xc3\xa4ssw" not in token
    assert cipher.decrypt(token) == "pässwörd-🔑"


def test_same_plaintext_encrypts_differently_each_time() -> None:
    cipher = CredentialCipher(new_key())

    assert cipher.encrypt("secret") != cipher.encrypt("secret")


def test_values_encrypted_with_a_retired_key_still_decrypt_after_rotation() -> None:
    old, new = new_key(), new_key()
    token = CredentialCipher(old).encrypt("secret")

    rotated = CredentialCipher(new, old_keys=[old])

    assert rotated.decrypt(token) == "secret"
    with pytest.raises(CredentialDecryptionError):
        CredentialCipher(old).decrypt(rotated.encrypt("fresh"))


def test_a_value_whose_key_is_not_configured_is_refused_with_a_hint() -> None:
    token = CredentialCipher(new_key()).encrypt("secret")

    with pytest.raises(CredentialDecryptionError, match="CREDENTIALS_OLD_KEYS"):
        CredentialCipher(new_key()).decrypt(token)


def test_a_tampered_value_fails_its_integrity_check() -> None:
    cipher = CredentialCipher(new_key())
    token = bytearray(cipher.encrypt("secret"))
    token[-1] ^= 0x01

    with pytest.raises(CredentialDecryptionError, match="integrity"):
        cipher.decrypt(bytes(token))


def test_cipher_from_settings_uses_current_and_old_keys() -> None:
    old, new = new_key(), new_key()
    settings = Settings(
        credentials_key=base64.b64encode(new).decode(),
        credentials_old_keys=base64.b64encode(old).decode(),
    )

    assert CredentialCipher.from_settings(settings).decrypt(CredentialCipher(old).encrypt("x")) == "x"
