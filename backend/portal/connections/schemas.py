"""Credential bodies. Passwords go in (`SecretStr`), never out: reads carry `has_password`."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from portal.api.schemas import MAX_BIGINT, ReadModel
from portal.connections.kinds import CAPABILITIES
from portal.connections.models import ConnectionUsage, CredentialKind


class ConnectionFields(BaseModel):
    """What it takes to reach a destination; checked per kind."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: CredentialKind
    # source, destination or both, as the kind allows; omitted: destination where the kind can
    # be one, else source (GET /credentials/kinds lists each kind's)
    usage: ConnectionUsage | None = None
    host: str | None = Field(default=None, max_length=255)
    port: int | None = Field(default=None, ge=1, le=65535)
    database: str | None = Field(default=None, max_length=255)
    username: str | None = Field(default=None, max_length=255)
    password: SecretStr | None = None
    options: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _required_per_kind(self) -> Self:
        allowed = CAPABILITIES[self.kind].usages
        if self.usage is None:
            self.usage = allowed[0]
        elif self.usage not in allowed:
            raise ValueError(
                f"a {self.kind.value} connection can be used as "
                f"{' or '.join(u.value for u in allowed)}, not {self.usage.value}"
            )
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
    usage: ConnectionUsage | None = None
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
    usage: ConnectionUsage
    host: str | None
    port: int | None
    database: str | None
    username: str | None
    options: dict[str, Any]
    is_builtin: bool
    has_password: bool
    browsable: bool = False  # the database browser and read-only queries work on it
    live_tested: bool = True  # False: its kind's engine code has never met a live server
    created_at: datetime
    updated_at: datetime


class ConnectionKindRead(BaseModel):
    """What a kind of connection can do (GET /credentials/kinds)."""

    kind: CredentialKind
    usages: list[ConnectionUsage]
    default_usage: ConnectionUsage
    browsable: bool
    live_tested: bool
    note: str | None


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


# The database browser (GET /credentials/{id}/browse/...) and read-only queries.

CatalogTableKind = Literal["table", "view", "materialized_view", "foreign_table"]
ValueType = Literal[
    "integer", "float", "decimal", "boolean", "date", "timestamp", "timestamptz", "text", "bytes", "json"
]


class CatalogTableRead(BaseModel):
    schema_: str = Field(alias="schema")
    name: str
    kind: CatalogTableKind
    row_estimate: int | None = Field(description="the database's statistics, not a count")
    size_bytes: int | None = Field(description="data and indexes; null for views or where unknown")


class CatalogColumnRead(BaseModel):
    name: str
    type: str = Field(description="as the database declares it, e.g. numeric(12,2)")
    nullable: bool
    default: str | None


class CatalogTableDetail(CatalogTableRead):
    columns: list[CatalogColumnRead]
    primary_key: list[str]
    unique_keys: list[list[str]]


class ResultColumnRead(BaseModel):
    name: str
    type: str = Field(description="the database's type name")
    value_type: ValueType = Field(
        description="how the values read: decimal as strings (every digit), bytes as \\x hex text, "
        "date/timestamp/timestamptz ISO 8601, integer beyond ±2^53 as strings, json as JSON values or text"
    )


class QueryResult(BaseModel):
    """One page of a table preview or a query: rows of JSON-safe values in column order."""

    columns: list[ResultColumnRead]
    rows: list[list[Any]]
    offset: int
    limit: int
    has_more: bool = Field(description="another page follows (within QUERY_MAX_ROWS)")
    capped: bool = Field(description="rows past QUERY_MAX_ROWS exist and are not served")
    elapsed_ms: float


class QueryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sql: str = Field(min_length=1, max_length=100_000, description="one read-only SELECT")
    offset: int = Field(default=0, ge=0, le=MAX_BIGINT)
    limit: int = Field(default=100, ge=1, le=1000)
