"""SQLite serves the API and the runner at once: every connection must use WAL and wait on locks."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from portal.core.config import Settings
from portal.db.session import create_engine_from_settings
from portal.db.sync import create_sync_engine


def test_runner_engine_uses_wal_and_a_30s_busy_timeout(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'portal.db'}")
    engine = create_sync_engine(settings)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30000
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


async def test_api_engine_uses_wal_and_a_30s_busy_timeout(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'portal.db'}")
    engine = create_engine_from_settings(settings)
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await connection.execute(text("PRAGMA busy_timeout"))).scalar() == 30000
    finally:
        await engine.dispose()
