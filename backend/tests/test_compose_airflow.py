"""The compose file's Airflow side, run for real without Docker.

Each Airflow service of docker-compose.yml is started here as a process with that service's own
command and environment, exactly as `docker-compose config` resolves them from an .env of generated
secrets. Only addresses change: the compose host names become this machine's PostgreSQL (a test
database instead of the airflow-db service) and Redis, the ports become free ones, /opt/airflow a
temporary directory, and the DAG folder an empty one (DAG parsing has its own tests). Then every
service's own healthcheck command must pass, and the portal's Airflow user must get a token.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from base64 import b64encode, urlsafe_b64encode
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
import yaml
from psycopg import sql

pytestmark = pytest.mark.celery

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
TEST_DATABASE = "etl_test_compose_airflow"
ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
# A Redis database of its own, so this worker never takes another suite's tasks.
BROKER = "redis://127.0.0.1:6379/13"
SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-worker")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _generated_env_file(path: Path) -> dict[str, str]:
    values = {
        "CREDENTIALS_KEY": b64encode(secrets.token_bytes(32)).decode(),
        "AIRFLOW_USERNAME": "portal",
        "AIRFLOW_PASSWORD": secrets.token_hex(12),
        "POSTGRES_PASSWORD": secrets.token_hex(12),
        "AIRFLOW_DB_PASSWORD": secrets.token_hex(12),
        "AIRFLOW_FERNET_KEY": urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "AIRFLOW_JWT_SECRET": secrets.token_hex(64),
        "AIRFLOW_SECRET_KEY": secrets.token_hex(32),
        "AIRFLOW_WORKER_CONCURRENCY": "1",
    }
    path.write_text("".join(f"{name}={value}\n" for name, value in values.items()))
    return values


@dataclass
class Localized:
    """Rewrites compose addresses into this machine's."""

    api_port: int
    scheduler_port: int
    home: Path
    db_password: str

    def __call__(self, text: str) -> str:
        replacements = {
            f"airflow:{self.db_password}@airflow-db:5432/airflow": f"postgres@127.0.0.1:5432/{TEST_DATABASE}",
            "redis://redis:6379/0": BROKER,
            "http://airflow-apiserver:8080": f"http://127.0.0.1:{self.api_port}",
            "http://localhost:8080": f"http://127.0.0.1:{self.api_port}",
            "http://127.0.0.1:8080/": f"http://127.0.0.1:{self.api_port}/",
            "http://127.0.0.1:8974/": f"http://127.0.0.1:{self.scheduler_port}/",
            "/opt/airflow": str(self.home),
        }
        for old, new in replacements.items():
            text = text.replace(old, new)
        return text


@dataclass
class AirflowFromCompose:
    services: dict[str, dict[str, object]]
    env: dict[str, dict[str, str]]
    localize: Localized
    api_url: str
    username: str
    password: str


def _recreate_database() -> None:
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(TEST_DATABASE)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEST_DATABASE)))


