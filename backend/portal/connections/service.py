"""Credentials: CRUD with encrypted passwords, the built-in warehouse, resolution for loads."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

import structlog
from pydantic import ValidationError
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
)
from portal.connections.guard import check_destination, duckdb_file
from portal.connections.kinds import default_usage
from portal.connections.models import ConnectionUsage, Credential, CredentialKind
from portal.connections.schemas import (
    ConnectionFields,
    ConnectionTestResult,
    CredentialCreate,
    CredentialUpdate,
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
    """The credential as the audit log records it: never the password (nor its ciphertext); secret
    names inside `options` are redacted by the audit service at any depth."""
    return {
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
    """Refuse a host in a refused network or a duckdb file outside DUCKDB_DIR (422, before any
    connection); returns the options with a duckdb path made absolute under DUCKDB_DIR."""
    await run_in_threadpool(check_destination, kind, host, settings)  # resolving the name blocks
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
    changes = body.model_dump(exclude_unset=True, exclude={"password"})
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
    after = audit_view(credential)
    if body.password is not None:  # a new password differs from the old one, whatever both were
        after["password"] = "replaced"
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
    except CredentialDecryptionError as exc:
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
    return destination_from_fields(
        fields.kind.value,
        fields.host,
        fields.port,
        fields.database,
        fields.username,
        password,
        options,
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
    """Finish a key rotation: passwords still under a retired key get the current one."""
    stale = [
        credential
        for credential in await session.scalars(
            select(Credential).where(Credential.password_encrypted.is_not(None))
        )
        if credential.password_encrypted is not None and not cipher.is_current(credential.password_encrypted)
    ]
    rotated = 0
    for credential in stale:
        assert credential.password_encrypted is not None
        try:
            password = cipher.decrypt(credential.password_encrypted)
        except CredentialDecryptionError:
            # Its key is gone: using it fails with the readable reason; re-entering the password fixes it.
            log.warning("credential_key_missing", credential_id=credential.id)
            continue
        credential.password_encrypted = cipher.encrypt(password)
        rotated += 1
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
