"""`make run` uses SQLite for the app database: the same API must work on it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from alembic import command
from databases import alembic_config

from portal.core.config import Settings


async def test_the_api_works_on_a_migrated_sqlite_database(
    make_client: Callable[[Settings], Any], make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'portal.db'}"
    command.upgrade(alembic_config(url), "head")  # from async code, as an app start-up would
    settings = make_settings(database_url=url)

    async with make_client(settings) as http:
        health = (await http.get("/health")).json()
        created = await http.post(
            "/api/v1/credentials",
            json={
                "name": "pg",
                "kind": "postgres",
                "host": "h",
                "database": "d",
                "username": "u",
                "password": "p",
            },
        )
        uploaded = await http.post("/api/v1/sources/csv/upload", files={"file": ("a.csv", b"x,y\n1,2\n")})
        credentials = (await http.get("/api/v1/credentials")).json()

    assert health["database"]["ok"] is True
    assert created.status_code == 201 and uploaded.status_code == 201
    assert credentials["total"] == 2  # with the built-in warehouse
    assert datetime.fromisoformat(created.json()["created_at"]).utcoffset() is not None
    assert uploaded.json()["columns"][0]["type"] == "INTEGER"
