"""The engine's view of a stored credential: its destination with the password and the kind's
other secrets decrypted (a Snowflake key named by file is read from KEY_DIR here).

Pure functions on model rows that import no web code: the API and the runner (inside an Airflow
worker) build the same engine inputs from the same rows through them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from etl_engine import DestinationConfig, DestinationKind
from etl_engine.sources.base import DatabaseKind, SourceConfig
from etl_engine.writers.redshift import S3Stage
from portal.connections.models import Credential, CredentialKind
from portal.core.crypto import CredentialCipher, CredentialDecryptionError
from portal.core.errors import ValidationFailedError

_DESTINATION_KINDS: dict[str, DestinationKind] = {
    CredentialKind.POSTGRES: "postgres",
    CredentialKind.REDSHIFT: "redshift",
    CredentialKind.DUCKDB: "duckdb",
    CredentialKind.S3: "s3",
    CredentialKind.SNOWFLAKE: "snowflake",
}
_SOURCE_KINDS: dict[str, DatabaseKind] = {
    CredentialKind.POSTGRES: "postgres",
    CredentialKind.MYSQL: "mysql",
    CredentialKind.SQLSERVER: "sqlserver",
    CredentialKind.ORACLE: "oracle",
}


class KeyFileUnreadable(CredentialDecryptionError):
    """A Snowflake connection's private key file cannot be read (409, like any secret that cannot be)."""


def destination_config(credential: Credential, cipher: CredentialCipher) -> DestinationConfig:
    """A stored credential, secrets decrypted (raises CredentialDecryptionError when its key is gone).

    The built-in warehouse's path is the one stored: the API points it at WAREHOUSE_PATH at start-up,
    and the backend and Airflow's workers share that setting.
    """
    password = cipher.decrypt(credential.password_encrypted) if credential.password_encrypted else None
    return destination_from_fields(
        credential.kind, credential.host, credential.port, credential.database, credential.username,
        password, credential.options or {}, stored_secrets(credential, cipher),
    )  # fmt: skip


def stored_secrets(credential: Credential, cipher: CredentialCipher) -> dict[str, str]:
    """The credential's secrets besides the password, decrypted: {name: value}."""
    if credential.secrets_encrypted is None:
        return {}
    secrets: dict[str, str] = json.loads(cipher.decrypt(credential.secrets_encrypted))
    return secrets


def destination_from_fields(
    kind: str,
    host: str | None,
    port: int | None,
    database: str | None,
    username: str | None,
    password: str | None,
    options: Mapping[str, Any],
    secrets: Mapping[str, str] | None = None,
) -> DestinationConfig:
    rest = dict(options)
    secrets = secrets or {}
    if kind == CredentialKind.S3:
        return DestinationConfig(
            kind="s3",
            user=username,
            password=password,
            session_token=secrets.get("session_token"),
            bucket=rest.pop("bucket", None),
            region=rest.pop("region", None) or None,
            endpoint_url=rest.pop("endpoint_url", None) or None,
            path_style=bool(rest.pop("path_style", False)),
            path=rest.pop("path", None) or None,
            options=rest,
        )
    if kind == CredentialKind.SNOWFLAKE:
        key_file = rest.pop("private_key_path", None)
        return DestinationConfig(
            kind="snowflake",
            host=host,
            port=port,
            database=database,
            user=username,
            password=password,
            account=rest.pop("account", None),
            warehouse=rest.pop("warehouse", None) or None,
            role=rest.pop("role", None) or None,
            private_key=secrets.get("private_key") or (_read_key(key_file) if key_file else None),
            private_key_passphrase=secrets.get("private_key_passphrase"),
            options=rest,
        )
    if kind == CredentialKind.REDSHIFT and isinstance(rest.get("s3_stage"), Mapping):
        stage = dict(rest["s3_stage"])
        rest["s3_stage"] = S3Stage(
            bucket=stage["bucket"],
            prefix=stage.get("prefix") or "",
            region=stage.get("region") or None,
            iam_role=stage.get("iam_role") or None,
            access_key_id=stage.get("access_key_id") or None,
            secret_access_key=secrets.get("s3_stage_secret_access_key"),
            endpoint_url=stage.get("endpoint_url") or None,
            path_style=bool(stage.get("path_style", False)),
        )
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


def _read_key(path: str) -> str:
    """The PEM in a key file (its path was resolved under KEY_DIR when the connection was saved)."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not a text file"
        raise KeyFileUnreadable(
            f"the private key file {Path(path).name!r} cannot be read: {reason}", error="KeyFileUnreadable"
        ) from None


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
