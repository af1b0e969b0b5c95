"""Vectorised parsing of text columns into typed Arrow arrays, reporting every value that fails.

Every parser works on whole arrays with pyarrow.compute. A value that does not parse becomes NULL
in the result; `invalid` marks those positions (input present, output NULL) so the caller can turn
them into rejected rows. Nothing is ever truncated or rounded silently.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from .spec import ColumnType

TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")
MAX_DECIMAL_DIGITS = 76  # Arrow decimal256; PostgreSQL numeric takes any of these exactly.

_INTEGER = r"^[+-]?\d+$"
_NUMERIC = r"^[+-]?(\d+\.?\d*|\.\d+)$"
_FLOAT = r"^[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf|infinity|nan)$"
_DATE = r"^\d{4}-\d{2}-\d{2}$"
_TIME = r"[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?"
_ZONE = r"(Z|[+-]\d{2}(:?\d{2})?)"
_TIMESTAMP = rf"^\d{{4}}-\d{{2}}-\d{{2}}({_TIME})?$"
_TIMESTAMPTZ = rf"^\d{{4}}-\d{{2}}-\d{{2}}{_TIME}{_ZONE}$"

FIXED_ARROW_TYPES: dict[ColumnType, pa.DataType] = {
    ColumnType.TEXT: pa.string(),
    ColumnType.INTEGER: pa.int32(),
    ColumnType.BIGINT: pa.int64(),
    ColumnType.FLOAT: pa.float64(),
    ColumnType.BOOLEAN: pa.bool_(),
    ColumnType.DATE: pa.date32(),
    ColumnType.TIMESTAMP: pa.timestamp("us"),
    ColumnType.TIMESTAMPTZ: pa.timestamp("us", tz="UTC"),
}


@dataclass(frozen=True)
class NumericLimit:
    """The widest exact number a destination column holds: DECIMAL(precision, scale)."""

    precision: int
    scale: int


@dataclass
class Parsed:
    array: pa.Array
    invalid: pa.BooleanArray
    reason: str

    def invalid_count(self) -> int:
        return int(pc.sum(self.invalid).as_py() or 0)


def parse_text(
    values: pa.Array,
    to: ColumnType,
    decimal: str = ".",
    limit: NumericLimit | None = None,
    hint: tuple[int | None, int | None] = (None, None),
) -> Parsed:
    """Parse a string array (NULL = empty cell) into `to`. `hint`, a NUMERIC column's profiled
    (precision, scale), lets clean batches take the fast path."""
    if to is ColumnType.TEXT:
        return _checked(values, values, "")
    fast = _fast_cast(values, to, decimal, limit, hint)
    if fast is not None:
        return _checked(values, fast, "")
    text = pc.utf8_trim_whitespace(values)
    text = pc.if_else(pc.equal(text, ""), pa.nulls(len(text), pa.string()), text)
    if to in (ColumnType.INTEGER, ColumnType.BIGINT):
        candidates = _matching(pc.replace_substring_regex(text, r"^\+", ""), _INTEGER)
        result = cast_each(candidates, FIXED_ARROW_TYPES[to])
        return _checked(text, result, f"not a valid {to.value} (whole number in range)")
    if to is ColumnType.NUMERIC:
        return _parse_numeric(text, _decimal_point(text, decimal), limit)
    if to is ColumnType.FLOAT:
        candidates = _matching(_decimal_point(text, decimal), _FLOAT, ignore_case=True)
        result = cast_each(candidates, pa.float64())
        # 1e400 parses as infinity: out of range, not a value to load as written.
        overflow = pc.and_(pc.is_inf(result), pc.invert(pc.match_substring(text, "inf", ignore_case=True)))
        result = pc.if_else(pc.fill_null(overflow, False), pa.nulls(len(result), pa.float64()), result)
        return _checked(text, result, "not a valid FLOAT")
    if to is ColumnType.BOOLEAN:
        lowered = pc.utf8_lower(text)
        known = pc.is_in(lowered, value_set=pa.array(TRUE_WORDS + FALSE_WORDS))
        truth = pc.is_in(lowered, value_set=pa.array(TRUE_WORDS))
        result = pc.if_else(known, truth, pa.nulls(len(text), pa.bool_()))
        return _checked(text, result, "not a valid BOOLEAN (true/false, yes/no, y/n, t/f, 1/0)")
    if to is ColumnType.DATE:
        result = cast_each(_matching(text, _DATE), pa.date32())
        return _checked(text, result, "not a valid DATE (YYYY-MM-DD)")
    # Sub-microsecond digits go, as PostgreSQL itself would round them away.
    text = pc.replace_substring_regex(text, r"(\.\d{6})\d+", r"\1")
    if to is ColumnType.TIMESTAMP:
        result = cast_each(_matching(text, _TIMESTAMP), pa.timestamp("us"))
        return _checked(text, result, "not a valid TIMESTAMP (YYYY-MM-DD HH:MM:SS, no zone)")
    # TIMESTAMPTZ: values with a zone are converted to UTC; values without one are taken as UTC.
    zoned = cast_each(_matching(text, _TIMESTAMPTZ), pa.timestamp("us", tz="UTC"))
    naive = cast_each(_matching(text, _TIMESTAMP), pa.timestamp("us")).cast(pa.timestamp("us", tz="UTC"))
    return _checked(text, pc.coalesce(zoned, naive), "not a valid TIMESTAMPTZ (ISO 8601)")


def coerce(values: pa.Array, to: ColumnType, decimal: str = ".", limit: NumericLimit | None = None) -> Parsed:
    """Convert an array of any supported Arrow type to `to`; values that cannot convert are invalid."""
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        return parse_text(values.cast(pa.string()), to, decimal, limit)
    if to is ColumnType.NUMERIC:
        if pa.types.is_decimal(values.type) and limit is None:
            return _checked(values, values, "")
        # Through text: exact for integers and decimals, shortest round-trip text for floats.
        return _parse_numeric(values, pc.cast(values, pa.string()), limit)
    target = FIXED_ARROW_TYPES[to]
    if values.type == target:
        return _checked(values, values, "")
    return _checked(values, cast_each(values, target), f"cannot be converted to {to.value}")


def _fast_cast(
    values: pa.Array,
    to: ColumnType,
    decimal: str,
    limit: NumericLimit | None,
    hint: tuple[int | None, int | None],
) -> pa.Array | None:
    """Arrow's own parser on the whole array: it accepts only text the careful path accepts too, so
    when it succeeds for every value (the usual case) the regular expressions can be skipped."""
    if to is ColumnType.BOOLEAN or (decimal == "," and to in (ColumnType.NUMERIC, ColumnType.FLOAT)):
        return None
    if to is ColumnType.NUMERIC:
        precision, scale = hint
        if precision is None or scale is None or precision > 38:
            return None
        if limit is not None:
            scale = min(scale, limit.scale)
        # The profiled precision keeps arithmetic on these values inside Arrow's decimal128; a
        # wider value makes the cast fail and the batch take the careful path.
        target: pa.DataType = pa.decimal128(max(precision, scale, 1), scale)
    else:
        target = FIXED_ARROW_TYPES[to]
    if (
        to in (ColumnType.INTEGER, ColumnType.BIGINT)
        and pc.any(pc.or_(pc.starts_with(values, "0x"), pc.starts_with(values, "0X"))).as_py()
    ):
        return None  # Arrow reads 0x10 (only that form) as hexadecimal; the careful path refuses it
    try:
        result = pc.cast(values, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if to is ColumnType.FLOAT and pc.any(pc.is_inf(result)).as_py():
        return None  # infinity written out, or an overflow: the careful path tells them apart
    if to is ColumnType.NUMERIC and limit is not None:
        largest = pc.max(pc.abs(result)).as_py()
        if largest is not None and largest >= 10 ** (limit.precision - limit.scale):
            return None
    return result


def cast_each(values: pa.Array, target: pa.DataType) -> pa.Array:
    """Cast, turning only the values that fail into NULL (halving the array around failures)."""
    try:
        return pc.cast(values, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        if len(values) == 1:
            return pa.nulls(1, target)
        middle = len(values) // 2
        halves = [cast_each(values.slice(0, middle), target), cast_each(values.slice(middle), target)]
        return pa.concat_arrays(halves)


def _parse_numeric(original: pa.Array, text: pa.Array, limit: NumericLimit | None) -> Parsed:
    candidates = _matching(pc.replace_substring_regex(text, r"^\+", ""), _NUMERIC)
    # Trailing fractional zeros carry no value; dropping them keeps 1.50 within DECIMAL(p, 1).
    candidates = pc.replace_substring_regex(candidates, r"(\.\d*?)0+$", r"\1")
    candidates = pc.replace_substring_regex(candidates, r"\.$", "")
    unsigned = pc.replace_substring_regex(candidates, r"^-", "")
    length = pc.utf8_length(unsigned)
    point = pc.find_substring(unsigned, ".")
    has_point = pc.greater_equal(point, 0)
    scale = pc.if_else(has_point, pc.subtract(pc.subtract(length, point), 1), 0)
    whole = pc.if_else(has_point, point, length)
    fits = pc.less_equal(pc.add(whole, scale), MAX_DECIMAL_DIGITS)
    reason = f"not a valid NUMERIC (at most {MAX_DECIMAL_DIGITS} digits)"
    if limit is not None:
        fits = pc.and_(
            fits,
            pc.and_(
                pc.less_equal(scale, limit.scale),
                pc.less_equal(whole, limit.precision - limit.scale),
            ),
        )
        reason = f"not a valid NUMERIC({limit.precision},{limit.scale}) for this destination"
    candidates = pc.if_else(fits, candidates, pa.nulls(len(candidates), pa.string()))
    max_scale = int(pc.max(pc.if_else(fits, scale, 0)).as_py() or 0)
    max_whole = int(pc.max(pc.if_else(fits, whole, 0)).as_py() or 0)
    precision = max(1, max_whole + max_scale)
    decimal_type = (pa.decimal128 if precision <= 38 else pa.decimal256)(precision, max_scale)
    return _checked(original, cast_each(candidates, decimal_type), reason)


def _decimal_point(text: pa.Array, decimal: str) -> pa.Array:
    """With a decimal comma, dots may only group thousands (1.234,5); any other dot is refused."""
    if decimal != ",":
        return text
    grouped = pc.match_substring_regex(text, r"^[+-]?\d{1,3}(\.\d{3})+(,\d*)?$")
    text = pc.if_else(grouped, pc.replace_substring(text, ".", ""), text)
    text = pc.if_else(pc.match_substring(text, "."), pa.nulls(len(text), pa.string()), text)
    return pc.replace_substring(text, ",", ".")


def _matching(text: pa.Array, pattern: str, ignore_case: bool = False) -> pa.Array:
    ok = pc.match_substring_regex(text, pattern, ignore_case=ignore_case)
    return pc.if_else(ok, text, pa.nulls(len(text), pa.string()))


def _checked(original: pa.Array, result: pa.Array, reason: str) -> Parsed:
    invalid = pc.and_(pc.is_valid(original), pc.is_null(result))
    return Parsed(result, invalid, reason)
