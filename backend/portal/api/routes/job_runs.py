"""/api/v1/job-runs (owned by BACKEND-RUNS)."""

from fastapi import APIRouter

router = APIRouter(prefix="/job-runs", tags=["job-runs"])
