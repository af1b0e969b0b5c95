"""profile_csv: how a file is written and what its columns hold, from a bounded sample."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from .conversion import DEFAULT_NULL_MARKERS, check_timezone
from .errors import UnreadableFile
from .identifiers import unique_sql_identifiers
from .inference import infer_types, uses_decimal_comma
from .readers.detect import (
    LOW_CONFIDENCE,
    MAX_INFLATED_BYTES,
    EncodingGuess,
    Sample,
    decode_sample,
    detect_dialect,
    drop_separator_line,
    first_row,
    guess_encoding,
    read_sample,
    separator_line,
)
from .sources.csv import arrow_csv_options, unreadable_from
from .spec import ColumnType, CsvOptions, FileProfile, SourceColumn

OVERRIDABLE = ("encoding", "delimiter", "quotechar", "has_header", "decimal", "null_markers", "timezone")


def profile_csv(
    path: str | Path,
    overrides: Mapping[str, object] | None = None,
    *,
    max_inflated_bytes: int | None = MAX_INFLATED_BYTES,
) -> FileProfile:
    """Detect encoding, dialect, header, decimal mark, null markers and column types; `overrides`
    fix any of OVERRIDABLE. Raises UnreadableFile with a reason (FileTooLarge, reason `too_large`,
    for a gzip file inflating past `max_inflated_bytes`), ValueError for a bad override."""
    overrides = dict(overrides or {})
    unknown = set(overrides) - set(OVERRIDABLE)
    if unknown:
        raise ValueError(f"unknown CSV options: {sorted(unknown)}")
    sample = read_sample(Path(path), max_inflated_bytes)
    if overrides.get("encoding"):
        guess = EncodingGuess(str(overrides["encoding"]), 1.0, [])
    else:
        guess = guess_encoding(sample)
    text = decode_sample(sample, guess.encoding)
    hinted = separator_line(text)
    if hinted is not None:
        text = drop_separator_line(text)
    delimiter, quotechar = detect_dialect(text)
    delimiter = str(overrides.get("delimiter") or hinted or delimiter)
    quotechar = str(overrides.get("quotechar") or quotechar)
    header = first_row(text, delimiter, quotechar)
    if not header:
        raise UnreadableFile("empty", "the file has no rows")
    markers = _null_markers(overrides.get("null_markers"))
    timezone = str(overrides.get("timezone") or "UTC")
    check_timezone(timezone)
    nulls = DEFAULT_NULL_MARKERS if markers is None else tuple(markers)
    has_header = bool(overrides["has_header"]) if "has_header" in overrides else _looks_like_header(header)
    names = header if has_header else [f"column_{i}" for i in range(1, len(header) + 1)]
    sql_names = unique_sql_identifiers(names)
    options = CsvOptions(
        guess.encoding, delimiter, quotechar, has_header, ".", sample.compression, markers, timezone
    )
    table = _read_sample_table(text, options, sql_names)
    columns = [table.column(index).combine_chunks() for index in range(table.num_columns)]
    decimal = str(
        overrides.get("decimal") or ("," if delimiter != "," and uses_decimal_comma(columns, nulls) else ".")
    )
    options.decimal = decimal
    inferred = infer_types(columns, decimal, nulls, nulls_in_text=markers is not None)
    source_columns = [
        SourceColumn(
            name, sql_name, found.type, found.precision, found.scale, found.format, None, found.null_markers
        )
        for name, sql_name, found in zip(names, sql_names, inferred, strict=True)
    ]
    return FileProfile(
        options,
        source_columns,
        _row_estimate(sample, text, table.num_rows),
        sample.size_bytes,
        guess.confidence,
        guess.alternatives,
        guess.confidence < LOW_CONFIDENCE,
        hinted is not None,
    )


def _null_markers(value: object) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError("null_markers must be a list of texts")
    return [str(v) for v in value if v != ""]


def _looks_like_header(cells: list[str]) -> bool:
    """A first row is data when one of its cells is a number, date or timestamp."""
    found = infer_types([pa.array([cell], pa.string()) for cell in cells])
    return all(f.type in (ColumnType.TEXT, ColumnType.BOOLEAN) for f in found)


def _read_sample_table(text: str, options: CsvOptions, sql_names: list[str]) -> pa.Table:
    # User-chosen null markers stay text here, so that inference can report where they were met.
    utf8 = replace(options, encoding="utf-8", compression=None, null_markers=None)
    data = text.encode("utf-8")
    # One block for the whole (bounded) sample: a cell of any size fits.
    arrow_options = arrow_csv_options(utf8, sql_names, block_bytes=max(len(data) + 1, 1 << 16))
    try:
        return pacsv.read_csv(io.BytesIO(data), **arrow_options)
    except pa.ArrowInvalid as error:
        raise unreadable_from(error, options) from error


def _row_estimate(sample: Sample, text: str, sample_rows: int) -> int:
    if sample.complete:
        return sample_rows
    total = sample.uncompressed_bytes or sample.size_bytes
    sample_bytes = len(text.encode("utf-8")) or 1
    # A first record longer than the sample (a cell of megabytes): at least that one row.
    return max(int(sample_rows * total / sample_bytes), 1)
