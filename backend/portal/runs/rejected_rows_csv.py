"""Rejected rows as a CSV download that is safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from portal.runs.models import RejectedRow
from portal.runs.service import iter_rejected_rows

HEADER = ("line_number", "column", "reason", "raw")
# A spreadsheet treats a cell starting with one of these as a formula (CSV injection); tab and CR
# too, since some programs strip them before deciding.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _encode(rows: Sequence[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([[escape_cell(cell) for cell in row] for row in rows])
    return buffer.getvalue().encode("utf-8")


async def rejected_rows_csv(session: AsyncSession, run_id: int) -> AsyncIterator[bytes]:
    yield _encode([HEADER])
    async for chunk in iter_rejected_rows(session, run_id):
        yield _encode([_row(r) for r in chunk])


def _row(row: RejectedRow) -> tuple[object, ...]:
    return (row.line_number, row.column, row.reason, row.raw)
