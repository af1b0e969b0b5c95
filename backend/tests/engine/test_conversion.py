"""Vectorised parsing: what each type accepts, what it refuses, and that nothing is rounded."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest

from etl_engine import ColumnType as T
from etl_engine.conversion import NumericLimit, coerce, parse_text

UTC = dt.UTC


def parse(values: list[str | None], to: T, **kwargs: object) -> tuple[list[object], list[bool]]:
    parsed = parse_text(pa.array(values, pa.string()), to, **kwargs)  # type: ignore[arg-type]
    return parsed.array.to_pylist(), parsed.invalid.to_pylist()


@pytest.mark.parametrize(
    ("to", "values", "expected", "invalid"),
    [
        (T.INTEGER, ["1", " -2 ", "+3", "007", None, "  "], [1, -2, 3, 7, None, None], [False] * 6),
        (T.INTEGER, ["2147483648", "1.0", "1e3", "0x10", "1_000", "abc"], [None] * 6, [True] * 6),
        (
            T.BIGINT,
            ["9223372036854775807", "9223372036854775808"],
            [9223372036854775807, None],
            [False, True],
        ),
        (T.FLOAT, ["1.5", "-1e-3", "inf", "NaN", "1e400"], [1.5, -0.001, float("inf"), None, None], None),
        (
            T.BOOLEAN,
            ["TRUE", "f", "Yes", "n", "1", "0", "maybe"],
            [True, False, True, False, True, False, None],
            None,
        ),
        (
            T.DATE,
            ["2024-02-29", "2023-02-29", "2024-1-5", "05.01.2024"],
            [dt.date(2024, 2, 29), None, None, None],
            None,
        ),
        (
            T.TIMESTAMP,
            ["2024-01-05", "2024-01-05 10:00", "2024-01-05T10:00:00.123456789", "2024-01-05 10:00:00+02:00"],
            [
                dt.datetime(2024, 1, 5),
                dt.datetime(2024, 1, 5, 10),
                dt.datetime(2024, 1, 5, 10, 0, 0, 123456),
                None,
            ],
            [False, False, False, True],
        ),
        (
            T.TIMESTAMPTZ,
            ["2024-01-05 10:00:00+0200", "2024-01-05T10:00Z", "2024-01-05 10:00:00"],
            [
                dt.datetime(2024, 1, 5, 8, tzinfo=UTC),
                dt.datetime(2024, 1, 5, 10, tzinfo=UTC),
                dt.datetime(2024, 1, 5, 10, tzinfo=UTC),  # no zone: taken as UTC
            ],
            [False, False, False],
        ),
    ],
)
def test_each_type_accepts_and_refuses_what_it_should(
    to: T, values: list[str | None], expected: list[object], invalid: list[bool] | None
) -> None:
    result, flags = parse(values, to)
    if to is T.FLOAT:
        assert result[:3] == expected[:3] and result[3] != result[3] and result[4] is None  # NaN != NaN
        assert flags == [False, False, False, False, True]
        return
    assert result == expected
    derived = [v is None and s is not None for v, s in zip(result, values, strict=True)]
    assert flags == (invalid if invalid is not None else derived)


def test_numeric_is_exact_at_any_precision_and_honours_a_decimal_comma() -> None:
    huge = "123456789012345678901234567890123456789012345.678"
    result, flags = parse(
        [huge.replace(".", ","), "-0,5", "1.5", "12,", "1.234.567,89"], T.NUMERIC, decimal=","
    )
    assert result[:2] == [Decimal(huge), Decimal("-0.5")]
    assert flags == [False, False, True, False, False]  # "1.5" is not a number in a decimal-comma file
    assert result[3:] == [Decimal("12"), Decimal("1234567.89")]


def test_numeric_beyond_a_destination_limit_is_invalid_not_rounded() -> None:
    limit = NumericLimit(38, 10)
    result, flags = parse(["1.12345678901", "1.1234567890", "1" * 29], T.NUMERIC, limit=limit)
    assert result[1] == Decimal("1.123456789")
    assert flags == [True, False, True]


def test_fast_path_and_careful_path_agree_on_a_mixed_batch() -> None:
    clean, _ = parse(["1.25", "2.50"], T.NUMERIC, hint=(4, 2))
    mixed, flags = parse(["1.25", "2.50", "x", "3.125"], T.NUMERIC, hint=(4, 2))
    assert [Decimal(str(v)) for v in clean] == [Decimal("1.25"), Decimal("2.5")]
    assert mixed == [Decimal("1.25"), Decimal("2.5"), None, Decimal("3.125")]
    assert flags == [False, False, True, False]


def test_coerce_between_types_rejects_values_that_would_change() -> None:
    floats = pa.array([1.0, 2.5, None])
    ints = coerce(floats, T.INTEGER)
    assert (ints.array.to_pylist(), ints.invalid.to_pylist()) == ([1, None, None], [False, True, False])
    assert coerce(pa.array([1, 2], pa.int64()), T.NUMERIC).array.to_pylist() == [Decimal(1), Decimal(2)]
    assert coerce(pa.array([True, None]), T.TEXT).array.to_pylist() == ["true", None]
