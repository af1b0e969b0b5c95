"""What a calculated column's expression gives on a file's first rows (the mapping editor's sample)."""

from __future__ import annotations

from pathlib import Path

from .conversion import parse_source
from .sources.csv import CsvSource
from .spec import CsvOptions, SourceColumn
from .transforms.expressions import evaluate, referenced_names

SAMPLE_ROWS = 5


def sample_expression(
    path: str | Path,
    csv: CsvOptions,
    columns: list[SourceColumn],
    expression: str,
    limit: int = SAMPLE_ROWS,
) -> list[object]:
    """The expression's values on the first `limit` data rows, as Python values. A cell that does
    not parse as its column's type counts as NULL (a load would reject its row).

    Check the expression with `validate_expression` first. Raises UnreadableFile for a file that
    cannot be read as `csv` says, InvalidJobSpec when the expression fails on these rows, and
    OSError when the file is gone.
    """
    by_name = {c.sql_name: c for c in columns}
    with CsvSource(path, csv, columns, batch_size=max(limit, 1_000)) as source:
        batch = next((raw.batch for raw in source.batches() if raw.batch.num_rows), None)
    if batch is None:
        return []
    batch = batch.slice(0, limit)
    typed = {
        name: parse_source(batch.column(name), by_name[name], csv).array
        for name in referenced_names(expression) & by_name.keys()
    }
    values, _ = evaluate(expression, typed, by_name, batch.num_rows)
    return list(values.to_pylist())
