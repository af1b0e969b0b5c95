"""/api/v1/config: what the SPA needs to know about this deployment."""

from __future__ import annotations

from importlib.metadata import version

from fastapi import APIRouter
from pydantic import BaseModel

from portal.api.deps import SettingsDep

router = APIRouter(tags=["config"])


class PortalConfig(BaseModel):
    airflow_ui_url: str
    max_upload_bytes: int
    version: str


@router.get("/config")
async def read_config(settings: SettingsDep) -> PortalConfig:
    return PortalConfig(
        airflow_ui_url=settings.airflow_ui_url,
        max_upload_bytes=settings.max_upload_bytes,
        version=version("etl-portal"),
    )
