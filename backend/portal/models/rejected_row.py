from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db.base import Base


class RejectedRow(Base):
    """A source row the load refused, kept with its line, raw text, column and reason."""

    __tablename__ = "rejected_rows"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    job_run_id: Mapped[int] = mapped_column(ForeignKey("job_runs.id", ondelete="CASCADE"), index=True)
    line_number: Mapped[int] = mapped_column(BigInteger)
    raw: Mapped[str] = mapped_column(Text)
    column: Mapped[str | None] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(Text)
