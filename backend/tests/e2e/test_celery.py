"""Scale-out for real: scheduler + Celery worker (2 slots) + Redis, PostgreSQL metadata and results.

Its own stack for this module (`--executor celery` of `make run-celery`), on databases
`etl_test_celery_app` (portal), `etl_test_celery_dest` (loads) and `etl_test_celery_airflow`
(Airflow metadata and Celery results), with Redis database 5 as the broker.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from databases import recreate_database
from e2e_client import TERMINAL, PortalClient, parse_time
from e2e_stack import stack_env, started_stack

from portal.devstack import Stack, StackConfig, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.celery]

APP_DATABASE = "etl_test_celery_app"
DEST_DATABASE = "etl_test_celery_dest"
AIRFLOW_DATABASE = "etl_test_celery_airflow"
BROKER_DB = 5
WORKER_SLOTS = 2
ROWS_PER_JOB = 30_000


@pytest.fixture(scope="module")
def celery_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    for name in (APP_DATABASE, DEST_DATABASE, AIRFLOW_DATABASE):
        recreate_database(name)
    # Messages left by an interrupted earlier session would be picked up by this worker.
    redis.Redis(host="127.0.0.1", port=6379, db=BROKER_DB).flushdb()
    home = tmp_path_factory.mktemp("celery_stack")
    airflow_port = free_port()
    password = secrets.token_urlsafe(12)
    config = StackConfig(
        home=home,
        portal_env=stack_env(home, airflow_port, APP_DATABASE, password),
        backend_port=free_port(),
        airflow_port=airflow_port,
        log_server_port=free_port(),
        admin_password=password,
        executor="celery",
        airflow_database_url=f"postgresql+psycopg2://postgres@127.0.0.1:5432/{AIRFLOW_DATABASE}",
        celery_broker_url=f"redis://127.0.0.1:6379/{BROKER_DB}",
        worker_concurrency=WORKER_SLOTS,
    )
    with started_stack(config) as running:
        yield running


@pytest.fixture(scope="module")
def celery_portal(celery_stack: Stack) -> Iterator[PortalClient]:
    client = PortalClient(celery_stack.backend_url)
    yield client
    client.close()


@pytest.fixture(scope="module")
def celery_dest(celery_portal: PortalClient) -> dict[str, Any]:
    return celery_portal.create_credential(
        name="celery destination",
        kind="postgres",
        host="127.0.0.1",
        port=5432,
        database=DEST_DATABASE,
        username="postgres",
        password="not-checked-under-trust",
    )


def ended(run: dict[str, Any]) -> bool:
    return run["status"] in TERMINAL


def most_at_once(runs: list[dict[str, Any]]) -> int:
    """The largest number of runs that were RUNNING at the same moment."""
    edges: list[tuple[datetime, int]] = []
    for run in runs:
        edges += [(parse_time(run["started_at"]), 1), (parse_time(run["finished_at"]), -1)]
    running = peak = 0
    for _, step in sorted(edges):  # at equal times the end (-1) sorts before the start
        running += step
        peak = max(peak, running)
    return peak


def test_four_jobs_share_two_celery_worker_slots_and_every_row_is_accounted_for(
    celery_portal: PortalClient, celery_dest: dict[str, Any], tmp_path: Path
) -> None:
    jobs = []
    for n in range(4):
        path = tmp_path / f"part_{n}.csv"
        with path.open("w") as out:
            out.write("id,part,value\n")
            out.writelines(f"{i},{n},{i * (n + 1)}\n" for i in range(1, ROWS_PER_JOB + 1))
        upload = celery_portal.upload_csv(path)
        jobs.append(
            celery_portal.create_job(
                name=f"part {n}",
                file_id=upload["id"],
                credential_id=celery_dest["id"],
                target_schema="public",
                target_table=f"part_{n}",
                batch_size=5_000,
            )
        )

    started = [celery_portal.execute(job["id"]) for job in jobs]
    finished = [celery_portal.wait_for_run(run["id"], ended, timeout=300) for run in started]

    assert [run["status"] for run in finished] == ["COMPLETED"] * 4, finished
    assert most_at_once(finished) <= WORKER_SLOTS, [(r["started_at"], r["finished_at"]) for r in finished]
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{DEST_DATABASE}") as conn:
        for n, run in enumerate(finished):
            assert (run["rows_read"], run["rows_loaded"], run["rows_rejected"]) == (
                ROWS_PER_JOB,
                ROWS_PER_JOB,
                0,
            )
            count, distinct, total = conn.execute(
                f"SELECT count(*), count(DISTINCT id), sum(value) FROM public.part_{n}"
            ).fetchone() or (0, 0, 0)
            assert (count, distinct) == (ROWS_PER_JOB, ROWS_PER_JOB)
            assert total == (n + 1) * ROWS_PER_JOB * (ROWS_PER_JOB + 1) // 2


def test_tiny_jobs_complete_on_celery_and_record_their_latency(
    celery_portal: PortalClient, tmp_path: Path, record_latency: Callable[..., None]
) -> None:
    path = tmp_path / "tiny.csv"
    path.write_text("id,city\n1,Lyon\n2,Oslo\n3,Lima\n")
    job = celery_portal.create_job(
        name="tiny timing on celery",
        file_id=celery_portal.upload_csv(path)["id"],
        # The embedded warehouse, as in the embedded mode's figures: the executors differ, not the load.
        credential_id=celery_portal.builtin_warehouse()["id"],
        target_schema="main",
        target_table="tiny_timing",
        strategy="TRUNCATE_INSERT",
    )
    runs = [celery_portal.follow(celery_portal.execute(job["id"])["id"])[-1].data for _ in range(3)]

    assert [run["status"] for run in runs] == ["COMPLETED"] * 3
    assert all(run["rows_loaded"] == 3 for run in runs)
    record_latency("celery (2 worker slots, PostgreSQL metadata, Redis)", runs)
