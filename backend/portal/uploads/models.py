from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db.base import Base, utcnow


class UploadedFile(Base):
    """A CSV stored under UPLOAD_DIR with the dialect and columns the engine profiled."""

    __tablename__ = "uploaded_files"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4 hex, server-generated
    filename: Mapped[str] = mapped_column(String(255))  # as the user named it; display only
    stored_path: Mapped[str] = mapped_column(String(1024))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    encoding: Mapped[str] = mapped_column(String(32))
    delimiter: Mapped[str] = mapped_column(String(4))
    quotechar: Mapped[str | None] = mapped_column(String(4))
    has_header: Mapped[bool]
    decimal: Mapped[str] = mapped_column(String(1), default=".")
    compression: Mapped[str | None] = mapped_column(String(16))
    row_estimate: Mapped[int] = mapped_column(BigInteger, default=0)
    # None: the engine's common markers (NA, N/A, NULL, \N...) are NULL in typed columns; a list:
    # exactly these (the user's choice) in every column.
    null_markers: Mapped[list[str] | None] = mapped_column(JSON)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")  # of naive TIMESTAMPTZ values
    # How sure encoding detection was (1.0: the bytes decide) and the other plausible encodings.
    encoding_confidence: Mapped[float] = mapped_column(Float, default=1.0)
    encoding_alternatives: Mapped[list[str]] = mapped_column(JSON, default=list)
    encoding_low_confidence: Mapped[bool] = mapped_column(default=False)
    excel_separator_line: Mapped[bool] = mapped_column(default=False)  # a `sep=` first line, skipped
    # What the user set through PUT /options (the last body), so the UI can change one and keep the rest.
    overrides: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # list of etl_engine.SourceColumn as dicts: {name, sql_name, type, precision, scale, format,
    # timezone, null_markers}
    columns: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
