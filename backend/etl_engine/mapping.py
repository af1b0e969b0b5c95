"""From a batch of text cells to a batch of destination columns, with every rejected row explained.

Per batch: parse the source columns the mapping uses into their types, run each destination
column's transforms (or its expression), convert to the destination type within the
destination's limits, then drop the rows where anything failed and describe them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .conversion import NumericLimit, Parsed, coerce, parse_source
from .errors import InvalidJobSpec
from .progress import RejectedRow
from .readers.csv import RawBatch
from .spec import ColumnSpec, ColumnType, JobSpec, SourceColumn
from .transforms.columns import apply_transform
from .transforms.expressions import evaluate, referenced_names
from .validation import check_source_columns


@dataclass
class Check:
    """Values `shown` (before a step) and the step's outcome, for naming a rejected row's cause."""

    column: str
    shown: pa.Array | None
    parsed: Parsed


class BatchMapper:
    def __init__(self, spec: JobSpec, numeric_limit: NumericLimit | None, text_max_bytes: int | None):
        self.spec = spec
        self.numeric_limit = numeric_limit
        self.text_max_bytes = text_max_bytes
        self.sources: dict[str, SourceColumn] = {c.sql_name: c for c in spec.source_columns}
        needed: set[str] = set()
        for column in spec.columns:
            if column.expression:
                needed |= referenced_names(column.expression)
            elif column.source is not None:
                needed.add(column.source)
            else:
                raise InvalidJobSpec(f"column {column.target!r} has neither a source nor an expression")
        try:
            check_source_columns(spec.source_columns, spec.csv)
        except ValueError as error:
            raise InvalidJobSpec(str(error)) from error
        missing = needed - set(self.sources)
        if missing:
            raise InvalidJobSpec(f"the mapping uses columns the file does not have: {sorted(missing)}")
        self.needed = [c.sql_name for c in spec.source_columns if c.sql_name in needed]
        self.keys = set(spec.load.upsert_keys) if spec.load.strategy == "UPSERT" else set()

    def map(self, raw: RawBatch) -> tuple[pa.RecordBatch, list[RejectedRow]]:
        """The destination batch (rejected rows removed) and the rejected rows."""
        batch = raw.batch
        checks: list[Check] = []
        typed: dict[str, pa.Array] = {}
        for name in self.needed:
            text = batch.column(name)
            parsed = parse_source(text, self.sources[name], self.spec.csv)
            typed[name] = parsed.array
            checks.append(Check(self.sources[name].name, text, parsed))
        arrays = [self._column(column, typed, batch.num_rows, checks) for column in self.spec.columns]
        result = pa.RecordBatch.from_arrays(arrays, names=[c.target for c in self.spec.columns])
        rejected = _any_invalid([check.parsed.invalid for check in checks], batch.num_rows)
        if rejected is None:
            return result, []
        return result.filter(pc.invert(rejected)), self._describe(raw, checks, rejected)

    def _column(
        self, column: ColumnSpec, typed: dict[str, pa.Array], rows: int, checks: list[Check]
    ) -> pa.Array:
        if column.expression:
            values, current = evaluate(column.expression, typed, self.sources, rows)
        else:
            assert column.source is not None
            values, current = typed[column.source], self.sources[column.source].type
        for transform in column.transforms:
            parsed, current = apply_transform(values, current, transform)
            checks.append(Check(column.target, values, parsed))
            values = parsed.array
        parsed = coerce(values, column.type, ".", self.numeric_limit)
        checks.append(Check(column.target, values, parsed))
        values = parsed.array
        if column.type is ColumnType.TEXT and self.text_max_bytes is not None:
            too_long = pc.fill_null(pc.greater(pc.binary_length(values), self.text_max_bytes), False)
            reason = f"text longer than {self.text_max_bytes} bytes"
            checks.append(Check(column.target, None, Parsed(values, too_long, reason)))
        if column.target in self.keys:
            checks.append(
                Check(column.target, None, Parsed(values, pc.is_null(values), "upsert key is empty"))
            )
        return values

    def _describe(self, raw: RawBatch, checks: list[Check], rejected: pa.Array) -> list[RejectedRow]:
        """One RejectedRow per rejected index, naming the first check it failed (column order)."""
        indices = pc.indices_nonzero(rejected)
        masks = [
            pc.fill_null(c.parsed.invalid.take(indices), False).to_numpy(zero_copy_only=False) for c in checks
        ]
        shown = [c.shown.take(indices).to_pylist() if c.shown is not None else None for c in checks]
        cells = raw.batch.take(indices).to_pylist()
        rows: list[RejectedRow] = []
        for position, index in enumerate(indices.to_pylist()):
            which = next(i for i, mask in enumerate(masks) if mask[position])
            failed, values = checks[which], shown[which]
            value = values[position] if values is not None else None
            reason = failed.parsed.reason if value is None else f"{str(value)!r} is {failed.parsed.reason}"
            line = csv_line(list(cells[position].values()), self.spec)
            rows.append(RejectedRow(raw.line_number(index), line, failed.column, reason))
        return rows


def _any_invalid(masks: list[pa.Array], rows: int) -> pa.Array | None:
    combined = np.zeros(rows, dtype=bool)
    for mask in masks:
        combined |= pc.fill_null(mask, False).to_numpy(zero_copy_only=False)
    return pa.array(combined) if combined.any() else None


def csv_line(cells: list[str | None], spec: JobSpec) -> str:
    """The row as CSV text again (empty cells empty), quoted where needed."""
    delimiter, quote = spec.csv.delimiter, spec.csv.quotechar or '"'
    out = []
    for cell in cells:
        text = "" if cell is None else cell
        if any(ch in text for ch in (delimiter, quote, "\n", "\r")):
            text = quote + text.replace(quote, quote * 2) + quote
        out.append(text)
    return delimiter.join(out)
