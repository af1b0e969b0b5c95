"""Variables as the API shows them, and the rendering previews."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, JsonValue

from portal.api.schemas import IdField
from portal.variables.models import VariableKind

Name = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", examples=["region"])
]
Query = Annotated[str, Field(min_length=1, max_length=20_000, examples=["SELECT max(day) FROM loads"])]
Description = Annotated[str | None, Field(max_length=500)]


class VariableCreate(BaseModel):
    """static: `value` (text, number or any JSON); db_query: `credential_id` (a source connection,
    PostgreSQL or MySQL/MariaDB) and `query` (one SELECT returning one row of one column)."""

    name: Name
    kind: VariableKind
    description: Description = None
    value: JsonValue = None
    credential_id: IdField | None = None
    query: Query | None = None


class VariableUpdate(BaseModel):
    """Fields left out keep their value."""

    name: Name | None = None
    kind: VariableKind | None = None
    description: Description = None
    value: JsonValue = None
    credential_id: IdField | None = None
    query: Query | None = None


class VariableRead(BaseModel):
    id: int
    name: str
    kind: VariableKind
    description: str | None
    value: JsonValue  # static only
    credential_id: int | None  # db_query only; null also when its connection was deleted
    connection_name: str | None
    query: str | None
    created_at: datetime
    updated_at: datetime


class ContextVariableRead(BaseModel):
    """A variable every template has without defining it, computed for each run."""

    name: str
    description: str


class ValueRead(BaseModel):
    """A value as bound or shown: JSON-safe (exact decimals and big integers as text), with its type."""

    value: JsonValue
    type: Literal["null", "boolean", "integer", "float", "decimal", "date", "timestamp", "text", "json"]


class EvaluatedVariable(ValueRead):
    name: str


class RenderRequest(BaseModel):
    """`kind` query: SQL with each value a bound parameter (`{{ name | ident }}` for identifiers);
    path: a relative path or glob under the drop directory; name: a table or schema name."""

    template: str = Field(min_length=1, max_length=20_000, examples=["SELECT * FROM t WHERE day = {{ ds }}"])
    kind: Literal["query", "path", "name"] = "query"
    logical_date: datetime | None = Field(
        default=None, description="The run date to render with; now if left out"
    )
    job_id: IdField | None = Field(default=None, description="The job whose name and id the context gives")
    connection_id: IdField | None = Field(
        default=None, description="query: the source connection whose dialect quotes and binds"
    )


class RenderedParam(ValueRead):
    name: str


class RenderedTemplate(BaseModel):
    field: (
        str  # which text of the job (source_query, source_pattern, tables[0].target_table...) or "template"
    )
    kind: Literal["query", "path", "name"]
    template: str
    text: str  # the SQL (with placeholders), the path or the name
    params: list[RenderedParam]  # query only: what the driver binds, in placeholder order


class RenderResult(BaseModel):
    logical_date: datetime
    rendered: list[RenderedTemplate]
    variables: list[EvaluatedVariable]  # the stored and context variables the templates use


class RenderedSource(RenderResult):
    """A run's job's templates rendered with that run's date and context; static values as stored
    now and db_query values read now (a run reads its own when it starts)."""

    job_id: int
    job_run_id: int
