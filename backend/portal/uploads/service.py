"""Uploaded CSV files: stored under UPLOAD_DIR by a server-generated id, profiled by the engine."""

from __future__ import annotations

import dataclasses
import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from etl_engine import (
    FileProfile,
    Preview,
    UnreadableFile,
    preview_csv,
    profile_csv,
)
from portal.core.config import Settings
from portal.core.errors import (
    ConflictError,
    EntityNotFoundError,
    PortalError,
    UnsupportedFileError,
    ValidationFailedError,
)
from portal.jobs.models import Job
from portal.uploads.engine_inputs import csv_options, source_columns
from portal.uploads.models import UploadedFile
from portal.uploads.schemas import PreviewRead

ACCEPTED_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz")
# Reasons (etl_engine.UnreadableFile.reason) that mean "this is not a CSV at all" (415);
# the others (empty, truncated, corrupt, encoding, malformed) are a CSV gone wrong (422).
_NOT_CSV_REASONS = {"binary", "not_csv"}
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.(csv|tsv|txt)(\.gz)?")
log = structlog.get_logger(__name__)


def accepted_suffix(filename: str) -> str:
    """The stored file keeps the accepted extension so tools on the host recognise it."""
    lowered = filename.lower()
    for suffix in sorted(ACCEPTED_SUFFIXES, key=len, reverse=True):
        if lowered.endswith(suffix):
            return suffix
    raise UnsupportedFileError(
        f"{filename!r} is not a CSV file: upload a .csv, .tsv, .txt or .csv.gz file",
        error="UnsupportedFileType",
        filename=filename,
        accepted=list(ACCEPTED_SUFFIXES),
    )


def new_upload_target(settings: Settings) -> tuple[str, Callable[[str], Path]]:
    """A fresh id and a function naming its file from the client's filename (checked)."""
    file_id = uuid.uuid4().hex

    def target_for(filename: str) -> Path:
        return settings.upload_dir / f"{file_id}{accepted_suffix(filename)}"

    return file_id, target_for


async def register_upload(
    session: AsyncSession, file_id: str, filename: str, path: Path, size_bytes: int
) -> UploadedFile:
    """Profile a received file and record it; an unreadable file is removed and refused."""
    try:
        profile = await _profile(path)
        row = UploadedFile(id=file_id, filename=filename, stored_path=str(path), size_bytes=size_bytes)
        _apply_profile(row, profile)
        session.add(row)
        await session.commit()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    log.info("upload_stored", file_id=file_id, size_bytes=size_bytes, columns=len(profile.columns))
    return row


async def list_uploads(session: AsyncSession, offset: int, limit: int) -> tuple[Sequence[UploadedFile], int]:
    total = await session.scalar(select(func.count()).select_from(UploadedFile))
    rows = await session.scalars(
        select(UploadedFile)
        .order_by(UploadedFile.created_at.desc(), UploadedFile.id)
        .offset(offset)
        .limit(limit)
    )
    return rows.all(), int(total or 0)


async def get_upload(session: AsyncSession, file_id: str) -> UploadedFile:
    row = await session.get(UploadedFile, file_id)
    if row is None:
        raise EntityNotFoundError("UploadedFile", file_id)
    return row


async def update_options(
    session: AsyncSession, file_id: str, overrides: Mapping[str, object]
) -> UploadedFile:
    """Profile again with the user's corrections (the file stays; a bad override is a 422)."""
    row = await get_upload(session, file_id)
    profile = await _profile(_stored_path(row), overrides, at_upload=False)
    _apply_profile(row, profile)
    await session.commit()
    log.info("upload_reprofiled", file_id=file_id, overrides=sorted(overrides))
    return row


async def preview(session: AsyncSession, file_id: str, offset: int, limit: int) -> PreviewRead:
    row = await get_upload(session, file_id)
    path = _stored_path(row)
    try:
        result: Preview = await run_in_threadpool(
            preview_csv, path, csv_options(row), source_columns(row), offset, limit
        )
    except UnreadableFile as exc:
        raise _refusal(exc, at_upload=False) from exc
    page = PreviewRead.model_validate(result, from_attributes=True)
    # The engine numbers invalid cells by data row in the file; the API by row of this page.
    for cell in page.invalid_cells:
        cell.row -= offset
    return page


async def delete_upload(session: AsyncSession, file_id: str) -> None:
    row = await get_upload(session, file_id)
    job_ids = (await session.scalars(select(Job.id).where(Job.file_id == file_id))).all()
    if job_ids:
        raise ConflictError(
            f"File {row.filename!r} is used by {len(job_ids)} job(s); delete them first",
            error="FileInUse",
            file_id=file_id,
            job_ids=list(job_ids),
        )
    await session.delete(row)
    await session.commit()
    Path(row.stored_path).unlink(missing_ok=True)
    log.info("upload_deleted", file_id=file_id)


async def remove_orphans(session: AsyncSession, upload_dir: Path, min_age_seconds: float = 3600) -> int:
    """Delete stored files no row refers to (an upload cut off by a crash or restart). Only files
    named like ours and older than `min_age_seconds`, so an upload still in flight is left alone."""
    if not upload_dir.is_dir():
        return 0
    # By id, not by path: a differently spelled UPLOAD_DIR must not make every file an orphan.
    known = set((await session.scalars(select(UploadedFile.id))).all())
    cutoff = time.time() - min_age_seconds
    removed = 0
    for path in upload_dir.iterdir():
        if (
            _STORED_NAME.fullmatch(path.name)
            and path.name[:32] not in known
            and path.is_file()
            and path.stat().st_mtime < cutoff
        ):
            path.unlink(missing_ok=True)
            removed += 1
    if removed:
        log.info("upload_orphans_removed", count=removed)
    return removed


def _apply_profile(row: UploadedFile, profile: FileProfile) -> None:
    options = profile.options
    row.encoding = options.encoding
    row.delimiter = options.delimiter
    row.quotechar = options.quotechar
    row.has_header = options.has_header
    row.decimal = options.decimal
    row.compression = options.compression
    row.row_estimate = profile.row_estimate
    row.columns = [{**dataclasses.asdict(column), "type": str(column.type)} for column in profile.columns]


async def _profile(
    path: Path, overrides: Mapping[str, object] | None = None, *, at_upload: bool = True
) -> FileProfile:
    try:
        return await run_in_threadpool(profile_csv, path, overrides)
    except UnreadableFile as exc:
        log.info("upload_unreadable", path=path.name, reason=exc.reason)
        raise _refusal(exc, at_upload) from exc


def _refusal(exc: UnreadableFile, at_upload: bool) -> PortalError:
    """At upload, a file that is not CSV at all is 415; anything else (and any failure once the
    file was accepted, e.g. a wrong encoding override) is 422. `reason` is the engine's code."""
    message = f"The file cannot be read as CSV: {exc}"
    if at_upload and exc.reason in _NOT_CSV_REASONS:
        return UnsupportedFileError(message, error="UnreadableFile", reason=exc.reason)
    return ValidationFailedError(message, error="UnreadableFile", reason=exc.reason)


def _stored_path(row: UploadedFile) -> Path:
    path = Path(row.stored_path)
    if not path.is_file():
        raise ConflictError(
            f"The stored data of file {row.id} is missing from the upload directory; upload it again",
            error="UploadMissing",
            file_id=row.id,
        )
    return path
