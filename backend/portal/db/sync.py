"""Synchronous engine for the runner (inside Airflow tasks), on `settings.sync_database_url`."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from portal.core.config import Settings
from portal.db.pragmas import apply_sqlite_pragmas
from portal.db.session import ensure_sqlite_directory


def create_sync_engine(settings: Settings) -> Engine:
    url = settings.sync_database_url
    ensure_sqlite_directory(url)
    engine = create_engine(url, pool_pre_ping=not settings.is_sqlite)
    apply_sqlite_pragmas(engine)
    return engine


def create_sync_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
