"""Schedules, cancellation, a killed worker and Airflow being down, on the session's real stack."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from typing import Any

import httpx
import psycopg
import pytest
from e2e_client import TERMINAL, PortalClient, parse_time
from e2e_stack import DEST_DATABASE

from portal.devstack import Stack

pytestmark = pytest.mark.e2e

# Large enough that a load is still staging batches when the test cancels or kills it.
BIG_ROWS = 400_000
SENTINELS = 3


@pytest.fixture(scope="module")
def tiny_file(portal: PortalClient, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("tiny") / "tiny.csv"
    path.write_text("id,city\n1,Lyon\n2,Oslo\n3,Lima\n")
    return portal.upload_csv(path)


@pytest.fixture(scope="module")
def big_file(portal: PortalClient, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("big") / "big.csv"
    with path.open("w") as out:
        out.write("id,name,amount,day\n")
        out.writelines(
            f"{i},name {i},{i % 997}.{i % 100:02d},2024-01-{1 + i % 28:02d}\n" for i in range(1, BIG_ROWS + 1)
        )
    return portal.upload_csv(path)


@pytest.fixture
def big_job(
    portal: PortalClient, big_file: dict[str, Any], pg_credential: dict[str, Any], dest: psycopg.Connection
) -> Callable[..., dict[str, Any]]:
    """`big_job(schema, **job)`: a job loading the big file into `<schema>.target`, which already
    holds SENTINELS rows (ids -1, -2, -3) in the very layout the portal would create."""

    def make(schema: str, **overrides: Any) -> dict[str, Any]:
        body = {
            "name": f"big load into {schema}",
            "file_id": big_file["id"],
            "credential_id": pg_credential["id"],
            "target_schema": schema,
            "target_table": "target",
            "batch_size": 10_000,
            **overrides,
        }
        dest.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        dest.execute(f'CREATE SCHEMA "{schema}"')
        dest.execute(portal.preview_ddl(**body))
        dest.execute(
            f"INSERT INTO {schema}.target (id, name, amount, day) VALUES (-1, 'sentinel', 1, '2020-01-01'), "
            "(-2, 'sentinel', 2, '2020-01-02'), (-3, 'sentinel', 3, '2020-01-03')"
        )
        return portal.create_job(**body)

    return make


def row_counts(dest: psycopg.Connection, schema: str) -> tuple[int, int]:
    """(rows, distinct ids) in `<schema>.target`."""
    row = dest.execute(f"SELECT count(*), count(DISTINCT id) FROM {schema}.target").fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def tables(dest: psycopg.Connection, schema: str) -> set[str]:
    found = dest.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
    )
    return {name for (name,) in found.fetchall()}


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout}s: {what}"
        time.sleep(0.5)


def loading(run: dict[str, Any]) -> bool:
    return run["status"] == "RUNNING" and run["rows_read"] > 0


def test_schedule_created_through_the_api_becomes_a_dag_whose_runs_load_the_job(
    portal: PortalClient,
    airflow_api: httpx.Client,
    tiny_file: dict[str, Any],
    pg_credential: dict[str, Any],
    dest: psycopg.Connection,
) -> None:
    job = portal.create_job(
        name="scheduled cities",
        file_id=tiny_file["id"],
        credential_id=pg_credential["id"],
        target_schema="public",
        target_table="scheduled_cities",
    )
    response = portal.http.post(
        "/api/v1/schedules",
        params={"job_id": job["id"]},
        json={"cron_expression": "30 4 * * *", "enabled": True, "timezone": "Europe/Paris"},
    )
    assert response.status_code == 201, response.text
    schedule = response.json()
    dag_id = f"etl_job_{job['id']}_schedule_{schedule['id']}"
    assert schedule["dag_id"] == dag_id

    def dag() -> dict[str, Any] | None:
        found = airflow_api.get(f"/dags/{dag_id}")
        return found.json() if found.status_code == 200 else None

    # Within seconds, even for the first schedule DAG (no file token to force a re-parse yet).
    wait_until(lambda: (dag() or {}).get("is_paused") is False, 15, f"{dag_id} unpaused in Airflow")
    details = dag()
    assert details is not None
    assert {"etl-portal", "scheduled"} <= {tag["name"] for tag in details["tags"]}

    # The next tick is hours away: trigger the scheduled DAG itself to prove its wiring.
    triggered = airflow_api.post(f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": {}})
    assert triggered.status_code == 200, triggered.text
    dag_run_id = triggered.json()["dag_run_id"]

    def scheduled_run() -> dict[str, Any] | None:
        return next((run for run in portal.runs(job["id"]) if run["dag_run_id"] == dag_run_id), None)

    wait_until(lambda: scheduled_run() is not None, 120, "a portal run for the scheduled DAG run")
    run = scheduled_run()
    assert run is not None
    final = portal.follow(run["id"])[-1].data
    assert final["status"] == "COMPLETED", final
    assert (final["trigger"], final["dag_id"]) == ("schedule", dag_id)
    assert dest.execute("SELECT city FROM public.scheduled_cities ORDER BY id").fetchall() == [
        ("Lyon",),
        ("Oslo",),
        ("Lima",),
    ]

    assert portal.http.post(f"/api/v1/schedules/{schedule['id']}/disable").status_code == 200
    wait_until(lambda: (dag() or {}).get("is_paused") is True, 60, f"{dag_id} paused after disable")
    assert portal.http.delete(f"/api/v1/schedules/{schedule['id']}").status_code == 204
    wait_until(lambda: dag() is None, 90, f"{dag_id} gone after delete")


def test_cancel_mid_load_ends_cancelled_and_leaves_the_target_unchanged(
    portal: PortalClient,
    airflow_api: httpx.Client,
    big_job: Callable[..., dict[str, Any]],
    dest: psycopg.Connection,
) -> None:
    # Capped so the load is still staging when the cancel comes, however fast the machine (>= 8 s).
    job = big_job("cancelled", max_rows_per_second=50_000)
    run = portal.execute(job["id"])
    portal.wait_for_run(run["id"], loading)

    assert portal.cancel(run["id"])["status"] == "CANCELLED"
    final = portal.follow(run["id"])[-1].data

    assert final["status"] == "CANCELLED"
    # The runner noticed between batches, rolled back and dropped its staging table...
    wait_until(
        lambda: (
            airflow_api.get(f"/dags/etl_job_executor/dagRuns/{run['dag_run_id']}").json()["state"] == "failed"
        ),
        60,
        "the Airflow run ended",
    )
    assert row_counts(dest, "cancelled") == (SENTINELS, SENTINELS)
    assert not any(name.startswith("_etl_stage_") for name in tables(dest, "cancelled"))
    # ...and did not overwrite the cancellation with another outcome.
    assert portal.run(run["id"])["status"] == "CANCELLED"


def test_sigkill_of_the_task_process_mid_load_fails_the_run_and_leaves_the_target_unchanged(
    portal: PortalClient, big_job: Callable[..., dict[str, Any]], dest: psycopg.Connection
) -> None:
    job = big_job("killed", max_retries=0)
    run = portal.execute(job["id"])
    portal.wait_for_run(run["id"], loading)

    os.kill(portal.attempt_pid(run["id"], attempt=1), signal.SIGKILL)
    final = portal.wait_for_run(run["id"], lambda r: r["status"] in TERMINAL, timeout=120)

    assert final["status"] == "FAILED"
    assert "killed or lost" in final["error_message"]
    assert row_counts(dest, "killed") == (SENTINELS, SENTINELS)


def test_sigkill_mid_load_is_retried_and_the_retry_loads_each_row_exactly_once(
    portal: PortalClient, big_job: Callable[..., dict[str, Any]], dest: psycopg.Connection
) -> None:
    job = big_job("retried", max_retries=1, retry_delay_seconds=1)
    run = portal.execute(job["id"])
    portal.wait_for_run(run["id"], loading)

    os.kill(portal.attempt_pid(run["id"], attempt=1), signal.SIGKILL)
    final = portal.follow(run["id"], timeout=300)[-1].data

    assert final["status"] == "COMPLETED", final
    assert final["attempt"] == 2
    assert (final["rows_read"], final["rows_loaded"]) == (BIG_ROWS, BIG_ROWS)
    assert row_counts(dest, "retried") == (BIG_ROWS + SENTINELS, BIG_ROWS + SENTINELS)
    lost = [e for e in portal.events(run["id"]) if e["message"] == "previous_attempt_lost"]
    assert [e["data"]["attempt"] for e in lost] == [1]


def test_destination_dropping_its_connections_mid_load_fails_cleanly_and_a_rerun_loads_each_row_once(
    portal: PortalClient, big_job: Callable[..., dict[str, Any]], dest: psycopg.Connection
) -> None:
    job = big_job("dropped", max_retries=0)
    run = portal.execute(job["id"])
    portal.wait_for_run(run["id"], loading)

    # What the load sees when its database restarts: every session to it is cut at once.
    dest.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid()",
        (DEST_DATABASE,),
    )
    final = portal.follow(run["id"])[-1].data

    assert final["status"] == "FAILED", final
    assert final["error_message"]
    assert row_counts(dest, "dropped") == (SENTINELS, SENTINELS)

    rerun = portal.follow(portal.execute(job["id"])["id"])[-1].data
    assert rerun["status"] == "COMPLETED", rerun
    assert row_counts(dest, "dropped") == (BIG_ROWS + SENTINELS, BIG_ROWS + SENTINELS)


def test_execute_answers_503_and_leaves_no_run_while_airflow_is_down(
    portal: PortalClient, stack: Stack, tiny_file: dict[str, Any], pg_credential: dict[str, Any]
) -> None:
    job = portal.create_job(
        name="while airflow is down",
        file_id=tiny_file["id"],
        credential_id=pg_credential["id"],
        target_schema="public",
        target_table="never_loaded",
    )
    stack.stop_service("airflow-api-server")
    try:
        response = portal.http.post(f"/api/v1/jobs/execute/{job['id']}")
        health = portal.http.get("/health").json()
    finally:
        stack.start_service("airflow-api-server")

    assert response.status_code == 503
    assert response.json()["error"] == "AirflowUnavailableError"
    assert response.json()["message"]
    assert portal.runs(job["id"]) == []
    assert health["airflow"]["ok"] is False
    assert health["database"]["ok"] is True


def test_tiny_jobs_complete_one_after_another_and_record_their_latency(
    portal: PortalClient, tiny_file: dict[str, Any], stack: Stack, record_latency: Callable[..., None]
) -> None:
    job = portal.create_job(
        name="tiny timing",
        file_id=tiny_file["id"],
        credential_id=portal.builtin_warehouse()["id"],
        target_schema="main",
        target_table="tiny_timing",
        strategy="TRUNCATE_INSERT",
    )
    runs = []
    for _ in range(3):
        run = portal.execute(job["id"])
        runs.append(portal.follow(run["id"])[-1].data)

    assert [run["status"] for run in runs] == ["COMPLETED"] * 3
    for run in runs:
        created, started, finished = (
            parse_time(run[key]) for key in ("created_at", "started_at", "finished_at")
        )
        assert created <= started <= finished
    record_latency("embedded (LocalExecutor, SQLite metadata)", runs)
