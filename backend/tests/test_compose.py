"""The production compose file, its Dockerfiles and .env.example, checked without a Docker engine.

`docker-compose config` (Debian's docker-compose package, installed by `make tools`) validates the
file against the Compose schema, interpolates it with .env.example, and checks that build contexts
and named volumes exist; it needs no engine. The rest is read with PyYAML: the topology the README
promises (healthchecks, start order, the shared uploads volume) and every file an image copies.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from portal.core.config import Settings
from portal.devstack import SHARED_AIRFLOW_ENV, shared_airflow_env

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
PLACEHOLDER = "change-me"


def _compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())  # PyYAML resolves the <<: merge keys


def _services() -> dict[str, dict[str, Any]]:
    return _compose()["services"]


def _env_example() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines() if re.match(r"\w+=", line))
    return {name: value for name, value in pairs}


def _documented_names() -> set[str]:
    """Names set in .env.example, including the commented `# NAME=default` lines."""
    return set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), flags=re.MULTILINE))


def _docker_compose(*args: str, env_file: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose is not installed (make tools installs Debian's package)")
    # A clean environment: variables of the calling shell would override the env file.
    return subprocess.run(
        [
            binary,
            "--project-directory",
            str(ROOT),
            "--env-file",
            str(env_file),
            "-f",
            str(COMPOSE_FILE),
            *args,
        ],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"]},
        timeout=120,
        check=False,
    )


def _is_one_shot(service: dict[str, Any]) -> bool:
    """An init step that runs once and exits (`restart: "no"`), waited for by completion."""
    return service.get("restart") == "no"


def _mount_target(service: dict[str, Any], volume: str) -> str | None:
    for spec in service.get("volumes", []):
        source, _, rest = spec.partition(":")
        if source == volume:
            return rest.split(":")[0]
    return None


def _dockerfiles() -> list[tuple[Path, Path]]:
    """(context, Dockerfile) of every service that builds an image."""
    found = []
    for service in _services().values():
        build = service.get("build")
        if build is None:
            continue
        context = ROOT / (build if isinstance(build, str) else build["context"])
        dockerfile = context / (
            build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile"
        )
        found.append((context, dockerfile))
    return sorted(set(found))


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", dockerfile.read_text())
    lines = (line.strip() for line in joined.splitlines())
    return [
        (keyword.upper(), rest)
        for keyword, _, rest in (line.partition(" ") for line in lines if line and not line.startswith("#"))
    ]


def _ignored(path: str, context: Path) -> bool:
    """Whether .dockerignore drops `path` or a folder above it (plain patterns; none negated here)."""
    ignore_file = context / ".dockerignore"
    if not ignore_file.exists():
        return False
    patterns = [
        p.strip() for p in ignore_file.read_text().splitlines() if p.strip() and not p.startswith("#")
    ]
    parts = Path(path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(fnmatch.fnmatch(prefix, pattern) for pattern in patterns for prefix in prefixes)


def test_compose_file_is_valid_for_docker_compose_with_the_example_env() -> None:
    result = _docker_compose("config", "-q", env_file=ENV_EXAMPLE)
    assert result.returncode == 0, result.stderr


def test_compose_refuses_to_start_without_the_secrets(tmp_path: Path) -> None:
    empty = tmp_path / "empty.env"
    empty.write_text("")
    result = _docker_compose("config", "-q", env_file=empty)
    assert result.returncode != 0
    assert "in .env" in result.stderr


def test_resolved_config_keeps_the_topology(tmp_path: Path) -> None:
    result = _docker_compose("config", env_file=ENV_EXAMPLE)
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)["services"]
    assert set(resolved) == set(_services())
    # The first schedule's DAG only appears with a periodic parse (docs/architecture.md).
    assert (
        int(
            resolved["airflow-dag-processor"]["environment"][
                "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL"
            ]
        )
        <= 10
    )
    worker_env = resolved["airflow-worker"]["environment"]
    # Every Airflow service gets the settings make run uses too, from backend/docker/airflow.env.
    for name in _airflow_services():
        environment = {key: str(value) for key, value in resolved[name]["environment"].items()}
        assert shared_airflow_env().items() <= environment.items(), name
    assert worker_env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert worker_env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:")
    assert worker_env["DATABASE_URL"] == resolved["backend"]["environment"]["DATABASE_URL"]


def test_the_production_topology_is_complete() -> None:
    services = _services()
    assert {
        "postgres",
        "airflow-db",
        "redis",
        "backend",
        "frontend",
        "airflow-init",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-worker",
    } <= set(services)


def test_every_long_running_service_has_a_healthcheck() -> None:
    missing = [
        name
        for name, service in _services().items()
        if not _is_one_shot(service) and not service.get("healthcheck", {}).get("test")
    ]
    assert missing == []


def test_start_order_waits_on_health_or_completion() -> None:
    services = _services()
    for name, service in services.items():
        depends_on = service.get("depends_on", {})
        assert isinstance(depends_on, dict), f"{name}: depends_on needs conditions, not a bare list"
        for target, rule in depends_on.items():
            condition = rule["condition"]
            if condition == "service_completed_successfully":
                assert _is_one_shot(services[target]), f"{name} waits for {target} to exit"
            else:
                assert condition == "service_healthy", f"{name} -> {target}: {condition}"
                assert services[target].get("healthcheck"), f"{name} waits on {target}, which has none"


def test_backend_and_workers_share_uploads_and_warehouse_at_the_configured_paths() -> None:
    services = _services()
    for name in ("backend", "airflow-worker"):
        service = services[name]
        env = service["environment"]
        assert _mount_target(service, "uploads") == env["UPLOAD_DIR"], name
        assert _mount_target(service, "warehouse") == str(Path(env["WAREHOUSE_PATH"]).parent), name
    assert "uploads" in _compose()["volumes"]


def _airflow_services() -> list[str]:
    return [name for name in _services() if name.startswith("airflow-") and name != "airflow-db"]


def test_airflow_settings_come_from_the_file_make_run_reads_too() -> None:
    """One source for the Airflow settings of production and the dev stack: a value set in a
    service's environment as well would silently win over the shared file."""
    shared = shared_airflow_env()
    assert "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT" in shared
    assert all(name.startswith("AIRFLOW__") for name in shared)
    for name in _airflow_services():
        service = _services()[name]
        assert (ROOT / service["env_file"]).resolve() == SHARED_AIRFLOW_ENV, name
        assert not set(shared) & set(service["environment"]), name
    dockerfile = (ROOT / "backend" / "Dockerfile").read_text()
    assert not [key for key in shared if key in dockerfile]


