"""Sources: where a run's rows come from (see base.py for the contract)."""

from __future__ import annotations

from ..spec import JobSpec
from .base import Source, SourceBatch
from .csv import CsvSource

__all__ = ["CsvSource", "Source", "SourceBatch", "open_source"]


def open_source(spec: JobSpec) -> Source:
    """The source `spec` reads from, opened: today the CSV file at `spec.source_path`."""
    return CsvSource(spec.source_path, spec.csv, spec.source_columns, spec.load.batch_size)
