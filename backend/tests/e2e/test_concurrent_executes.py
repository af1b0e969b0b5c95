"""Ten executes of one job at the same instant, through the API and a real Airflow, into a new table:
every row ends up loaded exactly once.

(a) The default rule, one active run per job: one execute starts a run, the nine others answer 409
    JobAlreadyRunning naming it. The job's rate cap keeps that run active for at least 10 s, longer
    than the ten requests take on any machine, so "exactly one 202" does not depend on speed.
(b) A job that allows concurrent runs, UPSERT into a new table: ten runs, all COMPLETED, although all
    of them find the table missing and race to create it; the table holds each row once.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from e2e_client import API, PortalClient

from portal.devstack import Stack

pytestmark = pytest.mark.e2e

EXECUTES = 10
ROWS = 2000
CAP = 200  # rows per second: run (a) stays active for at least ROWS / CAP = 10 s


def execute_together(base_url: str, headers: dict[str, str], job_id: int) -> list[httpx.Response]:
    """EXECUTES requests, each on its own connection, released at the same moment."""
    start = threading.Barrier(EXECUTES)

    def execute(_: int) -> httpx.Response:
        with httpx.Client(base_url=base_url, timeout=60, headers=headers) as http:
            http.get("/health")  # connected before the barrier
            start.wait()
            return http.post(f"{API}/jobs/execute/{job_id}")

    with ThreadPoolExecutor(EXECUTES) as pool:
        return list(pool.map(execute, range(EXECUTES)))


@pytest.fixture
def people(portal: PortalClient, tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "people.csv"
    path.write_text("id,name\n" + "".join(f"{i},person {i}\n" for i in range(1, ROWS + 1)))
    return portal.upload_csv(path)


def table_counts(dest: psycopg.Connection, table: str) -> tuple[int, int]:
    row = dest.execute(f'SELECT count(*), count(DISTINCT id) FROM public."{table}"').fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def test_ten_executes_of_a_job_start_one_run_that_loads_each_row_once(
    stack: Stack,
    portal: PortalClient,
    people: dict[str, Any],
    pg_credential: dict[str, Any],
    dest: psycopg.Connection,
) -> None:
    job = portal.create_job(
        name="one at a time",
        file_id=people["id"],
        credential_id=pg_credential["id"],
        target_schema="public",
        target_table="once_default",
        batch_size=1000,
        max_rows_per_second=CAP,
    )

    responses = execute_together(stack.backend_url, portal.headers, job["id"])

    accepted = [r for r in responses if r.status_code == 202]
    refused = [r for r in responses if r.status_code == 409]
    assert (len(accepted), len(refused)) == (1, EXECUTES - 1), [r.text for r in responses]
    run_id = accepted[0].json()["id"]
    assert {(r.json()["error"], r.json()["details"]["active_run_id"]) for r in refused} == {
        ("JobAlreadyRunning", run_id)
    }
    final = portal.follow(run_id)[-1].data
    assert isinstance(final, dict)
    assert (final["status"], final["rows_loaded"]) == ("COMPLETED", ROWS)
    assert [r["id"] for r in portal.runs(job["id"])] == [run_id]
    assert table_counts(dest, "once_default") == (ROWS, ROWS)


def test_ten_overlapping_upserts_into_a_new_table_all_complete_with_each_row_once(
    stack: Stack,
    portal: PortalClient,
    people: dict[str, Any],
    pg_credential: dict[str, Any],
    dest: psycopg.Connection,
) -> None:
    job = portal.create_job(
        name="overlapping upserts",
        file_id=people["id"],
        credential_id=pg_credential["id"],
        target_schema="public",
        target_table="once_concurrent",
        strategy="UPSERT",
        upsert_keys=["id"],
        allow_concurrent_runs=True,
    )

    responses = execute_together(stack.backend_url, portal.headers, job["id"])

    assert [r.status_code for r in responses] == [202] * EXECUTES, [r.text for r in responses]
    finals = [portal.follow(r.json()["id"], timeout=300)[-1].data for r in responses]
    assert [(f["status"], f["rows_loaded"]) for f in finals if isinstance(f, dict)] == [
        ("COMPLETED", ROWS)
    ] * EXECUTES, finals
    assert table_counts(dest, "once_concurrent") == (ROWS, ROWS)
