"""What the destination browser returns."""

from __future__ import annotations

from pydantic import BaseModel, Field

# `schema` would shadow a BaseModel attribute; the JSON name stays `schema` through the alias.


class TableRef(BaseModel):
    schema_: str = Field(alias="schema")
    name: str


class TableColumn(BaseModel):
    name: str
    type: str
    nullable: bool


class TableSchema(BaseModel):
    schema_: str = Field(alias="schema")
    table: str
    columns: list[TableColumn]
