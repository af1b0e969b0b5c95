"""/api/v1/sources/csv."""

from fastapi import APIRouter

router = APIRouter(prefix="/sources/csv", tags=["uploads"])
