"""The migrations build exactly the schema the models describe, on PostgreSQL and on SQLite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from databases import alembic_config, recreate_database
from sqlalchemy import create_engine, inspect

import portal.db.models  # noqa: F401  (registers every table)
from portal.db.base import Base

MIGRATIONS_DATABASE = "etl_test_api_migrations"


@pytest.fixture(params=["postgresql", "sqlite"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """(async URL for Alembic, sync URL for inspection) of an empty database."""
    if request.param == "postgresql":
        recreate_database(MIGRATIONS_DATABASE)
        base = f"postgres@127.0.0.1:5432/{MIGRATIONS_DATABASE}"
        return f"postgresql+asyncpg://{base}", f"postgresql+psycopg://{base}"
    path = tmp_path / "portal.db"
    return f"sqlite+aiosqlite:///{path}", f"sqlite:///{path}"


def schema_differences(sync_url: str) -> list[Any]:
    engine = create_engine(sync_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_upgrade_head_creates_every_table_and_autogenerate_finds_no_difference(
    database: tuple[str, str],
) -> None:
    async_url, sync_url = database

    command.upgrade(alembic_config(async_url), "head")

    engine = create_engine(sync_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert schema_differences(sync_url) == []


def test_downgrade_to_base_and_upgrade_again(database: tuple[str, str]) -> None:
    async_url, sync_url = database
    config = alembic_config(async_url)

    command.upgrade(config, "head")
    command.downgrade(config, "base")
    engine = create_engine(sync_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    command.upgrade(config, "head")

    assert schema_differences(sync_url) == []
