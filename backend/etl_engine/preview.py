"""preview_csv: a page of typed rows, per-column statistics, and the cells that would not load."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyarrow.compute as pc

from .conversion import parse_source
from .sources.csv import CsvSource
from .spec import ColumnType, CsvOptions, SourceColumn
from .validation import check_source_columns

SCAN_BYTES = 32 << 20  # statistics and the row count come from at most this much of the file
SAMPLES = 5
BATCH_ROWS = 20_000

JsonValue = str | int | float | bool | None


@dataclass
class PreviewColumn:
    name: str
    sql_name: str
    type: str
    null_count: int = 0
    min: JsonValue = None
    max: JsonValue = None
    samples: list[str] = field(default_factory=list)
    format: str | None = None  # how dates are written when not ISO 8601 (e.g. %d.%m.%Y)
    timezone: str | None = None  # TIMESTAMPTZ: the zone values without an offset are read in
    null_markers: list[str] = field(default_factory=list)  # texts read as NULL in this column


@dataclass
class InvalidCell:
    row: int  # 0-based data row index in the file
    column: str  # sql_name
    value: str
    reason: str


@dataclass
class Preview:
    """`total_rows` is exact when `total_rows_exact`, else estimated from the scanned part;
    statistics cover the scanned rows. Values are JSON-ready (numerics and dates as text)."""

    columns: list[PreviewColumn]
    rows: list[list[JsonValue]]
    offset: int
    limit: int
    total_rows: int
    total_rows_exact: bool
    invalid_cells: list[InvalidCell]


def preview_csv(
    path: str | Path, options: CsvOptions, columns: list[SourceColumn], offset: int = 0, limit: int = 50
) -> Preview:
    """Rows [offset, offset + limit) typed as `columns` say; raises UnreadableFile."""
    check_source_columns(columns, options)
    stats = [
        PreviewColumn(
            c.name,
            c.sql_name,
            c.type.value,
            format=c.format,
            timezone=(c.timezone or options.timezone) if c.type is ColumnType.TIMESTAMPTZ else None,
            null_markers=list(options.null_markers or c.null_markers),
        )
        for c in columns
    ]
    extremes: list[list[object]] = [[] for _ in columns]
    rows: list[list[JsonValue]] = []
    invalid: list[InvalidCell] = []
    seen = 0
    end = offset + limit
    with CsvSource(path, options, columns, BATCH_ROWS) as source:
        exact = True
        for raw in source.batches():
            batch = raw.batch
            typed = [parse_source(batch.column(i), c, options) for i, c in enumerate(columns)]
            for index, (stat, parsed, bounds) in enumerate(zip(stats, typed, extremes, strict=True)):
                text = batch.column(index)
                stat.null_count += parsed.array.null_count - parsed.invalid_count()
                if len(stat.samples) < SAMPLES:
                    for value in pc.unique(pc.drop_null(text)).to_pylist():
                        if len(stat.samples) < SAMPLES and value not in stat.samples:
                            stat.samples.append(value)
                valid = pc.drop_null(parsed.array)
                if len(valid):
                    low, high = pc.min_max(valid).values()
                    bounds.extend([low.as_py(), high.as_py()])
            page_start, page_end = max(offset - seen, 0), min(end - seen, batch.num_rows)
            for index in range(page_start, page_end):
                rows.append([_json(p.array[index].as_py()) for p in typed])
                for position, (column, parsed) in enumerate(zip(columns, typed, strict=True)):
                    if parsed.invalid[index].as_py():
                        value = batch.column(position)[index].as_py()
                        invalid.append(InvalidCell(seen + index, column.sql_name, value, parsed.reason))
            seen += batch.num_rows
            if seen >= end and source.position >= SCAN_BYTES:
                exact = False
                break
        total = seen if exact else int(seen * source.total / max(source.position, 1))
    for stat, bounds in zip(stats, extremes, strict=True):
        if bounds:
            stat.min, stat.max = _json(min(bounds)), _json(max(bounds))  # type: ignore[type-var]
    return Preview(stats, rows, offset, limit, total, exact, invalid)


def _json(value: object) -> JsonValue:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no NaN or infinity
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)
