"""Settings from the environment or `.env` at the repo root (see docs/architecture.md)."""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import Field, IPvAnyNetwork, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

from portal.core.network_policy import DEFAULT_DENYLIST, parse_networks

# backend/portal/core/config.py -> repo root (editable install keeps the package in the repo).
REPO_ROOT = Path(__file__).resolve().parents[3]

# A fixed development key so a fresh checkout works without set-up; refused in production.
DEV_CREDENTIALS_KEY = "ZGV2LW9ubHktY3JlZGVudGlhbHMta2V5LTMyYnl0ZXM="  # "dev-only-credentials-key-32bytes"
# The documented development login's password (refused as ADMIN_PASSWORD in production).
DEV_ADMIN_PASSWORD = "admin"
# What .env.example and the defaults ship with: fine on a laptop, refused in production.
_PLACEHOLDERS = {"change-me", "changeme", "changethis", ""}
PLACEHOLDER_SECRETS = frozenset({DEV_CREDENTIALS_KEY, "admin", "password", *_PLACEHOLDERS})


OidcRole = Literal[
    "viewer", "operator", "admin"
]  # portal.auth.principal.Role's values (core imports no domain)


def _check_aes_key(encoded: str, name: str) -> None:
    try:
        key = base64.b64decode(encoded.strip(), validate=True)
    except ValueError as exc:
        raise ValueError(f"{name} is not valid base64 (generate one: openssl rand -base64 32)") from exc
    if len(key) != 32:
        raise ValueError(f"{name} must decode to 32 bytes for AES-256, got {len(key)}")


