"""Uploaded CSV files: stored under UPLOAD_DIR by a server-generated id, profiled by the engine."""

from __future__ import annotations

import dataclasses
import functools
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
    ColumnType,
    FileProfile,
    FileTooLarge,
    Preview,
    SourceColumn,
    UnreadableFile,
    preview_csv,
    profile_csv,
)
from portal.audit.context import AuditContext
from portal.audit.models import AuditAction
from portal.core.config import Settings
from portal.core.errors import (
    ConflictError,
    EntityNotFoundError,
    PayloadTooLargeError,
    PortalError,
    UnsupportedFileError,
    ValidationFailedError,
)
from portal.jobs.models import Job
from portal.uploads.engine_inputs import csv_options, source_columns
from portal.uploads.models import UploadedFile
from portal.uploads.schemas import CsvOptionsUpdate, PreviewRead

ACCEPTED_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz")
# Reasons (etl_engine.UnreadableFile.reason) that mean "this is not a CSV at all" (415);
# the others (empty, truncated, corrupt, encoding, malformed) are a CSV gone wrong (422).
_NOT_CSV_REASONS = {"binary", "not_csv"}
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.(csv|tsv|txt)(\.gz)?")
_TIME_DIRECTIVES = ("%H", "%I", "%M", "%S")
# Rows a column format override is tried on before it is accepted.
FORMAT_CHECK_ROWS = 200
AUDIT_RESOURCE = "upload"
log = structlog.get_logger(__name__)


def audit_view(row: UploadedFile) -> dict[str, object]:
    return {"filename": row.filename, "size_bytes": row.size_bytes}


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
    session: AsyncSession,
    file_id: str,
    filename: str,
    path: Path,
    size_bytes: int,
    audit: AuditContext,
    *,
    max_inflated_bytes: int,
) -> UploadedFile:
    """Profile a received file and record it; an unreadable file (or a .csv.gz inflating past
    `max_inflated_bytes`) is removed and refused."""
    try:
        profile = await _profile(path, max_inflated_bytes=max_inflated_bytes)
        row = UploadedFile(
            id=file_id, filename=filename, stored_path=str(path), size_bytes=size_bytes, overrides={}
        )
        _apply_profile(row, profile)
        session.add(row)
        audit.record(session, AuditAction.CREATE, AUDIT_RESOURCE, file_id, after=audit_view(row))
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
    session: AsyncSession, file_id: str, body: CsvOptionsUpdate, *, max_inflated_bytes: int
) -> UploadedFile:
    """Profile again with the user's corrections (the file stays; a bad override is a 422). The
    body is the whole set of corrections: what it omits is detected again."""
    row = await get_upload(session, file_id)
    path = _stored_path(row)
    overrides = body.overrides()
    profile = await _profile(path, overrides, at_upload=False, max_inflated_bytes=max_inflated_bytes)
    if body.column_formats:
        profile.columns = _with_formats(profile.columns, body.column_formats)
        await _check_formats(path, profile, body.column_formats)
    if "encoding" in overrides:
        # The engine is sure of an encoding it was told; keep what detection said of the file so
        # the user can still see the other readings (and the one detected first).
        alternatives = [row.encoding, *row.encoding_alternatives]
        profile.encoding_alternatives = list(
            dict.fromkeys(a for a in alternatives if a != profile.options.encoding)
        )
        profile.encoding_confidence = row.encoding_confidence
        profile.encoding_low_confidence = row.encoding_low_confidence
    _apply_profile(row, profile)
    row.overrides = body.model_dump(exclude_none=True)
    await session.commit()
    log.info("upload_reprofiled", file_id=file_id, overrides=sorted(row.overrides))
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


async def delete_upload(session: AsyncSession, file_id: str, audit: AuditContext) -> None:
    row = await get_upload(session, file_id)
    job_ids = (await session.scalars(select(Job.id).where(Job.file_id == file_id))).all()
    if job_ids:
        raise ConflictError(
            f"File {row.filename!r} is used by {len(job_ids)} job(s); delete them first",
            error="FileInUse",
            file_id=file_id,
            job_ids=list(job_ids),
        )
    audit.record(session, AuditAction.DELETE, AUDIT_RESOURCE, file_id, before=audit_view(row))
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


