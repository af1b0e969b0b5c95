"""Credentials: CRUD with encrypted passwords and secrets, the built-in warehouse, resolution for loads."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

import structlog
from pydantic import SecretStr, ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from etl_engine import DestinationConfig, EngineError
from etl_engine.sources.base import SourceConfig
from etl_engine.sources.catalog import server_version
from portal.audit.context import AuditContext
from portal.audit.models import AuditAction
from portal.connections import destinations
from portal.connections.engine_inputs import (
    catalog_config,
    destination_config,
    destination_from_fields,
    is_destination_kind,
    source_from_fields,
    stored_secrets,
)
from portal.connections.guard import check_destination, duckdb_file, key_file
from portal.connections.kinds import capabilities, default_usage
from portal.connections.models import ConnectionUsage, Credential, CredentialKind
from portal.connections.schemas import (
    ConnectionFields,
    ConnectionTestResult,
    CredentialCreate,
    CredentialUpdate,
    SecretName,
    endpoint_host,
)
from portal.core.config import Settings
from portal.core.crypto import CredentialCipher, CredentialDecryptionError
from portal.core.errors import (
    ConflictError,
    EntityNotFoundError,
    ValidationFailedError,
    validation_problems,
)
from portal.jobs.models import Job

BUILTIN_WAREHOUSE_NAME = "Embedded DuckDB warehouse"
AUDIT_RESOURCE = "credential"
log = structlog.get_logger(__name__)


def audit_view(credential: Credential) -> dict[str, Any]:
    """The credential as the audit log records it: never the password nor a secret (nor their
    ciphertext); secret names inside `options` are redacted by the audit service at any depth."""
    return {
        "secrets": {name: "set" for name in credential.secret_names},
        "name": credential.name,
        "kind": credential.kind,
        "usage": str(credential.usage),
        "host": credential.host,
        "port": credential.port,
        "database": credential.database,
        "username": credential.username,
        "options": credential.options,
        "password": "set" if credential.password_encrypted is not None else None,
    }


async def list_credentials(
    session: AsyncSession, offset: int, limit: int, usage: ConnectionUsage | None = None
) -> tuple[Sequence[Credential], int]:
    """`usage` source or destination: the connections that can serve as it (`both` included)."""
    query = select(Credential)
    if usage is not None and usage is not ConnectionUsage.BOTH:
        query = query.where(Credential.usage.in_([usage, ConnectionUsage.BOTH]))
    elif usage is ConnectionUsage.BOTH:
        query = query.where(Credential.usage == ConnectionUsage.BOTH)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(
        query.order_by(Credential.is_builtin.desc(), Credential.name).offset(offset).limit(limit)
    )
    return rows.all(), int(total or 0)


async def get_credential(session: AsyncSession, credential_id: int) -> Credential:
    credential = await session.get(Credential, credential_id)
    if credential is None:
        raise EntityNotFoundError("Credential", credential_id)
    return credential


async def checked_options(
    kind: str, host: str | None, options: dict[str, Any], settings: Settings
) -> dict[str, Any]:
    """Refuse a host in a refused network (a Redshift S3 stage's endpoint too), a duckdb file
    outside DUCKDB_DIR or a key file outside KEY_DIR (422, before any connection); returns the
    options with a duckdb path or a key file made absolute under its directory."""
    await run_in_threadpool(check_destination, kind, host, settings)  # resolving the name blocks
    stage = options.get("s3_stage")
    if kind == CredentialKind.REDSHIFT.value and isinstance(stage, dict) and stage.get("endpoint_url"):
        stage_host, _ = endpoint_host(stage["endpoint_url"], "options.s3_stage.endpoint_url")
        await run_in_threadpool(check_destination, kind, stage_host, settings)
    if kind == CredentialKind.SNOWFLAKE.value and options.get("private_key_path"):
        return {**options, "private_key_path": str(key_file(str(options["private_key_path"]), settings))}
    if kind != CredentialKind.DUCKDB.value:
        return options
    file = duckdb_file(str(options.get("path") or ""), settings)
    file.parent.mkdir(parents=True, exist_ok=True)
    return {**options, "path": str(file)}


async def create_credential(
    session: AsyncSession,
    cipher: CredentialCipher,
    body: CredentialCreate,
    settings: Settings,
    audit: AuditContext,
) -> Credential:
    options = await checked_options(body.kind.value, body.host, body.options, settings)
    credential = Credential(
        name=body.name,
        kind=body.kind.value,
        usage=body.usage or default_usage(body.kind),
        host=body.host,
        port=body.port,
        database=body.database,
        username=body.username,
        password_encrypted=cipher.encrypt(body.password.get_secret_value()) if body.password else None,
        options=options,
    )
    _store_secrets(credential, cipher, {k: v.get_secret_value() for k, v in body.secrets.items()})
    session.add(credential)
    await _flush_unique_name(session, body.name)
    audit.record(session, AuditAction.CREATE, AUDIT_RESOURCE, credential.id, after=audit_view(credential))
    await session.commit()
    log.info("credential_created", credential_id=credential.id, kind=credential.kind)
    return credential


async def update_credential(
    session: AsyncSession,
    cipher: CredentialCipher,
    credential_id: int,
    body: CredentialUpdate,
    settings: Settings,
    audit: AuditContext,
) -> Credential:
    credential = await get_credential(session, credential_id)
    if credential.is_builtin:
        raise ConflictError(
            "The built-in warehouse is configured by WAREHOUSE_PATH and cannot be edited",
            error="BuiltinCredential",
            credential_id=credential_id,
        )
    changes = body.model_dump(exclude_unset=True, exclude={"password", "secrets"})
    kind = changes.get("kind") or credential.kind
    secrets = _updated_secrets(credential, cipher, body.secrets, kind)
    merged: dict[str, Any] = {
        "kind": credential.kind,
        # a new kind without a usage takes that kind's default
        "usage": None if "kind" in changes and "usage" not in changes else credential.usage,
        "host": credential.host,
        "port": credential.port,
        "database": credential.database,
        "username": credential.username,
        "options": credential.options,
        **{k: v for k, v in changes.items() if k != "name"},
        # Stand-ins: only whether they are set counts for the check; the values stay as they are.
        "password": "set" if body.password is not None or credential.password_encrypted else None,
        "secrets": dict.fromkeys(credential.secret_names if secrets is None else secrets, "set"),
    }
    try:  # the result must still be a complete credential of its kind
        checked = ConnectionFields.model_validate(merged)
    except ValidationError as exc:
        raise ValidationFailedError(
            "The updated credential is incomplete", problems=validation_problems(exc.errors())
        ) from exc
    options = await checked_options(checked.kind.value, checked.host, checked.options, settings)
    before = audit_view(credential)
    if body.name is not None:
        credential.name = body.name
    credential.kind = checked.kind.value
    credential.usage = checked.usage or default_usage(checked.kind)
    credential.host, credential.port = checked.host, checked.port
    credential.database, credential.username = checked.database, checked.username
    credential.options = options
    if body.password is not None:
        credential.password_encrypted = cipher.encrypt(body.password.get_secret_value())
    if secrets is not None:
        _store_secrets(credential, cipher, secrets)
    after = audit_view(credential)
    if body.password is not None:  # a new password differs from the old one, whatever both were
        after["password"] = "replaced"
    for name, value in (body.secrets or {}).items():
        if value is not None and name in after["secrets"]:
            after["secrets"][name] = "replaced"
    await _flush_unique_name(session, credential.name)
    audit.record(session, AuditAction.UPDATE, AUDIT_RESOURCE, credential.id, before=before, after=after)
    await session.commit()
    log.info("credential_updated", credential_id=credential.id)
    return credential


async def delete_credential(session: AsyncSession, credential_id: int, audit: AuditContext) -> None:
    credential = await get_credential(session, credential_id)
    if credential.is_builtin:
        raise ConflictError(
            "The built-in warehouse cannot be deleted", error="BuiltinCredential", credential_id=credential_id
        )
    job_ids = (await session.scalars(select(Job.id).where(Job.credential_id == credential_id))).all()
    if job_ids:
        raise ConflictError(
            f"Credential {credential.name!r} is used by {len(job_ids)} job(s); delete or change them first",
            error="CredentialInUse",
            credential_id=credential_id,
            job_ids=list(job_ids),
        )
    audit.record(session, AuditAction.DELETE, AUDIT_RESOURCE, credential_id, before=audit_view(credential))
    await session.delete(credential)
    await session.commit()
    log.info("credential_deleted", credential_id=credential_id)


async def test_saved_credential(
    session: AsyncSession, cipher: CredentialCipher, credential_id: int, settings: Settings
) -> ConnectionTestResult:
    credential = await get_credential(session, credential_id)
    # The name may resolve elsewhere since it was saved.
    await run_in_threadpool(check_destination, credential.kind, credential.host, settings)
    try:
        config = catalog_config(credential, cipher)
    except CredentialDecryptionError as exc:  # a key file that cannot be read too
        return ConnectionTestResult(ok=False, message=exc.message)
    return await test_config(config)


async def test_config(config: DestinationConfig | SourceConfig) -> ConnectionTestResult:
    """A destination's own test; a source-only kind's: its server version (never raises)."""
    if isinstance(config, DestinationConfig):
        return await destinations.test_connection(config)
    started = time.perf_counter()
    try:
        version = await asyncio.wait_for(
            run_in_threadpool(server_version, config), timeout=destinations.CALL_TIMEOUT_SECONDS
        )
    except (EngineError, TimeoutError) as exc:
        message = str(exc) if isinstance(exc, EngineError) else "No answer in time"
        log.info("source_test_failed", kind=config.kind)
        return ConnectionTestResult(ok=False, message=message)
    latency = round((time.perf_counter() - started) * 1000, 1)
    return ConnectionTestResult(ok=True, message="connected", server_version=version, latency_ms=latency)


async def unsaved_config(fields: ConnectionFields, settings: Settings) -> DestinationConfig | SourceConfig:
    """The engine's view of a connection that is only being tried out, checked like a saved one."""
    if is_destination_kind(fields.kind.value):
        return await unsaved_destination_config(fields, settings)
    options = await checked_options(fields.kind.value, fields.host, fields.options, settings)
    password = fields.password.get_secret_value() if fields.password else None
    return source_from_fields(
        fields.kind.value, fields.host, fields.port, fields.database, fields.username, password, options
    )


async def unsaved_destination_config(fields: ConnectionFields, settings: Settings) -> DestinationConfig:
    """The engine's view of a credential that is only being tried out, checked like a saved one."""
    options = await checked_options(fields.kind.value, fields.host, fields.options, settings)
    password = fields.password.get_secret_value() if fields.password else None
    secrets: dict[str, str] = {name: value.get_secret_value() for name, value in fields.secrets.items()}
    return destination_from_fields(
        fields.kind.value,
        fields.host,
        fields.port,
        fields.database,
        fields.username,
        password,
        options,
        secrets,
    )


async def browse_config(
    credential: Credential, cipher: CredentialCipher, settings: Settings
) -> DestinationConfig:
    """A saved credential to browse, its host checked against the network policy again."""
    await run_in_threadpool(check_destination, credential.kind, credential.host, settings)
    return destination_config(credential, cipher)


async def ensure_builtin_warehouse(session: AsyncSession, settings: Settings) -> Credential:
    """Create the embedded DuckDB warehouse credential, or point it at the configured path."""
    path = str(settings.warehouse_path)
    credential = await session.scalar(select(Credential).where(Credential.is_builtin.is_(True)))
    if credential is None:
        credential = Credential(
            name=BUILTIN_WAREHOUSE_NAME,
            kind=CredentialKind.DUCKDB.value,
            options={"path": path},
            is_builtin=True,
        )
        session.add(credential)
        log.info("builtin_warehouse_created", path=path)
    elif credential.options.get("path") != path:
        credential.options = {**credential.options, "path": path}
        log.info("builtin_warehouse_moved", path=path)
    await session.commit()
    return credential


async def reencrypt_with_current_key(session: AsyncSession, cipher: CredentialCipher) -> int:
    """Finish a key rotation: passwords and secrets still under a retired key get the current one.
    Returns how many credentials were re-encrypted."""
    rotated = 0
    for credential in await session.scalars(select(Credential)):
        stale = [
            column
            for column in ("password_encrypted", "secrets_encrypted")
            if (token := getattr(credential, column)) is not None and not cipher.is_current(token)
        ]
        try:
            fresh = {column: cipher.encrypt(cipher.decrypt(getattr(credential, column))) for column in stale}
        except CredentialDecryptionError:
            # Its key is gone: using it fails with the readable reason; re-entering the secret fixes it.
            log.warning("credential_key_missing", credential_id=credential.id)
            continue
        for column, token in fresh.items():
            setattr(credential, column, token)
        rotated += bool(fresh)
    await session.commit()
    if rotated:
        log.info("credentials_reencrypted", count=rotated)
    return rotated


async def _flush_unique_name(session: AsyncSession, name: str) -> None:
    """Write the pending change (the caller commits it with its audit event); a taken name is a 409."""
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        raise ConflictError(
            f"A credential named {name!r} already exists", error="CredentialNameTaken", name=name
        ) from exc


def _store_secrets(credential: Credential, cipher: CredentialCipher, secrets: dict[str, str]) -> None:
    """Encrypt the secrets as one JSON object (none: nothing stored); their names stay readable."""
    credential.secrets_encrypted = cipher.encrypt(json.dumps(secrets)) if secrets else None
    credential.secret_names = sorted(secrets)


def _updated_secrets(
    credential: Credential,
    cipher: CredentialCipher,
    changes: Mapping[SecretName, SecretStr | None] | None,
    kind: str,
) -> dict[str, str] | None:
    """The secrets after an update (None: unchanged). A value sets or replaces, a null removes;
    a new kind keeps only the secrets it takes."""
    taken = set(capabilities(kind).secrets)
    if not changes and taken.issuperset(credential.secret_names):
        return None
    secrets = {k: v for k, v in stored_secrets(credential, cipher).items() if k in taken}
    for name, value in (changes or {}).items():
        if value is None:
            secrets.pop(name, None)
        else:
            secrets[name] = value.get_secret_value()
    return secrets
