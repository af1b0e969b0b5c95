"""Uploaded CSV bodies: metadata, option overrides, typed preview."""

from __future__ import annotations

import codecs
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from portal.api.schemas import ReadModel


class SourceColumnRead(BaseModel):
    name: str
    sql_name: str
    type: str
    precision: int | None = None
    scale: int | None = None
    # DATE/TIMESTAMP(TZ) written other than ISO 8601, as strftime directives ("%d.%m.%Y"); None: ISO.
    format: str | None = None
    timezone: str | None = None  # TIMESTAMPTZ: the zone of naive values; None = the file's
    null_markers: list[str] = Field(default_factory=list)  # texts met in this column and read as NULL


NullMarker = Annotated[str, Field(max_length=32)]
DateFormat = Annotated[str, Field(min_length=2, max_length=64)]


class CsvOptionsUpdate(BaseModel):
    """Overrides for what detection got wrong; omitted fields are detected again."""

    model_config = ConfigDict(extra="forbid")

    encoding: str | None = Field(default=None, min_length=1, max_length=32)
    delimiter: str | None = Field(default=None, min_length=1, max_length=1)
    quotechar: str | None = Field(default=None, min_length=1, max_length=1)
    has_header: bool | None = None
    decimal: Literal[".", ","] | None = None
    # The texts read as NULL in every column (the empty cell always is); [] = only the empty cell.
    null_markers: list[NullMarker] | None = Field(default=None, max_length=50)
    timezone: str | None = Field(default=None, min_length=1, max_length=64)  # IANA, for naive TIMESTAMPTZ
    # A date/timestamp format per column (sql_name -> strftime directives %d %m %Y %H %I %M %S %p),
    # for a column detection left as text or read the wrong way round; the column becomes DATE, or
    # TIMESTAMP when the format has a time.
    column_formats: dict[str, DateFormat] | None = Field(default=None, max_length=5000)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"unknown time zone {value!r} (use an IANA name like Europe/Paris)") from exc
        return value

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
        """What the engine's profile_csv takes (column formats are applied after it)."""
        return self.model_dump(exclude_none=True, exclude={"column_formats"})


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
    # 1.0 when the bytes decide (BOM, valid UTF-8); below 0.8 the encoding is a guess, low_confidence
    # says so and alternatives (most plausible first) read the file as different text.
    encoding_confidence: float
    encoding_alternatives: list[str]
    encoding_low_confidence: bool
    excel_separator_line: bool  # the file starts with Excel's `sep=;` line, skipped when reading
    # None: the common markers (NA, N/A, NULL, \N, #N/A...) are NULL in typed columns, text keeps
    # them; a list (the user's): exactly these texts and the empty cell are NULL in every column.
    null_markers: list[str] | None
    timezone: str  # the zone naive values of TIMESTAMPTZ columns are read in
    overrides: CsvOptionsUpdate  # what the user set (PUT /options), to change one and resend the rest
    columns: list[SourceColumnRead]
    created_at: datetime


class PreviewColumn(BaseModel):
    name: str
    sql_name: str
    type: str
    null_count: int
    min: Any = None
    max: Any = None
    samples: list[str]
    format: str | None = None  # how the dates are written when not ISO 8601 ("%d.%m.%Y")
    timezone: str | None = None  # TIMESTAMPTZ: the zone values without an offset are read in
    null_markers: list[str] = Field(default_factory=list)  # texts read as NULL in this column


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
