"""Dependencies as `Annotated` aliases so route signatures stay one line."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clients.airflow import AirflowClient
from portal.core.config import Settings
from portal.core.crypto import CredentialCipher


def get_app_settings(request: Request) -> Settings:
    """The settings the app was built with (tests build apps with their own)."""
    settings: Settings = request.app.state.settings
    return settings


def get_airflow(request: Request) -> AirflowClient:
    """The app's Airflow client (built from the app's settings, closed with the app)."""
    client: AirflowClient = request.app.state.airflow
    return client


def get_cipher(request: Request) -> CredentialCipher:
    cipher: CredentialCipher = request.app.state.cipher
    return cipher


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.session_factory() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
AirflowDep = Annotated[AirflowClient, Depends(get_airflow)]
CipherDep = Annotated[CredentialCipher, Depends(get_cipher)]
