"""What each kind of connection can do, from what the engine supports.

Sources exist for PostgreSQL and MySQL/MariaDB (verified against live servers) and for SQL Server
and Oracle (SQL only: no such server runs here, so they are allowed but labelled untested live).
Destinations exist for PostgreSQL, Redshift, DuckDB, S3 (and S3-compatible stores) and Snowflake;
S3 is verified against moto's S3 server and Snowflake against fakesnow's emulator only. The
database browser and read-only queries work on PostgreSQL, MySQL/MariaDB and DuckDB (the built-in
warehouse included). Secrets beyond the password are named per kind (`secrets`).
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.connections.models import ConnectionUsage, CredentialKind

SOURCE, DESTINATION, BOTH = ConnectionUsage.SOURCE, ConnectionUsage.DESTINATION, ConnectionUsage.BOTH


@dataclass(frozen=True)
class KindCapabilities:
    usages: tuple[ConnectionUsage, ...]  # the first is what a connection gets when none is said
    browsable: bool  # schemas, tables, columns, table preview, read-only queries
    live_tested: bool  # False: its engine code has never met a real server
    note: str | None = None
    secrets: tuple[str, ...] = ()  # write-only secrets it takes besides the password


CAPABILITIES: dict[CredentialKind, KindCapabilities] = {
    CredentialKind.POSTGRES: KindCapabilities((DESTINATION, SOURCE, BOTH), browsable=True, live_tested=True),
    CredentialKind.MYSQL: KindCapabilities((SOURCE,), browsable=True, live_tested=True),
    CredentialKind.SQLSERVER: KindCapabilities(
        (SOURCE,),
        browsable=False,
        live_tested=False,
        note="SQL Server sources are untested against a live server (their SQL is tested)",
    ),
    CredentialKind.ORACLE: KindCapabilities(
        (SOURCE,),
        browsable=False,
        live_tested=False,
        note="Oracle sources are untested against a live server (their SQL is tested)",
    ),
    CredentialKind.REDSHIFT: KindCapabilities(
        (DESTINATION,), browsable=False, live_tested=False, secrets=("s3_stage_secret_access_key",)
    ),
    CredentialKind.DUCKDB: KindCapabilities((DESTINATION,), browsable=True, live_tested=True),
    CredentialKind.S3: KindCapabilities(
        (DESTINATION,),
        browsable=False,
        live_tested=False,
        note="S3 is verified against moto's S3 server, not AWS",
        secrets=("session_token",),
    ),
    CredentialKind.SNOWFLAKE: KindCapabilities(
        (DESTINATION,),
        browsable=False,
        live_tested=False,
        note="Snowflake is verified against the fakesnow emulator, not a Snowflake account",
        secrets=("private_key", "private_key_passphrase"),
    ),
}


def capabilities(kind: str) -> KindCapabilities:
    return CAPABILITIES[CredentialKind(kind)]


def default_usage(kind: CredentialKind) -> ConnectionUsage:
    return CAPABILITIES[kind].usages[0]


def serves_as(usage: str, wanted: ConnectionUsage) -> bool:
    """Whether a connection with `usage` can be used as `wanted` (source or destination)."""
    return usage in (wanted.value, BOTH.value)
