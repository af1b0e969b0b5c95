"""The engine's view of a stored file: its CSV options and columns.

Pure functions on model rows that import no web code: the API and the runner (inside an Airflow
worker) build the same engine inputs from the same rows through them.
"""

from __future__ import annotations

from etl_engine import ColumnType, CsvOptions, SourceColumn
from portal.uploads.models import UploadedFile


def csv_options(row: UploadedFile) -> CsvOptions:
    """The engine's reading options for a stored file."""
    return CsvOptions(
        encoding=row.encoding,
        delimiter=row.delimiter,
        quotechar=row.quotechar or '"',
        has_header=row.has_header,
        decimal=row.decimal,
        compression=row.compression,
        null_markers=row.null_markers,
        timezone=row.timezone or "UTC",
    )


def source_columns(row: UploadedFile) -> list[SourceColumn]:
    """The file's columns; the stored JSON holds each type as its name, the engine wants the
    ColumnType member (it compares types by identity)."""
    return [
        SourceColumn(
            name=column["name"],
            sql_name=column["sql_name"],
            type=ColumnType(column["type"]),
            precision=column.get("precision"),
            scale=column.get("scale"),
            format=column.get("format"),
            timezone=column.get("timezone"),
            null_markers=list(column.get("null_markers") or []),
        )
        for column in row.columns
    ]
