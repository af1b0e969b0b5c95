"""Shapes shared by every resource, and the bounds of the integers a request may carry."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field


class ReadModel(BaseModel):
    """Base of response models built from ORM objects."""

    model_config = ConfigDict(from_attributes=True)


# What the app database's columns hold: a larger id, offset or count is a 422, never an overflow in
# the driver (a 500).
MAX_INT = 2**31 - 1  # INTEGER: primary keys, foreign keys, counts
MAX_BIGINT = 2**63 - 1  # BIGINT: event ids; also SQL's OFFSET

Offset = Annotated[int, Query(ge=0, le=MAX_BIGINT, description="rows to skip")]
Limit = Annotated[int, Query(ge=1, le=1000, description="rows to return")]
IdPath = Annotated[int, Path(ge=1, le=MAX_INT)]
IdQuery = Annotated[int, Query(ge=1, le=MAX_INT)]
IdField = Annotated[int, Field(ge=1, le=MAX_INT)]
