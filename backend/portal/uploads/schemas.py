"""Uploaded CSV bodies: metadata, option overrides, typed preview."""

from __future__ import annotations

import codecs
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from portal.api.schemas import ReadModel


class SourceColumnRead(BaseModel):
    name: str
    sql_name: str
    type: str
    precision: int | None = None
    scale: int | None = None


class UploadedFileRead(ReadModel):
    id: str
    filename: str
    size_bytes: int
    encoding: str
    delimiter: str
    quotechar: str | None
    has_header: bool
    decimal: str
    compression: str | None
    row_estimate: int
    columns: list[SourceColumnRead]
    created_at: datetime


class CsvOptionsUpdate(BaseModel):
    """Overrides for what detection got wrong; omitted fields are detected again."""

    model_config = ConfigDict(extra="forbid")

    encoding: str | None = Field(default=None, min_length=1, max_length=32)
    delimiter: str | None = Field(default=None, min_length=1, max_length=1)
    quotechar: str | None = Field(default=None, min_length=1, max_length=1)
    has_header: bool | None = None
    decimal: Literal[".", ","] | None = None

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                codecs.lookup(value)
            except LookupError as exc:
                raise ValueError(f"unknown encoding {value!r}") from exc
        return value

    def overrides(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class PreviewColumn(BaseModel):
    name: str
    sql_name: str
    type: str
    null_count: int
    min: Any = None
    max: Any = None
    samples: list[str]


class InvalidCell(BaseModel):
    row: int  # 0-based index into this page's rows
    column: str  # the column's sql_name
    value: str
    reason: str


class PreviewRead(BaseModel):
    columns: list[PreviewColumn]
    rows: list[list[Any]]
    offset: int
    limit: int
    total_rows: int
    total_rows_exact: bool  # else estimated from the part of a large file that was scanned
    invalid_cells: list[InvalidCell]
