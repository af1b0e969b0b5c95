"""/api/v1/jobs (owned by BACKEND-RUNS)."""

from fastapi import APIRouter

router = APIRouter(prefix="/jobs", tags=["jobs"])
