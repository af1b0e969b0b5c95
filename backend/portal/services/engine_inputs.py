"""The engine's view of the portal's rows: a stored file's CSV options and columns, a credential's
destination with its password decrypted.

Pure functions on model rows that import no web code: the API and the runner (inside an Airflow
worker) build the same engine inputs from the same rows through them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from etl_engine import ColumnType, CsvOptions, DestinationConfig, SourceColumn
from portal.core.crypto import CredentialCipher
from portal.models import Credential, CredentialKind, UploadedFile


def csv_options(row: UploadedFile) -> CsvOptions:
    """The engine's reading options for a stored file."""
    return CsvOptions(
        encoding=row.encoding,
        delimiter=row.delimiter,
        quotechar=row.quotechar or '"',
        has_header=row.has_header,
        decimal=row.decimal,
        compression=row.compression,
    )


def source_columns(row: UploadedFile) -> list[SourceColumn]:
    """The file's columns; the stored JSON holds each type as its name, the engine wants the
    ColumnType member (it compares types by identity)."""
    return [
        SourceColumn(
            name=column["name"],
            sql_name=column["sql_name"],
            type=ColumnType(column["type"]),
            precision=column.get("precision"),
            scale=column.get("scale"),
        )
        for column in row.columns
    ]


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
