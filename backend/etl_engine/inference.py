"""Conservative column types from a sample of text values.

A type is chosen only when every sampled value parses as it; the load verifies the rest of the
file against it. Leading zeros keep a column TEXT (codes, not numbers); integers beyond 64 bits
become NUMERIC; 0/1 columns stay INTEGER (a boolean needs words: true/false, t/f, yes/no, y/n,
mixed freely and with 1/0). A column with more than 9 decimals whose every value is the exact
text of a double is FLOAT. Null markers (NA, NULL, \\N... see DEFAULT_NULL_MARKERS) do not count
against a type; the ones met are reported per column.

Dates: ISO 8601 first; then day.month.year, day/month/year, month/day/year and year/month/day
(with an optional time, 24-hour or AM/PM), when the data decides the order: a first number above
12 means day-first, a second above 12 month-first. Dotted and dashed dates are day-first when no
value decides (no country writes them month-first); slashed ones that no value decides stay TEXT.
Timestamps mixing values with and without a zone offset are TIMESTAMPTZ.

Every column is inferred at once: each candidate type parses the values of all undecided columns
in one call, so the cost grows with the number of cells, not with columns times kernel calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .conversion import DEFAULT_NULL_MARKERS, FALSE_WORDS, TRUE_WORDS, parse_text
from .spec import ColumnType

_LEADING_ZERO = r"^[+-]?0\d+([.,]\d*)?$"  # 01234, 007.5: codes; not 01.02.2024
_ORDER = (
    ColumnType.INTEGER,
    ColumnType.BIGINT,
    ColumnType.NUMERIC,
    ColumnType.FLOAT,
    ColumnType.DATE,
    ColumnType.TIMESTAMP,
)
# Many decimals that are all printed doubles (e.g. 44.406954034520155) are measurements, not money.
FLOAT_SCALE = 9
_DECIMAL_COMMA = r"^[+-]?(\d+|\d{1,3}(\.\d{3})+),\d+$"
_PLAIN_INTEGER = r"^[+-]?\d+$"
_ZONED = r"(Z|[+-]\d{2}(:?\d{2})?)$"
_NUMBERS = r"^[+-]?(?P<whole>\d*)(?:[.,](?P<fraction>\d*))?$"
_DAY_MONTH = r"^(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})[./-]\d{4}(?P<time>.*)$"
_YEAR_FIRST = r"^\d{4}/\d{1,2}/\d{1,2}(?P<time>.*)$"
_TIMES = ("", " %H:%M:%S", " %H:%M", " %I:%M:%S %p", " %I:%M %p")


@dataclass
class Inferred:
    type: ColumnType
    precision: int | None = None  # NUMERIC only
    scale: int | None = None
    format: str | None = None  # dates not in ISO 8601
    null_markers: list[str] = field(default_factory=list)


def infer_type(values: pa.Array, decimal: str = ".") -> tuple[ColumnType, int | None, int | None]:
    """(type, precision, scale) for a string array; precision/scale only for NUMERIC."""
    found = infer_types([values], decimal)[0]
    return found.type, found.precision, found.scale


def infer_types(
    columns: list[pa.Array],
    decimal: str = ".",
    nulls: tuple[str, ...] = DEFAULT_NULL_MARKERS,
    nulls_in_text: bool = False,
) -> list[Inferred]:
    """The type of each string array in `columns`; `nulls` are markers a typed column reads as NULL
    (and a TEXT column too when `nulls_in_text`: markers the user chose)."""
    cells = _Cells(columns, nulls)
    result = [Inferred(ColumnType.TEXT) for _ in columns]
    undecided = cells.present_counts() > 0
    undecided &= ~cells.any(pc.match_substring_regex(cells.values, _LEADING_ZERO))
    lowered = pc.utf8_lower(cells.values)
    known = pc.is_in(lowered, value_set=pa.array(TRUE_WORDS + FALSE_WORDS))
    words = pc.and_(known, pc.invert(pc.is_in(lowered, value_set=pa.array(["0", "1"]))))
    boolean = undecided & cells.all(known) & cells.any(words)
    for index in map(int, np.flatnonzero(boolean)):
        result[index].type = ColumnType.BOOLEAN
    undecided &= ~boolean
    for candidate in _ORDER:
        if not undecided.any():
            break
        values, ids = cells.of(undecided)
        if candidate is ColumnType.FLOAT:
            # More than 76 digits and nothing else: an identifier, not a number.
            plain = cells.all_in(pc.match_substring_regex(values, _PLAIN_INTEGER), ids)
            undecided &= ~plain
            values, ids = cells.of(undecided)
        parsed = parse_text(values, candidate, decimal)
        fits = undecided & (cells.count(parsed.invalid, ids) == 0)
        if candidate is ColumnType.NUMERIC:
            _numeric(result, fits, values, ids, cells, decimal)
        else:
            for index in map(int, np.flatnonzero(fits)):
                result[index].type = candidate
        undecided &= ~fits
    if undecided.any():
        _formatted_dates(result, undecided, cells)
        undecided &= np.array([r.type is ColumnType.TEXT for r in result])
    if undecided.any():
        values, ids = cells.of(undecided)
        zoned = parse_text(values, ColumnType.TIMESTAMPTZ, decimal)
        fits = undecided & (cells.count(zoned.invalid, ids) == 0)
        fits &= cells.any_in(pc.match_substring_regex(values, _ZONED), ids)
        for index in map(int, np.flatnonzero(fits)):
            result[index].type = ColumnType.TIMESTAMPTZ
    for index, markers in cells.markers().items():
        if nulls_in_text or result[index].type is not ColumnType.TEXT:
            result[index].null_markers = markers
    return result


class _Cells:
    """Every column's present values (trimmed, not empty, not a null marker) in one array, with the
    column index of each value, and per-column counting over boolean arrays of those values."""

    def __init__(self, columns: list[pa.Array], nulls: tuple[str, ...]) -> None:
        self.width = len(columns)
        arrays = [c.cast(pa.string()) for c in columns]
        everything = pa.concat_arrays(arrays) if arrays else pa.array([], pa.string())
        column_of = np.repeat(np.arange(self.width), [len(c) for c in arrays])
        trimmed = pc.utf8_trim_whitespace(everything)
        marker = pc.is_in(trimmed, value_set=pa.array(nulls, pa.string()))
        self._markers = pa.table({"column": column_of, "marker": trimmed}).filter(pc.fill_null(marker, False))
        present = pc.and_(pc.fill_null(pc.not_equal(trimmed, ""), False), pc.invert(marker))
        keep = pc.fill_null(present, False)
        self.values = trimmed.filter(keep)
        self.ids = column_of[keep.to_numpy(zero_copy_only=False)]

    def present_counts(self) -> np.ndarray:
        return np.bincount(self.ids, minlength=self.width)

    def count(self, flags: pa.Array, ids: np.ndarray) -> np.ndarray:
        """How many of the values (of columns `ids`) are flagged, per column."""
        mask = pc.fill_null(flags, False).to_numpy(zero_copy_only=False)
        return np.bincount(ids[mask], minlength=self.width)

    def any(self, flags: pa.Array) -> np.ndarray:
        return self.any_in(flags, self.ids)

    def all(self, flags: pa.Array) -> np.ndarray:
        return self.all_in(flags, self.ids)

    def any_in(self, flags: pa.Array, ids: np.ndarray) -> np.ndarray:
        return self.count(flags, ids) > 0

    def all_in(self, flags: pa.Array, ids: np.ndarray) -> np.ndarray:
        totals = np.bincount(ids, minlength=self.width)
        every: np.ndarray = (self.count(flags, ids) == totals) & (totals > 0)
        return every

    def of(self, columns: np.ndarray) -> tuple[pa.Array, np.ndarray]:
        """The values of the chosen columns (a boolean mask over columns) and their column ids."""
        keep = columns[self.ids]
        chosen: np.ndarray = self.ids[keep]
        return self.values.filter(pa.array(keep)), chosen

    def column(self, index: int) -> pa.Array:
        return self.values.filter(pa.array(self.ids == index))

    def markers(self) -> dict[int, list[str]]:
        found: dict[int, set[str]] = {}
        for row in self._markers.group_by(["column", "marker"]).aggregate([]).to_pylist():
            found.setdefault(int(row["column"]), set()).add(str(row["marker"]))
        return {index: sorted(markers) for index, markers in found.items()}


def _numeric(
    result: list[Inferred],
    fits: np.ndarray,
    values: pa.Array,
    ids: np.ndarray,
    cells: _Cells,
    decimal: str,
) -> None:
    """Precision and scale per NUMERIC column; FLOAT when the many decimals are printed doubles."""
    if not fits.any():
        return
    parts = pc.extract_regex(pc.replace_substring(values, "." if decimal == "," else ",", ""), _NUMBERS)
    whole = pc.utf8_length(pc.struct_field(parts, "whole"))
    fraction = pc.utf8_length(pc.utf8_rtrim(pc.struct_field(parts, "fraction"), characters="0"))
    whole_digits = np.zeros(cells.width, dtype=np.int64)
    scale = np.zeros(cells.width, dtype=np.int64)
    np.maximum.at(whole_digits, ids, pc.fill_null(whole, 0).to_numpy(zero_copy_only=False))
    np.maximum.at(scale, ids, pc.fill_null(fraction, 0).to_numpy(zero_copy_only=False))
    for index in map(int, np.flatnonzero(fits)):
        column_scale = int(scale[index])
        if column_scale > FLOAT_SCALE and _printed_doubles(cells.column(index)):
            result[index].type = ColumnType.FLOAT
            continue
        precision = max(1, int(whole_digits[index]) + column_scale)
        result[index].type = ColumnType.NUMERIC
        result[index].precision, result[index].scale = precision, column_scale


def _printed_doubles(present: pa.Array) -> bool:
    """Every value is exactly the shortest text of a double, so FLOAT stores it without change."""
    printed = pc.cast(pc.cast(present, pa.float64()), pa.string())
    return bool(pc.all(pc.equal(printed, present)).as_py())


def _formatted_dates(result: list[Inferred], undecided: np.ndarray, cells: _Cells) -> None:
    """Day-first, month-first and year/month/day dates (with a time or not), per column."""
    values, ids = cells.of(undecided)
    dated = cells.all_in(pc.match_substring_regex(values, _DAY_MONTH), ids)
    year_first = cells.all_in(pc.match_substring_regex(values, _YEAR_FIRST), ids)
    for index in map(int, np.flatnonzero(undecided & (dated | year_first))):
        column = cells.column(index)
        date_format = "%Y/%m/%d" if year_first[index] else _day_month_order(column)
        if date_format is None:
            continue
        for time in _TIMES:
            kind = ColumnType.TIMESTAMP if time else ColumnType.DATE
            if parse_text(column, kind, format=date_format + time).invalid_count() == 0:
                result[index].type, result[index].format = kind, date_format + time
                break


def _day_month_order(column: pa.Array) -> str | None:
    """%d.%m.%Y-style format when the values decide the order (or the separator does), else None."""
    parts = pc.extract_regex(column, _DAY_MONTH)
    separators = pc.unique(pc.struct_field(parts, "sep")).to_pylist()
    if len(separators) != 1:
        return None
    separator = str(separators[0])
    first = int(pc.max(pc.cast(pc.struct_field(parts, "a"), pa.int32())).as_py())
    second = int(pc.max(pc.cast(pc.struct_field(parts, "b"), pa.int32())).as_py())
    day_first = f"%d{separator}%m{separator}%Y"
    if first > 12 and second <= 12:
        return day_first
    if second > 12 and first <= 12:
        return f"%m{separator}%d{separator}%Y"
    if first <= 12 and second <= 12 and separator in ".-":
        return day_first
    return None


def uses_decimal_comma(columns: list[pa.Array], nulls: tuple[str, ...] = DEFAULT_NULL_MARKERS) -> bool:
    """True when some column holds `12,5`-style numbers and every such column is numeric that way."""
    cells = _Cells(columns, nulls)
    comma = pc.match_substring_regex(cells.values, _DECIMAL_COMMA)
    numeric = pc.or_(comma, pc.match_substring_regex(cells.values, _PLAIN_INTEGER))
    return bool((cells.any(comma) & cells.all(numeric)).any())
