from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db.base import Base, str_enum, utcnow


class CredentialKind(StrEnum):
    POSTGRES = "postgres"
    REDSHIFT = "redshift"
    DUCKDB = "duckdb"
    MYSQL = "mysql"  # MariaDB too
    SQLSERVER = "sqlserver"
    ORACLE = "oracle"
    S3 = "s3"  # and S3-compatible stores
    SNOWFLAKE = "snowflake"


class ConnectionUsage(StrEnum):
    """What a connection is for; which a kind allows is in connections/kinds.py."""

    SOURCE = "source"
    DESTINATION = "destination"
    BOTH = "both"


class Credential(Base):
    """A connection, read from (source), loaded into (destination) or both; the password and the
    kind's other secrets (S3 session token, Snowflake private key and passphrase, a Redshift stage's
    secret key) are stored AES-256-GCM encrypted (core/crypto.py)."""

    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    usage: Mapped[ConnectionUsage] = mapped_column(
        str_enum(ConnectionUsage, 16), default=ConnectionUsage.DESTINATION, server_default="destination"
    )
    host: Mapped[str | None] = mapped_column(String(255))
    port: Mapped[int | None]
    database: Mapped[str | None] = mapped_column(String(255))
    username: Mapped[str | None] = mapped_column(String(255))
    password_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    # duckdb: {"path": ...}; postgres/redshift: {"sslmode": ...}; s3: {"bucket", "region", ...}
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The other secrets, one encrypted JSON object {name: value}; their names in the clear so that
    # reads can say which are set without decrypting.
    secrets_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    secret_names: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    is_builtin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def has_password(self) -> bool:
        return self.password_encrypted is not None
