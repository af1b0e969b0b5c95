"""What a calculated column's expression gives on the first rows of a file, for the mapping editor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import structlog

from etl_engine import CsvOptions, EngineError, SourceColumn, sample_expression

log = structlog.get_logger(__name__)

SAMPLE_ROWS = 5


def expression_sample(
    path: Path, options: CsvOptions, sources: list[SourceColumn], expression: str, rows: int = SAMPLE_ROWS
) -> list[Any] | None:
    """The expression's values on the first `rows` rows (cells that do not parse count as NULL, as
    they would be rejected in a load). None when the file cannot be read: the check itself stands."""
    try:
        return sample_expression(path, options, sources, expression, rows)
    except (EngineError, OSError) as exc:
        log.info("expression_sample_unavailable", reason=str(exc))
        return None
