"""/api/v1/credentials: connections (sources, destinations or both; passwords write-only),
connection tests, the database browser (/credentials/{id}/browse/...) and read-only queries
(/credentials/{id}/query); /api/v1/destinations/{credential_id}: a destination's schemas, tables
and columns as the job wizard maps into them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from portal.api.deps import CipherDep, SessionDep, SettingsDep
from portal.api.openapi import errors
from portal.api.page import Page
from portal.api.schemas import IdPath, Limit, Offset
from portal.audit.context import AuditDep
from portal.connections import browser, destinations, service
from portal.connections.guard import shown_options
from portal.connections.kinds import CAPABILITIES, capabilities
from portal.connections.models import ConnectionUsage, Credential
from portal.connections.schemas import (
    CatalogTableDetail,
    CatalogTableRead,
    ConnectionKindRead,
    ConnectionTestResult,
    CredentialCreate,
    CredentialRead,
    CredentialTest,
    CredentialUpdate,
    QueryRequest,
    QueryResult,
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
    kind = capabilities(credential.kind)
    read.browsable, read.live_tested = kind.browsable, kind.live_tested
    return read


@credentials_router.get("")
async def list_credentials(
    session: SessionDep,
    settings: SettingsDep,
    offset: Offset = 0,
    limit: Limit = 100,
    usage: Annotated[
        ConnectionUsage | None,
        Query(description="source / destination: the connections that can serve as it (both included)"),
    ] = None,
) -> Page[CredentialRead]:
    rows, total = await service.list_credentials(session, offset, limit, usage)
    return Page(items=[_read(r, settings) for r in rows], total=total)


@credentials_router.get("/kinds")
async def list_connection_kinds() -> list[ConnectionKindRead]:
    """Each kind of connection: the usages it allows (the first is the default), whether the
    browser reads it, and whether its engine code was verified against a live server."""
    return [
        ConnectionKindRead(
            kind=kind,
            usages=list(c.usages),
            default_usage=c.usages[0],
            browsable=c.browsable,
            live_tested=c.live_tested,
            note=c.note,
            secrets=list(c.secrets),
        )
        for kind, c in CAPABILITIES.items()
    ]


@credentials_router.post(
    "", status_code=status.HTTP_201_CREATED, responses=errors((409, "`CredentialNameTaken`"))
)
async def create_credential(
    body: CredentialCreate, session: SessionDep, cipher: CipherDep, settings: SettingsDep, audit: AuditDep
) -> CredentialRead:
    return _read(await service.create_credential(session, cipher, body, settings, audit), settings)


@credentials_router.post("/test")
async def test_unsaved_credential(body: CredentialTest, settings: SettingsDep) -> ConnectionTestResult:
    return await service.test_config(await service.unsaved_config(body, settings))


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


_BROWSE_ERRORS = errors(
    (422, "`BrowseNotSupported` / `DestinationRefused`"), (502, "`ConnectionUnreachable` / `ConnectionError`")
)


@credentials_router.get("/{credential_id}/browse/schemas", responses=_BROWSE_ERRORS)
async def browse_schemas(
    credential_id: IdPath, session: SessionDep, cipher: CipherDep, settings: SettingsDep
) -> list[str]:
    _, config = await browser.open_config(session, cipher, settings, credential_id)
    return await browser.list_schemas(config, settings)


@credentials_router.get("/{credential_id}/browse/tables", responses=_BROWSE_ERRORS)
async def browse_tables(
    credential_id: IdPath, schema: SchemaName, session: SessionDep, cipher: CipherDep, settings: SettingsDep
) -> list[CatalogTableRead]:
    """Tables and views with the database's row estimates and sizes (not counts)."""
    _, config = await browser.open_config(session, cipher, settings, credential_id)
    return await browser.list_tables(config, schema, settings)


@credentials_router.get("/{credential_id}/browse/table", responses=_BROWSE_ERRORS)
async def browse_table(
    credential_id: IdPath,
    schema: SchemaName,
    table: TableName,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
) -> CatalogTableDetail:
    """Columns (types, nullability, defaults), the primary key and the unique keys; 404 unknown."""
    _, config = await browser.open_config(session, cipher, settings, credential_id)
    return await browser.describe_table(config, schema, table, settings)


@credentials_router.get(
    "/{credential_id}/browse/rows",
    responses=errors(
        (422, "`BrowseNotSupported` / `DestinationRefused` / `QueryRowCap` / `QueryFailed` / `QueryRefused`"),
        (502, "`ConnectionUnreachable` / `ConnectionError`"),
    ),
)
async def browse_rows(
    credential_id: IdPath,
    schema: SchemaName,
    table: TableName,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=1000, description="rows to return")] = 50,
) -> QueryResult:
    """A page of the table's rows, typed, in primary key order (storage order without one); pages
    end at QUERY_MAX_ROWS; a statement stops after QUERY_TIMEOUT_SECONDS."""
    _, config = await browser.open_config(session, cipher, settings, credential_id)
    return await browser.preview_table(config, schema, table, offset, limit, settings)


@credentials_router.post(
    "/{credential_id}/query",
    responses=errors(
        (422, "`QueryRefused` (not one read-only SELECT: never run, or stopped with nothing changed; "
         "past the statement timeout) / `QueryFailed` / `QueryRowCap` / `BrowseNotSupported` / "
         "`DestinationRefused`"),
        (502, "`ConnectionUnreachable` / `ConnectionError`"),
    ),
)  # fmt: skip
async def run_query(
    credential_id: IdPath,
    body: QueryRequest,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    audit: AuditDep,
) -> QueryResult:
    """One read-only SELECT: a read-only transaction, QUERY_TIMEOUT_SECONDS, rows up to
    QUERY_MAX_ROWS a page at a time (re-run per page). Audited with its SQL."""
    credential, config = await browser.open_config(session, cipher, settings, credential_id)
    return await browser.run_query(session, credential, config, body, settings, audit)


router = APIRouter()
router.include_router(credentials_router)
router.include_router(destinations_router)
