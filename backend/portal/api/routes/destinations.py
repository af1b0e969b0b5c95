"""/api/v1/destinations/{credential_id}: browse a destination's schemas, tables and columns."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from portal.api.deps import CipherDep, SessionDep
from portal.schemas.destination import TableRef, TableSchema
from portal.services import credentials, destinations
from portal.services.engine_inputs import destination_config

router = APIRouter(prefix="/destinations", tags=["destinations"])

SchemaName = Annotated[str, Query(min_length=1, max_length=255)]
TableName = Annotated[str, Query(min_length=1, max_length=255)]


@router.get("/{credential_id}/schemas")
async def list_schemas(credential_id: int, session: SessionDep, cipher: CipherDep) -> list[str]:
    credential = await credentials.get_credential(session, credential_id)
    return await destinations.list_schemas(destination_config(credential, cipher))


@router.get("/{credential_id}/tables")
async def list_tables(
    credential_id: int, schema: SchemaName, session: SessionDep, cipher: CipherDep
) -> list[TableRef]:
    credential = await credentials.get_credential(session, credential_id)
    return await destinations.list_tables(destination_config(credential, cipher), schema)


@router.get("/{credential_id}/schema")
async def read_table_schema(
    credential_id: int, schema: SchemaName, table: TableName, session: SessionDep, cipher: CipherDep
) -> TableSchema:
    credential = await credentials.get_credential(session, credential_id)
    return await destinations.table_schema(destination_config(credential, cipher), schema, table)
