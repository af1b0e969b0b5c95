"""profile_csv: how a file is written and what its columns hold, from a bounded sample."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from .errors import UnreadableFile
from .identifiers import unique_sql_identifiers
from .inference import infer_type, uses_decimal_comma
from .readers.csv import arrow_csv_options, unreadable_from
from .readers.detect import Sample, decode_sample, detect_dialect, detect_encoding, first_row, read_sample
from .spec import ColumnType, CsvOptions, FileProfile, SourceColumn

OVERRIDABLE = ("encoding", "delimiter", "quotechar", "has_header", "decimal")


def profile_csv(path: str | Path, overrides: Mapping[str, object] | None = None) -> FileProfile:
    """Detect encoding, dialect, header, decimal mark and column types; `overrides` fix any of
    encoding / delimiter / quotechar / has_header / decimal. Raises UnreadableFile with a reason."""
    overrides = dict(overrides or {})
    unknown = set(overrides) - set(OVERRIDABLE)
    if unknown:
        raise ValueError(f"unknown CSV options: {sorted(unknown)}")
    sample = read_sample(Path(path))
    encoding = str(overrides.get("encoding") or detect_encoding(sample))
    text = decode_sample(sample, encoding)
    delimiter, quotechar = detect_dialect(text)
    delimiter = str(overrides.get("delimiter") or delimiter)
    quotechar = str(overrides.get("quotechar") or quotechar)
    header = first_row(text, delimiter, quotechar)
    if not header:
        raise UnreadableFile("empty", "the file has no rows")
    has_header = bool(overrides["has_header"]) if "has_header" in overrides else _looks_like_header(header)
    names = header if has_header else [f"column_{i}" for i in range(1, len(header) + 1)]
    sql_names = unique_sql_identifiers(names)
    options = CsvOptions(encoding, delimiter, quotechar, has_header, ".", sample.compression)
    table = _read_sample_table(text, options, sql_names)
    columns = [table.column(name).combine_chunks() for name in sql_names]
    decimal = str(
        overrides.get("decimal") or ("," if delimiter != "," and uses_decimal_comma(columns) else ".")
    )
    options.decimal = decimal
    source_columns = []
    for name, sql_name, values in zip(names, sql_names, columns, strict=True):
        column_type, precision, scale = infer_type(values, decimal)
        source_columns.append(SourceColumn(name, sql_name, column_type, precision, scale))
    return FileProfile(
        options, source_columns, _row_estimate(sample, text, table.num_rows), sample.size_bytes
    )


def _looks_like_header(cells: list[str]) -> bool:
    """A first row is data when one of its cells is a number, date or timestamp."""
    values = pa.array(cells, pa.string())
    for index in range(len(values)):
        column_type, _, _ = infer_type(values.slice(index, 1))
        if column_type not in (ColumnType.TEXT, ColumnType.BOOLEAN):
            return False
    return True


def _read_sample_table(text: str, options: CsvOptions, sql_names: list[str]) -> pa.Table:
    utf8 = replace(options, encoding="utf-8", compression=None)
    try:
        return pacsv.read_csv(io.BytesIO(text.encode("utf-8")), **arrow_csv_options(utf8, sql_names))
    except pa.ArrowInvalid as error:
        raise unreadable_from(error, options) from error


def _row_estimate(sample: Sample, text: str, sample_rows: int) -> int:
    if sample.complete:
        return sample_rows
    total = sample.uncompressed_bytes or sample.size_bytes
    sample_bytes = len(text.encode("utf-8")) or 1
    return int(sample_rows * total / sample_bytes)
