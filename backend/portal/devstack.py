"""The local stack: embedded Airflow (api-server, scheduler, dag-processor) and the portal backend.

Usage::

    python -m portal.devstack                     # make run: SQLite, LocalExecutor
    python -m portal.devstack --executor celery   # make run-celery: PostgreSQL metadata, Redis, workers

    with Stack(StackConfig(home=tmp, backend_port=18000, airflow_port=18080, portal_env=env)) as stack:
        httpx.get(f"{stack.backend_url}/health")

Every Airflow component and the backend get the portal's own settings (DATABASE_URL, CREDENTIALS_KEY,
...) in their environment: the runner inside an Airflow task reads the portal's database from them,
never from Airflow's connection. Each process runs in its own process group, so stopping a group
also stops the workers it forked.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Literal, Self

import httpx
from sqlalchemy.engine import make_url

from portal.core.config import REPO_ROOT, Settings, get_settings

Executor = Literal["local", "celery"]

ADMIN_USERNAME = "admin"
EXECUTOR_DAG_ID = "etl_job_executor"
DAGS_FOLDER = REPO_ROOT / "airflow" / "dags"
VENV_BIN = Path(sys.executable).parent
AIRFLOW_BIN = VENV_BIN / "airflow"
_STOP_GRACE_SECONDS = 15.0


class StackError(RuntimeError):
    """A component failed to start or to become healthy."""


@dataclass(frozen=True)
class StackConfig:
    """Where the stack lives and how it is wired.

    ``home`` holds ``airflow/`` (AIRFLOW_HOME) and ``logs/``. ``portal_env`` is the portal's settings
    as environment variables, given to the backend and to every Airflow component.
    """

    home: Path
    portal_env: Mapping[str, str]
    backend_port: int = 8000
    airflow_port: int = 8080
    executor: Executor = "local"
    admin_password: str = "admin"
    # None: a SQLite file in AIRFLOW_HOME (embedded mode). CeleryExecutor needs PostgreSQL.
    airflow_database_url: str | None = None
    celery_broker_url: str = "redis://127.0.0.1:6379/0"
    worker_concurrency: int = 2
    # The log server that LocalExecutor (scheduler) and Celery workers open; 8793 by default.
    log_server_port: int = 8793
    parallelism: int = 4
    dag_refresh_seconds: int = 5
    extra_airflow_env: Mapping[str, str] = field(default_factory=dict)

    @property
    def airflow_home(self) -> Path:
        return self.home / "airflow"

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"


@dataclass
class _Service:
    name: str
    argv: list[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = None


class Stack:
    """Starts, watches and stops the local stack; also a context manager."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self._services: dict[str, _Service] = {}

    # ---- public surface -------------------------------------------------------------------

    @property
    def backend_url(self) -> str:
        return f"http://127.0.0.1:{self.config.backend_port}"

    @property
    def airflow_url(self) -> str:
        return f"http://127.0.0.1:{self.config.airflow_port}"

    @property
    def admin_credentials(self) -> tuple[str, str]:
        return ADMIN_USERNAME, self.config.admin_password

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self, timeout: float = 240.0) -> None:
        """Prepare Airflow and the app database, start every component, wait until all are healthy."""
        self.config.log_dir.mkdir(parents=True, exist_ok=True)
        airflow_env = self._airflow_env()
        self._prepare_airflow(airflow_env)
        self._migrate_app_database()
        for service in self._define_services(airflow_env):
            self._services[service.name] = service
            self._spawn(service)
        self.wait_healthy(timeout)

    def stop(self) -> None:
        """Stop every component: SIGTERM to all process groups at once, SIGKILL after a grace period."""
        self._stop(list(self._services.values()))

    def stop_service(self, name: str) -> None:
        self._stop([self._services[name]])

    def _stop(self, services: list[_Service]) -> None:
        running = [s.process for s in services if s.process is not None and s.process.poll() is None]
        for process in running:
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + _STOP_GRACE_SECONDS
        for process in running:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
        for service in services:
            # The group may outlive its leader (forked workers, task processes): leave nothing behind.
            if service.process is not None:
                _signal_group(service.process, signal.SIGKILL)
            if service.log is not None:
                service.log.close()
            service.process = None
            service.log = None

    def start_service(self, name: str, timeout: float = 120.0) -> None:
        """Start one stopped component again and wait until the stack is healthy."""
        self._spawn(self._services[name])
        self.wait_healthy(timeout)

    def service_names(self) -> list[str]:
        return list(self._services)

    def dead_services(self) -> list[str]:
        return [
            name
            for name, service in self._services.items()
            if service.process is not None and service.process.poll() is not None
        ]

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.config.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def airflow_token(self) -> str:
        response = httpx.post(
            f"{self.airflow_url}/auth/token",
            json={"username": ADMIN_USERNAME, "password": self.config.admin_password},
            timeout=10,
        )
        response.raise_for_status()
        return str(response.json()["access_token"])

    def wait_healthy(self, timeout: float) -> None:
        """Wait until the backend and every Airflow component answer and the executor DAG is parsed."""
        deadline = time.monotonic() + timeout
        checks = {
            "backend": lambda: _answers(f"{self.backend_url}/health"),
            "airflow": self._airflow_healthy,
            "executor DAG": self._executor_dag_registered,
        }
        for name, check in checks.items():
            while not check():
                dead = self.dead_services()
                if dead:
                    tails = "\n".join(f"--- {name}.log ---\n{self.log_tail(name)}" for name in dead)
                    raise StackError(f"{', '.join(dead)} exited during start-up\n{tails}")
                if time.monotonic() > deadline:
                    raise StackError(f"{name} not healthy after {timeout:.0f}s")
                time.sleep(0.5)

    # ---- preparation --------------------------------------------------------------------------

    def _airflow_env(self) -> dict[str, str]:
        cfg = self.config
        home = cfg.airflow_home
        home.mkdir(parents=True, exist_ok=True)
        keys = _load_or_create_secrets(home / "devstack-secrets.json")
        passwords = home / "simple_auth_manager_passwords.json"
        passwords.write_text(json.dumps({ADMIN_USERNAME: cfg.admin_password}))
        passwords.chmod(0o600)
        database_url = cfg.airflow_database_url or f"sqlite:///{home / 'airflow.db'}"
        executor = "CeleryExecutor" if cfg.executor == "celery" else "LocalExecutor"
        env = {
            **os.environ,
            **cfg.portal_env,
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": executor,
            "AIRFLOW__CORE__PARALLELISM": str(cfg.parallelism),
            "AIRFLOW__CORE__FERNET_KEY": keys["fernet_key"],
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USERNAME}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database_url,
            "AIRFLOW__API_AUTH__JWT_SECRET": keys["jwt_secret"],
            "AIRFLOW__API__SECRET_KEY": keys["api_secret_key"],
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(cfg.airflow_port),
            # Workers reach the Execution API through the base URL: required off port 8080.
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{cfg.airflow_port}",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": str(cfg.dag_refresh_seconds),
            # The portal forces a re-parse of the schedules file with a DAG's file token, which
            # exists only once the file has a DAG: the first schedule shows at the next periodic
            # parse of that file, so it comes every few seconds (default 30 s).
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": str(cfg.dag_refresh_seconds),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(cfg.log_server_port),
            # A worker that dies with its task (not just the task process) is noticed after this
            # long without heartbeats, instead of 5 minutes; its run is then retried or failed.
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "60",
            # Long loads outlive the default 10 minute task token (Airflow issue #67939).
            "AIRFLOW__EXECUTION_API__JWT_EXPIRATION_TIME": str(24 * 3600),
        }
        if cfg.executor == "celery":
            result_backend = make_url(database_url).set(drivername="postgresql")
            env |= {
                "AIRFLOW__CELERY__BROKER_URL": cfg.celery_broker_url,
                "AIRFLOW__CELERY__RESULT_BACKEND": "db+"
                + result_backend.render_as_string(hide_password=False),
                "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(cfg.worker_concurrency),
            }
        env |= cfg.extra_airflow_env
        return env

    def _prepare_airflow(self, env: dict[str, str]) -> None:
        """Create the metadata database when needed and migrate it once per Airflow version."""
        database_url = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        if database_url.startswith("postgresql"):
            _create_postgres_database(database_url)
        stamp = self.config.airflow_home / ".devstack-migrated"
        marker = f"{_airflow_version()} {database_url}"
        if stamp.exists() and stamp.read_text() == marker:
            return
        self._run_once("airflow-db-migrate", [str(AIRFLOW_BIN), "db", "migrate"], env)
        stamp.write_text(marker)

    def _migrate_app_database(self) -> None:
        env = {**os.environ, **self.config.portal_env}
        alembic = [sys.executable, "-m", "alembic", "-c", str(REPO_ROOT / "alembic.ini"), "upgrade", "head"]
        self._run_once("alembic-upgrade", alembic, env)

    def _run_once(self, name: str, argv: list[str], env: Mapping[str, str]) -> None:
        log_path = self.config.log_dir / f"{name}.log"
        with log_path.open("wb") as log:
            result = subprocess.run(argv, env=dict(env), cwd=REPO_ROOT, stdout=log, stderr=log, check=False)
        if result.returncode != 0:
            raise StackError(f"{' '.join(argv[-3:])} failed ({result.returncode})\n{self.log_tail(name)}")

    def _define_services(self, airflow_env: dict[str, str]) -> list[_Service]:
        cfg = self.config
        airflow = str(AIRFLOW_BIN)
        services = [
            _Service(
                "airflow-api-server", [airflow, "api-server", "--port", str(cfg.airflow_port)], airflow_env
            ),
            _Service("airflow-scheduler", [airflow, "scheduler"], airflow_env),
            _Service("airflow-dag-processor", [airflow, "dag-processor"], airflow_env),
        ]
        if cfg.executor == "celery":
            worker = [airflow, "celery", "worker", "--concurrency", str(cfg.worker_concurrency)]
            services.append(_Service("airflow-celery-worker", worker, airflow_env))
        backend_env = {**os.environ, **cfg.portal_env}
        uvicorn = [sys.executable, "-m", "uvicorn", "portal.main:create_app", "--factory"]
        uvicorn += ["--host", "127.0.0.1", "--port", str(cfg.backend_port)]
        services.append(_Service("backend", uvicorn, backend_env))
        return services

    def _spawn(self, service: _Service) -> None:
        service.log = (self.config.log_dir / f"{service.name}.log").open("ab")
        service.process = subprocess.Popen(
            service.argv,
            env=service.env,
            cwd=REPO_ROOT,
            stdout=service.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    # ---- health -------------------------------------------------------------------------------

    def _airflow_healthy(self) -> bool:
        try:
            response = httpx.get(f"{self.airflow_url}/api/v2/monitor/health", timeout=5)
        except httpx.HTTPError:
            return False
        if response.status_code != 200:
            return False
        health = response.json()
        components = ("metadatabase", "scheduler", "dag_processor")
        return all((health.get(name) or {}).get("status") == "healthy" for name in components)

    def _executor_dag_registered(self) -> bool:
        try:
            headers = {"Authorization": f"Bearer {self.airflow_token()}"}
            response = httpx.get(
                f"{self.airflow_url}/api/v2/dags/{EXECUTOR_DAG_ID}", headers=headers, timeout=5
            )
        except httpx.HTTPError:
            return False
        return response.status_code == 200


# ---- helpers ---------------------------------------------------------------------------------


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def _signal_group(process: subprocess.Popen[bytes], signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def _load_or_create_secrets(path: Path) -> dict[str, str]:
    """Generated once and kept: every component and every restart must share them."""
    if path.exists():
        return dict(json.loads(path.read_text()))
    from cryptography.fernet import Fernet

    keys = {
        "jwt_secret": secrets.token_urlsafe(64),
        "api_secret_key": secrets.token_urlsafe(32),
        "fernet_key": Fernet.generate_key().decode(),
    }
    path.write_text(json.dumps(keys))
    path.chmod(0o600)
    return keys


def _airflow_version() -> str:
    from importlib.metadata import version

    return version("apache-airflow")


def _create_postgres_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parsed = make_url(url)
    name = parsed.database
    server = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(server, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(str(name))))


def free_port() -> int:
    """A TCP port nobody listens on right now (for tests and parallel stacks)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def portal_env(settings: Settings) -> dict[str, str]:
    """The portal's settings as environment variables, for the backend and the Airflow workers."""
    env = {
        "ENVIRONMENT": settings.environment,
        "DATABASE_URL": settings.database_url,
        "CREDENTIALS_KEY": settings.credentials_key.get_secret_value(),
        "UPLOAD_DIR": str(settings.upload_dir),
        "MAX_UPLOAD_BYTES": str(settings.max_upload_bytes),
        "WAREHOUSE_PATH": str(settings.warehouse_path),
        "AIRFLOW_API_URL": settings.airflow_api_url,
        "AIRFLOW_UI_URL": settings.airflow_ui_url,
        "AIRFLOW_USERNAME": settings.airflow_username,
        "AIRFLOW_PASSWORD": settings.airflow_password.get_secret_value(),
        "LOG_LEVEL": settings.log_level,
    }
    if settings.credentials_old_keys:
        env["CREDENTIALS_OLD_KEYS"] = ",".join(
            key.get_secret_value() for key in settings.credentials_old_keys
        )
    return env


# ---- python -m portal.devstack ----------------------------------------------------------------


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m portal.devstack", description=__doc__.splitlines()[0])
    parser.add_argument("--executor", choices=["local", "celery"], default="local")
    parser.add_argument("--workers", type=int, default=2, help="Celery worker concurrency (celery only)")
    parser.add_argument(
        "--airflow-db-url",
        default="postgresql+psycopg2://postgres@127.0.0.1:5432/airflow_celery",
        help="Airflow metadata database in celery mode (created when missing)",
    )
    parser.add_argument(
        "--broker-url", default="redis://127.0.0.1:6379/0", help="Celery broker (celery only)"
    )
    parser.add_argument("--port", type=int, default=8000, help="backend port")
    return parser.parse_args(argv)


def _raise_keyboard_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    settings = get_settings()
    airflow_port = make_url(settings.airflow_api_url).port or 8080
    celery = args.executor == "celery"
    config = StackConfig(
        # Celery mode keeps its own Airflow home: its metadata lives in PostgreSQL, not SQLite.
        home=REPO_ROOT / ".local" / ("celery" if celery else ""),
        portal_env=portal_env(settings),
        backend_port=args.port,
        airflow_port=airflow_port,
        executor=args.executor,
        admin_password=settings.airflow_password.get_secret_value(),
        airflow_database_url=args.airflow_db_url if celery else None,
        celery_broker_url=args.broker_url,
        worker_concurrency=args.workers,
    )
    # Both, explicitly: a shell starting us in the background leaves SIGINT ignored.
    signal.signal(signal.SIGINT, _raise_keyboard_interrupt)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    stack = Stack(config)
    try:
        print(f"Starting Airflow ({args.executor} executor) and the portal; logs in {config.log_dir}")
        stack.start()
        user, password = stack.admin_credentials
        print(
            f"\n  ETL Portal   {stack.backend_url}\n"
            f"  API docs     {stack.backend_url}/docs\n"
            f"  Airflow UI   {stack.airflow_url}   (login {user} / {password})\n"
            f"  logs         {config.log_dir}\n\nCtrl-C stops everything.",
            flush=True,
        )
        while not (dead := stack.dead_services()):
            time.sleep(1)
        print(f"{', '.join(dead)} exited:\n{stack.log_tail(dead[0])}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping...")
        return 0
    except StackError as error:
        print(f"Start-up failed: {error}", file=sys.stderr)
        return 1
    finally:
        stack.stop()


if __name__ == "__main__":
    raise SystemExit(main())
