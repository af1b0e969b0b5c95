from __future__ import annotations

import base64

import pytest

from portal.core.config import DEV_CREDENTIALS_KEY, Settings


def test_settings_refuse_a_key_that_is_not_32_bytes() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        Settings(credentials_key=base64.b64encode(b"short").decode())


def test_production_refuses_the_development_key() -> None:
    with pytest.raises(ValueError, match="CREDENTIALS_KEY"):
        Settings(environment="production", airflow_password="a-real-password")


def test_development_accepts_the_placeholder_of_env_example_and_uses_the_dev_key() -> None:
    settings = Settings(credentials_key="change-me")

    assert settings.credentials_key.get_secret_value() == DEV_CREDENTIALS_KEY


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"credentials_key": "change-me", "airflow_password": "a-real-password"}, "CREDENTIALS_KEY"),
        (
            {"credentials_key": base64.b64encode(b"k" * 32).decode(), "airflow_password": "change-me"},
            "AIRFLOW_PASSWORD",
        ),
        (
            {
                "credentials_key": base64.b64encode(b"k" * 32).decode(),
                "airflow_password": "a-real-password",
                "database_url": "postgresql+asyncpg://portal:change-me@db:5432/portal",
            },
            "DATABASE_URL password",
        ),
    ],
)
def test_production_refuses_placeholders_and_names_them_without_echoing_secrets(
    overrides: dict[str, str], named: str
) -> None:
    with pytest.raises(ValueError, match=named) as refused:
        Settings(environment="production", **overrides)

    assert "a-real-password" not in str(refused.value)


def test_sync_database_url_swaps_async_drivers_for_the_runner() -> None:
    pg = Settings(database_url="postgresql+asyncpg://u:p@h:5432/db")
    lite = Settings(database_url="sqlite+aiosqlite:////tmp/portal.db")

    assert pg.sync_database_url == "postgresql+psycopg://u:p@h:5432/db"
    assert lite.sync_database_url == "sqlite:////tmp/portal.db"


def test_list_settings_are_read_comma_separated_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "http://a.test, http://b.test")

    assert Settings().cors_origins == ["http://a.test", "http://b.test"]
