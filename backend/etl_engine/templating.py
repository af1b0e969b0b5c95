"""`{{variables}}` in queries, table names and file paths, rendered in jinja2's sandbox.

A value never becomes SQL text: in a query each `{{ name }}` is a bound parameter, and a name
that must be an identifier says so with `{{ name | ident }}` (validated, then quoted by the
source's dialect). In a file path each value must be one plain path segment, so a variable can
never climb out of the drop directory. Undefined names fail with the name, before any query runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Any

from jinja2 import StrictUndefined, TemplateError, Undefined, meta
from jinja2.sandbox import SandboxedEnvironment

from .errors import InvalidJobSpec
from .identifiers import MAX_IDENTIFIER_BYTES, quote_identifier

# Marks a bound value inside the rendered text until placeholders replace it; NUL never occurs in a
# template (refused), so a marker cannot be forged by the template's own text.
_MARK = "\x00{}\x00"
_MARKS = re.compile("\x00(\\d+)\x00")
_QUOTED_MARK = re.compile("['\"]\x00\\d+\x00['\"]")
_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.=+-]*")


class ParamStyle(StrEnum):
    """How the driver spells a bound parameter (DB-API `paramstyle`)."""

    PYFORMAT = "pyformat"  # psycopg, pymysql, pymssql: %(name)s, with a literal % written %%
    NAMED = "named"  # python-oracledb: :name


@dataclass(frozen=True)
class RenderedQuery:
    """Run as `cursor.execute(sql, params)`, passing `params` even when empty: a PYFORMAT query
    writes a literal % as %%, which the driver reads back only when parameters are passed."""

    sql: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Identifier:
    """What `| ident` returns: rendered as a quoted identifier, never as a parameter."""

    name: str


def template_names(template: str) -> set[str]:
    """The variable names a template uses (to evaluate only the db_query variables it needs)."""
    environment = SandboxedEnvironment()
    environment.filters["ident"] = _ident
    try:
        return set(meta.find_undeclared_variables(environment.parse(template)))
    except TemplateError as exc:
        raise _invalid(template, exc) from exc


def render_query(
    template: str,
    variables: Mapping[str, Any],
    *,
    paramstyle: ParamStyle = ParamStyle.PYFORMAT,
    quote: Callable[[str], str] = quote_identifier,
) -> RenderedQuery:
    """SQL with each `{{ value }}` bound as a parameter and each `{{ name | ident }}` quoted."""
    values: list[Any] = []

    def finalize(value: Any) -> str:
        if isinstance(value, _Identifier):
            return quote(value.name)
        values.append(value)
        return _MARK.format(len(values) - 1)

    text = _render(template, variables, finalize, filters={"ident": _ident})
    if _QUOTED_MARK.search(text):
        raise InvalidJobSpec(
            "a {{variable}} is inside quotes in the query: values are bound parameters, remove the quotes"
        )
    if paramstyle is ParamStyle.PYFORMAT:
        # The driver reads % as the start of a placeholder once parameters are passed.
        text = text.replace("%", "%%")
        sql = _MARKS.sub(lambda found: f"%(p{found.group(1)})s", text)
    else:
        sql = _MARKS.sub(lambda found: f":p{found.group(1)}", text)
    return RenderedQuery(sql=sql, params={f"p{i}": value for i, value in enumerate(values)})


def render_name(template: str, variables: Mapping[str, Any]) -> str:
    """A table (or schema) name such as `sales_{{ ds_nodash }}`: the result must be a plain name."""
    name = _render(template, variables, _plain_text)
    if not name or len(name.encode()) > MAX_IDENTIFIER_BYTES or not re.fullmatch(r"[A-Za-z_][\w$]*", name):
        raise InvalidJobSpec(f"the name {template!r} renders to {name!r}, which is not a plain table name")
    return name


def render_path(template: str, variables: Mapping[str, Any]) -> str:
    """A relative file path or glob under the drop directory, such as `exports/sales_{{ ds }}.csv`."""

    def segment(value: Any) -> str:
        text = _plain_text(value)
        if not _SEGMENT.fullmatch(text) or ".." in text:
            raise InvalidJobSpec(f"the value {text!r} cannot be part of a file path (one plain name only)")
        return text

    path = _render(template, variables, segment)
    parts = PurePosixPath(path).parts
    if not path or path.startswith("/") or "\\" in path or ".." in parts:
        raise InvalidJobSpec(f"the path {template!r} must stay inside the drop directory (got {path!r})")
    return path


def run_context(
    *,
    run_date: datetime,
    job_id: int,
    job_name: str,
    run_id: str,
    last_cursor_value: Any = None,
) -> dict[str, Any]:
    """The context variables every template may use (static and db_query ones are added by name)."""
    return {
        "ds": run_date.strftime("%Y-%m-%d"),
        "ds_nodash": run_date.strftime("%Y%m%d"),
        "run_date": run_date.date(),
        "run_ts": run_date,
        "job_id": job_id,
        "job_name": job_name,
        "run_id": run_id,
        "last_cursor_value": last_cursor_value,
    }


def _ident(value: Any) -> _Identifier:
    name = _plain_text(value)
    if not name or "\x00" in name or len(name.encode()) > MAX_IDENTIFIER_BYTES:
        raise InvalidJobSpec(f"{name!r} is not a usable identifier (1 to {MAX_IDENTIFIER_BYTES} bytes)")
    return _Identifier(name)


def _plain_text(value: Any) -> str:
    if isinstance(value, _Identifier):
        return value.name
    if value is None:
        raise InvalidJobSpec("a variable used in a name or path has no value")
    return str(value)


def _render(
    template: str,
    variables: Mapping[str, Any],
    finalize: Callable[[Any], str],
    filters: Mapping[str, Callable[..., Any]] | None = None,
) -> str:
    if "\x00" in template:
        raise InvalidJobSpec("the template contains a NUL character")

    def checked(value: Any) -> str:
        if isinstance(value, Undefined):
            str(value)  # StrictUndefined raises, naming the variable (finalize sees it unrendered)
        return finalize(value)

    environment = SandboxedEnvironment(undefined=StrictUndefined, finalize=checked, autoescape=False)
    environment.filters.update(filters or {})
    try:
        return environment.from_string(template).render(dict(variables))
    except InvalidJobSpec:
        raise
    except TemplateError as exc:
        raise _invalid(template, exc) from exc


def _invalid(template: str, exc: TemplateError) -> InvalidJobSpec:
    # StrictUndefined says "'name' is undefined"; the sandbox says which attribute it refused.
    return InvalidJobSpec(f"cannot render {template!r}: {exc.message or exc}")
