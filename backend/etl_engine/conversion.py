"""Vectorised parsing of text columns into typed Arrow arrays, reporting every value that fails.

Every parser works on whole arrays with pyarrow.compute. A value that does not parse becomes NULL
in the result; `invalid` marks those positions (input present, output NULL) so the caller can turn
them into rejected rows. Nothing is ever truncated or rounded silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa
import pyarrow.compute as pc

from .spec import ColumnType, CsvOptions, SourceColumn

TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")
# What R, Excel, pandas, MySQL and SQL exports write for a missing value.
# NaN stays a FLOAT value (what pandas writes for a missing float reads as NaN, as before).
DEFAULT_NULL_MARKERS = ("NA", "N/A", "n/a", "NULL", "null", "\\N", "#N/A", "None")
# Date and time formats other than ISO 8601: strftime directives, each one's accepted text.
DATE_DIRECTIVES = {
    "%d": r"(?P<d>\d{1,2})",
    "%m": r"(?P<m>\d{1,2})",
    "%Y": r"(?P<Y>\d{4})",
    "%H": r"(?P<H>\d{1,2})",
    "%I": r"(?P<I>\d{1,2})",
    "%M": r"(?P<M>\d{2})",
    "%S": r"(?P<S>\d{2}(?:\.\d{1,9})?)",
    "%p": r"(?P<p>[AaPp][Mm])",
}
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
    *,
    nulls: tuple[str, ...] = (),
    format: str | None = None,
    timezone: str = "UTC",
) -> Parsed:
    """Parse a string array (NULL = empty cell) into `to`. `hint`, a NUMERIC column's profiled
    (precision, scale), lets clean batches take the fast path. `nulls` are texts read as NULL;
    `format` (DATE and TIMESTAMP types) a strftime-style format instead of ISO 8601; `timezone`
    the zone TIMESTAMPTZ reads values without an offset in."""
    if to is ColumnType.TEXT:
        return _checked(values, values, "")
    if format is not None and to in (ColumnType.DATE, ColumnType.TIMESTAMP, ColumnType.TIMESTAMPTZ):
        return _parse_formatted(_without_markers(values, nulls), to, format, timezone)
    fast_path = to is not ColumnType.TIMESTAMPTZ or timezone == "UTC"
    # A clean batch has no markers (none of them parses as a number or date): look for them only
    # when Arrow's own parser stops.
    fast = _fast_cast(values, to, decimal, limit, hint) if fast_path else None
    if fast is None and nulls:
        values = _without_markers(values, nulls)
        fast = _fast_cast(values, to, decimal, limit, hint) if fast_path else None
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
    # TIMESTAMPTZ: values with a zone are converted to UTC; values without one are read in `timezone`.
    zoned = cast_each(_matching(text, _TIMESTAMPTZ), pa.timestamp("us", tz="UTC"))
    naive = _in_zone(cast_each(_matching(text, _TIMESTAMP), pa.timestamp("us")), timezone)
    return _checked(text, pc.coalesce(zoned, naive), "not a valid TIMESTAMPTZ (ISO 8601)")


def _without_markers(values: pa.Array, nulls: tuple[str, ...]) -> pa.Array:
    if not nulls:
        return values
    marker = pc.fill_null(pc.is_in(pc.utf8_trim_whitespace(values), value_set=pa.array(nulls)), False)
    if not pc.any(marker).as_py():
        return values
    return pc.if_else(marker, pa.nulls(len(values), pa.string()), values)


def _in_zone(naive: pa.Array, timezone: str) -> pa.Array:
    """Naive timestamps read as wall-clock time in `timezone`, as UTC instants (a time that a
    clock change skips or repeats takes the earlier reading)."""
    utc = pa.timestamp("us", tz="UTC")
    if timezone == "UTC":
        return naive.cast(utc)
    check_timezone(timezone)
    local = pc.assume_timezone(naive, timezone=timezone, ambiguous="earliest", nonexistent="earliest")
    return local.cast(utc)


def check_timezone(timezone: str) -> None:
    """Raise ValueError unless `timezone` is an IANA zone name."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {timezone!r}") from error


@cache
def format_pattern(format: str) -> str:
    """The regular expression (named groups per directive) a date format accepts; ValueError for a
    format the engine cannot read (a directive outside DATE_DIRECTIVES, no day, month and year)."""
    pattern, position = [], 0
    for match in re.finditer(r"%.", format):
        pattern.append(re.escape(format[position : match.start()]))
        directive = match.group()
        if directive not in DATE_DIRECTIVES:
            raise ValueError(f"unsupported directive {directive} in date format {format!r}")
        pattern.append(DATE_DIRECTIVES[directive])
        position = match.end()
    pattern.append(re.escape(format[position:]))
    used = set(re.findall(r"%.", format))
    if not {"%d", "%m", "%Y"} <= used or len(used) != len(re.findall(r"%.", format)):
        raise ValueError(f"date format {format!r} needs %d, %m and %Y, each once")
    if ("%I" in used) != ("%p" in used) or ("%I" in used and "%H" in used):
        raise ValueError(f"date format {format!r}: %I (12-hour clock) goes with %p, not %H")
    if "%S" in used and "%M" not in used:
        raise ValueError(f"date format {format!r} has seconds without minutes")
    return "^" + "".join(pattern).replace("\\ ", r"\s+") + "$"


