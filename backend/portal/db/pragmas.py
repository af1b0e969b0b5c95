"""SQLite connection pragmas shared by the async (API) and sync (runner) engines."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event

SQLITE_BUSY_TIMEOUT_MS = 30_000


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The API and the runner write concurrently: WAL lets readers proceed during a write and
    # busy_timeout makes a writer wait for the lock instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def apply_sqlite_pragmas(engine: Engine) -> None:
    """Register the pragmas on every new connection of a SQLite engine (no-op otherwise)."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _set_sqlite_pragmas)
