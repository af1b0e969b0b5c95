"""/health: the app database and Airflow, each with a readable message."""

from __future__ import annotations

from typing import Literal

import structlog
from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from portal.api.deps import AirflowDep, SessionDep

router = APIRouter(tags=["health"])
log = structlog.get_logger(__name__)


class ComponentHealth(BaseModel):
    ok: bool
    message: str


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: ComponentHealth
    airflow: ComponentHealth


@router.get("/health")
async def read_health(session: SessionDep, airflow_client: AirflowDep) -> Health:
    try:
        await session.execute(text("SELECT 1"))
        database = ComponentHealth(ok=True, message="reachable")
    except Exception as exc:  # any failure means "not healthy", reported, not raised
        log.warning("health_database_failed", error=str(exc))
        database = ComponentHealth(ok=False, message=f"{type(exc).__name__}: {exc}")
    airflow_ok, airflow_message = await airflow_client.health()
    airflow = ComponentHealth(ok=airflow_ok, message=airflow_message)
    status: Literal["ok", "degraded"] = "ok" if database.ok and airflow.ok else "degraded"
    return Health(status=status, database=database, airflow=airflow)
