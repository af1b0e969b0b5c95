"""The real stack for the browser tests: embedded Airflow and the backend serving the built SPA.

    .venv/bin/python frontend/e2e/stack.py --home test-artifacts/ui-stack

Recreates the PostgreSQL databases `etl_test_ui_app` (the portal's) and `etl_test_ui_dest` (where
the tests load), starts every component on free ports, prints one JSON line with the addresses once
all are healthy, and stops everything on SIGTERM or SIGINT. Component logs stay in <home>/logs.
The portal runs in development, so it creates the first admin (admin@example.com / admin).
An S3 API (moto's server, in this process) serves the object-store tests, with one bucket made.
"""

from __future__ import annotations

import argparse
import base64
import json
import secrets
import shutil
import signal
import sys
import time
from pathlib import Path
from types import FrameType

import boto3
import psycopg
from moto.server import ThreadedMotoServer
from psycopg import sql

from portal.core.config import REPO_ROOT
from portal.devstack import Stack, StackConfig, StackError, free_port

APP_DATABASE = "etl_test_ui_app"
DEST_DATABASE = "etl_test_ui_dest"
ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
S3_BUCKET = "etl-ui-lake"


def recreate_database(name: str) -> None:
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def portal_env(home: Path, airflow_port: int, airflow_password: str, frontend_dist: Path) -> dict[str, str]:
    return {
        "ENVIRONMENT": "development",
        "DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{APP_DATABASE}",
        "CREDENTIALS_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "UPLOAD_DIR": str(home / "uploads"),
        "WAREHOUSE_PATH": str(home / "warehouse.duckdb"),
        "FRONTEND_DIST": str(frontend_dist),
        "AIRFLOW_API_URL": f"http://127.0.0.1:{airflow_port}",
        "AIRFLOW_USERNAME": "admin",
        "AIRFLOW_PASSWORD": airflow_password,
        # Every test's context starts from the one admin session global-setup.ts saved. A refresh
        # in one test would rotate its refresh token, and the next test presenting the old one
        # would end the whole session (theft detection): the access cookie outlives the run.
        "SESSION_ACCESS_TTL_SECONDS": str(6 * 3600),
    }


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="emptied; holds Airflow home and logs")
    parser.add_argument("--frontend-dist", type=Path, default=REPO_ROOT / "frontend" / "dist")
    args = parser.parse_args()
    if not (args.frontend_dist / "index.html").is_file():
        print(f"No built SPA in {args.frontend_dist}: run `npm run build` first", file=sys.stderr)
        return 2

    # A previous run's Airflow database would still hold dag runs with the same deterministic ids.
    home: Path = args.home.resolve()
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    recreate_database(APP_DATABASE)
    recreate_database(DEST_DATABASE)

    airflow_port = free_port()
    password = secrets.token_urlsafe(12)
    stack = Stack(
        StackConfig(
            home=home,
            portal_env=portal_env(home, airflow_port, password, args.frontend_dist.resolve()),
            backend_port=free_port(),
            airflow_port=airflow_port,
            log_server_port=free_port(),
            admin_password=password,
        )
    )
    signal.signal(signal.SIGTERM, _interrupt)
    s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    try:
        s3.start()
        s3_endpoint = "http://{}:{}".format(*s3.get_host_and_port())
        boto3.client(
            "s3",
            endpoint_url=s3_endpoint,
            region_name="us-east-1",
            aws_access_key_id="ui",
            aws_secret_access_key="ui",
        ).create_bucket(Bucket=S3_BUCKET)
        stack.start()
        ready = {
            "backend_url": stack.backend_url,
            "airflow_url": stack.airflow_url,
            "dest_database": DEST_DATABASE,
            "log_dir": str(stack.config.log_dir),
            "s3_endpoint": s3_endpoint,
            "s3_bucket": S3_BUCKET,
        }
        print(json.dumps(ready), flush=True)
        while not (dead := stack.dead_services()):
            time.sleep(1)
        print(f"{', '.join(dead)} exited:\n{stack.log_tail(dead[0])}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        return 0
    except StackError as error:
        print(f"The stack did not start: {error}", file=sys.stderr, flush=True)
        return 1
    finally:
        stack.stop()
        s3.stop()


if __name__ == "__main__":
    raise SystemExit(main())
