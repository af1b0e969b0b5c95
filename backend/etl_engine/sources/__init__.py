"""Sources: where a run's rows come from (see base.py for the contract)."""

from __future__ import annotations

from ..spec import JobSpec
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
    """The source `spec` reads from, opened: today the CSV file at `spec.source_path`."""
    return CsvSource(spec.source_path, spec.csv, spec.source_columns, spec.load.batch_size)
