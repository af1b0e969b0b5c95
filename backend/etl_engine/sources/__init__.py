"""Sources: where a run's rows come from (see base.py for the contract)."""

from __future__ import annotations

from ..spec import ArrivingFiles, FileSource, JobSpec, QuerySource, TableSource
from .base import (
    NativeColumn,
    QueryRefused,
    Source,
    SourceBatch,
    SourceConfig,
    UncarriedColumns,
    check_carried,
)
from .csv import CsvSource
from .ranges import KeyRange, split_range

# The database sources live in their modules (postgres, mysql, sqlserver, oracle), each importing
# its own driver: `from etl_engine.sources.mysql import MySqlTableSource`.
__all__ = [
    "CsvSource",
    "KeyRange",
    "NativeColumn",
    "QueryRefused",
    "Source",
    "SourceBatch",
    "SourceConfig",
    "UncarriedColumns",
    "check_carried",
    "open_source",
    "split_range",
]


def open_source(spec: JobSpec) -> Source:
    """The source `spec.source` describes, opened. A database's driver is imported only when a
    spec reads from it (each source module imports its own)."""
    source, batch_size = spec.source, spec.load.batch_size
    if isinstance(source, FileSource):
        return CsvSource(source.path, source.csv, spec.source_columns, batch_size)
    if isinstance(source, ArrivingFiles):
        from .files import ArrivingFilesSource

        arriving: Source = ArrivingFilesSource(source, spec.source_columns, batch_size)
        return arriving
    if isinstance(source, TableSource):
        from .database import open_table

        return open_table(source, batch_size)
    if isinstance(source, QuerySource):
        from .database import open_query

        return open_query(source, batch_size)
    raise TypeError(f"unknown source {type(source).__name__}")