def test_airflow_components_share_the_secrets_and_database() -> None:
    shared = (
        "AIRFLOW__CORE__FERNET_KEY",
        "AIRFLOW__API_AUTH__JWT_SECRET",
        "AIRFLOW__API__SECRET_KEY",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        "DATABASE_URL",
        "CREDENTIALS_KEY",
    )
    airflow = {
        name: s for name, s in _services().items() if name.startswith("airflow-") and name != "airflow-db"
    }
    for key in shared:
        values = {name: s["environment"].get(key) for name, s in airflow.items()}
        assert len(set(values.values())) == 1 and None not in values.values(), (key, values)


def test_build_contexts_dockerfiles_and_copied_files_exist_and_are_not_ignored() -> None:
    dockerfiles = _dockerfiles()
    assert len(dockerfiles) == 2  # the portal image and the SPA image
    for context, dockerfile in dockerfiles:
        assert dockerfile.is_file(), dockerfile
        for keyword, rest in _instructions(dockerfile):
            if keyword != "COPY" or "--from=" in rest:
                continue
            sources = rest.split()[:-1]
            for source in sources:
                assert (context / source).exists(), f"{dockerfile}: COPY {source} is missing"
                assert not _ignored(source, context), f"{dockerfile}: COPY {source} is in .dockerignore"


def test_bind_mounted_files_exist() -> None:
    for name, service in _services().items():
        for spec in service.get("volumes", []):
            source = spec.split(":")[0]
            if source.startswith((".", "/")):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"


