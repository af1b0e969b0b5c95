"""What a credential may point at, checked before anything connects to it or stores it.

Hosts must pass the network policy (core/network_policy.py) — an S3 connection's endpoint host is
its `host` — a user's duckdb file must stay under DUCKDB_DIR and a Snowflake key file under
KEY_DIR. Imports no web code: the runner checks a load's destination with the same function.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from portal.connections.models import CredentialKind
from portal.core.config import Settings
from portal.core.errors import ValidationFailedError
from portal.core.network_policy import Resolver, check_host, system_resolver


def check_destination(
    kind: str, host: str | None, settings: Settings, resolve: Resolver = system_resolver
) -> None:
    """Raise DestinationRefusedError (422) when the host resolves into a refused network."""
    if kind != CredentialKind.DUCKDB.value and host:
        check_host(host, settings.network_denylist, settings.network_allowlist, resolve)


def stage_endpoint_host(kind: str, options: Mapping[str, Any]) -> str | None:
    """The host of a Redshift connection's S3 stage endpoint, which loads reach besides its host."""
    stage = options.get("s3_stage")
    if kind != CredentialKind.REDSHIFT.value or not isinstance(stage, Mapping):
        return None
    return urlsplit(str(stage.get("endpoint_url") or "")).hostname


def duckdb_file(path: str, settings: Settings) -> Path:
    """The file a user's duckdb credential names, resolved (`..`, symlinks) under DUCKDB_DIR.

    A relative path is taken inside DUCKDB_DIR; anything that ends up outside it is refused.
    """
    root = settings.duckdb_dir.resolve()
    candidate = _resolved(root, path)
    if candidate is None or candidate == root or not candidate.is_relative_to(root):
        raise ValidationFailedError(
            f"A duckdb file must be inside the portal's DuckDB directory; {path!r} is not",
            error="DuckdbPathRefused",
            path=path,
        )
    return candidate


def key_file(path: str, settings: Settings) -> Path:
    """The private key file a snowflake connection names, resolved under KEY_DIR; it must exist."""
    root = settings.key_dir.resolve()
    candidate = _resolved(root, path)
    if candidate is None or candidate == root or not candidate.is_relative_to(root):
        raise ValidationFailedError(
            f"A private key file must be inside the portal's key directory (KEY_DIR); {path!r} is not",
            error="KeyPathRefused",
            path=path,
        )
    if not candidate.is_file():
        raise ValidationFailedError(
            f"There is no private key file {path!r} in the portal's key directory (KEY_DIR)",
            error="KeyPathRefused",
            path=path,
        )
    return candidate


def _resolved(root: Path, path: str) -> Path | None:
    """`path` under `root`, `..` and symlinks resolved; None for a name no file can have (a NUL)."""
    try:
        return (root / path).resolve()
    except (ValueError, OSError):
        return None


def shown_options(
    kind: str, options: Mapping[str, Any], is_builtin: bool, settings: Settings
) -> dict[str, Any]:
    """Options as API responses show them: a duckdb file by its name under DUCKDB_DIR, a key file by
    its name under KEY_DIR, never the server's directories (the built-in warehouse by its file name)."""
    shown = dict(options)
    key = shown.get("private_key_path")
    if kind == CredentialKind.SNOWFLAKE.value and key:
        file, root = Path(str(key)), settings.key_dir.resolve()
        shown["private_key_path"] = str(file.relative_to(root)) if file.is_relative_to(root) else file.name
    path = shown.get("path")
    if kind == CredentialKind.DUCKDB.value and path:
        file = Path(str(path))
        root = settings.duckdb_dir.resolve()
        shown["path"] = (
            str(file.relative_to(root)) if not is_builtin and file.is_relative_to(root) else file.name
        )
    return shown
