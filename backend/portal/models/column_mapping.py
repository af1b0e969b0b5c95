from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db.base import Base

if TYPE_CHECKING:
    from portal.models.job import Job


class ColumnMapping(Base):
    """One destination column of a job: from a source column (by sql_name) or an expression."""

    __tablename__ = "column_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    source_column: Mapped[str | None] = mapped_column(String(255))  # null for a calculated column
    target_column: Mapped[str] = mapped_column(String(255))
    target_type: Mapped[str] = mapped_column(String(32))
    include: Mapped[bool] = mapped_column(default=True)
    # [{"type": "upper"}, {"type": "replace", "old": ..., "new": ...}, ...]
    transforms: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    expression: Mapped[str | None] = mapped_column(Text)

    job: Mapped[Job] = relationship(back_populates="mappings")
