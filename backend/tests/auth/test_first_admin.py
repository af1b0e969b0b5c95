"""The first admin: the documented development login, production's settings, and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import pytest
from accounts import plain_client
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth.principal import Role
from portal.core.config import REPO_ROOT, Settings
from portal.devstack import portal_login
from portal.main import create_app
from portal.users.models import User

PRODUCTION_SECRETS = {
    "credentials_key": "cHJvZHVjdGlvbi1rZXktb2YtdGhpcnR5LXR3by1ieXQ=",
    "airflow_password": "a-real-airflow-password",
}


async def test_development_starts_with_the_documented_admin_login(
    make_settings: Callable[..., Settings], clean_tables: None
) -> None:
    application = create_app(make_settings())
    async with application.router.lifespan_context(application), plain_client(application) as http:
        response = await http.post(
            "/api/v1/auth/login", json={"email": "admin@example.com", "password": "admin"}
        )
        # A second start finds a user and creates nobody.
        async with application.router.lifespan_context(application):
            pass
        async with application.state.session_factory() as db:
            users = (await db.scalars(select(User))).all()

    assert response.status_code == 200, response.text
    assert response.json()["user"]["role"] == "admin"
    assert [(u.email, u.role) for u in users] == [("admin@example.com", Role.ADMIN)]


async def test_production_creates_the_admin_from_settings_only(
    make_settings: Callable[..., Settings], clean_tables: None
) -> None:
    unset = make_settings(environment="production", **PRODUCTION_SECRETS)
    application = create_app(unset)
    async with application.router.lifespan_context(application), application.state.session_factory() as db:
        assert await db.scalar(select(func.count()).select_from(User)) == 0

    chosen = make_settings(
        environment="production",
        admin_email="Root@Example.com",
        admin_password="a-long-real-password",
        **PRODUCTION_SECRETS,
    )
    application = create_app(chosen)
    async with application.router.lifespan_context(application), plain_client(application) as http:
        response = await http.post(
            "/api/v1/auth/login", json={"email": "root@example.com", "password": "a-long-real-password"}
        )
    assert response.status_code == 200


@pytest.mark.parametrize("password", ["admin", "change-me", "changeme", "password"])
def test_production_refuses_a_placeholder_admin_password(
    make_settings: Callable[..., Settings], password: str
) -> None:
    with pytest.raises(ValidationError, match="ADMIN_PASSWORD"):
        make_settings(environment="production", admin_password=password, **PRODUCTION_SECRETS)


def _cli(database_url: str, *args: str, password: str | None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": database_url, "HOME": os.environ.get("HOME", "/tmp")}
    if password is not None:
        env["ADMIN_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-m", "portal.users", "create-admin", *args],
        env=env,
        cwd=REPO_ROOT / "backend",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )


async def test_the_cli_creates_an_admin_and_refuses_weak_passwords_and_duplicates(
    database_url: str, session: AsyncSession
) -> None:
    created = _cli(database_url, "--email", "Ops@Example.com", "--name", "Ops", password="s3cure-enough")
    assert created.returncode == 0, created.stderr
    assert "ops@example.com" in created.stdout and "s3cure-enough" not in created.stdout + created.stderr

    duplicate = _cli(database_url, "--email", "ops@example.com", password="s3cure-enough")
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    weak = _cli(database_url, "--email", "weak@example.com", password="short")
    assert weak.returncode != 0 and "at least 8" in weak.stderr
    placeholder = _cli(database_url, "--email", "p@example.com", password="change-me")
    assert placeholder.returncode != 0 and "placeholder" in placeholder.stderr
    no_password = _cli(database_url, "--email", "p@example.com", password=None)
    assert no_password.returncode != 0 and "ADMIN_PASSWORD" in no_password.stderr

    user = await session.scalar(select(User).where(User.email == "ops@example.com"))
    assert user is not None and user.role == Role.ADMIN and user.name == "Ops" and user.active
    assert (
        await session.scalar(select(func.count()).select_from(User).where(User.email != "admin@example.com"))
        == 1
    )


def test_make_run_prints_the_development_login_but_never_a_chosen_password(
    make_settings: Callable[..., Settings],
) -> None:
    assert portal_login(make_settings()) == "admin@example.com / admin"
    chosen = portal_login(make_settings(admin_email="me@example.com", admin_password="my-own-secret"))
    assert "me@example.com" in chosen and "my-own-secret" not in chosen
