"""Jobs whose source is a database (tables, a query) or files that arrive, through the API: what each
source type needs (422 naming the field), mappings checked against what the real source database
describes (PostgreSQL and MariaDB, a database per test), proposals, tables kept by id on update, a
run's table runs, retrying a run's failed tables and cancelling a many-table run."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from source_databases import AcceptingAirflow, mysql_database, pg_database, pg_rows, source_connection
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.runs.models import JobRun, JobRunStatus, JobRunTable

JOBS = "/api/v1/jobs"
PG_SETUP = """
CREATE SCHEMA shop;
CREATE TABLE shop.customers (id integer PRIMARY KEY, name text NOT NULL, joined date);
CREATE TABLE shop.orders (
    order_id bigint PRIMARY KEY, customer_id integer, amount numeric(12, 2), placed_at timestamptz
);
CREATE TABLE shop.events (kind text, at timestamp);
INSERT INTO shop.customers VALUES (1, 'Ada', '2024-01-02'), (2, 'Linus', NULL);
INSERT INTO shop.orders VALUES (10, 1, 12.50, '2024-03-10 08:30:00+02');
"""


@pytest.fixture
def pg_source() -> Iterator[str]:
    with pg_database(PG_SETUP) as name:
        yield name


@pytest.fixture
def mysql_source() -> Iterator[str]:
    with mysql_database(
        "CREATE TABLE items (sku VARCHAR(20) PRIMARY KEY, price DECIMAL(10, 2), stock INT UNSIGNED,"
        " active TINYINT(1), updated DATETIME)",
        "CREATE TABLE notes (body TEXT)",
        "INSERT INTO items VALUES ('a-1', 9.99, 3, 1, '2024-05-01 10:00:00')",
    ) as name:
        yield name


@pytest.fixture
def airflow(app: FastAPI) -> AcceptingAirflow:
    accepting = AcceptingAirflow()
    app.state.airflow = accepting.client()
    return accepting


async def warehouse_id(http: httpx.AsyncClient) -> int:
    credentials = (await http.get("/api/v1/credentials")).json()["items"]
    return int(next(c["id"] for c in credentials if c["is_builtin"]))


async def connect(http: httpx.AsyncClient, kind: str, database: str) -> int:
    response = await http.post("/api/v1/credentials", json=source_connection(kind, database))
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def table(source_table: str, target_table: str, **fields: Any) -> dict[str, Any]:
    return {
        "source_schema": "shop",
        "source_table": source_table,
        "target_schema": "raw",
        "target_table": target_table,
        **fields,
    }


async def tables_job(
    http: httpx.AsyncClient, source_id: int, tables: list[dict[str, Any]], **fields: Any
) -> httpx.Response:
    body = {
        "name": "shop",
        "source_type": "tables",
        "source_credential_id": source_id,
        "credential_id": await warehouse_id(http),
        "tables": tables,
        **fields,
    }
    return await http.post(JOBS, json=body)


def problems(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {p["field"]: p["message"] for p in response.json()["details"]["problems"]}


async def test_a_tables_job_maps_each_table_from_its_source_columns_and_keeps_its_targets(
    client: httpx.AsyncClient, pg_source: str
) -> None:
    source_id = await connect(client, "postgres", pg_source)

    created = await tables_job(
        client,
        source_id,
        [
            table("customers", "customers", strategy="UPSERT", upsert_keys=["id"]),
            table(
                "orders",
                "orders",
                strategy="INCREMENTAL",
                upsert_keys=["order_id"],
                cursor_column="placed_at",
                cursor_lookback=60,
            ),
            table("events", "events", include=False),
        ],
        max_parallel_tables=2,
    )

    assert created.status_code == 201, created.text
    job = created.json()
    assert (job["source_type"], job["max_parallel_tables"], job["target_table"]) == ("tables", 2, None)
    assert job["source_label"] == f"postgres {pg_source}: 2 tables"
    customers, orders, events = job["tables"]
    assert [(m["source_column"], m["target_type"]) for m in customers["mappings"]] == [
        ("id", "INTEGER"),
        ("name", "TEXT"),
        ("joined", "DATE"),
    ]
    assert [(m["source_column"], m["target_type"]) for m in orders["mappings"]] == [
        ("order_id", "BIGINT"),
        ("customer_id", "INTEGER"),
        ("amount", "NUMERIC"),
        ("placed_at", "TIMESTAMPTZ"),
    ]
    assert (orders["strategy"], orders["cursor_column"], orders["cursor_lookback"]) == (
        "INCREMENTAL",
        "placed_at",
        60,
    )
    assert events["include"] is False
    assert (await client.get(f"{JOBS}/{job['id']}")).json()["tables"] == job["tables"]


async def test_what_each_source_type_needs_is_422_by_field(
    client: httpx.AsyncClient, pg_source: str, upload_csv: Callable[..., Awaitable[dict[str, Any]]]
) -> None:
    source_id = await connect(client, "postgres", pg_source)
    warehouse = await warehouse_id(client)
    file = await upload_csv(b"id,name\n1,a\n", "people.csv")

    no_tables = await tables_job(client, source_id, [])
    assert "tables" in problems(no_tables)
    no_source = await client.post(
        JOBS,
        json={
            "name": "q",
            "source_type": "query",
            "credential_id": warehouse,
            "target_schema": "raw",
            "target_table": "q",
        },
    )
    assert set(problems(no_source)) == {"source_credential_id", "source_query"}
    not_a_source = await client.post(
        JOBS,
        json={
            "name": "q",
            "source_type": "query",
            "source_credential_id": warehouse,  # the built-in warehouse is a destination only
            "source_query": "SELECT 1 AS one",
            "credential_id": warehouse,
            "target_schema": "raw",
            "target_table": "q",
        },
    )
    assert "is a destination connection" in problems(not_a_source)["source_credential_id"]
    files = {
        "name": "f",
        "source_type": "files",
        "file_id": file["id"],
        "credential_id": warehouse,
        "target_schema": "raw",
        "target_table": "f",
    }
    assert "source_pattern" in problems(await client.post(JOBS, json=files))
    outside = problems(await client.post(JOBS, json={**files, "source_pattern": "../etc/{{ds}}.csv"}))
    assert "inside the drop directory" in outside["source_pattern"]
    bad_option = await client.post(
        JOBS,
        json={
            **files,
            "source_pattern": "in/*.csv",
            "source_options": {"mode": "oldest", "zero_dates": "null"},
        },
    )
    assert set(problems(bad_option)) == {"source_options.mode", "source_options.zero_dates"}
    upload_with_tables = await client.post(
        JOBS,
        json={
            "name": "u",
            "file_id": file["id"],
            "credential_id": warehouse,
            "target_schema": "raw",
            "target_table": "u",
            "tables": [table("customers", "c")],
        },
    )
    assert "tables" in problems(upload_with_tables)
    incremental = await tables_job(
        client,
        source_id,
        [
            table("orders", "o1", strategy="INCREMENTAL", upsert_keys=["order_id"]),
            table("orders", "o2", strategy="INCREMENTAL", upsert_keys=["order_id"], cursor_column="nope"),
            table("customers", "c", strategy="INCREMENTAL", upsert_keys=["id"], cursor_column="name"),
            table("events", "o2"),
        ],
    )
    found = problems(incremental)
    assert "needs cursor_column" in found["tables[0].cursor_column"]
    assert "no column 'nope'" in found["tables[1].cursor_column"]
    assert "is TEXT" in found["tables[2].cursor_column"]
    assert "tables[1] loads into raw.o2 too" in found["tables[3].target_table"]
    missing = await tables_job(client, source_id, [table("gone", "gone")])
    assert "does not exist" in problems(missing)["tables[0].source_table"]
    assert (await client.get(JOBS)).json()["total"] == 0


async def test_a_query_job_is_checked_against_the_columns_the_query_describes(
    client: httpx.AsyncClient, pg_source: str
) -> None:
    source_id = await connect(client, "postgres", pg_source)
    body = {
        "name": "big orders",
        "source_type": "query",
        "source_credential_id": source_id,
        "source_query": "SELECT order_id, amount FROM shop.orders WHERE placed_at >= {{ ds }}::date",
        "credential_id": await warehouse_id(client),
        "target_schema": "raw",
        "target_table": "big_orders",
        "row_transforms": [{"type": "filter", "args": {"expression": "amount > 10"}}],
        "drift_policy": "evolve",
    }

    created = await client.post(JOBS, json=body)
    wrong = await client.post(
        JOBS,
        json={
            **body,
            "mappings": [{"source_column": "total", "target_column": "t", "target_type": "NUMERIC"}],
        },
    )
    write = await client.post(JOBS, json={**body, "source_query": "DELETE FROM shop.orders"})
    bad_filter = await client.post(
        JOBS, json={**body, "row_transforms": [{"type": "filter", "args": {"expression": "nope > 1"}}]}
    )

    assert created.status_code == 201, created.text
    job = created.json()
    assert [m["source_column"] for m in job["mappings"]] == ["order_id", "amount"]
    assert (job["drift_policy"], job["source_label"]) == ("evolve", f"postgres {pg_source}: query")
    assert "unknown source column 'total'" in problems(wrong)["mappings[0].source_column"]
    assert "source_query" in problems(write)
    assert "row transform 1 (filter)" in problems(bad_filter)["row_transforms"]
    assert pg_rows(pg_source, "SELECT count(*) FROM shop.orders") == [(1,)]  # nothing ran


@pytest.mark.parametrize("kind", ["postgres", "mysql"])
async def test_proposals_map_the_source_types_and_upsert_on_the_primary_key(
    client: httpx.AsyncClient, kind: str, pg_source: str, mysql_source: str
) -> None:
    database = pg_source if kind == "postgres" else mysql_source
    source_id = await connect(client, kind, database)
    refs = (
        [{"schema": "shop", "table": "customers"}, {"schema": "shop", "table": "events"}]
        if kind == "postgres"
        else [{"table": "items"}, {"schema": mysql_source, "table": "notes"}]
    )

    proposed = await client.post(
        f"{JOBS}/propose-tables",
        json={
            "source_credential_id": source_id,
            "tables": refs,
            "target_schema": "raw",
            "target_prefix": "src_",
        },
    )
    query = await client.post(
        f"{JOBS}/propose-query",
        json={
            "source_credential_id": source_id,
            "query": "SELECT id, name FROM shop.customers"
            if kind == "postgres"
            else "SELECT sku, price, stock FROM items",
        },
    )
    refused = await client.post(
        f"{JOBS}/propose-query", json={"source_credential_id": source_id, "query": "DROP TABLE x"}
    )

    assert proposed.status_code == 200, proposed.text
    keyed, keyless = proposed.json()["tables"]
    if kind == "postgres":
        assert (keyed["target_table"], keyed["strategy"], keyed["upsert_keys"]) == (
            "src_customers",
            "UPSERT",
            ["id"],
        )
        assert [m["target_type"] for m in keyed["mappings"]] == ["INTEGER", "TEXT", "DATE"]
        assert (keyless["strategy"], keyless["upsert_keys"]) == ("INSERT", [])
        assert query.json()["columns"][1] == {
            "name": "name",
            "sql_name": "name",
            "type": "TEXT",
            "precision": None,
            "scale": None,
        }
    else:
        assert (keyed["target_table"], keyed["strategy"], keyed["upsert_keys"]) == (
            "src_items",
            "UPSERT",
            ["sku"],
        )
        assert [m["target_type"] for m in keyed["mappings"]] == [
            "TEXT",
            "NUMERIC",
            "BIGINT",
            "BOOLEAN",
            "TIMESTAMP",
        ]
        assert (keyless["source_schema"], keyless["strategy"]) == (mysql_source, "INSERT")
        assert [c["type"] for c in query.json()["columns"]] == ["TEXT", "NUMERIC", "BIGINT"]
    assert query.status_code == 200, query.text
    assert [m["target_column"] for m in query.json()["mappings"]] == [
        c["sql_name"] for c in query.json()["columns"]
    ]
    assert refused.status_code == 422, refused.text


async def test_an_update_keeps_tables_by_id_and_removes_those_left_out(
    client: httpx.AsyncClient, pg_source: str
) -> None:
    source_id = await connect(client, "postgres", pg_source)
    job = (
        await tables_job(client, source_id, [table("customers", "customers"), table("orders", "orders")])
    ).json()
    customers, orders = job["tables"]

    changed = await client.put(
        f"{JOBS}/{job['id']}",
        json={"tables": [{**orders, "target_table": "all_orders"}, table("events", "events")]},
    )
    foreign = await client.put(f"{JOBS}/{job['id']}", json={"tables": [{**customers, "id": 999_999}]})

    assert changed.status_code == 200, changed.text
    kept, added = changed.json()["tables"]
    assert (kept["id"], kept["target_table"], kept["position"]) == (orders["id"], "all_orders", 0)
    assert added["id"] not in (customers["id"], orders["id"])
    assert "tables[0].id" in problems(foreign)
    unchanged = await client.put(f"{JOBS}/{job['id']}", json={"name": "renamed"})
    assert [t["id"] for t in unchanged.json()["tables"]] == [kept["id"], added["id"]]


async def test_a_run_of_a_tables_job_has_a_pending_table_run_per_included_table(
    client: httpx.AsyncClient, session: AsyncSession, pg_source: str, airflow: AcceptingAirflow
) -> None:
    source_id = await connect(client, "postgres", pg_source)
    job = (
        await tables_job(
            client,
            source_id,
            [
                table("customers", "customers"),
                table("events", "events", include=False),
                table("orders", "orders"),
            ],
        )
    ).json()

    started = await client.post(f"{JOBS}/execute/{job['id']}")

    assert started.status_code == 202, started.text
    run = started.json()
    assert [(t["source_name"], t["target_name"], t["status"]) for t in run["tables"]] == [
        ("shop.customers", "raw.customers", "PENDING"),
        ("shop.orders", "raw.orders", "PENDING"),
    ]
    assert run["airflow_task_log_path"].endswith("/tasks/execute_etl_job")  # every table's instance
    assert airflow.triggered[0]["conf"] == {"job_id": job["id"], "job_run_id": run["id"]}


async def test_retry_failed_tables_starts_a_run_of_only_those_and_is_409_otherwise(
    client: httpx.AsyncClient, session: AsyncSession, pg_source: str, airflow: AcceptingAirflow
) -> None:
    source_id = await connect(client, "postgres", pg_source)
    job = (
        await tables_job(
            client, source_id, [table("customers", "c"), table("orders", "o"), table("events", "e")]
        )
    ).json()
    run_id = (await client.post(f"{JOBS}/execute/{job['id']}")).json()["id"]
    active = await client.post(f"/api/v1/job-runs/{run_id}/retry-failed-tables")
    outcomes = {"c": JobRunStatus.COMPLETED, "o": JobRunStatus.FAILED, "e": JobRunStatus.NOTHING_TO_LOAD}
    for row in (await session.scalars(select(JobRunTable).where(JobRunTable.job_run_id == run_id))).all():
        row.status = outcomes[row.target_name.split(".")[1]]
    (await session.get(JobRun, run_id)).status = JobRunStatus.FAILED  # type: ignore[union-attr]
    await session.commit()

    retried = await client.post(f"/api/v1/job-runs/{run_id}/retry-failed-tables")
    again = await client.post(f"/api/v1/job-runs/{run_id}/retry-failed-tables")

    assert active.status_code == 409 and active.json()["error"] == "RunStillActive"
    assert retried.status_code == 201, retried.text
    retry = retried.json()
    assert retry["id"] != run_id and retry["status"] == "PENDING"
    assert [(t["target_name"], t["status"]) for t in retry["tables"]] == [("raw.o", "PENDING")]
    assert again.status_code == 409 and again.json()["error"] == "JobAlreadyRunning"
    (await session.get(JobRun, retry["id"], populate_existing=True)).status = JobRunStatus.COMPLETED  # type: ignore[union-attr]
    (await session.get(JobRunTable, retry["tables"][0]["id"])).status = JobRunStatus.COMPLETED  # type: ignore[union-attr]
    await session.commit()
    none_failed = await client.post(f"/api/v1/job-runs/{retry['id']}/retry-failed-tables")
    assert none_failed.status_code == 409 and none_failed.json()["error"] == "NoFailedTables"
    events = (await client.get(f"/api/v1/job-runs/{retry['id']}/logs")).json()
    assert events[0]["data"]["retry_of"] == run_id


async def test_cancelling_a_many_table_run_cancels_every_table_not_over(
    client: httpx.AsyncClient, session: AsyncSession, pg_source: str, airflow: AcceptingAirflow
) -> None:
    source_id = await connect(client, "postgres", pg_source)
    job = (await tables_job(client, source_id, [table("customers", "c"), table("orders", "o")])).json()
    run_id = (await client.post(f"{JOBS}/execute/{job['id']}")).json()["id"]
    done = (await session.scalars(select(JobRunTable).where(JobRunTable.target_name == "raw.c"))).one()
    done.status = JobRunStatus.COMPLETED
    await session.commit()

    cancelled = await client.post(f"/api/v1/job-runs/{run_id}/cancel")

    assert cancelled.status_code == 202, cancelled.text
    assert [(t["target_name"], t["status"]) for t in cancelled.json()["tables"]] == [
        ("raw.c", "COMPLETED"),
        ("raw.o", "CANCELLED"),
    ]
    events = (await client.get(f"/api/v1/job-runs/{run_id}/logs", params={"kind": "status"})).json()
    table_events = [e for e in events if e["job_run_table_id"] is not None]
    assert [e["data"]["status"] for e in table_events] == ["CANCELLED"]