class Settings(BaseSettings):
    """Every knob the portal reads; one instance per process through `get_settings()`."""

    model_config = SettingsConfigDict(
        env_file=REPO_ROOT / ".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        hide_input_in_errors=True,  # a refused setting must not print the secrets next to it
    )

    environment: Literal["development", "production"] = "development"
    database_url: str = f"sqlite+aiosqlite:///{REPO_ROOT / '.local' / 'portal.db'}"
    credentials_key: SecretStr = SecretStr(DEV_CREDENTIALS_KEY)
    # Retired keys, still accepted for decryption so stored passwords survive a key rotation.
    credentials_old_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    upload_dir: Path = REPO_ROOT / "uploads"
    # Where files that `files` jobs read arrive (their patterns are relative to it); shared with workers.
    drop_dir: Path = REPO_ROOT / "drop"
    max_upload_bytes: int = Field(default=5 * 1024**3, gt=0)
    # What a .csv.gz may inflate to: profiling inflates it whole once, so a gzip bomb stops here.
    max_inflated_bytes: int = Field(default=10 * 1024**3, gt=0)
    warehouse_path: Path = REPO_ROOT / ".local" / "warehouse.duckdb"
    airflow_api_url: str = "http://127.0.0.1:8080"
    airflow_ui_url: str = ""
    airflow_username: str = "admin"
    airflow_password: SecretStr = SecretStr("admin")
    # The loop that fails runs whose Airflow DAG run failed or vanished (runs/backstop.py).
    backstop_enabled: bool = True
    # The loop that sends notification deliveries (notifications/delivery.py): retries with backoff
    # (backoff * 2**(attempt-1), capped) until max attempts, each send bounded by the timeout.
    notifications_enabled: bool = True
    notification_max_attempts: int = Field(default=6, gt=0, le=100)
    notification_backoff_seconds: float = Field(default=30.0, gt=0)
    notification_max_backoff_seconds: float = Field(default=3600.0, gt=0)
    notification_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    log_format: Literal["console", "json"] | None = None
    log_level: str = "INFO"
    frontend_dist: Path = REPO_ROOT / "frontend" / "dist"
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["http://localhost:5173"])
    # Host names the portal answers to (a DNS-rebinding Host gets 400); behind a proxy that
    # forwards the public name, production adds that name.
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["127.0.0.1", "localhost"])
    # Networks destinations may not resolve to (CIDRs); an allowlist, when set, is all that may be reached.
    network_denylist: Annotated[list[IPvAnyNetwork], NoDecode] = Field(
        default_factory=lambda: parse_networks(DEFAULT_DENYLIST)
    )
    network_allowlist: Annotated[list[IPvAnyNetwork], NoDecode] = Field(default_factory=list)
    # Where user-defined duckdb credentials keep their files (the built-in warehouse is WAREHOUSE_PATH).
    duckdb_dir: Path = REPO_ROOT / ".local" / "duckdb"
    # Private key files a Snowflake connection names (options.private_key_path) must be in here.
    key_dir: Path = REPO_ROOT / ".local" / "keys"
    # The database browser's read-only queries and table previews: rows past QUERY_MAX_ROWS are
    # never served, a statement running longer than QUERY_TIMEOUT_SECONDS is stopped.
    query_max_rows: int = Field(default=10_000, gt=0, le=1_000_000)
    query_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)
    # Prometheus /metrics, served only to these client networks (no accounts yet): loopback by default.
    metrics_enabled: bool = True
    metrics_allowed_networks: Annotated[list[IPvAnyNetwork], NoDecode] = Field(
        default_factory=lambda: parse_networks(["127.0.0.0/8", "::1/128"])
    )
    # OpenID Connect single sign-on (auth/oidc.py): on when OIDC_ISSUER and OIDC_CLIENT_ID are set.
    oidc_issuer: str = ""  # discovery at <issuer>/.well-known/openid-configuration
    oidc_client_id: str = ""
    oidc_client_secret: SecretStr = SecretStr("")  # empty: a public client (PKCE only)
    oidc_scopes: str = "openid email profile"
    oidc_role_claim: str = "portal_role"  # a string or a list; a dotted path reaches a nested claim
    # "idp-value=role,...": when set, only mapped values grant a role; unset, the values are role names.
    oidc_role_map: Annotated[dict[str, OidcRole], NoDecode] = Field(default_factory=dict)
    oidc_default_role: OidcRole | Literal["none"] = "viewer"  # no matching value; "none" refuses sign-in
    oidc_provider_name: str = "Single sign-on"  # the login button's label
    oidc_redirect_url: str = ""  # default: <this request's origin>/api/v1/auth/oidc/callback

    # The first admin, created at start when no user exists. Development falls back to
    # admin@example.com / admin; production creates it only when ADMIN_PASSWORD is set (and not a
    # placeholder), else `python -m portal.users create-admin` does.
    admin_email: str = "admin@example.com"
    admin_password: SecretStr | None = None
    admin_name: str = "Administrator"
    # Browser sessions: a short-lived access cookie, a longer refresh cookie (rotated on use).
    session_access_ttl_seconds: int = Field(default=900, gt=0)
    session_refresh_ttl_seconds: int = Field(default=1_209_600, gt=0)
    session_cookie_secure: bool | None = None  # None: secure cookies when ENVIRONMENT=production
    # Failed logins within the window, per account and per client address, before 429.
    login_max_failures_per_account: int = Field(default=5, gt=0)
    login_max_failures_per_address: int = Field(default=20, gt=0)
    login_failure_window_seconds: int = Field(default=900, gt=0)

    @field_validator("credentials_old_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("admin_password", mode="before")
    @classmethod
    def _empty_admin_password_is_unset(cls, value: object) -> object:
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        return None if isinstance(raw, str) and not raw.strip() else value

    @field_validator("credentials_key", mode="before")
    @classmethod
    def _placeholder_key_in_development(cls, value: object, info: ValidationInfo) -> object:
        # A .env copied from .env.example still says change-me: development uses its fixed key,
        # production refuses it (the after-validator below) with the placeholder named.
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if isinstance(raw, str) and raw.strip() in _PLACEHOLDERS:
            return DEV_CREDENTIALS_KEY if info.data.get("environment") != "production" else raw
        return value

    @field_validator("credentials_key")
    @classmethod
    def _check_key(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        if value.get_secret_value().strip() in _PLACEHOLDERS:
            raise ValueError("CREDENTIALS_KEY is a placeholder; refused when ENVIRONMENT=production")
        _check_aes_key(value.get_secret_value(), "CREDENTIALS_KEY")
        return value

    @field_validator("credentials_old_keys")
    @classmethod
    def _check_old_keys(cls, value: list[SecretStr]) -> list[SecretStr]:
        for key in value:
            _check_aes_key(key.get_secret_value(), "CREDENTIALS_OLD_KEYS")
        return value

    @field_validator(
        "cors_origins",
        "allowed_hosts",
        "network_denylist",
        "network_allowlist",
        "metrics_allowed_networks",
        mode="before",
    )
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("oidc_role_map", mode="before")
    @classmethod
    def _parse_role_map(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        pairs: dict[str, str] = {}
        for item in (part.strip() for part in value.split(",")):
            if not item:
                continue
            idp_value, sep, role = item.rpartition("=")
            if not sep or not idp_value.strip():
                raise ValueError(f"OIDC_ROLE_MAP entry {item!r} is not 'idp-value=role'")
            pairs[idp_value.strip()] = role.strip()
        return pairs

    @model_validator(mode="after")
    def _derive_and_check(self) -> Self:
        if not self.airflow_ui_url:
            self.airflow_ui_url = self.airflow_api_url
        if self.log_format is None:
            self.log_format = "json" if self.environment == "production" else "console"
        if self.session_cookie_secure is None:
            self.session_cookie_secure = self.environment == "production"
        self.admin_email = self.admin_email.strip().lower()
        if bool(self.oidc_issuer) != bool(self.oidc_client_id):
            raise ValueError("OIDC_ISSUER and OIDC_CLIENT_ID are set together (single sign-on) or not at all")
        if (
            self.oidc_issuer
            and self.environment == "production"
            and not self.oidc_issuer.startswith("https://")
        ):
            raise ValueError("OIDC_ISSUER must be an https:// URL when ENVIRONMENT=production")
        if self.environment == "production":
            placeholders = [
                name
                for name, secret in (
                    ("CREDENTIALS_KEY", self.credentials_key),
                    ("AIRFLOW_PASSWORD", self.airflow_password),
                )
                if secret.get_secret_value() in PLACEHOLDER_SECRETS
            ]
            # Unset is fine (no first admin from settings); a placeholder is not.
            if (
                self.admin_password is not None
                and self.admin_password.get_secret_value() in PLACEHOLDER_SECRETS
            ):
                placeholders.append("ADMIN_PASSWORD")
            # The compose file builds DATABASE_URL from POSTGRES_PASSWORD, so a copied .env.example
            # would otherwise run production on the app database's placeholder password.
            if make_url(self.database_url).password in _PLACEHOLDERS:
                placeholders.append("DATABASE_URL password")
            if placeholders:
                raise ValueError(
                    f"placeholder secret(s) {', '.join(placeholders)} refused when ENVIRONMENT=production"
                )
        return self

    @property
    def first_admin_password(self) -> str | None:
        """ADMIN_PASSWORD, or `admin` in development when unset; None: no first admin from settings."""
        if self.admin_password is not None:
            return self.admin_password.get_secret_value()
        return DEV_ADMIN_PASSWORD if self.environment == "development" else None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sync_database_url(self) -> str:
        """The same database for synchronous code (the runner, Alembic on SQLite)."""
        return self.database_url.replace("+asyncpg", "+psycopg").replace("+aiosqlite", "")


@lru_cache
def get_settings() -> Settings:
    return Settings()
