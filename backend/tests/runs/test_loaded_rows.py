"""GET /job-runs/{id}/loaded-rows: a completed run's target table, read from a real PostgreSQL and a
real DuckDB file."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import psycopg
import pytest
from databases import TEST_DATABASE
from run_factories import make_job, make_run
from sqlalchemy.ext.asyncio import AsyncSession

from portal.connections.models import Credential
from portal.jobs.models import Job
from portal.runs.models import JobRunStatus

TEST_DSN = f"postgresql://postgres@127.0.0.1:5432/{TEST_DATABASE}"
CREATE = "CREATE TABLE {target} (id bigint, amount numeric(10,2), paid_at timestamptz, note text)"
INSERT = (
    "INSERT INTO {target} VALUES (1, 9.99, TIMESTAMPTZ '2024-01-31 10:00:00+00', 'first'), "
    "(9007199254740993, NULL, NULL, NULL), (3, 0.50, TIMESTAMPTZ '2024-02-01 00:00:00+00', 'third')"
)


@pytest.fixture
def pg_schema(database_url: str) -> Iterator[str]:
    """A schema of the test database holding the run's target table `payments` (3 rows)."""
    schema = f"loaded_{uuid.uuid4().hex[:8]}"
    target = f'"{schema}"."payments"'
    with psycopg.connect(TEST_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        conn.execute(CREATE.format(target=target))
        conn.execute(INSERT.format(target=target))
    yield schema
    with psycopg.connect(TEST_DSN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


async def job_into(session: AsyncSession, schema: str, table: str = "payments") -> Job:
    job = await make_job(session)
    job.target_schema, job.target_table = schema, table
    await session.commit()
    return job


async def test_a_completed_runs_table_page_by_page(
    client: httpx.AsyncClient, session: AsyncSession, pg_schema: str
) -> None:
    run = await make_run(
        session, await job_into(session, pg_schema), status=JobRunStatus.COMPLETED_WITH_REJECTS
    )
    response = await client.get(f"/api/v1/job-runs/{run.id}/loaded-rows", params={"limit": 2})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "schema": pg_schema,
        "table": "payments",
        "columns": [
            {"name": "id", "type": "bigint"},
            {"name": "amount", "type": "numeric"},
            {"name": "paid_at", "type": "timestamp with time zone"},
            {"name": "note", "type": "text"},
        ],
        # Exact decimals and integers past 2**53 as text, instants in ISO 8601.
        "rows": [[1, "9.99", "2024-01-31T10:00:00+00:00", "first"], ["9007199254740993", None, None, None]],
        "total_rows": 3,
    }
    rest = await client.get(f"/api/v1/job-runs/{run.id}/loaded-rows", params={"offset": 2, "limit": 2})
    assert rest.json()["rows"] == [[3, "0.50", "2024-02-01T00:00:00+00:00", "third"]]
    past = await client.get(f"/api/v1/job-runs/{run.id}/loaded-rows", params={"offset": 2**63 - 1})
    assert (past.status_code, past.json()["rows"], past.json()["total_rows"]) == (200, [], 3)


async def test_a_duckdb_warehouse_file(
    client: httpx.AsyncClient, session: AsyncSession, tmp_path: Path
) -> None:
    path = tmp_path / "dw.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("CREATE TABLE main.payments (id bigint, amount decimal(10,2), paid date)")
        conn.execute("INSERT INTO main.payments VALUES (1, 9.99, DATE '2024-01-31'), (2, 1.00, NULL)")
    job = await job_into(session, "main")
    credential = await session.get(Credential, job.credential_id)
    assert credential is not None
    credential.kind, credential.host, credential.port, credential.database = "duckdb", None, None, None
    credential.options = {"path": str(path)}
    await session.commit()
    run = await make_run(session, job, status=JobRunStatus.COMPLETED)
    body = (await client.get(f"/api/v1/job-runs/{run.id}/loaded-rows")).json()
    assert body["columns"] == [
        {"name": "id", "type": "BIGINT"},
        {"name": "amount", "type": "DECIMAL(10,2)"},
        {"name": "paid", "type": "DATE"},
    ]
    assert (body["rows"], body["total_rows"]) == ([[1, "9.99", "2024-01-31"], [2, "1.00", None]], 2)


@pytest.mark.parametrize("status", ["PENDING", "RUNNING", "FAILED", "CANCELLED"])
async def test_only_a_completed_run_has_loaded_rows(
    client: httpx.AsyncClient, session: AsyncSession, status: str
) -> None:
    run = await make_run(session, await make_job(session), status=status)
    response = await client.get(f"/api/v1/job-runs/{run.id}/loaded-rows")
    assert response.status_code == 409
    assert response.json()["details"]["status"] == status


async def test_unknown_run_bad_limits_and_a_dropped_table(
    client: httpx.AsyncClient, session: AsyncSession, pg_schema: str
) -> None:
    assert (await client.get("/api/v1/job-runs/999/loaded-rows")).status_code == 404
    run = await make_run(session, await job_into(session, pg_schema, "gone"), status=JobRunStatus.COMPLETED)
    for params in ({"limit": 201}, {"limit": 0}, {"offset": -1}, {"offset": 2**63}):
        assert (await client.get(f"/api/v1/job-runs/{run.id}/loaded-rows", params=params)).status_code == 422
    gone = await client.get(f"/api/v1/job-runs/{run.id}/loaded-rows")
    assert gone.status_code == 404
    assert gone.json()["message"] == f"Table {pg_schema}.gone not found"


async def test_an_unreachable_destination_is_a_502(client: httpx.AsyncClient, session: AsyncSession) -> None:
    job = await make_job(session)
    credential = await session.get(Credential, job.credential_id)
    assert credential is not None
    credential.port = 9  # nothing listens
    await session.commit()
    run = await make_run(session, job, status=JobRunStatus.COMPLETED)
    response = await client.get(f"/api/v1/job-runs/{run.id}/loaded-rows")
    assert response.status_code == 502
    assert response.json()["error"] == "DestinationUnreachable"
    assert "127.0.0.1:9" in response.json()["message"]


async def test_a_destination_the_network_policy_refuses_is_not_read(
    client: httpx.AsyncClient, session: AsyncSession, pg_schema: str
) -> None:
    job = await job_into(session, pg_schema)
    credential = await session.get(Credential, job.credential_id)
    assert credential is not None
    credential.host = "169.254.169.254"  # cloud metadata: refused before any connection is tried
    await session.commit()
    run = await make_run(session, job, status=JobRunStatus.COMPLETED)
    response = await client.get(f"/api/v1/job-runs/{run.id}/loaded-rows")
    assert response.status_code == 422, response.text
    assert "169.254.169.254" in response.json()["message"]
