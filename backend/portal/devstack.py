"""The local stack: embedded PostgreSQL for Airflow's metadata, Airflow (api-server, scheduler,
dag-processor) and the portal backend, each component restarted when it dies.

Usage::

    python -m portal.devstack                     # make run: embedded PostgreSQL, LocalExecutor
    python -m portal.devstack --executor celery   # make run-celery: this machine's PostgreSQL, Redis

    with Stack(StackConfig(home=tmp, backend_port=18000, airflow_port=18080, portal_env=env)) as stack:
        httpx.get(f"{stack.backend_url}/health")

Every Airflow component and the backend get the portal's own settings (DATABASE_URL, CREDENTIALS_KEY,
...) in their environment: the runner inside an Airflow task reads the portal's database from them,
never from Airflow's connection. The Airflow settings both deployments share come from
backend/docker/airflow.env, which docker-compose.yml reads too. Each process runs in its own
process group, so stopping a group also stops the workers it forked.

Once started, a watcher thread restarts any component that exits (backoff 1 s doubling to 30 s,
reset after a minute up) and logs it to <home>/logs/devstack.log; only `stop()` stops them.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Literal, Self

import httpx
import psutil
from dotenv import dotenv_values
from sqlalchemy.engine import make_url

from portal.core.config import DEV_ADMIN_PASSWORD, REPO_ROOT, Settings, get_settings

Executor = Literal["local", "celery"]

ADMIN_USERNAME = "admin"
EXECUTOR_DAG_ID = "etl_job_executor"
DAGS_FOLDER = REPO_ROOT / "airflow" / "dags"
# The Airflow settings make run shares with docker-compose.yml (its env_file).
SHARED_AIRFLOW_ENV = REPO_ROOT / "backend" / "docker" / "airflow.env"
VENV_BIN = Path(sys.executable).parent
AIRFLOW_BIN = VENV_BIN / "airflow"
AIRFLOW_DB_SERVICE = "airflow-db"
# PostgreSQL refuses to run as root; pgserver runs its servers as this account then, and so do we.
POSTGRES_ACCOUNT = "pgserver"
_STOP_GRACE_SECONDS = 15.0
_WATCH_INTERVAL_SECONDS = 0.5
_BACKOFF_FIRST_SECONDS = 1.0
_BACKOFF_MAX_SECONDS = 30.0
# Up this long, a component counts as healthy again: its next exit restarts after the first delay.
_STABLE_SECONDS = 60.0
_TAIL_BYTES = 256 * 1024
# sockaddr_un.sun_path holds 108 bytes with the final NUL.
_UNIX_PATH_MAX = 107

log = logging.getLogger("portal.devstack")


class StackError(RuntimeError):
    """A component failed to start or to become healthy."""


@dataclass(frozen=True)
class StackConfig:
    """Where the stack lives and how it is wired.

    ``home`` holds ``airflow/`` (AIRFLOW_HOME), ``airflow-db/`` (the embedded PostgreSQL's data) and
    ``logs/``. ``portal_env`` is the portal's settings as environment variables, given to the backend
    and to every Airflow component.
    """

    home: Path
    portal_env: Mapping[str, str]
    backend_port: int = 8000
    airflow_port: int = 8080
    executor: Executor = "local"
    admin_password: str = "admin"
    # None: an embedded PostgreSQL in <home>/airflow-db, started and stopped with the stack.
    # Otherwise a server's URL (make run-celery: this machine's PostgreSQL).
    airflow_database_url: str | None = None
    celery_broker_url: str = "redis://127.0.0.1:6379/0"
    worker_concurrency: int = 2
    # The log server that LocalExecutor (scheduler) and Celery workers open; 8793 by default.
    log_server_port: int = 8793
    parallelism: int = 4
    extra_airflow_env: Mapping[str, str] = field(default_factory=dict)

    @property
    def airflow_home(self) -> Path:
        return self.home / "airflow"

    @property
    def airflow_db_dir(self) -> Path:
        return self.home / "airflow-db"

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"


class EmbeddedPostgres:
    """A private PostgreSQL 16 server from the pgserver wheel, run by the stack as one of its components.

    Its data lives in ``data_dir`` (kept across restarts); it listens on a Unix socket only, in the
    data folder (or a short folder in the temp dir when that path is too long for a socket), with
    trust authentication: no TCP port to collide with, no other user able to connect. As root it runs
    as the ``pgserver`` account, which pgserver creates (``useradd``) and for which it opens the
    folders above ``data_dir`` to traversal.
    """

    def __init__(self, data_dir: Path, logger: logging.Logger) -> None:
        self.log = logger
        with warnings.catch_warnings():
            # pgserver looks up a runtime folder on import, which we do not use; it warns without one.
            warnings.simplefilter("ignore")
            from pgserver._commands import POSTGRES_BIN_PATH

        self.data_dir = data_dir.resolve()
        self.bin = POSTGRES_BIN_PATH
        self.user = POSTGRES_ACCOUNT if os.geteuid() == 0 else None
        self.socket_dir = _socket_dir(self.data_dir)

    def url(self, database: str) -> str:
        """A SQLAlchemy URL for Airflow (psycopg2, as Airflow's postgres extra ships)."""
        return f"postgresql+psycopg2://postgres@/{database}?host={self.socket_dir}"

    def conninfo(self, database: str = "postgres") -> str:
        return f"host={self.socket_dir} user=postgres dbname={database}"

    def argv(self) -> list[str]:
        return [
            str(self.bin / "postgres"),
            "-D",
            str(self.data_dir),
            "-k",
            str(self.socket_dir),
            "-c",
            "listen_addresses=",
            # The api-server pools up to 65 connections (backend/docker/airflow.env), the others 15.
            "-c",
            "max_connections=200",
        ]

    def prepare(self, log_path: Path) -> None:
        """Create the cluster on first use and make its folders the server account's."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(mode=0o700, exist_ok=True)
        if self.user is not None:
            from pgserver.utils import ensure_user_exists

            account = ensure_user_exists(self.user)
            assert account is not None
            for folder in {self.data_dir, self.socket_dir}:
                os.chown(folder, account.pw_uid, account.pw_gid)
            self._open_paths()
        self.data_dir.chmod(0o700)
        if (self.data_dir / "PG_VERSION").exists():
            return
        initdb = [str(self.bin / "initdb"), "-D", str(self.data_dir)]
        initdb += ["--auth=trust", "--encoding=UTF8", "--locale=C", "-U", "postgres"]
        with log_path.open("ab") as out:
            result = subprocess.run(
                initdb,
                stdout=out,
                stderr=out,
                check=False,
                user=self.user,
                group=self.user,
                extra_groups=_no_extra_groups(self.user),
            )
        if result.returncode != 0:
            raise StackError(f"initdb failed ({result.returncode}), see {log_path}")

    def before_start(self) -> None:
        """Run before every start of the server, restarts included."""
        if self.user is not None:
            self._open_paths()
        self._release_lock_file()

    def _open_paths(self) -> None:
        """The server account must traverse the folders above the data folder and above its own
        binaries (in the checkout's .venv, which may sit in a 0700 folder such as a `mktemp -d`).
        Checked again at each start: a folder may have been closed meanwhile (pytest resets its temp
        root to 0700)."""
        from pgserver.utils import ensure_prefix_permissions

        ensure_prefix_permissions(self.data_dir)
        ensure_prefix_permissions(self.bin)

    def _release_lock_file(self) -> None:
        """Stop a server left running by a launcher that was killed, and drop a stale postmaster.pid.

        PostgreSQL removes a lock file whose process is gone by itself, but refuses to start when that
        process id now belongs to another process (ids are reused), so the file goes whenever its
        process is not this data folder's postmaster.
        """
        lock_file = self.data_dir / "postmaster.pid"
        try:
            pid = int(lock_file.read_text().split("\n", 1)[0])
        except (FileNotFoundError, ValueError):
            return
        try:
            process = psutil.Process(pid)
            leftover = process.name() == "postgres" and str(self.data_dir) in process.cmdline()
        except psutil.Error:
            leftover = False
        if leftover:
            self.log.warning("stopping a PostgreSQL server left running on %s (pid %d)", self.data_dir, pid)
            process.send_signal(signal.SIGINT)  # fast shutdown
            try:
                process.wait(_STOP_GRACE_SECONDS)
            except psutil.TimeoutExpired:
                process.kill()
                process.wait(_STOP_GRACE_SECONDS)
        lock_file.unlink(missing_ok=True)

    def ready(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(self.conninfo(), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False


@dataclass
class _Service:
    name: str
    argv: list[str]
    env: dict[str, str]
    # SIGTERM by default; PostgreSQL gets SIGINT (fast shutdown: it would wait for clients on SIGTERM).
    stop_signal: signal.Signals = signal.SIGTERM
    # Run as this account (with its group only) instead of the launcher's: PostgreSQL under root.
    user: str | None = None
    before_spawn: Callable[[], None] | None = None
    process: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = None
    # Kept running by the watcher while True; stop_service() clears it.
    supervised: bool = False
    restarts: int = 0
    started_at: float = 0.0
    failures_in_a_row: int = 0
    restart_at: float | None = None


class Stack:
    """Starts, watches (restarting what dies) and stops the local stack; also a context manager."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self._services: dict[str, _Service] = {}
        # Its own logger, so each stack's devstack.log holds only its own restarts (tests run several);
        # records still reach the module logger, which main() prints.
        self.log = log.getChild(f"stack{id(self)}")
        self.log.setLevel(logging.INFO)
        embedded = config.airflow_database_url is None
        self.embedded_db = EmbeddedPostgres(config.airflow_db_dir, self.log) if embedded else None
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None
        self._log_handler: logging.Handler | None = None

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
        """Start the metadata database, prepare Airflow and the app database, start every component,
        wait until all are healthy, then watch them."""
        self.config.log_dir.mkdir(parents=True, exist_ok=True)
        self._open_log()
        self._stop_leftovers()
        airflow_env = self._airflow_env()
        if self.embedded_db is not None:
            self._start_embedded_db(timeout)
        self._prepare_airflow(airflow_env)
        self._migrate_app_database()
        for service in self._define_services(airflow_env):
            self._add_and_spawn(service)
        self.wait_healthy(timeout)
        with self._lock:
            for service in self._services.values():
                service.supervised = True
        self._stopping.clear()
        self._watcher = threading.Thread(target=self._watch, name="devstack-watcher", daemon=True)
        self._watcher.start()

    def stop(self) -> None:
        """Stop watching, then every component: SIGTERM (SIGINT for PostgreSQL) to all process groups
        at once, SIGKILL after a grace period; the metadata database last, once its clients are gone."""
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join()
            self._watcher = None
        with self._lock:
            services = list(self._services.values())
            for service in services:
                service.supervised = False
            self._stop([s for s in services if s.name != AIRFLOW_DB_SERVICE])
            self._stop([s for s in services if s.name == AIRFLOW_DB_SERVICE])
        self._close_log()

    def stop_service(self, name: str) -> None:
        """Stop one component; the watcher leaves it stopped until start_service()."""
        with self._lock:
            service = self._services[name]
            service.supervised = False
            self._stop([service])

    def start_service(self, name: str, timeout: float = 120.0) -> None:
        """Start one stopped component again and wait until the stack is healthy."""
        with self._lock:
            service = self._services[name]
            self._spawn(service)
            service.supervised = self._watcher is not None
        self.wait_healthy(timeout)

    def service_names(self) -> list[str]:
        return list(self._services)

    def service_pid(self, name: str) -> int | None:
        process = self._services[name].process
        return process.pid if process is not None else None

    def restart_counts(self) -> dict[str, int]:
        """How many times the watcher restarted each component since start()."""
        return {name: service.restarts for name, service in self._services.items()}

    def dead_services(self) -> list[str]:
        """Components that exited and will not be restarted: any exit before the watcher runs (during
        start-up); none once it watches, since it restarts them."""
        return [
            name
            for name, service in self._services.items()
            if not service.supervised and service.process is not None and service.process.poll() is not None
        ]

    def log_tail(self, name: str, lines: int = 40) -> str:
        """The last lines of a component's log, read from its end (logs of a long make run grow)."""
        path = self.config.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        with path.open("rb") as log_file:
            log_file.seek(max(0, path.stat().st_size - _TAIL_BYTES))
            text = log_file.read().decode(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def airflow_token(self) -> str:
        response = httpx.post(
            f"{self.airflow_url}/auth/token",
            json={"username": ADMIN_USERNAME, "password": self.config.admin_password},
            timeout=10,
        )
        response.raise_for_status()
        return str(response.json()["access_token"])

    def wait_healthy(self, timeout: float) -> None:
        """Wait until every component runs, the backend and Airflow answer and the executor DAG is parsed."""
        deadline = time.monotonic() + timeout
        checks = {
            # Airflow reports a component healthy for a while after it died: look at the processes.
            "every component": self._all_running,
            "backend": lambda: _answers(f"{self.backend_url}/health"),
            "airflow": self._airflow_healthy,
            "executor DAG": self._executor_dag_registered,
        }
        for name, check in checks.items():
            while not check():
                self._raise_if_dead()
                if time.monotonic() > deadline:
                    raise StackError(f"{name} not healthy after {timeout:.0f}s")
                time.sleep(0.5)

    def _all_running(self) -> bool:
        """Every component not stopped on purpose has a live process (none waits for a restart)."""
        with self._lock:
            return all(s.process.poll() is None for s in self._services.values() if s.process is not None)

    # ---- supervision --------------------------------------------------------------------------

    def _watch(self) -> None:
        while not self._stopping.wait(_WATCH_INTERVAL_SECONDS):
            with self._lock:
                for service in self._services.values():
                    if service.supervised and not self._stopping.is_set():
                        self._look_after(service)

    def _look_after(self, service: _Service) -> None:
        """Schedule a restart for a component that exited, and restart it when its delay is over."""
        process = service.process
        if process is None or process.poll() is None:
            return
        now = time.monotonic()
        if service.restart_at is None:
            if now - service.started_at >= _STABLE_SECONDS:
                service.failures_in_a_row = 0
            delay = min(_BACKOFF_FIRST_SECONDS * 2**service.failures_in_a_row, _BACKOFF_MAX_SECONDS)
            service.failures_in_a_row += 1
            service.restart_at = now + delay
            self.log.warning(
                "%s exited (code %s) after %.0f s; restarting in %.0f s (restart %d)\n%s",
                service.name,
                process.returncode,
                now - service.started_at,
                delay,
                service.restarts + 1,
                self.log_tail(service.name, 10),
            )
        elif now >= service.restart_at:
            self._stop([service])
            self._spawn(service)
            service.restarts += 1
            assert service.process is not None
            self.log.warning("%s restarted (pid %d)", service.name, service.process.pid)

    def _raise_if_dead(self) -> None:
        dead = self.dead_services()
        if dead:
            tails = "\n".join(f"--- {name}.log ---\n{self.log_tail(name)}" for name in dead)
            raise StackError(f"{', '.join(dead)} exited during start-up\n{tails}")

    def _open_log(self) -> None:
        if self._log_handler is None:
            self._log_handler = logging.FileHandler(self.config.log_dir / "devstack.log")
            self._log_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
            self.log.addHandler(self._log_handler)

    def _close_log(self) -> None:
        if self._log_handler is not None:
            self.log.removeHandler(self._log_handler)
            self._log_handler.close()
            self._log_handler = None

    def _stop(self, services: list[_Service]) -> None:
        running = [s for s in services if s.process is not None and s.process.poll() is None]
        for service in running:
            assert service.process is not None
            _signal_group(service.process, service.stop_signal)
        deadline = time.monotonic() + _STOP_GRACE_SECONDS
        for service in running:
            assert service.process is not None
            try:
                service.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(service.process, signal.SIGKILL)
                service.process.wait()
        for service in services:
            # The group may outlive its leader (forked workers, task processes): leave nothing behind.
            if service.process is not None:
                _signal_group(service.process, signal.SIGKILL)
            if service.log is not None:
                service.log.close()
            service.process = None
            service.log = None
            service.restart_at = None
        if services:  # a stack that never spawned anything leaves another launcher's record alone
            self._record_groups()

    @property
    def _groups_file(self) -> Path:
        return self.config.home / "devstack-groups.json"

    def _record_groups(self) -> None:
        """The launcher and the process groups running now, with start times (a pid alone may be
        reused by then), so that the next start can stop what a killed launcher (kill -9, OOM) left
        behind, or refuse to start beside a launcher still running."""
        groups: dict[str, tuple[int, float]] = {}
        for service in self._services.values():
            if service.process is not None:
                with contextlib.suppress(psutil.Error):
                    groups[service.name] = _identity(service.process.pid)
        if not groups:  # all stopped: nothing to protect, nothing left behind
            self._groups_file.unlink(missing_ok=True)
            return
        recorded = {"launcher": _identity(os.getpid()), "groups": groups}
        self._groups_file.write_text(json.dumps(recorded))

    def _stop_leftovers(self) -> None:
        """Stop the components a previous launcher of this home left running: their ports and the
        database's data folder would refuse this start."""
        try:
            recorded = json.loads(self._groups_file.read_text())
        except (FileNotFoundError, ValueError):
            return
        launcher_pid, _ = recorded["launcher"]
        if launcher_pid != os.getpid() and _still_running(*recorded["launcher"]):
            raise StackError(f"a launcher (pid {launcher_pid}) already runs the stack in {self.config.home}")
        leaders = []
        for name, (pid, created) in recorded["groups"].items():
            if _still_running(pid, created):
                leaders.append(psutil.Process(pid))
                self.log.warning("stopping %s (pid %d), left running by an earlier launcher", name, pid)
        for leader in leaders:
            _signal_group_id(leader.pid, signal.SIGTERM)
        psutil.wait_procs(leaders, timeout=_STOP_GRACE_SECONDS)
        for leader in leaders:
            _signal_group_id(leader.pid, signal.SIGKILL)
        self._groups_file.unlink()

    # ---- preparation --------------------------------------------------------------------------

    def _airflow_database_url(self) -> str:
        if self.embedded_db is not None:
            return self.embedded_db.url("airflow")
        assert self.config.airflow_database_url is not None
        return self.config.airflow_database_url

    def _airflow_env(self) -> dict[str, str]:
        cfg = self.config
        home = cfg.airflow_home
        home.mkdir(parents=True, exist_ok=True)
        keys = _load_or_create_secrets(home / "devstack-secrets.json")
        passwords = home / "simple_auth_manager_passwords.json"
        passwords.write_text(json.dumps({ADMIN_USERNAME: cfg.admin_password}))
        passwords.chmod(0o600)
        database_url = self._airflow_database_url()
        executor = "CeleryExecutor" if cfg.executor == "celery" else "LocalExecutor"
        env = {
            **os.environ,
            **cfg.portal_env,
            **shared_airflow_env(),
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
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
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(cfg.log_server_port),
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

    def _start_embedded_db(self, timeout: float) -> None:
        db = self.embedded_db
        assert db is not None
        db.prepare(self.config.log_dir / f"{AIRFLOW_DB_SERVICE}.log")
        service = _Service(
            AIRFLOW_DB_SERVICE,
            db.argv(),
            {**os.environ, "LC_ALL": "C"},
            stop_signal=signal.SIGINT,
            user=db.user,
            before_spawn=db.before_start,
        )
        self._add_and_spawn(service)
        deadline = time.monotonic() + timeout
        while not db.ready():
            self._raise_if_dead()
            if time.monotonic() > deadline:
                raise StackError(f"{AIRFLOW_DB_SERVICE} not ready after {timeout:.0f}s")
            time.sleep(0.2)

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
        with log_path.open("wb") as out:
            result = subprocess.run(argv, env=dict(env), cwd=REPO_ROOT, stdout=out, stderr=out, check=False)
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

    def _add_and_spawn(self, service: _Service) -> None:
        with self._lock:
            self._services[service.name] = service
            self._spawn(service)

    def _spawn(self, service: _Service) -> None:
        if service.before_spawn is not None:
            service.before_spawn()
        service.log = (self.config.log_dir / f"{service.name}.log").open("ab")
        service.process = subprocess.Popen(
            service.argv,
            env=service.env,
            cwd=REPO_ROOT,
            stdout=service.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            user=service.user,
            group=service.user,
            extra_groups=_no_extra_groups(service.user),
        )
        service.started_at = time.monotonic()
        self._record_groups()

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
    _signal_group_id(process.pid, signum)


def _identity(pid: int) -> tuple[int, float]:
    return pid, psutil.Process(pid).create_time()


def _still_running(pid: int, created: float) -> bool:
    """The process `pid` started at `created` runs still (not another one given the same pid)."""
    try:
        return bool(psutil.Process(pid).create_time() == created)
    except psutil.Error:
        return False


def _signal_group_id(pgid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def shared_airflow_env() -> dict[str, str]:
    """The Airflow settings of backend/docker/airflow.env (docker-compose.yml's env_file)."""
    values = dotenv_values(SHARED_AIRFLOW_ENV, interpolate=False)
    return {name: value for name, value in values.items() if value is not None}


def _no_extra_groups(user: str | None) -> list[str] | None:
    """Dropping to another account drops the launcher's supplementary groups too (root's)."""
    return None if user is None else []


def _socket_dir(data_dir: Path) -> Path:
    """The data folder, unless its path is too long for a Unix socket: then a short one in the
    temp dir, named after the data folder so every start finds the same one."""
    if len(os.fsencode(data_dir / ".s.PGSQL.5432")) <= _UNIX_PATH_MAX:
        return data_dir
    digest = hashlib.sha256(os.fsencode(data_dir)).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"etl-portal-pg-{digest}"


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
        "DROP_DIR": str(settings.drop_dir),
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


def portal_login(settings: Settings) -> str:
    """The first admin's login as `make run` prints it (a password of your own is not echoed)."""
    if settings.admin_password is not None:
        return f"{settings.admin_email} / ADMIN_PASSWORD from .env"
    return f"{settings.admin_email} / {DEV_ADMIN_PASSWORD}"


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    settings = get_settings()
    airflow_port = make_url(settings.airflow_api_url).port or 8080
    celery = args.executor == "celery"
    config = StackConfig(
        # Celery mode keeps its own Airflow home: its metadata lives in this machine's PostgreSQL.
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
    # A closed terminal: stop everything too, rather than leave it running without its launcher.
    signal.signal(signal.SIGHUP, _raise_keyboard_interrupt)
    console = logging.StreamHandler()
    console.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    log.addHandler(console)
    stack = Stack(config)
    try:
        metadata = (
            make_url(args.airflow_db_url).render_as_string(hide_password=True)
            if celery
            else f"embedded PostgreSQL in {config.airflow_db_dir}"
        )
        print(f"Starting Airflow ({args.executor} executor, metadata: {metadata}) and the portal", flush=True)
        print(f"Logs in {config.log_dir}", flush=True)
        stack.start()
        user, password = stack.admin_credentials
        print(
            f"\n  ETL Portal   {stack.backend_url}   (login {portal_login(settings)})\n"
            f"  API docs     {stack.backend_url}/docs\n"
            f"  Airflow UI   {stack.airflow_url}   (login {user} / {password})\n"
            f"  logs         {config.log_dir}\n\nCtrl-C stops everything.",
            flush=True,
        )
        # Components that die are restarted by the stack's watcher (logged here and in devstack.log).
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
        return 0
    except StackError as error:
        print(f"Start-up failed: {error}", file=sys.stderr)
        return 1
    finally:
        # A second Ctrl-C must not cut the shutdown short and leave processes behind.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        stack.stop()


if __name__ == "__main__":
    raise SystemExit(main())