def _drop_database() -> None:
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(TEST_DATABASE)))


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to every process group at once, then SIGKILL to whatever is left (forked children too)."""
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(max(deadline - time.monotonic(), 0.1))
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def _run_healthcheck(test: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # `docker-compose config` keeps compose's `$$` escape; compose hands the container a single `$`.
    kind, *command = (part.replace("$$", "$") for part in test)
    argv = ["sh", "-c", command[0]] if kind == "CMD-SHELL" else command
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture(scope="module")
def airflow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirflowFromCompose]:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose is not installed (make tools installs Debian's package)")
    base = tmp_path_factory.mktemp("compose-airflow")
    values = _generated_env_file(base / ".env")
    resolved = subprocess.run(
        [binary, "--project-directory", str(ROOT), "--env-file", str(base / ".env"), "config"],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"]},
        timeout=120,
        check=True,
    )
    services = yaml.safe_load(resolved.stdout)["services"]
    home = base / "airflow"
    (home / "logs").mkdir(parents=True)
    (base / "dags").mkdir()
    localize = Localized(_free_port(), _free_port(), home, values["AIRFLOW_DB_PASSWORD"])
    path = os.pathsep.join([str(ROOT / "backend" / "docker"), str(VENV_BIN), os.environ["PATH"]])

    def environment(name: str) -> dict[str, str]:
        env = {key: localize(str(value)) for key, value in services[name]["environment"].items()}
        return {
            **env,
            "PATH": path,
            "HOME": os.environ.get("HOME", str(base)),
            "HOSTNAME": socket.gethostname(),
            # What backend/Dockerfile sets for every container.
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(base / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            # Free ports instead of the container's fixed ones; one API worker on a shared machine.
            "AIRFLOW__API__PORT": str(localize.api_port),
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(localize.scheduler_port),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
            "AIRFLOW__API__WORKERS": "1",
        }

    envs = {name: environment(name) for name in ("airflow-init", *SERVICES)}
    _recreate_database()
    init = subprocess.run(
        services["airflow-init"]["command"],
        env=envs["airflow-init"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert init.returncode == 0, init.stderr[-2000:]

    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name in SERVICES:
            log = (base / f"{name}.log").open("wb")
            processes.append(
                subprocess.Popen(
                    services[name]["command"],
                    env=envs[name],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + 240
        while not _answers(f"http://127.0.0.1:{localize.api_port}/api/v2/monitor/health"):
            dead = [
                name for name, process in zip(SERVICES, processes, strict=True) if process.poll() is not None
            ]
            assert not dead and time.monotonic() < deadline, f"not up: {dead or 'timeout'}; logs in {base}"
            time.sleep(1)
        yield AirflowFromCompose(
            services=services,
            env=envs,
            localize=localize,
            api_url=f"http://127.0.0.1:{localize.api_port}",
            username=values["AIRFLOW_USERNAME"],
            password=values["AIRFLOW_PASSWORD"],
        )
    finally:
        _stop(processes)
        _drop_database()


def test_airflow_init_migrated_the_metadata_database(airflow: AirflowFromCompose) -> None:
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{TEST_DATABASE}") as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() is not None


def test_every_airflow_service_passes_its_own_healthcheck(airflow: AirflowFromCompose) -> None:
    pending = {name: airflow.services[name]["healthcheck"]["test"] for name in SERVICES}
    failures: dict[str, str] = {}
    deadline = time.monotonic() + 240
    while pending and time.monotonic() < deadline:
        for name, test in list(pending.items()):
            result = _run_healthcheck([airflow.localize(part) for part in test], airflow.env[name])  # type: ignore[union-attr]
            if result.returncode == 0:
                del pending[name]
            else:
                failures[name] = (result.stdout + result.stderr)[-500:]
        time.sleep(2)
    assert pending == {}, {name: failures.get(name) for name in pending}


def test_the_portal_user_gets_an_api_token_and_sees_all_components_healthy(
    airflow: AirflowFromCompose,
) -> None:
    response = httpx.post(
        f"{airflow.api_url}/auth/token",
        json={"username": airflow.username, "password": airflow.password},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    token = response.json()["access_token"]
    components = ("metadatabase", "scheduler", "dag_processor")
    deadline = time.monotonic() + 120
    while True:
        health = httpx.get(f"{airflow.api_url}/api/v2/monitor/health", timeout=30).json()
        statuses = {name: health[name]["status"] for name in components}
        if set(statuses.values()) == {"healthy"} or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert statuses == dict.fromkeys(components, "healthy")
    dags = httpx.get(
        f"{airflow.api_url}/api/v2/dags", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert dags.status_code == 200
    passwords = Path(airflow.env["airflow-apiserver"]["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
    assert passwords.stat().st_mode & 0o077 == 0  # readable by the Airflow user only
    assert json.loads(passwords.read_text()) == {airflow.username: airflow.password}
