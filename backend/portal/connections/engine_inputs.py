"""The engine's view of a stored credential: its destination with the password decrypted.

Pure functions on model rows that import no web code: the API and the runner (inside an Airflow
worker) build the same engine inputs from the same rows through them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from etl_engine import DestinationConfig, DestinationKind
from etl_engine.sources.base import DatabaseKind, SourceConfig
from portal.connections.models import Credential, CredentialKind
from portal.core.crypto import CredentialCipher
from portal.core.errors import ValidationFailedError

_DESTINATION_KINDS: dict[str, DestinationKind] = {
    CredentialKind.POSTGRES: "postgres",
    CredentialKind.REDSHIFT: "redshift",
    CredentialKind.DUCKDB: "duckdb",
}
_SOURCE_KINDS: dict[str, DatabaseKind] = {
    CredentialKind.POSTGRES: "postgres",
    CredentialKind.MYSQL: "mysql",
    CredentialKind.SQLSERVER: "sqlserver",
    CredentialKind.ORACLE: "oracle",
}


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
        kind=destination_kind(kind),
        host=host,
        port=port,
        database=database,
        user=username,
        password=password,
        path=str(path) if path is not None else None,
        options=rest,
    )


def destination_kind(kind: str) -> DestinationKind:
    """The engine's destination kind of a connection; 422 `NotADestination` for a source-only kind."""
    try:
        return _DESTINATION_KINDS[kind]
    except KeyError:
        raise ValidationFailedError(
            f"A {kind} connection cannot be a destination", error="NotADestination", kind=kind
        ) from None


def catalog_config(credential: Credential, cipher: CredentialCipher) -> DestinationConfig | SourceConfig:
    """What the database browser opens: a source's config for a source-only kind (mysql...), else
    the destination's (the built-in DuckDB warehouse included)."""
    if is_destination_kind(credential.kind):
        return destination_config(credential, cipher)
    password = cipher.decrypt(credential.password_encrypted) if credential.password_encrypted else None
    return source_from_fields(
        credential.kind, credential.host, credential.port, credential.database, credential.username,
        password, credential.options or {},
    )  # fmt: skip


def is_destination_kind(kind: str) -> bool:
    return kind in _DESTINATION_KINDS


def source_from_fields(
    kind: str,
    host: str | None,
    port: int | None,
    database: str | None,
    username: str | None,
    password: str | None,
    options: Mapping[str, Any],
) -> SourceConfig:
    return SourceConfig(_SOURCE_KINDS[kind], host, port, database, username, password, dict(options))
