"""Incremental reads: only the rows at or past the last committed cursor (minus a lookback).

    cursor = Cursor(source_column, Incremental("updated_at", lookback=300))
    lower = cursor.lower(state)        # None on the first run: read everything
    ... WHERE updated_at >= lower ORDER BY updated_at ...; cursor.see(batch) for each batch read
    cursor.state                       # {"cursor": the largest value read}, committed with the rows

The cursor is a JSON value: an integer, or ISO 8601 text for dates and timestamps (a TIMESTAMPTZ
with its offset). `>=` re-reads the rows at the cursor itself, so rows written later with the same
value are not missed; the load merges the re-read rows on their keys (UPSERT), so they are never
duplicated. Rows whose cursor is NULL are read by the first run only.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InvalidJobSpec, SourceFailed
from ..spec import ColumnType, Incremental, SourceColumn
from .ranges import KeyValue

CURSOR_TYPES = (
    ColumnType.INTEGER,
    ColumnType.BIGINT,
    ColumnType.DATE,
    ColumnType.TIMESTAMP,
    ColumnType.TIMESTAMPTZ,
)


class Cursor:
    """The cursor of one incremental read of `column` (a source column as carried)."""

    def __init__(self, column: SourceColumn, incremental: Incremental) -> None:
        if column.type not in CURSOR_TYPES:
            raise InvalidJobSpec(
                f"column {column.name!r} is {column.type.value}: an incremental cursor is an integer, "
                "a date or a timestamp"
            )
        self.column = column
        self.lookback = incremental.lookback
        self._previous: dict[str, Any] | None = None
        self._largest: Any = None

    def lower(self, state: dict[str, Any] | None) -> KeyValue | None:
        """The smallest cursor value to read given the last committed `state` (None: all rows)."""
        self._previous = state
        value = None if state is None else state.get("cursor")
        if value is None:
            return None
        kind = self.column.type
        if kind in (ColumnType.INTEGER, ColumnType.BIGINT):
            return math.floor(int(value) - self.lookback)
        if kind is ColumnType.DATE:
            return dt.date.fromisoformat(value) - dt.timedelta(days=math.ceil(self.lookback / 86400))
        moment = dt.datetime.fromisoformat(value) - dt.timedelta(seconds=self.lookback)
        if kind is ColumnType.TIMESTAMPTZ and moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment

    def see(self, values: pa.Array | pa.ChunkedArray) -> None:
        """Take note of the cursor values of a batch read (typed, or text as the source reads it)."""
        largest = self._max(values)
        if largest is not None and (self._largest is None or largest > self._largest):
            self._largest = largest

    def _max(self, values: pa.Array | pa.ChunkedArray) -> Any:
        if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
            if self.column.type in (ColumnType.INTEGER, ColumnType.BIGINT):
                return pc.max(pc.cast(values, pa.int64())).as_py()
            # ISO text sorts as its instants when written alike (one session zone, the column's
            # own fractional digits; a shorter fraction sorts first, as it should).
            text = pc.max(values).as_py()
            return None if text is None else self._parsed(text)
        return pc.max(values).as_py()

    def _parsed(self, text: str) -> Any:
        if self.column.type is ColumnType.DATE:
            return dt.date.fromisoformat(text)
        moment = dt.datetime.fromisoformat(text)
        if self.column.type is ColumnType.TIMESTAMPTZ and moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)  # sources read instants in a UTC session
        return moment

    @property
    def state(self) -> dict[str, Any] | None:
        """{"cursor": the largest value read}; the last state when this read found no row."""
        if self._largest is None:
            return self._previous
        value = self._largest
        return {"cursor": value if isinstance(value, int) else value.isoformat()}


def find_cursor(
    incremental: Incremental | None, names: list[str], columns: list[SourceColumn], table: str
) -> tuple[Cursor, int] | None:
    """The cursor of an incremental read of a table with columns `names` (carried as `columns`),
    and its column's position."""
    if incremental is None:
        return None
    if incremental.column not in names:
        raise SourceFailed(f"table {table} has no cursor column {incremental.column!r}")
    position = names.index(incremental.column)
    return Cursor(columns[position], incremental), position


def since(
    found: tuple[Cursor, int] | Cursor | None, lower: KeyValue | None
) -> tuple[str, KeyValue | None] | None:
    """What a generated table read takes as its `since`: the cursor column and its lower bound."""
    cursor = found[0] if isinstance(found, tuple) else found
    return None if cursor is None else (cursor.column.name, lower)


def naive_utc(value: KeyValue) -> KeyValue:
    """A bound for a driver that compares in a UTC session without zones (MySQL)."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def latest_state(states: list[dict[str, Any] | None]) -> dict[str, Any] | None:
    """The state with the largest cursor among parallel reads of one table (None: none had one)."""
    found = [s for s in states if s is not None and s.get("cursor") is not None]
    if not found:
        return None

    def value(state: dict[str, Any]) -> Any:
        cursor = state["cursor"]
        return cursor if isinstance(cursor, int) else dt.datetime.fromisoformat(cursor)

    return max(found, key=value)
