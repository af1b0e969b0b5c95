"""/api/v1/dashboard."""

from __future__ import annotations

from fastapi import APIRouter

from portal.api.deps import SessionDep
from portal.dashboard.schemas import Dashboard
from portal.dashboard.service import build_dashboard

router = APIRouter(prefix="/dashboard", tags=["dashboard"])


@router.get("")
async def read_dashboard(session: SessionDep) -> Dashboard:
    return await build_dashboard(session)
