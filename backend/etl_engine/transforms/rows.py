"""Row transforms: steps over whole rows of a mapped batch (destination columns), in order.

    filter       {"expression"}                          keep the rows where it is true
    dedupe       {"keys": [...], "keep": "first"|"last"} one row per key over the whole run
    concat       {"columns": [...], "separator", "into"} the columns' text joined (NULLs skipped)
    split        {"column", "separator", "index", "into"} one part (0-based; -1 the last)
    date_part    {"column", "part", "into", "timezone"?} year quarter month day hour minute dow week
    conditional  {"when", "then", "else", "into", "type"?} `then`/`else`: a literal, or
                                                          {"column": name} for a column's value

`into` is a new destination column (appended after the mapped ones; its type is `type`, else
TEXT for concat/split, INTEGER for date_part, the values' own for conditional) or a mapped
column, overwritten. Expressions are the calculated columns' (transforms/expressions.py) over the
destination columns as they are at that step. Every step works on whole Arrow arrays.

Rows a filter or a dedupe drops are counted as filtered (`RowTransformer.filtered`); a value that
does not fit its column's type or size rejects its row, shown with the row's destination values.

Dedupe remembers a 104-bit hash of each distinct key (NULL is a value; two NULL keys are the same
key), 16 bytes a key in a sorted array, so memory grows with the distinct keys only. keep "first"
drops a key seen before, in this batch or an earlier one. keep "last" cannot decide a row before
the source ends, so it holds the batches back: they go, with their row identities, to an unlinked
Arrow IPC temporary file (any destination, exact types, one read of the source), and the
positions of each key's last row (8 more bytes a key) pick the rows when they are read back at
`finish()`. Steps after it then run on those rows. Holding back means a new table's columns do not
widen during such a run (BatchMapper turns widening off): a late value that does not fit rejects.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..conversion import NumericLimit, Parsed, coerce
from ..errors import InvalidJobSpec
from ..progress import RejectedRow
from ..spec import ColumnSpec, ColumnType, RowTransform, SourceColumn
from .expressions import evaluate, referenced_names, validate_expression

ROW_TRANSFORM_TYPES = ("filter", "dedupe", "concat", "split", "date_part", "conditional")
DATE_PARTS = ("year", "quarter", "month", "day", "hour", "minute", "dow", "week")
_TIME_PARTS = ("hour", "minute")
_TEMPORAL = (ColumnType.DATE, ColumnType.TIMESTAMP, ColumnType.TIMESTAMPTZ)
_DEFAULT_TYPE = {"concat": ColumnType.TEXT, "split": ColumnType.TEXT, "date_part": ColumnType.INTEGER}
_Values = Callable[[pa.RecordBatch], tuple[pa.Array, Parsed]]


_Ids = np.ndarray[Any, np.dtype[np.int64]]
_Mask = np.ndarray[Any, np.dtype[np.bool_]]


@dataclass
class Rows:
    """A batch on its way through the steps and its rows' source identities: `ids` themselves, or
    with `identify` positions that it turns into identities (asked only for the rows that need
    them: rejected or held back)."""

    batch: pa.RecordBatch
    ids: _Ids
    identify: Callable[[_Ids], _Ids] | None = None

    def take(self, keep: _Mask) -> Rows:
        return Rows(self.batch.filter(pa.array(keep)), self.ids[keep], self.identify)

    def identities(self, indices: _Ids | None = None) -> _Ids:
        ids = self.ids if indices is None else self.ids[indices]
        return ids if self.identify is None else self.identify(ids)


def columns_with_row_transforms(
    columns: list[ColumnSpec], transforms: list[RowTransform]
) -> list[ColumnSpec]:
    """The destination columns once the row transforms ran: the mapped ones, then each new `into`
    in the order the transforms first write it (what the target is created with)."""
    result = list(columns)
    for transform in transforms:
        into = transform.args.get("into")
        writes = transform.type in _DEFAULT_TYPE or transform.type == "conditional"
        if writes and isinstance(into, str) and into and all(c.target != into for c in result):
            result.append(ColumnSpec(None, into, _into_type(transform, result)))
    return result


def check_row_transforms(transforms: list[RowTransform], columns: list[ColumnSpec]) -> list[str]:
    """What is wrong with `transforms` over the mapped destination `columns`, one readable sentence
    each ("row transform 2 (split): ..."); empty when they can run."""
    errors: list[str] = []
    current = list(columns)
    for number, transform in enumerate(transforms, start=1):
        try:
            _check(transform, current)
        except InvalidJobSpec as error:
            errors.append(f"row transform {number} ({transform.type}): {error}")
            continue
        current = columns_with_row_transforms(current, [transform])
    return errors


def referenced_columns(transforms: list[RowTransform]) -> set[str]:
    """Destination columns the transforms read or write (their types must not change mid-run)."""
    names: set[str] = set()
    for transform in transforms:
        args = transform.args
        for key in ("expression", "when"):
            if isinstance(args.get(key), str):
                names |= referenced_names(args[key])
        for key in ("column", "into"):
            if isinstance(args.get(key), str):
                names.add(args[key])
        for key in ("columns", "keys"):
            names |= {str(name) for name in args.get(key) or []}
        for key in ("then", "else"):
            if _is_column_ref(args.get(key)):
                names.add(str(args[key]["column"]))
    return names


class RowTransformer:
    """Applies a job's row transforms to mapped batches. `limits`: the widest number of each
    destination column (by name), `text_max_bytes` the destination's text limit, `keys` the upsert
    keys (a NULL written into one rejects its row); `render` writes a rejected row's values as a
    CSV line."""

    def __init__(
        self,
        transforms: list[RowTransform],
        columns: list[ColumnSpec],
        *,
        limits: dict[str, NumericLimit | None] | None = None,
        text_max_bytes: int | None = None,
        keys: set[str] | None = None,
        render: Callable[[list[object]], str] = lambda cells: ",".join(map(_cell, cells)),
    ) -> None:
        errors = check_row_transforms(transforms, columns)
        if errors:
            raise InvalidJobSpec("; ".join(errors))
        self.filtered = 0  # rows a filter or a dedupe dropped so far
        self.keys = keys or set()
        self.render = render
        self.steps: list[_Step] = []
        current = list(columns)
        for transform in transforms:
            after = columns_with_row_transforms(current, [transform])
            self.steps.append(_step(transform, after, limits or {}, text_max_bytes))
            current = after
        self.columns = current

    @property
    def holds_back(self) -> bool:
        """True when rows wait for `finish()` (a keep-last dedupe)."""
        return any(isinstance(step, _KeepLast) for step in self.steps)

    def apply(self, rows: Rows) -> tuple[pa.RecordBatch, list[RejectedRow]]:
        """The rows that went through every step (none past a keep-last dedupe) and the rows a step
        rejected. An empty result may lack the columns later steps add: it is not written."""
        return self._run(rows, 0)

    def finish(self) -> Iterator[tuple[pa.RecordBatch, list[RejectedRow]]]:
        """The rows held back, through the steps after; call once, after the last `apply`."""
        for index, step in enumerate(self.steps):
            if isinstance(step, _KeepLast):
                for rows in step.release(self):
                    yield self._run(rows, index + 1)

    def _run(self, rows: Rows, first: int) -> tuple[pa.RecordBatch, list[RejectedRow]]:
        rejected: list[RejectedRow] = []
        for step in self.steps[first:]:
            if not rows.batch.num_rows:
                break
            if isinstance(step, _KeepLast):
                step.hold(rows)
                return rows.batch.slice(0, 0), rejected
            if isinstance(step, _Derive):
                rows, failed = self._derive(rows, step)
                rejected += failed
                continue
            keep = step.keep(rows.batch)
            kept = int(np.count_nonzero(keep))
            if kept < len(keep):
                self.filtered += len(keep) - kept
                rows = rows.take(keep)
        return rows.batch, rejected

    def _derive(self, rows: Rows, step: _Derive) -> tuple[Rows, list[RejectedRow]]:
        shown, parsed = step.compute(rows.batch)
        invalid = pc.fill_null(parsed.invalid, False).to_numpy(zero_copy_only=False)
        failed = self._rejected(rows, invalid, shown, parsed.reason, step.into)
        if step.into in self.keys:  # as the mapper does for mapped key columns
            empty = parsed.array.is_null().to_numpy(zero_copy_only=False) & ~invalid
            failed += self._rejected(rows, empty, None, "upsert key is empty", step.into)
            invalid |= empty
        rows = Rows(_set_column(rows.batch, step.into, parsed.array), rows.ids, rows.identify)
        if not failed:
            return rows, failed
        return rows.take(~invalid), sorted(failed, key=lambda row: row.line_number)

    def _rejected(
        self, rows: Rows, invalid: _Mask, shown: pa.Array | None, reason: str, column: str
    ) -> list[RejectedRow]:
        """The rows `invalid` marks, as RejectedRows (`rows`: their values before the step)."""
        if not invalid.any():
            return []
        indices = np.flatnonzero(invalid)
        cells = rows.batch.take(pa.array(indices)).to_pylist()
        values = shown.take(pa.array(indices)).to_pylist() if shown is not None else [None] * len(indices)
        failed = []
        for identity, value, row in zip(rows.identities(indices).tolist(), values, cells, strict=True):
            said = reason if value is None else f"{str(value)!r} is {reason}"
            failed.append(RejectedRow(identity, self.render(list(row.values())), column, said))
        return failed


# --- the steps -------------------------------------------------------------------------------


class _Filter:
    def __init__(self, expression: str) -> None:
        self.expression = expression

    def keep(self, batch: pa.RecordBatch) -> _Mask:
        arrays = {name: batch.column(name) for name in batch.schema.names}
        values, _ = evaluate(self.expression, arrays, {}, batch.num_rows)
        keep: _Mask = pc.fill_null(values, False).to_numpy(zero_copy_only=False).astype(bool)
        return keep  # NULL drops the row, as false does


class _KeepFirst:
    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        self.seen = np.empty(0, dtype=np.complex128)  # sorted hashes of every key kept so far

    def keep(self, batch: pa.RecordBatch) -> _Mask:
        hashes = key_hashes(batch, self.keys)
        unique, first = np.unique(hashes, return_index=True)
        new = ~_member(unique, self.seen)
        self.seen = _merged(self.seen, unique[new])
        keep = np.zeros(len(hashes), dtype=bool)
        keep[first[new]] = True
        return keep


class _KeepLast:
    """Holds every batch in an unlinked temporary Arrow IPC file and remembers, per key, the
    position (over the whole run) of its last row; `release` reads the file back, keeping those.
    A batch whose schema differs from the one before (a decimal's precision follows its values)
    starts a new IPC stream further on in the same file."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        self.seen = np.empty(0, dtype=np.complex128)
        self.last = np.empty(0, dtype=np.int64)  # aligned with `seen`
        self.held = 0
        self.file: IO[bytes] | None = None
        self.writer: pa.ipc.RecordBatchStreamWriter | None = None
        self.schema = pa.schema([])  # the current stream's
        self.streams: list[int] = []  # where each stream starts in the file

    def hold(self, rows: Rows) -> None:
        hashes = key_hashes(rows.batch, self.keys)
        count = len(hashes)
        # np.unique on the reversed batch finds each key's last row in it.
        unique, from_end = np.unique(hashes[::-1], return_index=True)
        positions = self.held + (count - 1 - from_end)
        found = _member(unique, self.seen)
        at = np.searchsorted(self.seen, unique[found])
        self.last[at] = positions[found]
        new = ~found
        insert = np.searchsorted(self.seen, unique[new])
        self.seen = np.insert(self.seen, insert, unique[new])
        self.last = np.insert(self.last, insert, positions[new])
        held = rows.batch.append_column(_ROW_ID, pa.array(rows.identities(), pa.int64()))
        if self.file is None:
            # Unlinked at once: nothing is left on disk, even if the process dies.
            self.file = tempfile.TemporaryFile(prefix="etl-dedupe-")  # noqa: SIM115 (closed in close())
        if self.writer is None or not self.schema.equals(held.schema):
            if self.writer is not None:
                self.writer.close()
            self.streams.append(self.file.tell())
            self.writer, self.schema = pa.ipc.new_stream(self.file, held.schema), held.schema
        self.writer.write_batch(held)
        self.held += count

    def release(self, owner: RowTransformer) -> Iterator[Rows]:
        if self.writer is None or self.file is None:
            return
        self.writer.close()
        winners = np.sort(self.last)
        self.seen, self.last = np.empty(0, dtype=np.complex128), np.empty(0, dtype=np.int64)
        offset = 0
        try:
            for start in self.streams:
                self.file.seek(start)
                for held in pa.ipc.open_stream(self.file):
                    count = held.num_rows
                    lo, hi = np.searchsorted(winners, [offset, offset + count])
                    keep = np.zeros(count, dtype=bool)
                    keep[winners[lo:hi] - offset] = True
                    offset += count
                    owner.filtered += count - int(hi - lo)
                    if hi > lo:
                        kept = held.filter(pa.array(keep))
                        ids = kept.column(_ROW_ID).to_numpy()
                        yield Rows(kept.drop_columns([_ROW_ID]), ids)
        finally:
            self.close()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
        self.file = self.writer = None
        self.streams = []


_ROW_ID = "__etl_row_id"


@dataclass
class _Derive:
    """A step that writes column `into` of type `type` (concat, split, date_part, conditional):
    `values` gives the values shown in a reject's reason and the converted ones."""

    into: str
    type: ColumnType
    text_max_bytes: int | None
    values: _Values

    def compute(self, batch: pa.RecordBatch) -> tuple[pa.Array, Parsed]:
        shown, parsed = self.values(batch)
        if self.type is ColumnType.TEXT and self.text_max_bytes is not None:
            long = pc.fill_null(pc.greater(pc.binary_length(parsed.array), self.text_max_bytes), False)
            if pc.any(long).as_py():
                invalid = pc.or_(pc.fill_null(parsed.invalid, False), long)
                return shown, Parsed(parsed.array, invalid, f"longer than {self.text_max_bytes} bytes")
        return shown, parsed


_Step = _Filter | _KeepFirst | _KeepLast | _Derive


def _step(
    transform: RowTransform,
    columns: list[ColumnSpec],
    limits: dict[str, NumericLimit | None],
    text_max_bytes: int | None,
) -> _Step:
    args = transform.args
    if transform.type == "filter":
        return _Filter(str(args["expression"]))
    if transform.type == "dedupe":
        keys = [str(k) for k in args["keys"]]
        return _KeepLast(keys) if args.get("keep", "first") == "last" else _KeepFirst(keys)
    into = str(args["into"])
    type_ = next(c.type for c in columns if c.target == into)
    limit = limits.get(into)
    scales = {c.target: c.scale for c in columns if c.type is ColumnType.NUMERIC}

    def converted(
        compute: Callable[[pa.RecordBatch], pa.Array],
    ) -> Callable[[pa.RecordBatch], tuple[pa.Array, Parsed]]:
        def values(batch: pa.RecordBatch) -> tuple[pa.Array, Parsed]:
            shown = compute(batch)
            return shown, coerce(shown, type_, ".", limit)

        return values

    if transform.type == "concat":
        names, separator = [str(c) for c in args["columns"]], str(args.get("separator", ""))
        values = converted(lambda batch: _concat(batch, names, separator, scales))
    elif transform.type == "split":
        column, separator, index = str(args["column"]), str(args["separator"]), int(args.get("index", 0))
        values = converted(lambda batch: _split(batch.column(column), separator, index, scales.get(column)))
    elif transform.type == "date_part":
        column, part, zone = str(args["column"]), str(args["part"]), args.get("timezone")
        values = converted(lambda batch: _date_part(batch.column(column), part, zone))
    else:
        values = lambda batch: _conditional(batch, args, type_, limit)  # noqa: E731
    return _Derive(into, type_, text_max_bytes, values)


# --- the values --------------------------------------------------------------------------------


def _text(values: pa.Array, scale: int | None = None) -> pa.Array:
    """Values as text. A decimal's scale follows its batch's digits, so that the same value reads
    the same in every batch it is written with the column's declared `scale` (12.50 for
    NUMERIC(10,2)), or without trailing fractional zeros when none is declared (12.5)."""
    if pa.types.is_string(values.type):
        return values
    if pa.types.is_decimal(values.type):
        kind = values.type
        if scale is not None:
            precision = max(kind.precision - kind.scale + scale, 1)
            declared = (pa.decimal128 if precision <= 38 else pa.decimal256)(precision, scale)
            try:
                return pc.cast(values.cast(declared), pa.string())
            except pa.ArrowInvalid:
                pass  # digits beyond the declared scale (not from the mapper): written as they are
        text = pc.cast(values, pa.string())
        if kind.scale > 0:
            text = pc.replace_substring_regex(text, r"\.?0+$", "")
            text = pc.replace_substring_regex(text, r"^-0$", "0")
        return text
    return coerce(values, ColumnType.TEXT).array


def _concat(
    batch: pa.RecordBatch, names: list[str], separator: str, scales: dict[str, int | None]
) -> pa.Array:
    """NULL parts are left out (SQL's concat_ws); a row whose parts are all NULL is NULL. (Arrow's
    own null_handling="skip" loses rows whose parts are all NULL, so the parts are folded in.)"""
    parts = [_text(batch.column(name), scales.get(name)) for name in names]
    joined = parts[0]
    for part in parts[1:]:
        both = pc.binary_join_element_wise(joined, part, separator)  # NULL when either is
        joined = pc.coalesce(both, joined, part)
    return joined


def _split(values: pa.Array, separator: str, index: int, scale: int | None) -> pa.Array:
    """Part `index` of the text split on `separator` (literally); NULL when there is no such part."""
    lists = pc.split_pattern(_text(values, scale), separator)
    if not len(lists.values):  # no part anywhere: nothing to take from
        return pa.nulls(len(values), pa.string())
    lengths = pc.fill_null(pc.list_value_length(lists), 0).to_numpy(zero_copy_only=False)
    starts = lists.offsets.to_numpy()[:-1]
    position = lengths + index if index < 0 else np.full(len(lengths), index)
    found = (position >= 0) & (position < lengths)
    picked = lists.values.take(pa.array(np.where(found, starts + position, 0)))
    return pc.if_else(pa.array(found), picked, pa.scalar(None, pa.string()))


def _date_part(values: pa.Array, part: str, timezone: str | None) -> pa.Array:
    """A TIMESTAMPTZ's parts are in `timezone` (default UTC); dow counts from Sunday = 0 (as
    PostgreSQL's), week is the ISO week."""
    if pa.types.is_timestamp(values.type) and values.type.tz is not None:
        values = values.cast(pa.timestamp(values.type.unit, timezone or "UTC"))
    if part == "dow":
        return pc.day_of_week(values, count_from_zero=True, week_start=7)
    if part == "week":
        return pc.iso_week(values)
    kernel: Callable[[pa.Array], pa.Array] = getattr(pc, part)
    return kernel(values)


def _conditional(
    batch: pa.RecordBatch,
    args: dict[str, Any],
    type_: ColumnType,
    limit: NumericLimit | None,
) -> tuple[pa.Array, Parsed]:
    rows = batch.num_rows
    arrays = {name: batch.column(name) for name in batch.schema.names}
    when, _ = evaluate(str(args["when"]), arrays, {}, rows)
    chosen = pc.fill_null(when, False)
    branches = [_branch(batch, args.get(key), type_, limit, rows) for key in ("then", "else")]
    (then_shown, then), (else_shown, otherwise) = branches
    array = pc.if_else(chosen, then.array, otherwise.array)
    invalid = pc.if_else(chosen, pc.fill_null(then.invalid, False), pc.fill_null(otherwise.invalid, False))
    shown = pc.if_else(chosen, _text(then_shown), _text(else_shown))
    return shown, Parsed(array, invalid, then.reason or otherwise.reason)


def _branch(
    batch: pa.RecordBatch, value: Any, type_: ColumnType, limit: NumericLimit | None, rows: int
) -> tuple[pa.Array, Parsed]:
    if _is_column_ref(value):
        values = batch.column(str(value["column"]))
    else:
        literal = pa.array([None if value is None else _literal_text(value)], pa.string())
        values = pa.repeat(literal[0], rows) if rows else literal.slice(0, 0)
    return values, coerce(values, type_, ".", limit)


# --- validation --------------------------------------------------------------------------------


def _check(transform: RowTransform, columns: list[ColumnSpec]) -> None:
    """Raises InvalidJobSpec saying what is wrong with one transform over `columns`."""
    args, kind = transform.args, transform.type
    if kind not in ROW_TRANSFORM_TYPES:
        raise InvalidJobSpec(f"unknown row transform (use {', '.join(ROW_TRANSFORM_TYPES)})")
    types = {c.target: c.type for c in columns}
    if kind == "filter":
        _check_condition(args.get("expression"), "expression", columns)
        return
    if kind == "dedupe":
        keys = args.get("keys")
        if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
            raise InvalidJobSpec("'keys' must list at least one column")
        _known(keys, types)
        if len(set(keys)) != len(keys):
            raise InvalidJobSpec("a key column is listed twice")
        if args.get("keep", "first") not in ("first", "last"):
            raise InvalidJobSpec("'keep' must be 'first' or 'last'")
        return
    into = args.get("into")
    if not isinstance(into, str) or not into.strip():
        raise InvalidJobSpec("'into' must name a destination column")
    if "type" in args and args["type"] is not None:
        declared = _column_type(args["type"])
        if into in types and declared is not types[into]:
            raise InvalidJobSpec(
                f"{into!r} is a mapped {types[into].value} column: it cannot become {declared.value}"
            )
    target = _into_type(transform, columns)
    if kind == "concat":
        names = args.get("columns")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise InvalidJobSpec("'columns' must list at least one column")
        _known(names, types)
        _text_arg(args, "separator", empty=True)
        _text_into(kind, target)
    elif kind == "split":
        _known([args.get("column")], types)
        _text_arg(args, "separator", empty=False)
        index = args.get("index", 0)
        if not isinstance(index, int) or isinstance(index, bool):
            raise InvalidJobSpec("'index' must be a whole number (0 the first part, -1 the last)")
        _text_into(kind, target)
    elif kind == "date_part":
        column = args.get("column")
        _known([column], types)
        part = args.get("part")
        if part not in DATE_PARTS:
            raise InvalidJobSpec(f"unknown part {part!r} (use {', '.join(DATE_PARTS)})")
        if types[str(column)] not in _TEMPORAL:
            raise InvalidJobSpec(f"{column!r} is {types[str(column)].value}, not a date or a timestamp")
        if part in _TIME_PARTS and types[str(column)] is ColumnType.DATE:
            raise InvalidJobSpec(f"{column!r} is a DATE: it has no {part}")
        zone = args.get("timezone")
        if zone is not None:
            from ..conversion import check_timezone

            try:
                check_timezone(str(zone))
            except ValueError as error:
                raise InvalidJobSpec(str(error)) from error
        if target not in (
            ColumnType.INTEGER,
            ColumnType.BIGINT,
            ColumnType.NUMERIC,
            ColumnType.FLOAT,
            ColumnType.TEXT,
        ):
            raise InvalidJobSpec(f"a date part is a number: {into!r} cannot be {target.value}")
    else:
        _check_condition(args.get("when"), "when", columns)
        for key in ("then", "else"):
            if key not in args:
                raise InvalidJobSpec(f"'{key}' is missing (a value, or {{\"column\": name}})")
            value = args[key]
            if _is_column_ref(value):
                _known([value["column"]], types)
            elif isinstance(value, (dict, list)):
                raise InvalidJobSpec(f"'{key}' must be a value or {{\"column\": name}}")
            elif value is not None:
                parsed = coerce(pa.array([_literal_text(value)], pa.string()), target)
                if parsed.invalid_count():
                    raise InvalidJobSpec(f"'{key}' {value!r} is not a valid {target.value}")


def _check_condition(expression: Any, key: str, columns: list[ColumnSpec]) -> None:
    if not isinstance(expression, str) or not expression.strip():
        raise InvalidJobSpec(f"'{key}' must be an expression")
    check = validate_expression(expression, _as_sources(columns))
    if not check.valid:
        raise InvalidJobSpec(f"{key} {expression!r}: {check.error}")
    if check.type is not ColumnType.BOOLEAN:
        found = check.type.value if check.type else "no value"
        raise InvalidJobSpec(f"{key} {expression!r} must be true or false, not {found}")


def _as_sources(columns: list[ColumnSpec]) -> list[SourceColumn]:
    """Destination columns as the expression checker takes them (names are their own sql names)."""
    return [SourceColumn(c.target, c.target, c.type, c.precision, c.scale) for c in columns]


def _known(names: list[Any], types: dict[str, ColumnType]) -> None:
    for name in names:
        if not isinstance(name, str) or name not in types:
            known = ", ".join(types)
            raise InvalidJobSpec(f"unknown column {name!r} (the columns are {known})")


def _text_arg(args: dict[str, Any], key: str, *, empty: bool) -> None:
    value = args.get(key, "" if empty else None)
    if not isinstance(value, str) or (not empty and not value):
        raise InvalidJobSpec(f"'{key}' must be {'a' if empty else 'a non-empty'} text")


def _text_into(kind: str, target: ColumnType) -> None:
    if target is not ColumnType.TEXT:
        raise InvalidJobSpec(f"{kind} makes text: its 'into' column cannot be {target.value}")


def _into_type(transform: RowTransform, columns: list[ColumnSpec]) -> ColumnType:
    """The type of the column a transform writes: the mapped column's, else `type`, else the
    transform's own (conditional: the type of its `then`/`else`)."""
    args = transform.args
    into = args.get("into")
    for column in columns:
        if column.target == into:
            return column.type
    if args.get("type") is not None:
        try:
            return _column_type(args["type"])
        except InvalidJobSpec:
            return ColumnType.TEXT  # reported by check_row_transforms
    if transform.type in _DEFAULT_TYPE:
        return _DEFAULT_TYPE[transform.type]
    types = {c.target: c.type for c in columns}
    found = {_value_type(args.get(key), types) for key in ("then", "else")} - {None}
    if len(found) == 1:
        return found.pop()  # type: ignore[return-value]
    if found and found <= {ColumnType.INTEGER, ColumnType.BIGINT}:
        return ColumnType.BIGINT
    return ColumnType.TEXT


def _value_type(value: Any, types: dict[str, ColumnType]) -> ColumnType | None:
    if _is_column_ref(value):
        return types.get(str(value["column"]))
    if isinstance(value, bool):
        return ColumnType.BOOLEAN
    if isinstance(value, int):
        return ColumnType.INTEGER if -(2**31) <= value < 2**31 else ColumnType.BIGINT
    if isinstance(value, float):
        return ColumnType.FLOAT
    if isinstance(value, str):
        return ColumnType.TEXT
    return None


def _column_type(name: Any) -> ColumnType:
    try:
        return ColumnType(str(name).upper())
    except ValueError:
        allowed = ", ".join(t.value for t in ColumnType)
        raise InvalidJobSpec(f"unknown type {name!r} (use {allowed})") from None


def _is_column_ref(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"column"} and isinstance(value["column"], str)


def _literal_text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


# --- helpers -----------------------------------------------------------------------------------


def key_hashes(batch: pa.RecordBatch, keys: list[str]) -> np.ndarray[Any, np.dtype[np.complex128]]:
    """A hash per row of the `keys` columns (NULL a value of its own): two independent 52-bit
    halves, held as the real and imaginary parts of a complex number in [1, 2) + [1, 2)i, which
    numpy sorts, dedupes and searches as numbers (lexicographically), far faster than bytes. 104
    bits: two distinct keys among 10^8 share a hash with a chance of about 10^-15."""
    lanes = np.zeros((2, batch.num_rows), dtype=np.uint64)
    for position, name in enumerate(keys):
        values = batch.column(name)
        nulls = values.is_null().to_numpy(zero_copy_only=False)
        bits = _fixed_bits(values)
        # Text the same for the same value (a decimal without trailing zeros, whatever its scale).
        cells = _text(values).to_numpy(zero_copy_only=False) if bits is None else None
        for lane in range(2):
            salt = lane * 1_000_003 + position  # a hash per (half, position): (a, b) != (b, a)
            if bits is not None:
                hashed = _mix(bits + np.uint64(salt * 0x9E3779B97F4A7C15 % 2**64))
            else:
                assert cells is not None
                key = f"etl-dedupe{lane}{position:05d}"  # siphash's 16-byte key
                hashed = pd.util.hash_array(cells, hash_key=key, categorize=False)
            hashed[nulls] = _mix(np.array([salt], dtype=np.uint64) ^ np.uint64(0xA5A5A5A5A5A5A5A5))[0]
            lanes[lane] ^= hashed
    halves = ((lanes & np.uint64(_MANTISSA)) | np.uint64(_ONE)).view(np.float64)
    hashes = np.empty(batch.num_rows, dtype=np.complex128)
    hashes.real, hashes.imag = halves[0], halves[1]
    return hashes


_MANTISSA = (1 << 52) - 1
_ONE = 0x3FF0000000000000  # the bits of 1.0: with a 52-bit mantissa, a float in [1, 2)


def _fixed_bits(values: pa.Array) -> np.ndarray[Any, np.dtype[np.uint64]] | None:
    """A fixed-width column's values as 64-bit patterns (NULLs as 0, told apart by the caller);
    None for text, decimals and the rest, hashed through their text."""
    kind = values.type
    if pa.types.is_boolean(kind):
        return np.asarray(values.fill_null(False).to_numpy(zero_copy_only=False), dtype=np.uint64)
    if pa.types.is_floating(kind):
        floats = np.asarray(values.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.float64)
        return (floats + 0.0).view(np.uint64)  # + 0.0: -0.0 and 0.0 are one key
    if pa.types.is_integer(kind):
        ints = values.fill_null(0).to_numpy(zero_copy_only=False)
        return np.asarray(ints).astype(np.int64).view(np.uint64)
    if pa.types.is_date(kind) or pa.types.is_timestamp(kind) or pa.types.is_time(kind):
        return _fixed_bits(values.view(pa.int64() if kind.bit_width == 64 else pa.int32()))
    return None


def _mix(x: np.ndarray[Any, np.dtype[np.uint64]]) -> np.ndarray[Any, np.dtype[np.uint64]]:
    """splitmix64's finalizer: a bijection of 64-bit values that spreads every input bit."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _member(values: np.ndarray[Any, Any], sorted_: np.ndarray[Any, Any]) -> _Mask:
    if not len(sorted_):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_, values), len(sorted_) - 1)
    return np.asarray(sorted_[at] == values)


def _merged(sorted_: np.ndarray[Any, Any], new: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    if not len(new):
        return sorted_
    return np.insert(sorted_, np.searchsorted(sorted_, new), new)


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def _set_column(batch: pa.RecordBatch, name: str, values: pa.Array) -> pa.RecordBatch:
    if name in batch.schema.names:
        index = batch.schema.get_field_index(name)
        return batch.set_column(index, name, values)
    return batch.append_column(name, values)
