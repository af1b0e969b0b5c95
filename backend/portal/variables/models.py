"""A global variable: a static value, or one value read by a SELECT when a run starts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db.base import Base, str_enum, utcnow


class VariableKind(StrEnum):
    STATIC = "static"  # `value`, as stored (text, number or JSON)
    DB_QUERY = "db_query"  # `query` read from `credential_id` when a run starts: one row, one column


class Variable(Base):
    """Context variables (run date, job name...) are not stored: the runner computes them per run
    (portal/variables/resolve.py), and a stored variable may not take one of their names."""

    __tablename__ = "variables"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[VariableKind] = mapped_column(str_enum(VariableKind, 16))
    description: Mapped[str | None] = mapped_column(String(500))
    value: Mapped[Any] = mapped_column(JSON, nullable=True)  # static only
    # db_query only. SET NULL: deleting the connection leaves the variable failing by its name
    # at the next run rather than blocking the deletion.
    credential_id: Mapped[int | None] = mapped_column(
        ForeignKey("credentials.id", ondelete="SET NULL"), index=True
    )
    query: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
