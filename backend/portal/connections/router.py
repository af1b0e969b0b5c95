"""/api/v1/credentials: destination connections (passwords write-only) and connection tests;
/api/v1/destinations/{credential_id}: browse a destination's schemas, tables and columns."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from portal.api.deps import CipherDep, SessionDep, SettingsDep
from portal.api.openapi import errors
from portal.api.page import Page
from portal.api.schemas import IdPath, Limit, Offset
from portal.audit.context import AuditDep
from portal.connections import destinations, service
from portal.connections.guard import shown_options
from portal.connections.models import Credential
from portal.connections.schemas import (
    ConnectionTestResult,
    CredentialCreate,
    CredentialRead,
    CredentialTest,
    CredentialUpdate,
    TableRef,
    TableSchema,
)
from portal.core.config import Settings

credentials_router = APIRouter(prefix="/credentials", tags=["credentials"])
destinations_router = APIRouter(prefix="/destinations", tags=["destinations"])

SchemaName = Annotated[str, Query(min_length=1, max_length=255)]
TableName = Annotated[str, Query(min_length=1, max_length=255)]


def _read(credential: Credential, settings: Settings) -> CredentialRead:
    read = CredentialRead.model_validate(credential)
    read.options = shown_options(credential.kind, credential.options, credential.is_builtin, settings)
    return read


@credentials_router.get("")
async def list_credentials(
    session: SessionDep, settings: SettingsDep, offset: Offset = 0, limit: Limit = 100
) -> Page[CredentialRead]:
    rows, total = await service.list_credentials(session, offset, limit)
    return Page(items=[_read(r, settings) for r in rows], total=total)


@credentials_router.post(
    "", status_code=status.HTTP_201_CREATED, responses=errors((409, "`CredentialNameTaken`"))
)
async def create_credential(
    body: CredentialCreate, session: SessionDep, cipher: CipherDep, settings: SettingsDep, audit: AuditDep
) -> CredentialRead:
    return _read(await service.create_credential(session, cipher, body, settings, audit), settings)


@credentials_router.post("/test")
async def test_unsaved_credential(body: CredentialTest, settings: SettingsDep) -> ConnectionTestResult:
    return await destinations.test_connection(await service.unsaved_destination_config(body, settings))


@credentials_router.get("/{credential_id}")
async def read_credential(
    credential_id: IdPath, session: SessionDep, settings: SettingsDep
) -> CredentialRead:
    return _read(await service.get_credential(session, credential_id), settings)


@credentials_router.put(
    "/{credential_id}", responses=errors((409, "`CredentialNameTaken` / `BuiltinCredential`"))
)
async def update_credential(
    credential_id: IdPath,
    body: CredentialUpdate,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    audit: AuditDep,
) -> CredentialRead:
    credential = await service.update_credential(session, cipher, credential_id, body, settings, audit)
    return _read(credential, settings)


@credentials_router.delete(
    "/{credential_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors((409, "`CredentialInUse` / `BuiltinCredential`")),
)
async def delete_credential(credential_id: IdPath, session: SessionDep, audit: AuditDep) -> None:
    await service.delete_credential(session, credential_id, audit)


@credentials_router.post("/{credential_id}/test")
async def test_saved_credential(
    credential_id: IdPath, session: SessionDep, cipher: CipherDep, settings: SettingsDep
) -> ConnectionTestResult:
    return await service.test_saved_credential(session, cipher, credential_id, settings)


@destinations_router.get("/{credential_id}/schemas", responses=errors(502))
async def list_schemas(
    credential_id: IdPath, session: SessionDep, cipher: CipherDep, settings: SettingsDep
) -> list[str]:
    credential = await service.get_credential(session, credential_id)
    return await destinations.list_schemas(await service.browse_config(credential, cipher, settings))


@destinations_router.get("/{credential_id}/tables", responses=errors(502))
async def list_tables(
    credential_id: IdPath, schema: SchemaName, session: SessionDep, cipher: CipherDep, settings: SettingsDep
) -> list[TableRef]:
    credential = await service.get_credential(session, credential_id)
    return await destinations.list_tables(await service.browse_config(credential, cipher, settings), schema)


@destinations_router.get("/{credential_id}/schema", responses=errors(502))
async def read_table_schema(
    credential_id: IdPath,
    schema: SchemaName,
    table: TableName,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
) -> TableSchema:
    credential = await service.get_credential(session, credential_id)
    return await destinations.table_schema(
        await service.browse_config(credential, cipher, settings), schema, table
    )


router = APIRouter()
router.include_router(credentials_router)
router.include_router(destinations_router)
