"""Shapes shared by every resource."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, ConfigDict


class ReadModel(BaseModel):
    """Base of response models built from ORM objects."""

    model_config = ConfigDict(from_attributes=True)


Offset = Annotated[int, Query(ge=0, description="rows to skip")]
Limit = Annotated[int, Query(ge=1, le=1000, description="rows to return")]
