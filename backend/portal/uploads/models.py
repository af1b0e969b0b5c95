from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, String
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
    # list of etl_engine.SourceColumn as dicts: {name, sql_name, type, precision, scale}
    columns: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
