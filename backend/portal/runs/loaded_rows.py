"""What a finished run loaded: a page of its target table, read from the destination."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from portal.connections import destinations
from portal.connections.models import Credential
from portal.connections.service import browse_config
from portal.core.config import Settings
from portal.core.crypto import CredentialCipher
from portal.core.errors import ConflictError, EntityNotFoundError
from portal.runs.models import JobRunStatus
from portal.runs.schemas import LoadedColumn, LoadedRows
from portal.runs.service import get_run

FINISHED = (JobRunStatus.COMPLETED, JobRunStatus.COMPLETED_WITH_REJECTS)
# Integers JavaScript's numbers hold exactly; larger ones travel as strings.
MAX_SAFE_INTEGER = 2**53 - 1


async def loaded_rows(
    session: AsyncSession, cipher: CredentialCipher, settings: Settings, run_id: int, offset: int, limit: int
) -> LoadedRows:
    run = await get_run(session, run_id)
    if run.status not in FINISHED:
        raise ConflictError(
            f"Run {run_id} is {run.status.value}: only a completed run has loaded rows to show",
            status=run.status.value,
        )
    job = run.job
    credential = await session.get(Credential, job.credential_id)
    if credential is None:  # RESTRICT keeps a job's credential; guards a hand-edited database
        raise EntityNotFoundError("Credential", job.credential_id)
    # The host is checked against the network policy again, as every browse of a connection is.
    config = await browse_config(credential, cipher, settings)
    sample = await destinations.sample_rows(config, job.target_schema, job.target_table, limit, offset)
    if not sample.columns:
        raise EntityNotFoundError("Table", f"{job.target_schema}.{job.target_table}")
    return LoadedRows(
        schema=job.target_schema,
        table=job.target_table,
        columns=[LoadedColumn(name=c.name, type=c.type) for c in sample.columns],
        rows=[[json_value(value) for value in row] for row in sample.rows],
        total_rows=sample.total_rows,
    )


def json_value(value: Any) -> Any:
    """A driver's value as JSON that a browser reads without loss: exact numbers as text."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) <= MAX_SAFE_INTEGER else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "\\x" + bytes(value).hex()
    if isinstance(value, (list, tuple)):
        return [json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    return str(value)  # UUID, interval, and whatever else a driver returns: its text
