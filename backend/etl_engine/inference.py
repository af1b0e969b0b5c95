"""Conservative column types from a sample of text values.

A type is chosen only when every sampled value parses as it; the load verifies the rest of the
file against it. Leading zeros keep a column TEXT (codes, not numbers); integers beyond 64 bits
become NUMERIC; 0/1 columns stay INTEGER (a boolean needs words such as true/false or yes/no). A column
with more than 9 decimals whose every value is the exact text of a double is FLOAT.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from .conversion import parse_text
from .spec import ColumnType

_BOOLEAN_PAIRS = ({"true", "false"}, {"t", "f"}, {"yes", "no"}, {"y", "n"})
_LEADING_ZERO = r"^[+-]?0\d"
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
_DECIMAL_COMMA = r"^[+-]?\d+,\d+$"
_PLAIN_INTEGER = r"^[+-]?\d+$"


def infer_type(values: pa.Array, decimal: str = ".") -> tuple[ColumnType, int | None, int | None]:
    """(type, precision, scale) for a string array; precision/scale only for NUMERIC."""
    present = pc.drop_null(pc.utf8_trim_whitespace(values))
    present = pc.filter(present, pc.not_equal(present, ""))
    if len(present) == 0:
        return ColumnType.TEXT, None, None
    if pc.any(pc.match_substring_regex(present, _LEADING_ZERO)).as_py():
        return ColumnType.TEXT, None, None
    words = set(pc.unique(pc.utf8_lower(present)).to_pylist())
    if any(words <= pair for pair in _BOOLEAN_PAIRS):
        return ColumnType.BOOLEAN, None, None
    for candidate in _ORDER:
        if (
            candidate is ColumnType.FLOAT
            and pc.all(pc.match_substring_regex(present, _PLAIN_INTEGER)).as_py()
        ):
            return ColumnType.TEXT, None, None  # more than 76 digits: an identifier, not a number
        parsed = parse_text(present, candidate, decimal)
        if parsed.invalid_count() == 0:
            if candidate is ColumnType.NUMERIC:
                numeric_type = parsed.array.type
                if numeric_type.scale > FLOAT_SCALE and _printed_doubles(present):
                    return ColumnType.FLOAT, None, None
                return ColumnType.NUMERIC, numeric_type.precision, numeric_type.scale
            return candidate, None, None
    zoned = parse_text(present, ColumnType.TIMESTAMPTZ, decimal)
    all_zoned = pc.all(pc.match_substring_regex(present, r"(Z|[+-]\d{2}(:?\d{2})?)$")).as_py()
    if zoned.invalid_count() == 0 and all_zoned:
        return ColumnType.TIMESTAMPTZ, None, None
    return ColumnType.TEXT, None, None


def _printed_doubles(present: pa.Array) -> bool:
    """Every value is exactly the shortest text of a double, so FLOAT stores it without change."""
    printed = pc.cast(pc.cast(present, pa.float64()), pa.string())
    return bool(pc.all(pc.equal(printed, present)).as_py())


def uses_decimal_comma(columns: list[pa.Array]) -> bool:
    """True when some column holds `12,5`-style numbers and every such column is numeric that way."""
    seen = False
    for values in columns:
        present = pc.drop_null(pc.utf8_trim_whitespace(values))
        if len(present) == 0:
            continue
        comma = pc.match_substring_regex(present, _DECIMAL_COMMA)
        if not pc.any(comma).as_py():
            continue
        if not pc.all(pc.or_(comma, pc.match_substring_regex(present, _PLAIN_INTEGER))).as_py():
            continue
        seen = True
    return seen
