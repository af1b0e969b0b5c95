"""The stack launcher: its wiring without starting anything, then a real stack as `make run` starts
it (embedded PostgreSQL, SQLite app database) that must survive its components being killed, stop
without leaving a process behind and start again on its kept data."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from portal.core.config import REPO_ROOT, Settings
from portal.devstack import (
    AIRFLOW_DB_SERVICE,
    Stack,
    StackConfig,
    StackError,
    free_port,
    portal_env,
    shared_airflow_env,
)


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
    # Airflow's metadata in the embedded PostgreSQL, on a Unix socket in its data folder.
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == (
        f"postgresql+psycopg2://postgres@/airflow?host={tmp_path / 'airflow-db'}"
    )
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


def test_the_airflow_settings_shared_with_compose_reach_every_component(tmp_path: Path) -> None:
    env = Stack(config(tmp_path))._airflow_env()

    shared = shared_airflow_env()
    assert shared["AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT"] == "60"
    assert shared.items() <= env.items()
    overridden = Stack(
        config(tmp_path, extra_airflow_env={"AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "5"})
    )._airflow_env()
    assert overridden["AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT"] == "5"


def test_a_data_folder_too_deep_for_a_unix_socket_gets_a_short_socket_folder(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 120) / "airflow-db"
    stack = Stack(config(deep.parent))

    assert stack.embedded_db is not None
    socket_dir = stack.embedded_db.socket_dir
    assert socket_dir != stack.embedded_db.data_dir
    assert len(str(socket_dir / ".s.PGSQL.5432")) < 108
    assert socket_dir == Stack(config(deep.parent)).embedded_db.socket_dir  # type: ignore[union-attr]
    assert f"host={socket_dir}" in stack._airflow_env()["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]


def test_celery_mode_has_no_embedded_database(tmp_path: Path) -> None:
    stack = Stack(config(tmp_path, airflow_database_url="postgresql+psycopg2://postgres@127.0.0.1/x"))

    assert stack.embedded_db is None
    assert stack._airflow_env()["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].endswith("127.0.0.1/x")


def test_each_stack_logs_its_restarts_to_its_own_file(tmp_path: Path) -> None:
    first, second = Stack(config(tmp_path / "first")), Stack(config(tmp_path / "second"))
    for stack in (first, second):
        stack.config.log_dir.mkdir(parents=True)
        stack._open_log()
    first.log.warning("scheduler exited (code 1)")
    for stack in (first, second):
        stack._close_log()

    assert "scheduler exited" in (first.config.log_dir / "devstack.log").read_text()
    assert (second.config.log_dir / "devstack.log").read_text() == ""


def test_a_second_launcher_of_the_same_home_is_refused_while_the_first_runs(tmp_path: Path) -> None:
    with subprocess.Popen(["sleep", "300"]) as other_launcher:
        recorded = {"launcher": [other_launcher.pid, psutil.Process(other_launcher.pid).create_time()]}
        (tmp_path / "devstack-groups.json").write_text(json.dumps({**recorded, "groups": {}}))
        try:
            refused = Stack(config(tmp_path))
            with pytest.raises(StackError, match=f"pid {other_launcher.pid}"):
                refused._stop_leftovers()
            refused.stop()  # what main() does next: the running launcher's record stays
            assert (
                json.loads((tmp_path / "devstack-groups.json").read_text())["launcher"][0]
                == other_launcher.pid
            )
        finally:
            other_launcher.kill()
    Stack(config(tmp_path))._stop_leftovers()  # gone now: its record is dropped
    assert not (tmp_path / "devstack-groups.json").exists()


# ---- a real stack, as make run starts it -------------------------------------------------------

BOUND = 180.0  # seconds; a bound for slow machines, not an expectation


def wait_until(condition: Callable[[], bool], what: str, timeout: float = BOUND) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout:.0f}s: {what}"
        time.sleep(0.5)


@pytest.fixture(scope="module")
def make_run_config(tmp_path_factory: pytest.TempPathFactory) -> StackConfig:
    home = tmp_path_factory.mktemp("make_run")
    airflow_port = free_port()
    password = secrets.token_urlsafe(12)
    return StackConfig(
        home=home,
        portal_env={
            "DATABASE_URL": f"sqlite+aiosqlite:///{home / 'portal.db'}",
            "UPLOAD_DIR": str(home / "uploads"),
            "WAREHOUSE_PATH": str(home / "warehouse.duckdb"),
            "FRONTEND_DIST": str(home / "no-frontend"),
            "AIRFLOW_API_URL": f"http://127.0.0.1:{airflow_port}",
            "AIRFLOW_PASSWORD": password,
        },
        backend_port=free_port(),
        airflow_port=airflow_port,
        log_server_port=free_port(),
        admin_password=password,
    )


@pytest.fixture(scope="module")
def running(make_run_config: StackConfig) -> Iterator[Stack]:
    with Stack(make_run_config) as stack:
        yield stack


def process_tree(stack: Stack) -> list[psutil.Process]:
    """Every process of every component, the forked ones included. Processes may end meanwhile (a
    component that lost the restarted database exits and waits for its own restart)."""
    found = []
    for name in stack.service_names():
        pid = stack.service_pid(name)
        with contextlib.suppress(psutil.NoSuchProcess):
            leader = psutil.Process(pid or 0)
            found += [leader, *leader.children(recursive=True)]
    return found


def alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.e2e
def test_a_killed_component_is_restarted_and_the_stack_stays_healthy(running: Stack) -> None:
    before = running.restart_counts()
    os.killpg(running.service_pid("airflow-dag-processor") or 0, signal.SIGKILL)

    wait_until(lambda: running.restart_counts()["airflow-dag-processor"] == 1, "dag-processor restarted")
    running.wait_healthy(BOUND)

    assert {**before, "airflow-dag-processor": 1} == running.restart_counts()
    log = (running.config.log_dir / "devstack.log").read_text()
    assert "airflow-dag-processor exited (code -9)" in log
    assert "airflow-dag-processor restarted" in log
    assert httpx.get(f"{running.backend_url}/health").json()["status"] == "ok"


@pytest.mark.e2e
def test_a_killed_metadata_database_comes_back_with_its_data(running: Stack) -> None:
    os.killpg(running.service_pid(AIRFLOW_DB_SERVICE) or 0, signal.SIGKILL)

    wait_until(lambda: running.restart_counts()[AIRFLOW_DB_SERVICE] == 1, "embedded PostgreSQL restarted")
    # Its clients may die while it recovers (crash recovery of its kept data); they are restarted too.
    running.wait_healthy(BOUND)
    wait_until(lambda: httpx.get(f"{running.backend_url}/health").json()["status"] == "ok", "portal healthy")


@pytest.mark.e2e
def test_stop_leaves_no_process_and_a_restart_keeps_its_data_past_a_stale_lock_file(
    running: Stack, make_run_config: StackConfig
) -> None:
    processes = process_tree(running)
    assert len(processes) > len(running.service_names())
    running.stop()

    assert [p.pid for p in processes if alive(p)] == []
    assert not (make_run_config.home / "devstack-groups.json").exists()
    data_dir = make_run_config.airflow_db_dir
    assert (data_dir / "PG_VERSION").exists() and not (data_dir / "postmaster.pid").exists()

    migrated = (make_run_config.log_dir / "airflow-db-migrate.log").stat().st_mtime_ns

    # A kill -9 leaves postmaster.pid behind, and its process id may belong to another process by the
    # next start: PostgreSQL alone would refuse to start then.
    with subprocess.Popen(["sleep", "300"]) as other:
        (data_dir / "postmaster.pid").write_text(f"{other.pid}\n{data_dir}\n")
        again = Stack(make_run_config)
        try:
            again.start()
            assert httpx.get(f"{again.backend_url}/health").json()["status"] == "ok"
        finally:
            again.stop()
            other.kill()
    assert not (data_dir / "postmaster.pid").exists()
    # The same cluster and Airflow schema: no second initdb, no second migration.
    db_log = (make_run_config.log_dir / f"{AIRFLOW_DB_SERVICE}.log").read_text()
    assert db_log.count("The files belonging to this database system") == 1
    assert (make_run_config.log_dir / "airflow-db-migrate.log").stat().st_mtime_ns == migrated


LAUNCHER = """
import json, sys, time
from pathlib import Path
from portal.devstack import Stack, StackConfig
values = json.loads(sys.argv[1])
Stack(StackConfig(**{**values, "home": Path(values["home"])})).start()
time.sleep(3600)
"""


@pytest.mark.e2e
def test_what_a_killed_launcher_left_running_is_stopped_by_the_next_start(
    running: Stack, make_run_config: StackConfig
) -> None:
    running.stop()
    cfg = make_run_config
    values = {
        "home": str(cfg.home),
        "portal_env": dict(cfg.portal_env),
        "backend_port": cfg.backend_port,
        "airflow_port": cfg.airflow_port,
        "log_server_port": cfg.log_server_port,
        "admin_password": cfg.admin_password,
    }
    launcher = subprocess.Popen([sys.executable, "-c", LAUNCHER, json.dumps(values)])
    groups_file = cfg.home / "devstack-groups.json"

    def all_up() -> bool:
        assert launcher.poll() is None, "the first launcher failed"
        groups = json.loads(groups_file.read_text())["groups"] if groups_file.exists() else {}
        return len(groups) == len(running.service_names()) and _answers(f"{running.backend_url}/health")

    try:
        wait_until(all_up, "the first launcher's stack up")
    finally:
        launcher.kill()  # kill -9: no chance to stop its components
        launcher.wait()
    left = [psutil.Process(pid) for pid, _ in json.loads(groups_file.read_text())["groups"].values()]
    assert all(alive(p) for p in left), "its components outlive the launcher"

    again = Stack(cfg)
    try:
        again.start()
        assert httpx.get(f"{again.backend_url}/health").json()["status"] == "ok"
        assert [p.pid for p in left if alive(p)] == []
        assert "left running by an earlier launcher" in (cfg.log_dir / "devstack.log").read_text()
    finally:
        again.stop()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False
