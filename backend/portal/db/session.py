"""Async engine and session factory for the API."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from portal.core.config import Settings
from portal.db.pragmas import apply_sqlite_pragmas


def ensure_sqlite_directory(url: str) -> None:
    """A fresh checkout has no `.local/`; SQLite needs the directory of its file to exist."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def create_engine_from_settings(settings: Settings) -> AsyncEngine:
    ensure_sqlite_directory(settings.database_url)
    engine = create_async_engine(settings.database_url, pool_pre_ping=not settings.is_sqlite)
    apply_sqlite_pragmas(engine.sync_engine)
    return engine


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: routes return objects after commit without lazy reloads.
    return async_sessionmaker(engine, expire_on_commit=False)
