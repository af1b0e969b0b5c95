"""Plain functions that persist the rows the job/run/schedule tests arrange (no API round trips)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from databases import TEST_DATABASE
from sqlalchemy.ext.asyncio import AsyncSession

from portal.connections.models import Credential
from portal.jobs.models import Job
from portal.runs.models import JobRun, JobRunEvent, RejectedRow
from portal.uploads.models import UploadedFile

COLUMNS = [
    {"name": "id", "sql_name": "id", "type": "INTEGER", "precision": None, "scale": None},
    {"name": "Name", "sql_name": "name", "type": "TEXT", "precision": None, "scale": None},
]


async def make_file(session: AsyncSession, *, columns: list[dict[str, Any]] | None = None) -> UploadedFile:
    file = UploadedFile(
        id=uuid.uuid4().hex,
        filename="people.csv",
        stored_path="/nonexistent/people.csv",
        size_bytes=100,
        encoding="utf-8",
        delimiter=",",
        quotechar='"',
        has_header=True,
        columns=columns if columns is not None else COLUMNS,
    )
    session.add(file)
    await session.commit()
    return file


async def make_credential(session: AsyncSession, name: str = "test postgres") -> Credential:
    """The test database itself, reachable without a password (trust), as a destination."""
    credential = Credential(
        name=name, kind="postgres", host="127.0.0.1", port=5432, database=TEST_DATABASE, username="postgres"
    )
    session.add(credential)
    await session.commit()
    return credential


async def make_job(session: AsyncSession, *, name: str = "people") -> Job:
    file = await make_file(session)
    credential = await make_credential(session, name=f"dest for {name}")
    job = Job(
        name=name,
        file_id=file.id,
        credential_id=credential.id,
        target_schema="main",
        target_table="people",
    )
    session.add(job)
    await session.commit()
    return job


async def make_run(session: AsyncSession, job: Job, **values: Any) -> JobRun:
    run = JobRun(job_id=job.id, **values)
    session.add(run)
    await session.commit()
    return run


async def add_event(
    session: AsyncSession, run: JobRun, kind: str, message: str = "", **data: Any
) -> JobRunEvent:
    event = JobRunEvent(job_run_id=run.id, kind=kind, message=message, data=data or None)
    session.add(event)
    await session.commit()
    return event


async def add_rejected(
    session: AsyncSession, run: JobRun, line: int, raw: str, column: str, reason: str
) -> None:
    session.add(RejectedRow(job_run_id=run.id, line_number=line, raw=raw, column=column, reason=reason))
    await session.commit()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)