def test_images_are_pinned_and_the_portal_runs_unprivileged() -> None:
    for name, service in _services().items():
        if "build" not in service:
            image = service["image"]
            assert ":" in image and not image.endswith(":latest"), f"{name}: {image}"
    for _, dockerfile in _dockerfiles():
        for keyword, rest in _instructions(dockerfile):
            if keyword == "FROM":
                image = rest.split()[0]
                assert ":" in image and not image.endswith(":latest"), f"{dockerfile}: {image}"
    portal = ROOT / "backend" / "Dockerfile"
    users = [rest for keyword, rest in _instructions(portal) if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")


def test_scripts_the_services_run_are_copied_into_the_portal_image() -> None:
    copied = " ".join(
        rest for keyword, rest in _instructions(ROOT / "backend" / "Dockerfile") if keyword == "COPY"
    )
    for name, service in _services().items():
        command = service.get("command")
        if isinstance(command, list) and command[0].endswith(".sh"):
            assert f"backend/docker/{command[0]}" in copied, f"{name} runs {command[0]}"


def test_every_variable_compose_reads_is_in_env_example() -> None:
    referenced = set(re.findall(r"(?<!\$)\$\{(\w+)", COMPOSE_FILE.read_text()))
    assert referenced - set(_env_example()) == set()


def test_every_portal_setting_is_documented_in_env_example() -> None:
    settings = {name.upper() for name in Settings.model_fields}
    assert settings - _documented_names() == set()


def test_env_example_placeholders_are_refused_in_production() -> None:
    values = {
        name.lower(): value for name, value in _env_example().items() if name.lower() in Settings.model_fields
    }
    with pytest.raises(ValidationError, match="CREDENTIALS_KEY"):
        Settings(_env_file=None, environment="production", **values)  # type: ignore[call-arg]


def test_airflow_init_refuses_placeholder_secrets(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "AIRFLOW__CORE__FERNET_KEY": "a" * 44,
        "AIRFLOW__API_AUTH__JWT_SECRET": PLACEHOLDER,
        "AIRFLOW__API__SECRET_KEY": "b" * 32,
        "AIRFLOW_DB_PASSWORD": "c" * 32,
    }
    result = subprocess.run(
        ["sh", str(ROOT / "backend" / "docker" / "airflow-init.sh")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    assert "AIRFLOW__API_AUTH__JWT_SECRET" in result.stderr


def test_nginx_proxies_the_api_to_the_backend_and_streams_sse_unbuffered() -> None:
    conf = (ROOT / "frontend" / "nginx.conf").read_text()
    host, port = re.search(r"set \$backend http://([\w-]+):(\d+);", conf).groups()  # type: ignore[union-attr]
    assert host in _services()
    assert f"--port {port}" in " ".join(_services()[host]["command"])
    stream = re.search(r"location ~ \^/api/v1/job-runs/\[\^/\]\+/stream\$ \{(.*?)\}", conf, flags=re.DOTALL)
    assert stream is not None
    assert "proxy_buffering off;" in stream.group(1)
    assert "proxy_pass $backend;" in stream.group(1)
    assert re.search(r"location /api/ \{\s*proxy_pass \$backend;", conf)
    assert "try_files $uri $uri/ /index.html;" in conf


def test_python_healthchecks_are_valid_python() -> None:
    snippets = {
        name: service["healthcheck"]["test"][3]
        for name, service in _services().items()
        if service.get("healthcheck", {}).get("test", [])[:3] == ["CMD", "python", "-c"]
    }
    assert {"backend", "airflow-apiserver", "airflow-scheduler"} <= set(snippets)
    for name, code in snippets.items():
        compile(code, f"{name} healthcheck", "exec")


def test_the_portal_image_installs_every_file_of_both_packages(tmp_path: Path) -> None:
    """The image copies backend/{pyproject.toml,portal,etl_engine} and installs them non-editable:
    build the same way here and compare, so a module or data file never goes missing in production."""
    source = tmp_path / "src"
    source.mkdir()
    shutil.copy(ROOT / "backend" / "pyproject.toml", source)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("portal", "etl_engine"):
        shutil.copytree(ROOT / "backend" / package, source / package, ignore=skip)
    site = tmp_path / "site"
    uv = Path(sys.executable).parent / "uv"
    result = subprocess.run(
        [
            str(uv),
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--python",
            sys.executable,
            "--target",
            str(site),
            ".",
        ],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr

    def files(base: Path) -> set[str]:
        return {
            str(path.relative_to(base))
            for package in ("portal", "etl_engine")
            for path in (base / package).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        }

    assert files(source) == files(site)


def test_every_airflow_option_set_in_compose_and_the_image_exists(tmp_path: Path) -> None:
    """Airflow ignores an AIRFLOW__SECTION__KEY it does not know: a typo would pass silently.
    The shared backend/docker/airflow.env is checked here too."""
    names = {key for service in _services().values() for key in service.get("environment", {})}
    names |= set(re.findall(r"\b(AIRFLOW__\w+)=", (ROOT / "backend" / "Dockerfile").read_text()))
    names |= set(shared_airflow_env())
    options = sorted(name for name in names if name.startswith("AIRFLOW__"))
    assert len(options) > 10
    # In a subprocess: importing airflow configures logging and settings for the whole process.
    script = (
        "import json, sys\n"
        "from airflow.configuration import conf\n"
        "known = conf.configuration_description\n"
        "def exists(name):\n"
        "    _, section, option = name.lower().split('__', 2)\n"
        "    return option in known.get(section, {}).get('options', {})\n"
        "unknown = [name for name in sys.argv[1:] if not exists(name)]\n"
        "print(json.dumps(unknown))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *options],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "AIRFLOW_HOME": str(tmp_path)},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_the_image_layout_migrates_a_fresh_database(tmp_path: Path) -> None:
    """The backend container runs `alembic upgrade head` in /app, which holds only what
    backend/Dockerfile copies there: alembic.ini and backend/migrations."""
    app = tmp_path / "app"
    (app / "backend").mkdir(parents=True)
    shutil.copy(ROOT / "alembic.ini", app)
    shutil.copytree(ROOT / "backend" / "migrations", app / "backend" / "migrations")
    database = tmp_path / "portal.db"
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=app,
        env={"PATH": os.environ["PATH"], "DATABASE_URL": f"sqlite+aiosqlite:///{database}"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(database) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"alembic_version", "jobs", "job_runs", "credentials"} <= tables
