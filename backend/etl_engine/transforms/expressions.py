"""Calculated columns: safe expressions (simpleeval) evaluated over whole Arrow arrays at once.

Column names are bound to arrays and every operator and function is a pyarrow.compute kernel, so
`price * qty` multiplies two columns in one call instead of looping over rows in Python.
Functions: upper lower trim length concat round abs coalesce iif year month day.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from simpleeval import InvalidExpression, SimpleEval

from ..conversion import FIXED_ARROW_TYPES
from ..errors import InvalidJobSpec
from ..spec import ColumnType, SourceColumn

Vector = Any  # a pyarrow Array, a pyarrow Scalar or a Python literal


def _text(value: Vector) -> Vector:
    if isinstance(value, str):
        return pa.scalar(value)
    if isinstance(value, (pa.Array, pa.ChunkedArray, pa.Scalar)) and not pa.types.is_string(value.type):
        return pc.cast(value, pa.string())
    if not isinstance(value, (pa.Array, pa.ChunkedArray, pa.Scalar)):
        return pa.scalar(str(value))
    return value


def _is_text(value: Vector) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, (pa.Array, pa.Scalar)) and pa.types.is_string(value.type)


def _numeric(kernel: Callable[[Vector, Vector], Vector]) -> Callable[[Vector, Vector], Vector]:
    """Exact decimal arithmetic when it fits in 76 digits, float otherwise."""

    def apply(left: Vector, right: Vector) -> Vector:
        try:
            return kernel(left, right)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        if _is_decimal(left) or _is_decimal(right):
            try:
                return kernel(_wide(left), _wide(right))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass
        return kernel(_float(left), _float(right))

    return apply


def _is_decimal(value: Vector) -> bool:
    return isinstance(value, (pa.Array, pa.Scalar)) and pa.types.is_decimal(value.type)


def _wide(value: Vector) -> Vector:
    """decimal256 (or an integer as a decimal256) for products and sums past 38 digits."""
    if isinstance(value, (pa.Array, pa.Scalar)):
        if pa.types.is_decimal(value.type):
            return pc.cast(value, pa.decimal256(76, value.type.scale))
        if pa.types.is_integer(value.type):
            return pc.cast(value, pa.decimal256(40, 0))
    return value


def _float(value: Vector) -> Vector:
    if isinstance(value, (pa.Array, pa.Scalar)):
        return pc.cast(value, pa.float64())
    return float(value)


def _add(left: Vector, right: Vector) -> Vector:
    if _is_text(left) or _is_text(right):
        return pc.binary_join_element_wise(_text(left), _text(right), "")
    return _numeric(pc.add_checked)(left, right)


def _divide(left: Vector, right: Vector) -> Vector:
    # Always true division: 7 / 2 is 3.5, and x / 0 is infinity, never a failed batch.
    return pc.divide(_float(left), _float(right))


def _concat(*values: Vector) -> Vector:
    texts = [_text(v) for v in values]
    return pc.binary_join_element_wise(*texts, "", null_handling="replace", null_replacement="")


def _round(value: Vector, digits: int = 0) -> Vector:
    return pc.round(value, ndigits=int(digits))


def _coalesce(*values: Vector) -> Vector:
    return pc.coalesce(*values)


def _truth(value: Vector) -> Vector:
    """Python's truthiness, element-wise: NULL, '' and 0 are false."""
    if not isinstance(value, (pa.Array, pa.Scalar)):
        return pa.scalar(bool(value))
    if pa.types.is_boolean(value.type):
        return pc.fill_null(value, False)
    if pa.types.is_string(value.type):
        return pc.fill_null(pc.not_equal(value, ""), False)
    if pa.types.is_integer(value.type) or pa.types.is_floating(value.type) or pa.types.is_decimal(value.type):
        return pc.fill_null(pc.not_equal(value, 0), False)
    return pc.is_valid(value)


def _iif(condition: Vector, when_true: Vector, when_false: Vector) -> Vector:
    return pc.if_else(_truth(condition), when_true, when_false)


OPERATORS: dict[type[ast.AST], Callable[..., Vector]] = {
    ast.Add: _add,
    ast.Sub: _numeric(pc.subtract_checked),
    ast.Mult: _numeric(pc.multiply_checked),
    ast.Div: _divide,
    ast.USub: pc.negate,
    ast.UAdd: operator.pos,
    ast.Not: lambda value: pc.invert(_truth(value)),
    ast.Eq: pc.equal,
    ast.NotEq: pc.not_equal,
    ast.Gt: pc.greater,
    ast.GtE: pc.greater_equal,
    ast.Lt: pc.less,
    ast.LtE: pc.less_equal,
}
FUNCTIONS: dict[str, Callable[..., Vector]] = {
    "upper": lambda v: pc.utf8_upper(_text(v)),
    "lower": lambda v: pc.utf8_lower(_text(v)),
    "trim": lambda v: pc.utf8_trim_whitespace(_text(v)),
    "length": lambda v: pc.utf8_length(_text(v)),
    "concat": _concat,
    "round": _round,
    "abs": pc.abs_checked,
    "coalesce": _coalesce,
    "iif": _iif,
    "year": pc.year,
    "month": pc.month,
    "day": pc.day,
}


