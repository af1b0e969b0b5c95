"""The stack launcher's wiring, without starting anything (the e2e tests start it for real)."""

from __future__ import annotations

from pathlib import Path

from portal.core.config import REPO_ROOT, Settings
from portal.devstack import Stack, StackConfig, portal_env


def config(home: Path, **overrides: object) -> StackConfig:
    values: dict[str, object] = {
        "home": home,
        "portal_env": {"DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:5432/app"},
        "backend_port": 18001,
        "airflow_port": 18081,
        "admin_password": "s3cret-admin",
    }
    values.update(overrides)
    return StackConfig(**values)  # type: ignore[arg-type]


def test_airflow_gets_the_portal_settings_and_an_embedded_local_setup(tmp_path: Path) -> None:
    env = Stack(config(tmp_path))._airflow_env()

    assert env["DATABASE_URL"] == "postgresql+asyncpg://postgres@127.0.0.1:5432/app"
    assert env["AIRFLOW_HOME"] == str(tmp_path / "airflow")
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(REPO_ROOT / "airflow" / "dags")
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == f"sqlite:///{tmp_path / 'airflow' / 'airflow.db'}"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__CORE__PARALLELISM"] == "4"
    # Off port 8080, workers must be told where the Execution API is.
    assert env["AIRFLOW__API__BASE_URL"] == "http://127.0.0.1:18081"
    assert env["AIRFLOW__API__HOST"] == "127.0.0.1"
    assert env["PATH"].split(":")[0].endswith("/bin")
    passwords = Path(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
    assert passwords.read_text() == '{"admin": "s3cret-admin"}'


def test_secrets_are_generated_once_and_kept_for_every_later_start(tmp_path: Path) -> None:
    first = Stack(config(tmp_path))._airflow_env()
    second = Stack(config(tmp_path, airflow_port=18082))._airflow_env()

    for key in ("AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY", "AIRFLOW__CORE__FERNET_KEY"):
        assert first[key] == second[key]
    assert len(first["AIRFLOW__API_AUTH__JWT_SECRET"]) >= 64
    assert (
        Stack(config(tmp_path / "other"))._airflow_env()["AIRFLOW__API_AUTH__JWT_SECRET"]
        != (first["AIRFLOW__API_AUTH__JWT_SECRET"])
    )


def test_celery_mode_uses_redis_and_the_postgres_metadata_database_for_results(tmp_path: Path) -> None:
    stack = Stack(
        config(
            tmp_path,
            executor="celery",
            airflow_database_url="postgresql+psycopg2://postgres@127.0.0.1:5432/airflow_meta",
            celery_broker_url="redis://127.0.0.1:6379/3",
            worker_concurrency=3,
        )
    )
    env = stack._airflow_env()

    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://127.0.0.1:6379/3"
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"] == "db+postgresql://postgres@127.0.0.1:5432/airflow_meta"
    worker = next(s for s in stack._define_services(env) if s.name == "airflow-celery-worker")
    assert worker.argv[-3:] == ["worker", "--concurrency", "3"]


def test_portal_settings_travel_as_environment_variables(tmp_path: Path) -> None:
    settings = Settings(
        database_url="sqlite+aiosqlite:///x.db",
        airflow_api_url="http://127.0.0.1:18080",
        warehouse_path=tmp_path / "w.duckdb",
        upload_dir=tmp_path / "uploads",
    )

    env = portal_env(settings)

    assert env["DATABASE_URL"] == "sqlite+aiosqlite:///x.db"
    assert env["AIRFLOW_API_URL"] == "http://127.0.0.1:18080"
    assert env["WAREHOUSE_PATH"] == str(tmp_path / "w.duckdb")
    assert env["UPLOAD_DIR"] == str(tmp_path / "uploads")
    assert env["CREDENTIALS_KEY"] == settings.credentials_key.get_secret_value()
    assert (
        Settings(**{key.lower(): value for key, value in env.items()}).database_url == settings.database_url
    )
