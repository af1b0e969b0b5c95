"""/api/v1/schedules (owned by BACKEND-RUNS)."""

from fastapi import APIRouter

router = APIRouter(prefix="/schedules", tags=["schedules"])
