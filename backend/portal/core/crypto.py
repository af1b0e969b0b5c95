"""AES-256-GCM encryption of stored credential passwords, with key rotation.

Ciphertext layout: version (1 byte) | key id (4 bytes) | nonce (12 bytes) | ciphertext + tag.
The key id (first 4 bytes of SHA-256 of the key) says which key encrypted a value, so after a
rotation (new CREDENTIALS_KEY, the previous one moved to CREDENTIALS_OLD_KEYS) old values still
decrypt and new ones use the new key; the app re-encrypts stored values with the new key at
start-up, after which the old key can be dropped.

Usage::

    cipher = CredentialCipher.from_settings(settings)
    token = cipher.encrypt("s3cret")
    cipher.decrypt(token)  # "s3cret"
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from portal.core.config import Settings
from portal.core.errors import PortalError

_VERSION = b"\x01"
_KEY_ID_BYTES = 4
_NONCE_BYTES = 12  # the 96-bit nonce GCM is designed for; random per value
_HEADER_BYTES = len(_VERSION) + _KEY_ID_BYTES + _NONCE_BYTES


class CredentialDecryptionError(PortalError):
    """A stored secret cannot be decrypted: its key is not configured or the value is damaged.
    409: the stored credential conflicts with this server's keys; re-entering the password fixes it."""

    status_code = 409


def decode_key(encoded: str) -> bytes:
    """A configured key (base64 of 32 bytes; Settings has already checked its shape)."""
    return base64.b64decode(encoded.strip())


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(key).digest()[:_KEY_ID_BYTES]


class CredentialCipher:
    def __init__(self, current_key: bytes, old_keys: list[bytes] | None = None) -> None:
        self._current_id = key_id(current_key)
        self._current = AESGCM(current_key)
        self._by_id = {key_id(k): AESGCM(k) for k in [*(old_keys or []), current_key]}

    @classmethod
    def from_settings(cls, settings: Settings) -> CredentialCipher:
        return cls(
            decode_key(settings.credentials_key.get_secret_value()),
            [decode_key(k.get_secret_value()) for k in settings.credentials_old_keys],
        )

    def encrypt(self, plaintext: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        header = _VERSION + self._current_id
        # The header is authenticated too, so a value cannot be re-labelled with another key id.
        return header + nonce + self._current.encrypt(nonce, plaintext.encode("utf-8"), header)

    def decrypt(self, token: bytes) -> str:
        if len(token) <= _HEADER_BYTES or token[:1] != _VERSION:
            raise CredentialDecryptionError("stored secret has an unknown format")
        header, nonce = token[: 1 + _KEY_ID_BYTES], token[1 + _KEY_ID_BYTES : _HEADER_BYTES]
        aead = self._by_id.get(header[1:])
        if aead is None:
            raise CredentialDecryptionError(
                "stored secret was encrypted with a key that is not configured; "
                "add the previous key to CREDENTIALS_OLD_KEYS",
                key_id=header[1:].hex(),
            )
        try:
            return aead.decrypt(nonce, token[_HEADER_BYTES:], header).decode("utf-8")
        except InvalidTag as exc:
            raise CredentialDecryptionError("stored secret failed its integrity check") from exc

    def is_current(self, token: bytes) -> bool:
        """False when a value was encrypted with a retired key (re-encrypt it to finish a rotation)."""
        return token[1 : 1 + _KEY_ID_BYTES] == self._current_id
