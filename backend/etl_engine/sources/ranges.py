"""Key ranges: one large table read as N sources, each a half-open range of a NOT NULL key.

    bounds = split_range(low, high, 4)       # [(None, b1), (b1, b2), (b2, b3), (b3, None)]
    ranges = [KeyRange("id", lower, upper) for lower, upper in bounds]

The first range is open below and the last open above, so rows whose keys fall outside the
[low, high] seen when splitting (inserted since) are still read, by exactly one range; every other
row belongs to exactly one range because each range is `lower <= key < upper`. Rows sharing a key
value (ties) land in the same range. Boundaries are spread evenly over the key's values (integers,
decimals, floats, dates, datetimes); a range narrower than N distinct values gives fewer ranges.
The reader that runs ranges in parallel comes with the job DAG; here each range is its own source.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

KeyValue = int | float | Decimal | dt.date | dt.datetime
_EPOCH = dt.datetime(1970, 1, 1)


@dataclass(frozen=True)
class KeyRange:
    """Rows with `lower <= column < upper`; None leaves that side open."""

    column: str
    lower: KeyValue | None = None
    upper: KeyValue | None = None

    def condition(self, quote: Callable[[str], str], placeholder: str) -> tuple[str, list[KeyValue]]:
        """The WHERE condition (`placeholder` marks each parameter: %s, ?, :1...) and its values."""
        parts: list[str] = []
        values: list[KeyValue] = []
        if self.lower is not None:
            parts.append(f"{quote(self.column)} >= {placeholder}")
            values.append(self.lower)
        if self.upper is not None:
            parts.append(f"{quote(self.column)} < {placeholder}")
            values.append(self.upper)
        return " AND ".join(parts) or "1 = 1", values


def split_range(low: KeyValue, high: KeyValue, parts: int) -> list[tuple[KeyValue | None, KeyValue | None]]:
    """`parts` half-open ranges (fewer when the values are too few) covering every value: the first
    open below, the last open above, boundaries spread evenly between `low` and `high`."""
    if parts < 1:
        raise ValueError(f"a table is split into at least one range, not {parts}")
    boundaries: list[KeyValue] = []
    for i in range(1, parts):
        boundary = _between(low, high, i, parts)
        if boundary > low and (not boundaries or boundary > boundaries[-1]):  # type: ignore[operator]
            boundaries.append(boundary)
    lowers: list[KeyValue | None] = [None, *boundaries]
    uppers: list[KeyValue | None] = [*boundaries, None]
    return list(zip(lowers, uppers, strict=True))


def _between(low: KeyValue, high: KeyValue, i: int, parts: int) -> KeyValue:
    """The value i/parts of the way from low to high, of the keys' own type."""
    if isinstance(low, dt.datetime) and isinstance(high, dt.datetime):
        span = _micros(high) - _micros(low)
        return low + dt.timedelta(microseconds=span * i // parts)
    if isinstance(low, dt.date) and isinstance(high, dt.date) and not isinstance(high, dt.datetime):
        return dt.date.fromordinal(low.toordinal() + (high.toordinal() - low.toordinal() + 1) * i // parts)
    if isinstance(low, bool) or isinstance(high, bool):
        raise ValueError("a boolean key cannot be split into ranges")
    if isinstance(low, int) and isinstance(high, int):
        return low + (high - low + 1) * i // parts
    if isinstance(low, Decimal) or isinstance(high, Decimal):
        return Decimal(low) + (Decimal(high) - Decimal(low)) * i / parts  # type: ignore[arg-type]
    if isinstance(low, (int, float)) and isinstance(high, (int, float)):
        return low + (high - low) * i / parts
    raise ValueError(f"cannot split keys of type {type(low).__name__} into ranges")


def _micros(value: dt.datetime) -> int:
    naive = (
        value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(dt.UTC).replace(tzinfo=None)
    )
    return (naive - _EPOCH) // dt.timedelta(microseconds=1)