def _with_formats(columns: list[SourceColumn], formats: Mapping[str, str]) -> list[SourceColumn]:
    """The columns with the user's date formats: DATE, or TIMESTAMP(TZ) when the format has a time."""
    unknown = sorted(set(formats) - {c.sql_name for c in columns})
    if unknown:
        raise ValidationFailedError(
            f"column_formats names no column of this file: {', '.join(unknown)}",
            problems=[{"field": f"column_formats.{name}", "message": "no such column"} for name in unknown],
        )
    result = []
    for column in columns:
        format = formats.get(column.sql_name)
        if format is not None:
            timed = any(directive in format for directive in _TIME_DIRECTIVES)
            zoned = column.type is ColumnType.TIMESTAMPTZ
            kind = (ColumnType.TIMESTAMPTZ if zoned else ColumnType.TIMESTAMP) if timed else ColumnType.DATE
            column = dataclasses.replace(column, type=kind, format=format, precision=None, scale=None)
        result.append(column)
    return result


async def _check_formats(path: Path, profile: FileProfile, formats: Mapping[str, str]) -> None:
    """Refuse a format the engine cannot use, or one that reads none of the column's first values."""
    try:
        page: Preview = await run_in_threadpool(
            preview_csv, path, profile.options, profile.columns, 0, FORMAT_CHECK_ROWS
        )
    except ValueError as exc:
        column = next((c for c in profile.columns if repr(c.name) in str(exc)), None)
        field = f"column_formats.{column.sql_name}" if column else "column_formats"
        raise ValidationFailedError(
            f"Cannot use that format: {exc}", problems=[{"field": field, "message": str(exc)}]
        ) from exc
    except UnreadableFile as exc:
        raise _refusal(exc, at_upload=False) from exc
    problems = []
    for index, column in enumerate(profile.columns):
        if column.sql_name not in formats:
            continue
        present = sum(1 for row in page.rows if row[index] is not None)
        bad = [cell.value for cell in page.invalid_cells if cell.column == column.sql_name]
        if bad and present == 0:
            problems.append(
                {
                    "field": f"column_formats.{column.sql_name}",
                    "message": f"column {column.name!r}: the format {formats[column.sql_name]} reads none "
                    f"of its first values (e.g. {bad[0]!r})",
                }
            )
    if problems:
        raise ValidationFailedError(
            "Cannot use that format: " + "; ".join(p["message"] for p in problems), problems=problems
        )


def _apply_profile(row: UploadedFile, profile: FileProfile) -> None:
    options = profile.options
    row.encoding = options.encoding
    row.delimiter = options.delimiter
    row.quotechar = options.quotechar
    row.has_header = options.has_header
    row.decimal = options.decimal
    row.compression = options.compression
    row.null_markers = options.null_markers
    row.timezone = options.timezone
    row.row_estimate = profile.row_estimate
    row.encoding_confidence = profile.encoding_confidence
    row.encoding_alternatives = list(profile.encoding_alternatives)
    row.encoding_low_confidence = profile.encoding_low_confidence
    row.excel_separator_line = profile.excel_separator_line
    row.columns = [{**dataclasses.asdict(column), "type": str(column.type)} for column in profile.columns]


async def _profile(
    path: Path,
    overrides: Mapping[str, object] | None = None,
    *,
    at_upload: bool = True,
    max_inflated_bytes: int,
) -> FileProfile:
    try:
        return await run_in_threadpool(
            functools.partial(profile_csv, path, overrides, max_inflated_bytes=max_inflated_bytes)
        )
    except UnreadableFile as exc:
        log.info("upload_unreadable", path=path.name, reason=exc.reason)
        raise _refusal(exc, at_upload) from exc
    except ValueError as exc:  # an override the engine cannot use
        raise ValidationFailedError(f"Cannot read the file that way: {exc}", error="InvalidOptions") from exc


def _refusal(exc: UnreadableFile, at_upload: bool) -> PortalError:
    """At upload, a file that is not CSV at all is 415; anything else (and any failure once the
    file was accepted, e.g. a wrong encoding override) is 422; a .csv.gz inflating past the limit
    is 413. `reason` is the engine's code."""
    if isinstance(exc, FileTooLarge):
        return PayloadTooLargeError(
            f"The file is too large once decompressed: {exc}",
            error="FileTooLarge",
            reason=exc.reason,
            max_inflated_bytes=exc.limit_bytes,
        )
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
