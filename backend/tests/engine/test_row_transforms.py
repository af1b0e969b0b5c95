"""Row transforms (etl_engine/transforms/rows.py) on typed Arrow batches: each transform with NULLs,
unicode and zoned timestamps; dedupe across batch boundaries keeping the first and the last row of
each key; the checks the API shows; the columns a target gets."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pytest

from etl_engine.errors import InvalidJobSpec
from etl_engine.progress import RejectedRow
from etl_engine.spec import ColumnSpec, RowTransform
from etl_engine.spec import ColumnType as T
from etl_engine.transforms.rows import (
    Rows,
    RowTransformer,
    check_row_transforms,
    columns_with_row_transforms,
    key_hashes,
)

COLUMNS = [
    ColumnSpec("id", "id", T.INTEGER),
    ColumnSpec("first", "first", T.TEXT),
    ColumnSpec("last", "last", T.TEXT),
    ColumnSpec("amount", "amount", T.NUMERIC, precision=10, scale=2),
    ColumnSpec("seen_at", "seen_at", T.TIMESTAMPTZ),
    ColumnSpec("born", "born", T.DATE),
]
SCHEMA = pa.schema(
    [
        ("id", pa.int32()),
        ("first", pa.string()),
        ("last", pa.string()),
        ("amount", pa.decimal128(10, 2)),
        ("seen_at", pa.timestamp("us", tz="UTC")),
        ("born", pa.date32()),
    ]
)
ROWS: list[dict[str, Any]] = [
    {
        "id": 1,
        "first": "Zoë",
        "last": "Ünal",
        "amount": Decimal("12.50"),
        # 23:30 UTC on Dec 31 is already Jan 1 in Berlin (and a Thursday there, not a Wednesday).
        "seen_at": datetime(2025, 12, 31, 23, 30, tzinfo=UTC),
        "born": date(1990, 5, 17),
    },
    {"id": 2, "first": None, "last": "李", "amount": None, "seen_at": None, "born": None},
    {
        "id": 3,
        "first": "Bo",
        "last": None,
        "amount": Decimal("-3.00"),
        "seen_at": datetime(2026, 3, 1, 8, 5, tzinfo=UTC),
        "born": date(2001, 12, 1),
    },
]


def batch(rows: list[dict[str, Any]] = ROWS) -> Rows:
    data = pa.RecordBatch.from_pylist(rows, schema=SCHEMA)
    return Rows(data, np.array([r["id"] for r in rows], dtype=np.int64))


class Outcome(NamedTuple):
    rows: list[dict[str, Any]]
    transformer: RowTransformer
    rejected: list[RejectedRow]


def run(transforms: list[RowTransform], *batches: Rows, **options: Any) -> Outcome:
    """Every batch through the transforms, then what was held back."""
    transformer = RowTransformer(transforms, COLUMNS, **options)
    out: list[dict[str, Any]] = []
    rejected = []
    for rows in batches or (batch(),):
        result, failed = transformer.apply(rows)
        out += result.to_pylist()
        rejected += failed
    for result, failed in transformer.finish():
        out += result.to_pylist()
        rejected += failed
    return Outcome(out, transformer, rejected)


def column(rows: list[dict[str, Any]], name: str) -> list[Any]:
    return [row[name] for row in rows]


def test_filter_keeps_rows_where_the_expression_is_true_and_counts_the_rest() -> None:
    rows, transformer, _ = run([RowTransform("filter", {"expression": "amount > 0 or last == '李'"})])
    assert column(rows, "id") == [1, 2]
    assert transformer.filtered == 1


def test_filter_drops_rows_where_the_expression_is_null() -> None:
    # Row 2's amount is NULL: `amount > 0` is NULL there, which is not true.
    rows, transformer, _ = run([RowTransform("filter", {"expression": "amount > 0"})])
    assert column(rows, "id") == [1]
    assert transformer.filtered == 2


def test_concat_joins_text_skipping_nulls_and_all_nulls_stay_null() -> None:
    transforms = [
        RowTransform("concat", {"columns": ["first", "last"], "separator": " ", "into": "full_name"}),
        RowTransform("concat", {"columns": ["first", "amount"], "separator": "/", "into": "mixed"}),
    ]
    rows, _, _ = run(transforms, batch([*ROWS, {**ROWS[1], "id": 4, "last": None}]))
    assert column(rows, "full_name") == ["Zoë Ünal", "李", "Bo", None]
    assert column(rows, "mixed") == ["Zoë/12.50", None, "Bo/-3.00", None]
    assert list(rows[0]) == ["id", "first", "last", "amount", "seen_at", "born", "full_name", "mixed"]


def test_concat_writes_a_decimal_the_same_whatever_its_batchs_scale() -> None:
    # The mapper types a NUMERIC's batch from its digits: 12.5 alone is decimal(3, 1).
    columns = [ColumnSpec("declared", "declared", T.NUMERIC, scale=2), ColumnSpec("free", "free", T.NUMERIC)]
    transforms = [RowTransform("concat", {"columns": ["declared", "free"], "separator": "|", "into": "both"})]
    transformer = RowTransformer(transforms, columns)
    out = []
    for kind in (pa.decimal128(3, 1), pa.decimal128(6, 3)):
        values = pa.array([Decimal("12.5"), Decimal("-0.0")], kind)
        data = pa.RecordBatch.from_arrays([values, values], names=["declared", "free"])
        batch, _ = transformer.apply(Rows(data, np.arange(2, dtype=np.int64)))
        out += batch.column("both").to_pylist()
    assert out == ["12.50|12.5", "0.00|0", "12.50|12.5", "0.00|0"]


def test_concat_into_a_mapped_column_overwrites_it() -> None:
    rows, _, _ = run(
        [RowTransform("concat", {"columns": ["last", "first"], "separator": ", ", "into": "first"})]
    )
    assert column(rows, "first") == ["Ünal, Zoë", "李", "Bo"]
    assert list(rows[0]) == ["id", "first", "last", "amount", "seen_at", "born"]


def test_split_picks_a_part_from_the_start_or_the_end_and_null_when_missing() -> None:
    data = [{**ROWS[0], "id": i, "first": text} for i, text in enumerate(["a-b-c", "solo", None, "", "é-ü"])]
    transforms = [
        RowTransform("split", {"column": "first", "separator": "-", "index": 1, "into": "second"}),
        RowTransform("split", {"column": "first", "separator": "-", "index": -1, "into": "final"}),
        RowTransform("split", {"column": "first", "separator": "-", "index": 0, "into": "head"}),
    ]
    rows, _, _ = run(transforms, batch(data))
    assert column(rows, "second") == ["b", None, None, None, "ü"]
    assert column(rows, "final") == ["c", "solo", None, "", "ü"]
    assert column(rows, "head") == ["a", "solo", None, "", "é"]


def test_split_of_a_sliced_batch_reads_its_own_rows() -> None:
    data = [{**ROWS[0], "id": i, "first": f"x{i}-y{i}"} for i in range(6)]
    whole = batch(data)
    part = Rows(whole.batch.slice(3, 2), whole.ids[3:5])
    spec = RowTransform("split", {"column": "first", "separator": "-", "index": 1, "into": "y"})
    rows, _, _ = run([spec], part)
    assert column(rows, "y") == ["y3", "y4"]


def test_date_parts_of_zoned_timestamps_in_utc_or_a_given_zone_and_of_dates() -> None:
    parts = ["year", "quarter", "month", "day", "hour", "minute", "dow", "week"]
    transforms = [
        RowTransform("date_part", {"column": "seen_at", "part": p, "into": f"utc_{p}"}) for p in parts
    ]
    transforms += [
        RowTransform(
            "date_part", {"column": "seen_at", "part": p, "into": f"berlin_{p}", "timezone": "Europe/Berlin"}
        )
        for p in parts
    ]
    transforms.append(RowTransform("date_part", {"column": "born", "part": "dow", "into": "born_dow"}))
    rows, transformer, _ = run(transforms)
    first, null, third = rows
    assert [first[f"utc_{p}"] for p in parts] == [2025, 4, 12, 31, 23, 30, 3, 1]
    assert [first[f"berlin_{p}"] for p in parts] == [2026, 1, 1, 1, 0, 30, 4, 1]
    assert [third[f"utc_{p}"] for p in parts] == [2026, 1, 3, 1, 8, 5, 0, 9]  # a Sunday: dow 0
    assert all(null[f"utc_{p}"] is None for p in parts)
    assert column(rows, "born_dow") == [4, None, 6]  # 1990-05-17 a Thursday, 2001-12-01 a Saturday
    added = transformer.columns[len(COLUMNS) :]
    assert {c.type for c in added} == {T.INTEGER}


def test_conditional_takes_literals_or_columns_and_null_conditions_go_to_else() -> None:
    transforms = [
        RowTransform("conditional", {"when": "amount >= 10", "then": "big", "else": "small", "into": "size"}),
        RowTransform(
            "conditional",
            {"when": "first == 'Bo'", "then": {"column": "last"}, "else": {"column": "first"}, "into": "who"},
        ),
        RowTransform(
            "conditional", {"when": "amount < 0", "then": 0, "else": {"column": "amount"}, "into": "amount"}
        ),
        RowTransform(
            "conditional", {"when": "id == 2", "then": None, "else": 1.5, "into": "f", "type": "FLOAT"}
        ),
    ]
    rows, transformer, _ = run(transforms)
    assert column(rows, "size") == ["big", "small", "small"]  # NULL amount: not >= 10
    assert column(rows, "who") == ["Zoë", None, None]
    assert column(rows, "amount") == [Decimal("12.50"), None, Decimal("0.00")]
    assert column(rows, "f") == [1.5, None, 1.5]
    types = {c.target: c.type for c in transformer.columns}
    assert (types["size"], types["who"], types["amount"], types["f"]) == (T.TEXT, T.TEXT, T.NUMERIC, T.FLOAT)


def test_a_value_that_does_not_fit_its_column_rejects_its_row_with_the_reason() -> None:
    transforms = [RowTransform("concat", {"columns": ["first", "last"], "separator": "", "into": "full"})]
    rows, _, rejected = run(transforms, text_max_bytes=5, render=lambda cells: "|".join(map(str, cells)))
    assert column(rows, "id") == [2, 3]
    (reject,) = rejected
    assert (reject.line_number, reject.column) == (1, "full")
    assert reject.reason == "'ZoëÜnal' is longer than 5 bytes"
    assert reject.raw.startswith("1|Zoë|Ünal|12.50|")


def _people(ids: list[int], names: list[str | None]) -> Rows:
    return batch([{**ROWS[2], "id": i, "first": n} for i, n in zip(ids, names, strict=True)])


@pytest.mark.parametrize(
    ("keep", "expected"),
    [
        ("first", [(1, "a"), (2, None), (4, "b")]),
        ("last", [(5, None), (6, "a"), (8, "b")]),
    ],
)
def test_dedupe_across_batch_boundaries_keeps_one_row_per_key(
    keep: str, expected: list[tuple[int, str | None]]
) -> None:
    batches = [
        _people([1, 2, 3], ["a", None, "a"]),
        _people([4, 5], ["b", None]),  # NULL is a key of its own, met again across the boundary
        _people([6, 7, 8], ["a", "b", "b"]),
    ]
    dedupe = RowTransform("dedupe", {"keys": ["first"], "keep": keep})
    rows, transformer, _ = run([dedupe], *batches)
    assert sorted((r["id"], r["first"]) for r in rows) == expected
    assert transformer.filtered == 5
    assert transformer.holds_back is (keep == "last")


def test_keep_last_holds_rows_back_then_runs_the_steps_after_it() -> None:
    transforms = [
        RowTransform("filter", {"expression": "id != 3"}),
        RowTransform("dedupe", {"keys": ["last", "first"], "keep": "last"}),
        RowTransform("concat", {"columns": ["first", "last"], "separator": "+", "into": "both"}),
    ]
    transformer = RowTransformer(transforms, COLUMNS)
    first = [{**ROWS[0], "id": 1, "first": "x", "last": "y"}, {**ROWS[0], "id": 2, "first": "y", "last": "x"}]
    second = [
        {**ROWS[0], "id": 3, "first": "x", "last": "y"},
        {**ROWS[0], "id": 4, "first": "y", "last": "x"},
    ]
    for data in (first, second):
        held, rejected = transformer.apply(batch(data))
        assert held.num_rows == 0 and rejected == []
    released = [b for b, _ in transformer.finish()]
    rows = [row for b in released for row in b.to_pylist()]
    # (x, y) and (y, x) are different keys: row 3 is filtered out before the dedupe, so 1 stays.
    assert [(r["id"], r["both"]) for r in rows] == [(1, "x+y"), (4, "y+x")]
    assert transformer.filtered == 2


def test_keep_last_holds_batches_whose_types_differ() -> None:
    # A NUMERIC column's decimal type follows each batch's values (precision and scale), as the
    # mapper makes it for a destination without a fixed limit.
    transformer = RowTransformer(
        [RowTransform("dedupe", {"keys": ["id"], "keep": "last"})], COLUMNS[:1] + COLUMNS[3:4]
    )
    for ids, amounts, kind in [
        ([1, 2], ["1.5", "2.25"], pa.decimal128(3, 2)),
        ([1], ["12345.678"], pa.decimal128(8, 3)),
    ]:
        data = pa.RecordBatch.from_arrays(
            [pa.array(ids, pa.int32()), pa.array([Decimal(a) for a in amounts], kind)], names=["id", "amount"]
        )
        transformer.apply(Rows(data, np.array(ids, dtype=np.int64)))
    rows = [row for batch, _ in transformer.finish() for row in batch.to_pylist()]
    assert sorted((r["id"], r["amount"]) for r in rows) == [(1, Decimal("12345.678")), (2, Decimal("2.25"))]


def test_key_hashes_tell_apart_null_empty_text_and_swapped_keys() -> None:
    data = pa.RecordBatch.from_pylist(
        [{"a": None, "b": "x"}, {"a": "None", "b": "x"}, {"a": "", "b": "x"}, {"a": "x", "b": ""}],
        schema=pa.schema([("a", pa.string()), ("b", pa.string())]),
    )
    hashes = key_hashes(data, ["a", "b"])
    assert len(set(hashes.tolist())) == 4
    again = key_hashes(data.slice(1), ["a", "b"])
    assert again.tolist() == hashes[1:].tolist()


def test_key_hashes_of_typed_columns_tell_apart_null_and_zero_and_swapped_values() -> None:
    schema = pa.schema(
        [("i", pa.int64()), ("j", pa.int32()), ("f", pa.float64()), ("t", pa.timestamp("us", tz="UTC"))]
    )
    instant = datetime(2026, 1, 1, tzinfo=UTC)
    data = pa.RecordBatch.from_pylist(
        [
            {"i": 0, "j": 1, "f": 0.0, "t": instant},
            {"i": None, "j": 1, "f": -0.0, "t": instant},  # NULL is not 0; -0.0 is 0.0
            {"i": 1, "j": 0, "f": 0.0, "t": None},
            {"i": 0, "j": 1, "f": -0.0, "t": instant},  # the same key as the first row
        ],
        schema=schema,
    )
    ints = key_hashes(data, ["i", "j"]).tolist()
    assert len(set(ints[:3])) == 3 and ints[3] == ints[0]
    floats = key_hashes(data, ["f"]).tolist()
    assert floats[0] == floats[1] == floats[3]
    stamps = key_hashes(data, ["t"]).tolist()
    assert stamps[0] == stamps[1] == stamps[3] != stamps[2]
    assert key_hashes(data, ["i", "f", "t"]).tolist()[3] == key_hashes(data, ["i", "f", "t"]).tolist()[0]


def test_key_hashes_of_decimals_do_not_depend_on_the_batchs_scale() -> None:
    def hashed(values: list[str], kind: pa.DataType) -> list[complex]:
        data = pa.RecordBatch.from_arrays([pa.array([Decimal(v) for v in values], kind)], names=["d"])
        return list(key_hashes(data, ["d"]).tolist())

    narrow = hashed(["2.25", "100.00", "0.00", "10.50"], pa.decimal128(5, 2))
    wide = hashed(["2.250", "100.000", "-0.000", "105.000"], pa.decimal128(8, 3))
    whole = hashed(["100"], pa.decimal128(3, 0))
    assert narrow[:3] == wide[:3] and narrow[1] == whole[0]
    assert narrow[3] != wide[3]  # 10.5 is not 105


def test_columns_with_row_transforms_adds_new_columns_once_with_their_types() -> None:
    transforms = [
        RowTransform("concat", {"columns": ["first", "last"], "into": "name"}),
        RowTransform("date_part", {"column": "born", "part": "year", "into": "born_year", "type": "BIGINT"}),
        RowTransform("split", {"column": "name", "separator": " ", "index": 0, "into": "name"}),
        RowTransform("conditional", {"when": "id > 1", "then": 1, "else": 2, "into": "flag"}),
        RowTransform(
            "conditional", {"when": "id > 1", "then": {"column": "born"}, "else": None, "into": "d"}
        ),
        RowTransform("filter", {"expression": "id > 0"}),
    ]
    added = columns_with_row_transforms(COLUMNS, transforms)[len(COLUMNS) :]
    assert [(c.target, c.type, c.source) for c in added] == [
        ("name", T.TEXT, None),
        ("born_year", T.BIGINT, None),
        ("flag", T.INTEGER, None),
        ("d", T.DATE, None),
    ]


@pytest.mark.parametrize(
    ("transform", "error"),
    [
        (RowTransform("filter", {"expression": "nope > 1"}), "unknown column 'nope'"),
        (RowTransform("filter", {"expression": "amount +"}), "syntax error"),
        (RowTransform("filter", {"expression": "amount + 1"}), "must be true or false, not NUMERIC"),
        (RowTransform("dedupe", {"keys": []}), "'keys' must list at least one column"),
        (RowTransform("dedupe", {"keys": ["id"], "keep": "middle"}), "'keep' must be 'first' or 'last'"),
        (RowTransform("concat", {"columns": ["first", "ghost"], "into": "x"}), "unknown column 'ghost'"),
        (RowTransform("concat", {"columns": ["first"], "into": "id"}), "cannot be INTEGER"),
        (RowTransform("split", {"column": "first", "separator": "", "into": "x"}), "non-empty text"),
        (
            RowTransform("split", {"column": "first", "separator": "-", "index": "1", "into": "x"}),
            "whole number",
        ),
        (
            RowTransform("date_part", {"column": "born", "part": "century", "into": "x"}),
            "unknown part 'century'",
        ),
        (RowTransform("date_part", {"column": "born", "part": "hour", "into": "x"}), "has no hour"),
        (RowTransform("date_part", {"column": "first", "part": "year", "into": "x"}), "not a date"),
        (
            RowTransform("date_part", {"column": "born", "part": "year", "into": "x", "type": "DATE"}),
            "is a number",
        ),
        (
            RowTransform(
                "date_part", {"column": "seen_at", "part": "day", "into": "x", "timezone": "Mars/Base"}
            ),
            "Mars/Base",
        ),
        (RowTransform("conditional", {"when": "id > 1", "then": "x", "into": "y"}), "'else' is missing"),
        (
            RowTransform("conditional", {"when": "id > 1", "then": "x", "else": 1, "into": "id"}),
            "'then' 'x' is not a valid INTEGER",
        ),
        (
            RowTransform("conditional", {"when": "id", "then": 1, "else": 2, "into": "y"}),
            "must be true or false, not INTEGER",
        ),
        (
            RowTransform("conditional", {"when": "id > 1", "then": 1, "else": 2, "into": ""}),
            "'into' must name",
        ),
        # A saved job is JSON: a type the engine does not know can still arrive.
        (RowTransform("pivot", {}), "unknown row transform"),  # type: ignore[arg-type]
    ],
)
def test_check_row_transforms_names_the_transform_and_the_problem(
    transform: RowTransform, error: str
) -> None:
    (message,) = check_row_transforms([RowTransform("filter", {"expression": "id > 0"}), transform], COLUMNS)
    assert message.startswith(f"row transform 2 ({transform.type}): ")
    assert error in message
    with pytest.raises(InvalidJobSpec, match="row transform 2"):
        RowTransformer([RowTransform("filter", {"expression": "id > 0"}), transform], COLUMNS)


def test_later_transforms_may_use_the_columns_earlier_ones_add() -> None:
    transforms = [
        RowTransform("date_part", {"column": "born", "part": "year", "into": "born_year"}),
        RowTransform("filter", {"expression": "born_year < 2000"}),
        RowTransform("dedupe", {"keys": ["born_year"]}),
    ]
    assert check_row_transforms(transforms, COLUMNS) == []
    rows, transformer, _ = run(transforms)
    assert column(rows, "id") == [1]
    assert transformer.filtered == 2
