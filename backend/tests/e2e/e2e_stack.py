"""Starting a real stack for a test module or session, on fresh databases and free ports."""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from portal.devstack import Stack, StackConfig

# The session stack's databases (the Celery module has its own, see test_celery.py); the
# environment may name others so a second run can go on beside one already using these.
APP_DATABASE = os.environ.get("E2E_APP_DATABASE", "etl_test_e2e_app")
DEST_DATABASE = os.environ.get("E2E_DEST_DATABASE", "etl_test_e2e_dest")


def stack_env(home: Path, airflow_port: int, database: str, airflow_password: str) -> dict[str, str]:
    """The portal settings a stack's backend and Airflow workers share."""
    return {
        "ENVIRONMENT": "development",
        "DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}",
        "CREDENTIALS_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "UPLOAD_DIR": str(home / "uploads"),
        "DROP_DIR": str(home / "drop"),
        "WAREHOUSE_PATH": str(home / "warehouse.duckdb"),
        "FRONTEND_DIST": str(home / "no-frontend"),
        "AIRFLOW_API_URL": f"http://127.0.0.1:{airflow_port}",
        "AIRFLOW_USERNAME": "admin",
        "AIRFLOW_PASSWORD": airflow_password,
    }


@contextmanager
def started_stack(config: StackConfig) -> Iterator[Stack]:
    """The stack, running; its components' last log lines are printed when it fails to start
    (and after the tests too with E2E_PRINT_LOGS=1)."""
    stack = Stack(config)
    try:
        stack.start()
    except BaseException:
        _print_logs(stack)
        stack.stop()
        raise
    try:
        yield stack
    finally:
        if os.environ.get("E2E_PRINT_LOGS"):
            _print_logs(stack)
        stack.stop()


def _print_logs(stack: Stack) -> None:
    for name in stack.service_names():
        print(f"\n----- {name} (last lines) -----\n{stack.log_tail(name, 60)}")
