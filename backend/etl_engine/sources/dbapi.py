"""Sources read through a DB-API driver that hands values over as Python objects (pymssql,
python-oracledb): a statement streamed with `fetchmany`, each batch's values turned into the text
the mapper parses, exactly (Decimal in full, instants with their offset, binary as `\\x` hex).

    batch = text_batch(rows, columns)          # pure: what every such source yields for the rows

`DbApiSource` runs one statement on an open connection; the SQL Server and Oracle modules build
the statement and the columns (pure functions, tested on the generated text) and the connection.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import pyarrow as pa

from ..errors import SourceFailed, SourceUnreachable
from ..spec import ColumnType, SourceColumn
from .base import OrdinalBatch, ProgressUnit, Source
from .incremental import Cursor


def as_text(value: Any, kind: ColumnType) -> str | None:
    """A driver's value as the text the mapper parses for a column of `kind`."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")  # every digit, never an exponent
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same float
    if isinstance(value, dt.datetime):
        if kind is ColumnType.TIMESTAMPTZ and value.tzinfo is None:
            return value.isoformat(sep=" ") + "+00:00"  # read in a UTC session
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "\\x" + bytes(value).hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


def text_batch(rows: Sequence[Sequence[Any]], columns: list[SourceColumn]) -> pa.RecordBatch:
    """Rows of driver values as a batch of text columns named by `sql_name`."""
    values = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    arrays = [
        pa.array([as_text(v, column.type) for v in column_values], pa.string())
        for column_values, column in zip(values, columns, strict=True)
    ]
    return pa.RecordBatch.from_arrays(arrays, names=[c.sql_name for c in columns])


class DbApiSource(Source):
    """`statement` with `params` read on `connection` in batches of `batch_size` rows; `columns`
    as carried (check_carried) and `read` a function loading each fetched value (LOBs...).
    `failure` turns a driver error into SourceFailed / SourceUnreachable / QueryRefused."""

    progress_unit: ProgressUnit = "rows"

    def __init__(
        self,
        connection: Any,
        statement: str,
        params: Sequence[Any] | Mapping[str, Any] | None,
        columns: list[SourceColumn],
        batch_size: int,
        estimate: int | None,
        failure: Callable[[Exception], SourceFailed | SourceUnreachable],
        driver_errors: tuple[type[Exception], ...],
    ) -> None:
        self.connection = connection
        self.statement, self.params = statement, params
        self.columns = columns
        self.batch_size = batch_size
        self.estimate = estimate
        self.failure = failure
        self.driver_errors = driver_errors
        self._handed_on = 0
        self.increment: Cursor | None = None
        self.increment_position = 0

    def track(self, found: tuple[Cursor, int] | None) -> None:
        """Take note of the cursor column's values as the rows are read (an incremental read)."""
        if found is not None:
            self.increment, self.increment_position = found

    @property
    def state(self) -> dict[str, Any] | None:
        return None if self.increment is None else self.increment.state

    @property
    def total(self) -> int | None:
        return self.estimate

    @property
    def position(self) -> int:
        return self._handed_on

    def batches(self) -> Iterator[OrdinalBatch]:
        cursor = self.connection.cursor()
        try:
            cursor.arraysize = self.batch_size
            if isinstance(self.params, Mapping):  # named values: passed even when empty (see render_query)
                cursor.execute(self.statement, dict(self.params))
            elif self.params:
                cursor.execute(self.statement, tuple(self.params))
            else:
                cursor.execute(self.statement)
            while rows := cursor.fetchmany(self.batch_size):
                first = self._handed_on + 1
                self._handed_on += len(rows)
                batch = text_batch(rows, self.columns)
                if self.increment is not None:
                    self.increment.see(batch.column(self.increment_position))
                yield OrdinalBatch(batch, first)
        except self.driver_errors as error:
            raise self.failure(error) from error
        finally:
            cursor.close()

    def close(self) -> None:
        try:
            self.connection.rollback()  # nothing was written; end the read's transaction
        except self.driver_errors:
            pass
        finally:
            self.connection.close()
