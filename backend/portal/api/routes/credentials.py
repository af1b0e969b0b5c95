"""/api/v1/credentials: destination connections (passwords write-only) and connection tests."""

from __future__ import annotations

from fastapi import APIRouter, status

from portal.api.deps import CipherDep, SessionDep
from portal.schemas.common import Limit, Offset
from portal.schemas.credential import (
    ConnectionTestResult,
    CredentialCreate,
    CredentialRead,
    CredentialTest,
    CredentialUpdate,
)
from portal.schemas.page import Page
from portal.services import credentials, destinations

router = APIRouter(prefix="/credentials", tags=["credentials"])


@router.get("")
async def list_credentials(
    session: SessionDep, offset: Offset = 0, limit: Limit = 100
) -> Page[CredentialRead]:
    rows, total = await credentials.list_credentials(session, offset, limit)
    return Page(items=[CredentialRead.model_validate(r) for r in rows], total=total)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_credential(body: CredentialCreate, session: SessionDep, cipher: CipherDep) -> CredentialRead:
    return CredentialRead.model_validate(await credentials.create_credential(session, cipher, body))


@router.post("/test")
async def test_unsaved_credential(body: CredentialTest) -> ConnectionTestResult:
    return await destinations.test_connection(credentials.unsaved_destination_config(body))


@router.get("/{credential_id}")
async def read_credential(credential_id: int, session: SessionDep) -> CredentialRead:
    return CredentialRead.model_validate(await credentials.get_credential(session, credential_id))


@router.put("/{credential_id}")
async def update_credential(
    credential_id: int, body: CredentialUpdate, session: SessionDep, cipher: CipherDep
) -> CredentialRead:
    return CredentialRead.model_validate(
        await credentials.update_credential(session, cipher, credential_id, body)
    )


@router.delete("/{credential_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_credential(credential_id: int, session: SessionDep) -> None:
    await credentials.delete_credential(session, credential_id)


@router.post("/{credential_id}/test")
async def test_saved_credential(
    credential_id: int, session: SessionDep, cipher: CipherDep
) -> ConnectionTestResult:
    return await credentials.test_saved_credential(session, cipher, credential_id)
