"""What a calculated column's expression gives on the first rows of a file, for the mapping editor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import structlog

from etl_engine import CsvOptions, EngineError, SourceColumn
from etl_engine.conversion import parse_text
from etl_engine.readers.csv import CsvBatchReader
from etl_engine.transforms.expressions import evaluate, referenced_names

log = structlog.get_logger(__name__)

SAMPLE_ROWS = 5


def expression_sample(
    path: Path, options: CsvOptions, sources: list[SourceColumn], expression: str, rows: int = SAMPLE_ROWS
) -> list[Any] | None:
    """The expression's values on the first `rows` rows (cells that do not parse count as NULL, as
    they would be rejected in a load). None when the file cannot be read: the check itself stands."""
    by_name = {c.sql_name: c for c in sources}
    try:
        with CsvBatchReader(path, options, list(by_name), batch_size=1_000) as reader:
            batch = next((raw.batch for raw in reader if raw.batch.num_rows), None)
        if batch is None:
            return []
        batch = batch.slice(0, rows)
        typed = {
            name: parse_text(batch.column(name), by_name[name].type, options.decimal).array
            for name in referenced_names(expression) & by_name.keys()
        }
        values, _ = evaluate(expression, typed, by_name, batch.num_rows)
    except (EngineError, OSError) as exc:
        log.info("expression_sample_unavailable", reason=str(exc))
        return None
    return list(values.to_pylist())
