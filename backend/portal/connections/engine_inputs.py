"""The engine's view of a stored credential: its destination with the password decrypted.

Pure functions on model rows that import no web code: the API and the runner (inside an Airflow
worker) build the same engine inputs from the same rows through them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from etl_engine import DestinationConfig
from portal.connections.models import Credential, CredentialKind
from portal.core.crypto import CredentialCipher


def destination_config(credential: Credential, cipher: CredentialCipher) -> DestinationConfig:
    """A stored credential, password decrypted (raises CredentialDecryptionError when its key is gone).

    The built-in warehouse's path is the one stored: the API points it at WAREHOUSE_PATH at start-up,
    and the backend and Airflow's workers share that setting.
    """
    password = cipher.decrypt(credential.password_encrypted) if credential.password_encrypted else None
    return destination_from_fields(
        credential.kind, credential.host, credential.port, credential.database, credential.username,
        password, credential.options or {},
    )  # fmt: skip


def destination_from_fields(
    kind: str,
    host: str | None,
    port: int | None,
    database: str | None,
    username: str | None,
    password: str | None,
    options: Mapping[str, Any],
) -> DestinationConfig:
    rest = dict(options)
    path = rest.pop("path", None)
    return DestinationConfig(
        kind=CredentialKind(kind).value,
        host=host,
        port=port,
        database=database,
        user=username,
        password=password,
        path=str(path) if path is not None else None,
        options=rest,
    )
