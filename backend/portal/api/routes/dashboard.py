"""/api/v1/dashboard (owned by BACKEND-RUNS)."""

from fastapi import APIRouter

router = APIRouter(prefix="/dashboard", tags=["dashboard"])
