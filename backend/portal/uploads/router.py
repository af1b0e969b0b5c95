"""/api/v1/sources/csv: upload, list, metadata, option overrides, preview, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status

from portal.api.deps import SessionDep, SettingsDep
from portal.api.openapi import errors
from portal.api.page import Page
from portal.api.schemas import Limit, Offset
from portal.audit.context import AuditDep
from portal.uploads import service
from portal.uploads.multipart import receive_file
from portal.uploads.schemas import CsvOptionsUpdate, PreviewRead, UploadedFileRead

router = APIRouter(prefix="/sources/csv", tags=["uploads"])

# The body is parsed as a stream (see multipart.py), so describe it for OpenAPI by hand.
_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


@router.post(
    "/upload",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=_UPLOAD_BODY,
    responses=errors(
        413, 415, (422, "`MissingFile`, `MalformedUpload`, `TruncatedUpload`, `UnreadableFile`, ...")
    ),
)
async def upload_csv(
    request: Request, session: SessionDep, settings: SettingsDep, audit: AuditDep
) -> UploadedFileRead:
    """Stream a .csv / .tsv / .txt / .csv.gz file (field `file`) to the upload directory and profile it;
    413 over MAX_UPLOAD_BYTES, or for a .csv.gz inflating past MAX_INFLATED_BYTES."""
    file_id, target_for = service.new_upload_target(settings)
    received = await receive_file(
        request, field_name="file", max_bytes=settings.max_upload_bytes, target_for=target_for
    )
    row = await service.register_upload(
        session,
        file_id,
        received.filename,
        received.path,
        received.size_bytes,
        audit,
        max_inflated_bytes=settings.max_inflated_bytes,
    )
    return UploadedFileRead.model_validate(row)


@router.get("")
async def list_uploads(session: SessionDep, offset: Offset = 0, limit: Limit = 100) -> Page[UploadedFileRead]:
    rows, total = await service.list_uploads(session, offset, limit)
    return Page(items=[UploadedFileRead.model_validate(r) for r in rows], total=total)


@router.get("/{file_id}/metadata")
async def read_metadata(file_id: str, session: SessionDep) -> UploadedFileRead:
    return UploadedFileRead.model_validate(await service.get_upload(session, file_id))


@router.put("/{file_id}/options", responses=errors(413))
async def update_options(
    file_id: str, body: CsvOptionsUpdate, session: SessionDep, settings: SettingsDep
) -> UploadedFileRead:
    """Profile the file again with these corrections (the whole set: what is omitted is detected
    again); 422 naming the option or column that cannot be used."""
    row = await service.update_options(session, file_id, body, max_inflated_bytes=settings.max_inflated_bytes)
    return UploadedFileRead.model_validate(row)


@router.get("/{file_id}/preview")
async def preview(
    file_id: str,
    session: SessionDep,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> PreviewRead:
    """Typed rows [offset, offset + limit), per-column statistics, and the cells that would not load."""
    return await service.preview(session, file_id, offset, limit)


@router.delete(
    "/{file_id}", status_code=status.HTTP_204_NO_CONTENT, responses=errors((409, "`FileInUse`: jobs use it"))
)
async def delete_upload(file_id: str, session: SessionDep, audit: AuditDep) -> None:
    await service.delete_upload(session, file_id, audit)
