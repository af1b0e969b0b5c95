"""`make run` under real use: 20 executes at once and 50 schedules created within a minute.

The stack is the one `make run` starts (portal.devstack.Stack on its embedded defaults: Airflow's
metadata in the embedded PostgreSQL, the app database in SQLite, LocalExecutor), on free ports in a
temporary home. Every run must end COMPLETED with its rows loaded once, every schedule must become
an Airflow DAG, and no component may exit on the way (the stack would restart it: its restart
counts must stay at zero). The time the whole load took goes to
test-artifacts/stack_under_load.json (a figure for the issue note; nothing asserts on it).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from databases import recreate_database
from e2e_client import TERMINAL, PortalClient
from e2e_stack import DEST_DATABASE, stack_env, started_stack

from portal.core.config import REPO_ROOT
from portal.devstack import Stack, StackConfig, free_port

pytestmark = pytest.mark.e2e

RUNS = 20
SCHEDULES = 50
SCHEDULED_JOBS = 5
ROWS = 200
LOAD_DEST_DATABASE = f"{DEST_DATABASE}_load"
# Bounds, not expectations: the load took about a minute on 2 busy cores.
RUNS_END_WITHIN = 600.0
DAGS_APPEAR_WITHIN = 180.0


@pytest.fixture(scope="module")
def load_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    home = tmp_path_factory.mktemp("load_stack")
    airflow_port = free_port()
    password = secrets.token_urlsafe(12)
    # make run's app database: SQLite in the stack's home.
    env = stack_env(home, airflow_port, "unused", password)
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{home / 'portal.db'}"
    config = StackConfig(
        home=home,
        portal_env=env,
        backend_port=free_port(),
        airflow_port=airflow_port,
        log_server_port=free_port(),
        admin_password=password,
    )
    assert config.airflow_database_url is None  # the embedded PostgreSQL, as make run
    with started_stack(config) as stack:
        yield stack


@pytest.fixture(scope="module")
def load_portal(load_stack: Stack) -> Iterator[PortalClient]:
    client = PortalClient(load_stack.backend_url)
    yield client
    client.close()


def _component_logs_mention(stack: Stack, text: str) -> list[str]:
    return [
        path.name
        for path in sorted(stack.config.log_dir.glob("*.log"))
        if text in path.read_text(errors="replace")
    ]


def test_twenty_runs_and_fifty_schedules_at_once_all_end_with_no_component_down(
    load_stack: Stack, load_portal: PortalClient, tmp_path: Path
) -> None:
    recreate_database(LOAD_DEST_DATABASE)
    csv = tmp_path / "orders.csv"
    csv.write_text("id,customer,amount\n" + "".join(f"{i},customer {i},{i}.25\n" for i in range(ROWS)))
    upload = load_portal.upload_csv(csv)
    credential = load_portal.create_credential(
        name="load destination",
        kind="postgres",
        host="127.0.0.1",
        port=5432,
        database=LOAD_DEST_DATABASE,
        username="postgres",
        password="not-checked-under-trust",
    )

    def job(name: str) -> dict[str, Any]:
        return load_portal.create_job(
            name=name,
            file_id=upload["id"],
            credential_id=credential["id"],
            target_schema="public",
            target_table=name,
        )

    # One job per run: the load is many users' jobs at once, whatever the rule for one job's runs.
    executed = [job(f"orders_{n}") for n in range(RUNS)]
    scheduled = [job(f"scheduled_{n}") for n in range(SCHEDULED_JOBS)]

    def create_schedule(n: int) -> dict[str, Any]:
        response = load_portal.http.post(
            "/api/v1/schedules",
            params={"job_id": scheduled[n % SCHEDULED_JOBS]["id"]},
            json={"cron_expression": "0 3 * * *", "enabled": True, "timezone": "UTC"},
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=RUNS) as pool:
        run_futures = [pool.submit(load_portal.execute, j["id"]) for j in executed]
        schedule_futures = [pool.submit(create_schedule, n) for n in range(SCHEDULES)]
        runs = [future.result() for future in run_futures]
        schedules = [future.result() for future in schedule_futures]
    requests_done = time.monotonic() - started

    final: dict[int, dict[str, Any]] = {}
    deadline = time.monotonic() + RUNS_END_WITHIN
    while len(final) < RUNS and time.monotonic() < deadline:
        for run in runs:
            if run["id"] not in final:
                current = load_portal.run(run["id"])
                if current["status"] in TERMINAL:
                    final[run["id"]] = current
        time.sleep(1)
    runs_ended = time.monotonic() - started
    unfinished = {run["id"]: load_portal.run(run["id"])["status"] for run in runs if run["id"] not in final}
    assert not unfinished, f"runs not ended after {RUNS_END_WITHIN:.0f}s: {unfinished}"
    assert [r["status"] for r in final.values()] == ["COMPLETED"] * RUNS, [
        (r["id"], r["status"], r["error_message"]) for r in final.values() if r["status"] != "COMPLETED"
    ]

    with httpx.Client(
        base_url=f"{load_stack.airflow_url}/api/v2",
        headers={"Authorization": f"Bearer {load_stack.airflow_token()}"},
        timeout=30,
    ) as airflow:

        def missing_dags() -> list[str]:
            return [
                s["dag_id"]
                for s in schedules
                if airflow.get(f"/dags/{s['dag_id']}").json().get("is_paused") is not False
            ]

        deadline = time.monotonic() + DAGS_APPEAR_WITHIN
        while (missing := missing_dags()) and time.monotonic() < deadline:
            time.sleep(2)
    dags_present = time.monotonic() - started
    assert len({s["dag_id"] for s in schedules}) == SCHEDULES
    assert missing == [], f"{len(missing)} schedule DAGs not active in Airflow: {missing[:5]}"

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{LOAD_DEST_DATABASE}") as dest:
        for j in executed:
            count = dest.execute(f'SELECT count(*), count(DISTINCT id) FROM public."{j["target_table"]}"')
            assert count.fetchone() == (ROWS, ROWS), j["target_table"]

    assert load_stack.restart_counts() == dict.fromkeys(load_stack.service_names(), 0)
    assert load_portal.http.get("/health").json()["status"] == "ok"
    assert _component_logs_mention(load_stack, "database is locked") == []

    figures = {
        "runs": RUNS,
        "schedules": SCHEDULES,
        "requests_answered_s": round(requests_done, 1),
        "runs_ended_s": round(runs_ended, 1),
        "schedule_dags_active_s": round(dags_present, 1),
    }
    path = REPO_ROOT / "test-artifacts" / "stack_under_load.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(figures, indent=2))
    print(f"\nstack under load ({path}): {figures}")
