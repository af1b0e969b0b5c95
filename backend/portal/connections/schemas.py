"""Credential bodies. Passwords go in (`SecretStr`), never out: reads carry `has_password`."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from portal.api.schemas import ReadModel
from portal.connections.models import CredentialKind


class ConnectionFields(BaseModel):
    """What it takes to reach a destination; checked per kind."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: CredentialKind
    host: str | None = Field(default=None, max_length=255)
    port: int | None = Field(default=None, ge=1, le=65535)
    database: str | None = Field(default=None, max_length=255)
    username: str | None = Field(default=None, max_length=255)
    password: SecretStr | None = None
    options: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _required_per_kind(self) -> Self:
        if self.kind is CredentialKind.DUCKDB:
            if not str(self.options.get("path") or "").strip():
                raise ValueError("a duckdb credential needs options.path (the database file)")
        else:
            missing = [f for f in ("host", "database", "username") if not getattr(self, f)]
            if missing:
                raise ValueError(f"a {self.kind.value} credential needs {', '.join(missing)}")
        return self


class CredentialTest(ConnectionFields):
    """`POST /credentials/test`: an unsaved credential."""


class CredentialCreate(ConnectionFields):
    name: str = Field(min_length=1, max_length=200)


class CredentialUpdate(BaseModel):
    """Partial update; an omitted (or null) password keeps the stored one."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: CredentialKind | None = None
    host: str | None = Field(default=None, max_length=255)
    port: int | None = Field(default=None, ge=1, le=65535)
    database: str | None = Field(default=None, max_length=255)
    username: str | None = Field(default=None, max_length=255)
    password: SecretStr | None = None
    options: dict[str, Any] | None = None


class CredentialRead(ReadModel):
    id: int
    name: str
    kind: CredentialKind
    host: str | None
    port: int | None
    database: str | None
    username: str | None
    options: dict[str, Any]
    is_builtin: bool
    has_password: bool
    created_at: datetime
    updated_at: datetime


class ConnectionTestResult(BaseModel):
    ok: bool
    message: str
    server_version: str | None = None
    latency_ms: float | None = None


# What the destination browser returns. `schema` would shadow a BaseModel attribute; the JSON name
# stays `schema` through the alias.


class TableRef(BaseModel):
    schema_: str = Field(alias="schema")
    name: str


class TableColumn(BaseModel):
    name: str
    type: str
    nullable: bool
    has_default: bool = False  # a row that leaves it out gets the default, not NULL


class TableSchema(BaseModel):
    schema_: str = Field(alias="schema")
    table: str
    columns: list[TableColumn]
