"""The per-column transforms: upper lower trim replace prefix suffix default cast."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..conversion import Parsed, coerce
from ..errors import InvalidJobSpec
from ..spec import ColumnType, Transform

TEXT_TRANSFORMS = ("upper", "lower", "trim", "replace", "prefix", "suffix")


def apply_transform(values: pa.Array, current: ColumnType, transform: Transform) -> tuple[Parsed, ColumnType]:
    """One transform; returns the new values (with any values it could not convert) and their type."""
    kind, args = transform.type, transform.args
    if kind in TEXT_TRANSFORMS:
        text = values if current is ColumnType.TEXT else coerce(values, ColumnType.TEXT).array
        return _unchanged(_text_transform(text, kind, args)), ColumnType.TEXT
    if kind == "default":
        if "value" not in args:
            raise InvalidJobSpec("the default transform needs a 'value'")
        fill = coerce(pa.array([str(args["value"])], pa.string()), current)
        if fill.invalid_count():
            raise InvalidJobSpec(f"default value {args['value']!r} is not a valid {current.value}")
        return _unchanged(pc.coalesce(values, fill.array.cast(values.type)[0])), current
    if kind == "cast":
        try:
            target = ColumnType(str(args.get("type", "")).upper())
        except ValueError:
            raise InvalidJobSpec(f"cannot cast to {args.get('type')!r}") from None
        return coerce(values, target), target
    raise InvalidJobSpec(f"unknown transform {kind!r}")


def _text_transform(text: pa.Array, kind: str, args: dict[str, object]) -> pa.Array:
    if kind == "upper":
        return pc.utf8_upper(text)
    if kind == "lower":
        return pc.utf8_lower(text)
    if kind == "trim":
        return pc.utf8_trim_whitespace(text)
    if kind == "replace":
        old = str(args.get("old", ""))
        if not old:
            raise InvalidJobSpec("the replace transform needs a non-empty 'old'")
        return pc.replace_substring(text, old, str(args.get("new", "")))
    value = str(args.get("value", ""))
    parts = [value, text] if kind == "prefix" else [text, value]
    return pc.binary_join_element_wise(*parts, "")


def _unchanged(values: pa.Array) -> Parsed:
    return Parsed(values, pa.array(np.zeros(len(values), dtype=bool)), "")