def _parse_formatted(values: pa.Array, to: ColumnType, format: str, timezone: str) -> Parsed:
    """Read dates written as `format` by rewriting each into ISO 8601 and casting that: the cast
    refuses 31.02.2024 (strptime would roll it over into March)."""
    text = pc.utf8_trim_whitespace(values)
    text = pc.if_else(pc.equal(text, ""), pa.nulls(len(text), pa.string()), text)
    parts = pc.extract_regex(text, format_pattern(format))
    names = {field.name for field in parts.type}

    def part(name: str, default: str) -> pa.Array:
        if name not in names:
            return pa.array([default] * len(text), pa.string())
        return pc.utf8_lpad(pc.struct_field(parts, name), width=2, padding="0")

    hour = part("H", "00")
    if "I" in names:
        clock = pc.cast(pc.struct_field(parts, "I"), pa.int8())
        clock = pc.if_else(pc.and_(pc.greater_equal(clock, 1), pc.less_equal(clock, 12)), clock, None)
        evening = pc.equal(pc.utf8_lower(pc.struct_field(parts, "p")), "pm")
        clock = pc.add(pc.if_else(pc.equal(clock, 12), 0, clock), pc.if_else(evening, 12, 0))
        hour = pc.utf8_lpad(pc.cast(clock, pa.string()), width=2, padding="0")
    second = pc.replace_substring_regex(part("S", "00"), r"(\.\d{6})\d+", r"\1")
    date = pc.binary_join_element_wise(part("Y", "0000"), part("m", "00"), part("d", "00"), "-")
    iso = pc.if_else(pc.is_valid(parts), date, pa.nulls(len(text), pa.string()))
    shown = f"not a valid {to.value} in the format {format}"
    if to is ColumnType.DATE:
        if names & {"H", "I", "M", "S"}:
            raise ValueError(f"date format {format!r} has a time: use it for a TIMESTAMP column")
        return _checked(text, cast_each(iso, pa.date32()), shown)
    stamp = pc.binary_join_element_wise(iso, hour, part("M", "00"), second, ":")
    stamp = pc.replace_substring_regex(stamp, r"^(\d{4}-\d{2}-\d{2}):", r"\1 ")
    naive = cast_each(stamp, pa.timestamp("us"))
    if to is ColumnType.TIMESTAMPTZ:
        return _checked(text, _in_zone(naive, timezone), shown)
    return _checked(text, naive, shown)


def typed_null_markers(options: CsvOptions) -> tuple[str, ...]:
    """Markers typed columns read as NULL: the common ones unless the user chose a list (the
    reader then turns those into NULL in every column itself)."""
    return DEFAULT_NULL_MARKERS if options.null_markers is None else ()


def parse_source(values: pa.Array, column: SourceColumn, options: CsvOptions) -> Parsed:
    """A file column's text as its profiled type, the way the file is written (decimal mark, null
    markers, date format, time zone)."""
    return parse_text(
        values,
        column.type,
        options.decimal,
        hint=(column.precision, column.scale),
        nulls=typed_null_markers(options),
        format=column.format,
        timezone=column.timezone or options.timezone,
    )


def coerce(values: pa.Array, to: ColumnType, decimal: str = ".", limit: NumericLimit | None = None) -> Parsed:
    """Convert an array of any supported Arrow type to `to`; values that cannot convert are invalid."""
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        return parse_text(values.cast(pa.string()), to, decimal, limit)
    if to is ColumnType.NUMERIC:
        if pa.types.is_decimal(values.type) and _within(values.type, limit):
            return _checked(values, values, "")
        # Through text: exact for integers and decimals, shortest round-trip text for floats.
        return _parse_numeric(values, pc.cast(values, pa.string()), limit)
    target = FIXED_ARROW_TYPES[to]
    if values.type == target:
        return _checked(values, values, "")
    return _checked(values, cast_each(values, target), f"cannot be converted to {to.value}")


def _within(decimal_type: pa.Decimal128Type, limit: NumericLimit | None) -> bool:
    """Every value of this decimal type fits DECIMAL(limit) as it is."""
    if limit is None:
        return True
    whole = int(decimal_type.precision) - int(decimal_type.scale)
    return int(decimal_type.scale) <= limit.scale and whole <= limit.precision - limit.scale


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
