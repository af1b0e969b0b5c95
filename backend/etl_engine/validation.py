"""Checks of reading options that would otherwise fail mid-read: formats and time zones."""

from __future__ import annotations

from .conversion import check_timezone, format_pattern
from .spec import ColumnType, CsvOptions, SourceColumn

_DATED = (ColumnType.DATE, ColumnType.TIMESTAMP, ColumnType.TIMESTAMPTZ)


def check_source_columns(columns: list[SourceColumn], options: CsvOptions) -> None:
    """Raise ValueError naming the column whose date format or time zone cannot be used."""
    check_timezone(options.timezone)
    for column in columns:
        try:
            if column.timezone is not None:
                check_timezone(column.timezone)
            if column.format is not None and column.type in _DATED:
                format_pattern(column.format)
                if column.type is ColumnType.DATE and any(
                    d in column.format for d in ("%H", "%I", "%M", "%S")
                ):
                    raise ValueError(f"date format {column.format!r} has a time: make the column a TIMESTAMP")
        except ValueError as error:
            raise ValueError(f"column {column.name!r}: {error}") from error
