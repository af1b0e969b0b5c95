"""The spine, for real: upload over HTTP, create a job, run it in Airflow, follow it live, check the table."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import duckdb
import psycopg
import pytest
from e2e_client import PortalClient

from portal.devstack import Stack, free_port

pytestmark = pytest.mark.e2e

PEOPLE_CSV = """id,name,code,amount,ratio,active,born,seen_at,note
1,Ada Lovelace,007,12.50,0.25,true,1815-12-10,2024-01-02 03:04:05,"likes, commas"
2,Élodie Dupont,042,-3.75,1.5,false,1990-06-30,2024-02-29 23:59:59,
3,"O'Brien, Pat",100,0.00,2.0e3,true,2000-01-01,2023-12-31 00:00:00,"quote "" inside"
4,Zoë 張,001,1234567.89,-0.5,false,1970-01-01,2020-05-05 12:00:00,plain
"""
EXPECTED_ROWS = [
    (1, "Ada Lovelace", "007", Decimal("12.50"), 0.25, True, dt.date(1815, 12, 10),
     dt.datetime(2024, 1, 2, 3, 4, 5), "likes, commas"),
    (2, "Élodie Dupont", "042", Decimal("-3.75"), 1.5, False, dt.date(1990, 6, 30),
     dt.datetime(2024, 2, 29, 23, 59, 59), None),
    (3, "O'Brien, Pat", "100", Decimal("0.00"), 2000.0, True, dt.date(2000, 1, 1),
     dt.datetime(2023, 12, 31), 'quote " inside'),
    (4, "Zoë 張", "001", Decimal("1234567.89"), -0.5, False, dt.date(1970, 1, 1),
     dt.datetime(2020, 5, 5, 12), "plain"),
]  # fmt: skip
COLUMNS = "id, name, code, amount, ratio, active, born, seen_at, note"


@pytest.fixture(scope="module")
def people_file(portal: PortalClient, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("csv") / "people.csv"
    path.write_text(PEOPLE_CSV, encoding="utf-8")
    return portal.upload_csv(path)


def run_to_the_end(portal: PortalClient, job_id: int) -> tuple[dict[str, Any], list[str]]:
    """Execute the job and follow its stream; the final run and the names of the events seen."""
    run = portal.execute(job_id)
    assert run["status"] == "PENDING"
    events = portal.follow(run["id"])
    return events[-1].data, [event.event for event in events]


def test_csv_loads_into_a_new_postgres_table_with_every_row_and_type(
    portal: PortalClient, people_file: dict[str, Any], pg_credential: dict[str, Any], dest: psycopg.Connection
) -> None:
    job = portal.create_job(
        name="people to postgres",
        file_id=people_file["id"],
        credential_id=pg_credential["id"],
        target_schema="public",
        target_table="people",
    )

    final, seen = run_to_the_end(portal, job["id"])

    assert final["status"] == "COMPLETED", final
    assert seen[0] == "snapshot" and seen[-1] == "end"
    assert "progress" in seen
    assert (final["rows_read"], final["rows_loaded"], final["rows_rejected"]) == (4, 4, 0)
    assert final["attempt"] == 1
    assert final["dag_run_id"] == f"job_{job['id']}_run_{final['id']}"
    assert dest.execute(f"SELECT {COLUMNS} FROM public.people ORDER BY id").fetchall() == EXPECTED_ROWS
    types = dict(
        dest.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = 'people'"
        ).fetchall()
    )
    assert types == {
        "id": "integer",
        "name": "text",
        "code": "text",
        "amount": "numeric",
        "ratio": "double precision",
        "active": "boolean",
        "born": "date",
        "seen_at": "timestamp without time zone",
        "note": "text",
    }


def test_csv_loads_into_the_embedded_duckdb_warehouse(
    portal: PortalClient, people_file: dict[str, Any], stack: Stack
) -> None:
    warehouse = portal.builtin_warehouse()
    job = portal.create_job(
        name="people to duckdb",
        file_id=people_file["id"],
        credential_id=warehouse["id"],
        target_schema="main",
        target_table="people",
    )

    final, _ = run_to_the_end(portal, job["id"])

    assert final["status"] == "COMPLETED", final
    assert final["rows_loaded"] == 4
    with duckdb.connect(stack.config.portal_env["WAREHOUSE_PATH"], read_only=True) as conn:
        rows = conn.execute(f"SELECT {COLUMNS} FROM main.people ORDER BY id").fetchall()
        types = dict(
            conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'main' AND table_name = 'people'"
            ).fetchall()
        )
    assert rows == EXPECTED_ROWS
    assert types["amount"].startswith("DECIMAL")
    assert (types["id"], types["born"], types["seen_at"]) == ("INTEGER", "DATE", "TIMESTAMP")


def test_unreachable_destination_is_retried_per_job_and_ends_failed_with_a_readable_message(
    portal: PortalClient, people_file: dict[str, Any]
) -> None:
    closed_port = free_port()  # nothing listens there
    credential = portal.create_credential(
        name="nobody home",
        kind="postgres",
        host="127.0.0.1",
        port=closed_port,
        database="nothing",
        username="postgres",
        password="x",
    )
    job = portal.create_job(
        name="people to nowhere",
        file_id=people_file["id"],
        credential_id=credential["id"],
        target_schema="public",
        target_table="people",
        max_retries=1,
        retry_delay_seconds=1,
    )

    final, _ = run_to_the_end(portal, job["id"])

    assert final["status"] == "FAILED", final
    assert str(closed_port) in final["error_message"] or "connect" in final["error_message"].lower()
    assert "gave up after 2 attempts" in final["error_message"]
    assert final["attempt"] == 2
    statuses = [(e["data"] or {}).get("status") for e in portal.events(final["id"]) if e["kind"] == "status"]
    # Both attempts are in the run's history: each started, the first one waited for its retry.
    assert statuses.count("RUNNING") == 2
    assert "PENDING" in statuses
    assert statuses[-1] == "FAILED"
