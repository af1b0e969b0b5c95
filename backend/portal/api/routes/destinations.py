"""/api/v1/destinations."""

from fastapi import APIRouter

router = APIRouter(prefix="/destinations", tags=["destinations"])
