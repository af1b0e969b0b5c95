"""PostgreSQL and Alembic helpers for every suite (a module, not conftest, so any test may import it)."""

from __future__ import annotations

import os

import psycopg
from alembic.config import Config
from psycopg import sql

from portal.core.config import REPO_ROOT

ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
# The app test database. Overridable so two people (or helpers) on one machine can run the suite at once.
TEST_DATABASE = os.environ.get("PORTAL_TEST_DATABASE", "etl_test_api")


def recreate_database(name: str) -> None:
    """Drop (disconnecting its clients) and create an empty database."""
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def alembic_config(database_url: str) -> Config:
    """The project's Alembic config, pointed at one database, without touching logging."""
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logger"] = False
    return config