class VectorEval(SimpleEval):  # type: ignore[misc]
    """simpleeval with `and`, `or`, `x if c else y` and chained comparisons made element-wise."""

    def __init__(self, names: dict[str, Vector]) -> None:
        super().__init__(operators=OPERATORS, functions=FUNCTIONS, names=names)
        self.nodes[ast.BoolOp] = self._vector_boolop
        self.nodes[ast.IfExp] = self._vector_ifexp
        self.nodes[ast.Compare] = self._vector_compare

    def _vector_boolop(self, node: ast.BoolOp) -> Vector:
        kernel = pc.and_kleene if isinstance(node.op, ast.And) else pc.or_kleene
        result = _truth(self._eval(node.values[0]))
        for value in node.values[1:]:
            result = kernel(result, _truth(self._eval(value)))
        return result

    def _vector_ifexp(self, node: ast.IfExp) -> Vector:
        return _iif(self._eval(node.test), self._eval(node.body), self._eval(node.orelse))

    def _vector_compare(self, node: ast.Compare) -> Vector:
        left = self._eval(node.left)
        result = None
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self._eval(comparator)
            step = self.operators[type(op)](left, right)
            result = step if result is None else pc.and_kleene(result, step)
            left = right
        return result


@dataclass
class ExpressionCheck:
    valid: bool
    error: str | None = None
    position: int | None = None  # 0-based character offset of the problem in the expression
    type: ColumnType | None = None


def referenced_names(expression: str) -> set[str]:
    """Column names an expression reads (call targets are functions, not columns)."""
    tree = _parse(expression)
    functions = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in functions}


def evaluate(
    expression: str, arrays: dict[str, pa.Array], sources: dict[str, SourceColumn], rows: int
) -> tuple[pa.Array, ColumnType]:
    """The expression over a batch: one array of `rows` values and its type."""
    names = {name: arrays[name] for name in referenced_names(expression) if name in arrays}
    try:
        result = _eval(expression, names)
    except (InvalidExpression, pa.ArrowException, TypeError, ValueError, SyntaxError) as error:
        raise InvalidJobSpec(f"expression {expression!r} failed: {error}") from error
    array = _as_array(result, rows)
    return array, column_type_of(array.type)


def validate_expression(expression: str, columns: list[SourceColumn]) -> ExpressionCheck:
    """Check an expression against a file's columns; on error say what and where."""
    try:
        tree = _parse(expression)
    except InvalidJobSpec as error:
        cause = error.__cause__
        offset = cause.offset - 1 if isinstance(cause, SyntaxError) and cause.offset else 0
        return ExpressionCheck(False, str(error), max(offset, 0))
    known = {c.sql_name for c in columns}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
                allowed = ", ".join(sorted(FUNCTIONS))
                return ExpressionCheck(False, f"unknown function {name!r} (use {allowed})", node.col_offset)
        elif isinstance(node, ast.Name) and node.id not in known and node.id not in FUNCTIONS:
            return ExpressionCheck(False, f"unknown column {node.id!r}", node.col_offset)
        elif not isinstance(node, _ALLOWED_NODES):
            return ExpressionCheck(
                False, f"{type(node).__name__} is not allowed here", getattr(node, "col_offset", 0)
            )
    empty = {c.sql_name: pa.array([], _sample_type(c)) for c in columns}
    try:
        array = _as_array(_eval(expression, empty), 0)
    except (InvalidExpression, pa.ArrowException, TypeError, ValueError) as error:
        return ExpressionCheck(False, f"cannot evaluate: {error}", 0)
    return ExpressionCheck(True, None, None, column_type_of(array.type))


_ALLOWED_NODES = (
    ast.Expression,
    ast.Expr,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Call,
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.Compare,
    ast.IfExp,
    ast.operator,
    ast.unaryop,
    ast.boolop,
    ast.cmpop,
    ast.keyword,
)


def column_type_of(arrow_type: pa.DataType) -> ColumnType:
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type) or pa.types.is_null(arrow_type):
        return ColumnType.TEXT
    if pa.types.is_boolean(arrow_type):
        return ColumnType.BOOLEAN
    if pa.types.is_integer(arrow_type):
        return ColumnType.INTEGER if arrow_type.bit_width <= 32 else ColumnType.BIGINT
    if pa.types.is_decimal(arrow_type):
        return ColumnType.NUMERIC
    if pa.types.is_floating(arrow_type):
        return ColumnType.FLOAT
    if pa.types.is_date(arrow_type):
        return ColumnType.DATE
    if pa.types.is_timestamp(arrow_type):
        return ColumnType.TIMESTAMPTZ if arrow_type.tz else ColumnType.TIMESTAMP
    raise InvalidJobSpec(f"an expression produced values of type {arrow_type}, which cannot be loaded")


def _sample_type(column: SourceColumn) -> pa.DataType:
    if column.type is ColumnType.NUMERIC:
        return pa.decimal128(column.precision or 38, column.scale or 0)
    return FIXED_ARROW_TYPES[column.type]


def _eval(expression: str, names: dict[str, Vector]) -> Vector:
    evaluator = VectorEval(names)
    try:
        return evaluator.eval(expression)
    finally:
        # Its node table points back at it: without this the cycle keeps a whole batch's arrays
        # alive until the garbage collector gets round to it (tens of MB per batch).
        evaluator.nodes = None
        evaluator.names = {}


def _parse(expression: str) -> ast.Expression:
    try:
        return ast.parse(expression.strip(), mode="eval")
    except SyntaxError as error:
        raise InvalidJobSpec(f"syntax error: {error.msg}") from error


def _as_array(result: Vector, rows: int) -> pa.Array:
    if isinstance(result, pa.ChunkedArray):
        return result.combine_chunks()
    if isinstance(result, pa.Array):
        return result
    scalar = result if isinstance(result, pa.Scalar) else pa.scalar(result)
    return pa.array([scalar.as_py()] * rows, scalar.type)
