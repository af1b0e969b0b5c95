"""Credential bodies. Passwords and secrets go in (`SecretStr`), never out: reads carry
`has_password` and `secret_names`."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from portal.api.schemas import MAX_BIGINT, ReadModel
from portal.connections.kinds import CAPABILITIES
from portal.connections.models import ConnectionUsage, CredentialKind

SecretName = Literal["session_token", "private_key", "private_key_passphrase", "s3_stage_secret_access_key"]
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_ACCOUNT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}")
_IAM_ROLE = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}")


class ConnectionFields(BaseModel):
    """What it takes to reach a connection; checked per kind.

    s3: options.bucket, the access key id as `username`, the secret access key as `password`,
    optional options.region, options.endpoint_url (an S3-compatible store; its host is the
    connection's `host`, checked by the network policy), options.path_style, options.path (a key
    prefix everything goes under) and the secret `session_token`. snowflake: options.account,
    `database`, `username`, options.warehouse / role / schema, and a `password` or a private key
    (the secret `private_key`, a PEM, or options.private_key_path, a file under KEY_DIR) with an
    optional `private_key_passphrase`; `host`/`port` (and options.protocol) only for somewhere else
    than <account>.snowflakecomputing.com. redshift: options.s3_stage {bucket, prefix, region,
    iam_role or access_key_id + the secret `s3_stage_secret_access_key`, endpoint_url, path_style}
    loads through S3 instead of INSERTs.
    """

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
    secrets: dict[SecretName, SecretStr] = Field(
        default_factory=dict, description="write-only secrets besides the password, as the kind takes them"
    )

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
        foreign = sorted(set(self.secrets) - set(CAPABILITIES[self.kind].secrets))
        if foreign:
            raise ValueError(f"a {self.kind.value} connection takes no secret {', '.join(foreign)}")
        if self.kind is CredentialKind.DUCKDB:
            if not str(self.options.get("path") or "").strip():
                raise ValueError("a duckdb credential needs options.path (the database file)")
        elif self.kind is CredentialKind.S3:
            self._check_s3()
        elif self.kind is CredentialKind.SNOWFLAKE:
            self._check_snowflake()
        else:
            missing = [f for f in ("host", "database", "username") if not getattr(self, f)]
            if missing:
                raise ValueError(f"a {self.kind.value} credential needs {', '.join(missing)}")
            if self.kind is CredentialKind.REDSHIFT and self.options.get("s3_stage") is not None:
                self._check_redshift_stage()
        return self

    def _check_s3(self) -> None:
        bucket = str(self.options.get("bucket") or "")
        if not _BUCKET.fullmatch(bucket):
            raise ValueError("an s3 connection needs options.bucket, a bucket name (3-63 of a-z 0-9 . -)")
        if not self.username or self.password is None:
            raise ValueError("an s3 connection needs the access key id (username) and secret (password)")
        if not isinstance(self.options.get("path_style", False), bool):
            raise ValueError("options.path_style is true or false")
        # The endpoint's host is the connection's host: the network policy checks it everywhere.
        endpoint = self.options.get("endpoint_url")
        self.host, self.port = endpoint_host(endpoint, "options.endpoint_url") if endpoint else (None, None)

    def _check_snowflake(self) -> None:
        if not _ACCOUNT.fullmatch(str(self.options.get("account") or "")):
            raise ValueError(
                "a snowflake connection needs options.account (e.g. xy12345.eu-west-1 or org-account)"
            )
        missing = [f for f in ("database", "username") if not getattr(self, f)]
        if missing:
            raise ValueError(f"a snowflake credential needs {', '.join(missing)}")
        key_path = self.options.get("private_key_path")
        if key_path is not None and not isinstance(key_path, str):
            raise ValueError("options.private_key_path is a file name under the key directory")
        has_key = "private_key" in self.secrets or bool(key_path)
        if "private_key" in self.secrets and key_path:
            raise ValueError("give the private key pasted (secrets.private_key) or as a file, not both")
        if "private_key_passphrase" in self.secrets and not has_key:
            raise ValueError("a private key passphrase needs a private key")
        if not has_key and self.password is None:
            raise ValueError("a snowflake connection signs in with a password or a private key")
        if self.options.get("protocol", "https") not in ("https", "http"):
            raise ValueError("options.protocol is https or http")

    def _check_redshift_stage(self) -> None:
        stage = self.options["s3_stage"]
        if not isinstance(stage, dict):
            raise ValueError("options.s3_stage is an object {bucket, prefix, region, iam_role, ...}")
        unknown = sorted(set(stage) - _STAGE_FIELDS)
        if unknown:
            raise ValueError(f"options.s3_stage takes no {', '.join(unknown)}")
        if not _BUCKET.fullmatch(str(stage.get("bucket") or "")):
            raise ValueError("options.s3_stage needs a bucket name (3-63 of a-z 0-9 . -)")
        role = stage.get("iam_role")
        if role is not None and not _IAM_ROLE.fullmatch(str(role)):
            raise ValueError("options.s3_stage.iam_role is a role ARN, arn:aws:iam::<account>:role/<name>")
        has_keys = bool(stage.get("access_key_id")) and "s3_stage_secret_access_key" in self.secrets
        if not role and not has_keys:
            raise ValueError(
                "options.s3_stage needs iam_role (Redshift reads the stage with it) or access_key_id "
                "and the secret s3_stage_secret_access_key"
            )
        if stage.get("endpoint_url"):
            endpoint_host(stage["endpoint_url"], "options.s3_stage.endpoint_url")


_STAGE_FIELDS = {"bucket", "prefix", "region", "iam_role", "access_key_id", "endpoint_url", "path_style"}


def endpoint_host(url: Any, what: str) -> tuple[str, int | None]:
    """The host and port of an http(s) endpoint URL; ValueError for anything else."""
    parsed = urlsplit(str(url))
    try:
        port = parsed.port
    except ValueError:
        port = -1
    if parsed.scheme not in ("http", "https") or not parsed.hostname or port == -1 or parsed.query:
        raise ValueError(f"{what} is an http(s) URL such as https://s3.example.com:9000")
    return parsed.hostname, port


class CredentialTest(ConnectionFields):
    """`POST /credentials/test`: an unsaved credential."""


class CredentialCreate(ConnectionFields):
    name: str = Field(min_length=1, max_length=200)


class CredentialUpdate(BaseModel):
    """Partial update; an omitted (or null) password keeps the stored one. `secrets`: a name with a
    value sets it, a name with null removes it, names left out stay as stored."""

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
    secrets: dict[SecretName, SecretStr | None] | None = None


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
    secret_names: list[SecretName] = Field(
        description="the secrets stored besides the password (never their values)"
    )
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
    secrets: list[SecretName] = Field(description="write-only secrets the kind takes besides the password")


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
