"""From a source's batch to a batch of destination columns, with every rejected row explained.

Per batch: parse the source columns the mapping uses into their types (text as the source column
says, e.g. a file's decimal mark and date format; typed values converted), run each destination
column's transforms (or its expression), convert to the destination type within the
destination's limits, then drop the rows where anything failed and describe them. Last, the job's
row transforms (transforms/rows.py) run over the mapped rows: they may drop rows (counted in
`filtered`), add columns after the mapped ones, and hold rows back until `finish()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .conversion import NumericLimit, Parsed, coerce, parse_source
from .ddl import declared_numeric
from .errors import InvalidJobSpec
from .progress import RejectedRow
from .sources.base import OrdinalBatch, SourceBatch
from .spec import ColumnSpec, ColumnType, DestinationKind, JobSpec, SourceColumn, csv_options
from .transforms.columns import apply_transform
from .transforms.expressions import evaluate, referenced_names
from .transforms.rows import Rows, RowTransformer, columns_with_row_transforms, referenced_columns
from .validation import check_source_columns


@dataclass
class Check:
    """Values `shown` (before a step) and the step's outcome, for naming a rejected row's cause."""

    column: str
    shown: pa.Array | None
    parsed: Parsed


# Where a new table's column goes when a late value does not fit its inferred type.
_WIDER: dict[ColumnType, tuple[ColumnType, ...]] = {
    ColumnType.INTEGER: (ColumnType.BIGINT, ColumnType.NUMERIC, ColumnType.TEXT),
    ColumnType.BIGINT: (ColumnType.NUMERIC, ColumnType.TEXT),
    ColumnType.NUMERIC: (ColumnType.NUMERIC, ColumnType.TEXT),
    ColumnType.FLOAT: (ColumnType.TEXT,),
    ColumnType.BOOLEAN: (ColumnType.TEXT,),
    ColumnType.DATE: (ColumnType.TIMESTAMP, ColumnType.TEXT),
    ColumnType.TIMESTAMP: (ColumnType.TEXT,),
    ColumnType.TIMESTAMPTZ: (ColumnType.TEXT,),
}
_INTEGER_DIGITS = {ColumnType.INTEGER: 10, ColumnType.BIGINT: 19}


@dataclass
class Widening:
    """Column `index` of the mapping becomes `column` (wider) from record `line` on."""

    index: int
    column: ColumnSpec
    from_type: ColumnType
    line: int


class BatchMapper:
    """`widen`, given for a new table, is called with each Widening before the batch that needs
    it is mapped: a column mapped as the file has it (no transform, no expression) then takes a
    late value that breaks its type by growing wider (INTEGER -> BIGINT -> NUMERIC -> TEXT, DATE ->
    TIMESTAMP -> TEXT) instead of rejecting the row. Columns the row transforms use never widen,
    and nothing widens when a keep-last dedupe holds rows back (they were mapped with the old type).

    With row transforms the batches have the columns of `columns_with_row_transforms` (the writer's):
    call `map` per source batch, then `finish()` once for the rows held back; `filtered` counts the
    rows dropped. `column_limits` are per such column (or per mapped column)."""

    def __init__(
        self,
        spec: JobSpec,
        numeric_limit: NumericLimit | None,
        text_max_bytes: int | None,
        *,
        column_limits: list[NumericLimit | None] | None = None,
        kind: DestinationKind = "postgres",
        widen: Callable[[Widening], None] | None = None,
    ):
        self.spec = spec
        self.columns = list(spec.columns)
        output = columns_with_row_transforms(self.columns, spec.row_transforms)
        self.numeric_limit = numeric_limit
        limits = column_limits or [numeric_limit for _ in output]
        self.limits = limits[: len(self.columns)]
        self.text_max_bytes = text_max_bytes
        self.kind = kind
        self.rows: RowTransformer | None = None
        self.row_columns: set[str] = set()  # mapped columns the row transforms read or write
        if spec.row_transforms:
            self.rows = RowTransformer(
                spec.row_transforms,
                self.columns,
                limits=dict(zip((c.target for c in output), limits, strict=False)),
                text_max_bytes=text_max_bytes,
                keys=set(spec.load.upsert_keys) if spec.load.strategy == "UPSERT" else set(),
                render=lambda cells: csv_line(cells, spec),
            )
            self.row_columns = referenced_columns(spec.row_transforms)
            if self.rows.holds_back:
                widen = None
        self.widen = widen
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
            check_source_columns(spec.source_columns, csv_options(spec.source))
        except ValueError as error:
            raise InvalidJobSpec(str(error)) from error
        missing = needed - set(self.sources)
        if missing:
            raise InvalidJobSpec(f"the mapping uses columns the file does not have: {sorted(missing)}")
        self.needed = [c.sql_name for c in spec.source_columns if c.sql_name in needed]
        self.keys = set(spec.load.upsert_keys) if spec.load.strategy == "UPSERT" else set()

    @property
    def filtered(self) -> int:
        """Rows the row transforms dropped so far (a filter, a dedupe)."""
        return self.rows.filtered if self.rows is not None else 0

    def map(self, raw: SourceBatch) -> tuple[pa.RecordBatch, list[RejectedRow]]:
        """The destination batch (rejected and filtered rows removed; an empty one may lack the
        columns row transforms add: it is not to be written) and the rejected rows."""
        while True:
            result, rejected, kept = self._map(raw)
            widenings = self._widenings(raw, rejected) if rejected and self.widen else []
            if not widenings:
                break
            assert self.widen is not None
            for widening in widenings:
                self.widen(widening)
        if self.rows is None:
            return result, rejected
        positions = np.flatnonzero(kept) if kept is not None else np.arange(result.num_rows)
        batch, failed = self.rows.apply(Rows(result, positions, _identities(raw)))
        if failed:
            rejected = sorted(rejected + failed, key=lambda row: row.line_number)
        return batch, rejected

    def finish(self) -> Iterator[tuple[pa.RecordBatch, list[RejectedRow]]]:
        """After the last `map`: the rows the row transforms held back (keep-last dedupe), in
        batches, with any rows rejected after them. Nothing without such a transform."""
        if self.rows is not None:
            yield from self.rows.finish()

    def _map(self, raw: SourceBatch) -> tuple[pa.RecordBatch, list[RejectedRow], np.ndarray[Any, Any] | None]:
        """The mapped rows, the rejected ones and which rows were kept (None: all)."""
        batch = raw.batch
        checks: list[Check] = []
        typed: dict[str, pa.Array] = {}
        for name in self.needed:
            text = batch.column(name)
            parsed = self._typed(text, self.sources[name])
            typed[name] = parsed.array
            checks.append(Check(self.sources[name].name, text, parsed))
        arrays = [
            self._column(column, limit, typed, batch.num_rows, checks)
            for column, limit in zip(self.columns, self.limits, strict=True)
        ]
        result = pa.RecordBatch.from_arrays(arrays, names=[c.target for c in self.columns])
        rejected = _any_invalid([check.parsed.invalid for check in checks], batch.num_rows)
        if rejected is None:
            return result, [], None
        kept = pc.invert(rejected)
        return result.filter(kept), self._describe(raw, checks, rejected), kept.to_numpy(zero_copy_only=False)

    def _typed(self, values: pa.Array, source: SourceColumn) -> Parsed:
        """A source column's values as its type: text parsed the way the file writes it, values of
        another Arrow type (a table's) converted."""
        if pa.types.is_string(values.type):
            return parse_source(values, source, csv_options(self.spec.source))
        return coerce(values, source.type, ".", None)

    def _widenings(self, raw: SourceBatch, rejected: list[RejectedRow]) -> list[Widening]:
        """For each column that rejected rows and may widen, the narrowest wider type taking all of
        this batch's values (applied to the mapper's own state here)."""
        failed = {row.column for row in rejected}
        found = []
        for index, column in enumerate(self.columns):
            source = self.sources.get(column.source or "")
            if (
                source is None
                or not self._widenable(column, source)
                or not failed & {source.name, column.target}
            ):
                continue
            text = raw.batch.column(source.sql_name)
            before = self._typed(text, source)
            coerced = coerce(before.array, column.type, ".", self.limits[index])
            invalid = pc.or_(pc.fill_null(before.invalid, False), pc.fill_null(coerced.invalid, False))
            if not pc.any(invalid).as_py():
                continue
            wider = self._wider(text, source, column)
            if wider is None:
                continue
            new_source, new_column, limit = wider
            if new_column == column and limit == self.limits[index]:
                continue  # nothing wider takes these values: they stay rejected
            line = raw.row_id(int(pc.index(invalid, True).as_py()))
            self.sources[source.sql_name] = new_source
            self.columns[index], self.limits[index] = new_column, limit
            found.append(Widening(index, new_column, column.type, line))
        return found

    def _widenable(self, column: ColumnSpec, source: SourceColumn) -> bool:
        uses = [
            c
            for c in self.columns
            if c.source == source.sql_name
            or (c.expression and source.sql_name in referenced_names(c.expression))
        ]
        return (
            uses == [column]
            and column.target not in self.row_columns
            and not column.expression
            and not column.transforms
            and column.type is source.type
            and column.target not in self.keys
        )

    def _wider(
        self, text: pa.Array, source: SourceColumn, column: ColumnSpec
    ) -> tuple[SourceColumn, ColumnSpec, NumericLimit | None] | None:
        for candidate in _WIDER.get(source.type, ()):
            if candidate is ColumnType.TIMESTAMP and source.format is not None:
                continue  # a format written for dates: the times go to TEXT
            trial = replace(source, type=candidate, precision=None, scale=None)
            if candidate is ColumnType.TEXT:
                trial.format = None
            parsed = self._typed(text, trial)
            if parsed.invalid_count():
                continue
            limit: NumericLimit | None = None
            if candidate is ColumnType.NUMERIC:
                decimal_type = parsed.array.type
                scale = max(decimal_type.scale, source.scale or 0)
                whole = max(
                    decimal_type.precision - decimal_type.scale,
                    (source.precision or 0) - (source.scale or 0),
                    _INTEGER_DIGITS.get(source.type, 0),
                )
                limit = declared_numeric(self.kind, whole + scale, scale)
                if limit is None:
                    continue
                trial.precision, trial.scale = whole + scale, scale
            widened = replace(column, type=candidate, precision=trial.precision, scale=trial.scale)
            return trial, widened, limit if candidate is ColumnType.NUMERIC else self.numeric_limit
        return None

    def _column(
        self,
        column: ColumnSpec,
        limit: NumericLimit | None,
        typed: dict[str, pa.Array],
        rows: int,
        checks: list[Check],
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
        parsed = coerce(values, column.type, ".", limit)
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

    def _describe(self, raw: SourceBatch, checks: list[Check], rejected: pa.Array) -> list[RejectedRow]:
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
            rows.append(RejectedRow(raw.row_id(index), line, failed.column, reason))
        return rows


def _identities(raw: SourceBatch) -> Callable[[np.ndarray[Any, Any]], np.ndarray[Any, Any]]:
    """Row positions of `raw` to their identities: computed for a table's batch, asked row by row
    of another (a file's record numbers step over the records it skipped)."""
    if isinstance(raw, OrdinalBatch):
        return lambda positions: positions.astype(np.int64) + raw.first
    return lambda positions: np.fromiter((raw.row_id(int(p)) for p in positions), np.int64, len(positions))


def _any_invalid(masks: list[pa.Array], rows: int) -> pa.Array | None:
    combined = np.zeros(rows, dtype=bool)
    for mask in masks:
        combined |= pc.fill_null(mask, False).to_numpy(zero_copy_only=False)
    return pa.array(combined) if combined.any() else None


def csv_line(cells: list[object], spec: JobSpec) -> str:
    """The row as CSV text again (empty cells empty, other values as text), quoted where needed."""
    options = csv_options(spec.source)
    delimiter, quote = options.delimiter, options.quotechar or '"'
    out = []
    for cell in cells:
        text = "" if cell is None else str(cell)
        if any(ch in text for ch in (delimiter, quote, "\n", "\r")):
            text = quote + text.replace(quote, quote * 2) + quote
        out.append(text)
    return delimiter.join(out)
