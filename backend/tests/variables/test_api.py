"""/api/v1/variables on a real PostgreSQL: CRUD by kind (audited, roles), names that cannot be
variables, db_query connections and queries refused, a db_query value read from a real source
database, templates rendered (never run) per dialect, and a run's source rendered with its date."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import psycopg
import pytest
from run_factories import make_job
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.models import AuditEvent
from portal.auth.principal import Role
from portal.devstack import free_port
from portal.runs.models import JobRun

API = "/api/v1/variables"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def pg_source() -> Iterator[str]:
    name = f"etl_h4_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{name}", autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE loads (day date, amount numeric(30, 10));"
            "INSERT INTO loads VALUES ('2026-11-28', 1.5), ('2026-11-29', 12345678901234567890.0000000001)"
        )
    yield name
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def connection(http: httpx.AsyncClient, kind: str, database: str, **extra: Any) -> int:
    body = {
        "name": f"{kind} {uuid.uuid4().hex[:6]}",
        "kind": kind,
        "host": "127.0.0.1",
        "port": {"postgres": 5432, "mysql": 3306, "oracle": 1521}[kind],
        "database": database,
        "username": "postgres",
        **({"usage": "source"} if kind == "postgres" else {}),
        **extra,
    }
    response = await http.post("/api/v1/credentials", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def create(http: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await http.post(API, json=body)


async def test_static_and_db_query_variables_are_created_edited_and_deleted_with_audit(
    client: httpx.AsyncClient, session: AsyncSession, pg_source: str
) -> None:
    source = await connection(client, "postgres", pg_source)
    static = await create(client, name="region", kind="static", value={"code": "EMEA"}, description="ours")
    query = await create(
        client, name="last_day", kind="db_query", credential_id=source, query="SELECT max(day) FROM loads"
    )
    assert static.status_code == 201 and query.status_code == 201, (static.text, query.text)
    assert static.json()["value"] == {"code": "EMEA"} and static.json()["query"] is None
    assert query.json()["connection_name"].startswith("postgres ") and query.json()["value"] is None

    listed = (await client.get(API)).json()
    assert [v["name"] for v in listed["items"]] == ["last_day", "region"] and listed["total"] == 2
    edited = await client.put(f"{API}/{static.json()['id']}", json={"value": "APAC"})
    assert edited.json()["value"] == "APAC" and edited.json()["description"] == "ours"  # left out: kept
    # A kind change keeps only what the new kind uses.
    turned = await client.put(
        f"{API}/{static.json()['id']}",
        json={"kind": "db_query", "credential_id": source, "query": "SELECT 1"},
    )
    assert turned.json()["kind"] == "db_query" and turned.json()["value"] is None
    assert (await client.delete(f"{API}/{query.json()['id']}")).status_code == 204
    assert (await client.get(f"{API}/{query.json()['id']}")).status_code == 404

    events = (
        await session.scalars(
            select(AuditEvent).where(AuditEvent.resource_type == "variable").order_by(AuditEvent.id)
        )
    ).all()
    assert [e.action.value for e in events] == ["create", "create", "update", "update", "delete"]
    assert events[2].changes == {"value": {"before": {"code": "EMEA"}, "after": "APAC"}}


async def test_names_connections_and_queries_that_cannot_be_variables_are_refused(
    client: httpx.AsyncClient, pg_source: str
) -> None:
    source = await connection(client, "postgres", pg_source)
    builtin = next(
        c["id"] for c in (await client.get("/api/v1/credentials")).json()["items"] if c["kind"] == "duckdb"
    )
    await create(client, name="taken", kind="static", value=1)

    cases = {
        "ds": await create(client, name="ds", kind="static", value=1),  # a context variable
        "true": await create(client, name="true", kind="static", value=1),  # a template constant
        "bad name": await create(client, name="a-b", kind="static", value=1),
        "taken": await create(client, name="taken", kind="static", value=2),
        "no connection": await create(client, name="q1", kind="db_query", query="SELECT 1"),
        "a destination": await create(
            client, name="q2", kind="db_query", credential_id=builtin, query="SELECT 1"
        ),
        "unknown": await create(client, name="q3", kind="db_query", credential_id=999_999, query="SELECT 1"),
        "writes": await create(
            client, name="q4", kind="db_query", credential_id=source, query="DELETE FROM loads"
        ),
    }

    errors = {case: (r.status_code, r.json()["error"]) for case, r in cases.items()}
    assert errors == {
        "ds": (422, "VariableNameReserved"),
        "true": (422, "VariableNameReserved"),
        "bad name": (422, "RequestValidationError"),
        "taken": (409, "VariableNameTaken"),
        "no connection": (422, "ConnectionNotUsable"),
        "a destination": (422, "ConnectionNotUsable"),
        "unknown": (422, "ConnectionNotUsable"),
        "writes": (422, "QueryRefused"),
    }
    assert (await client.get(API)).json()["total"] == 1
    # An edit naming an unknown connection is refused the same way, not a foreign key error.
    taken = (await client.get(API)).json()["items"][0]["id"]
    edited = await client.put(
        f"{API}/{taken}", json={"kind": "db_query", "credential_id": 999_999, "query": "SELECT 1"}
    )
    assert (edited.status_code, edited.json()["error"]) == (422, "ConnectionNotUsable")


async def test_viewers_read_and_operators_write(
    client: httpx.AsyncClient, client_as: Callable[[Role], AbstractAsyncContextManager[httpx.AsyncClient]]
) -> None:
    created = (await create(client, name="region", kind="static", value="EMEA")).json()
    async with client_as(Role.VIEWER) as viewer:
        assert (await viewer.get(API)).status_code == 200
        assert (await viewer.get(f"{API}/context")).status_code == 200
        assert (await create(viewer, name="x", kind="static", value=1)).status_code == 403
        assert (await viewer.post(f"{API}/render", json={"template": "{{ ds }}"})).status_code == 403
        assert (await viewer.delete(f"{API}/{created['id']}")).status_code == 403
    async with client_as(Role.OPERATOR) as operator:
        assert (await create(operator, name="y", kind="static", value=1)).status_code == 201


async def test_context_variables_are_listed(client: httpx.AsyncClient) -> None:
    names = [v["name"] for v in (await client.get(f"{API}/context")).json()]
    assert {
        "ds",
        "ds_nodash",
        "run_date",
        "logical_date",
        "job",
        "job_name",
        "run_id",
        "last_cursor_value",
    } <= set(names)


async def test_a_db_query_variable_is_evaluated_and_its_failures_are_named(
    client: httpx.AsyncClient, pg_source: str
) -> None:
    source = await connection(client, "postgres", pg_source)
    down = await connection(client, "postgres", pg_source, port=free_port())
    big = (
        await create(
            client, name="big", kind="db_query", credential_id=source, query="SELECT max(amount) FROM loads"
        )
    ).json()
    many = (
        await create(
            client, name="many", kind="db_query", credential_id=source, query="SELECT day FROM loads"
        )
    ).json()
    gone = (await create(client, name="gone", kind="db_query", credential_id=down, query="SELECT 1")).json()

    value = await client.post(f"{API}/{big['id']}/evaluate")
    failed = await client.post(f"{API}/{many['id']}/evaluate")
    unreachable = await client.post(f"{API}/{gone['id']}/evaluate")

    assert value.json() == {"name": "big", "value": "12345678901234567890.0000000001", "type": "decimal"}
    assert failed.status_code == 422 and failed.json()["error"] == "VariableFailed"
    assert failed.json()["details"] == {"variable": "many"} and "one row" in failed.json()["message"]
    assert unreachable.status_code == 502 and unreachable.json()["details"] == {"variable": "gone"}


async def test_a_query_template_renders_with_bound_parameters_per_dialect(
    client: httpx.AsyncClient, session: AsyncSession, pg_source: str
) -> None:
    source = await connection(client, "postgres", pg_source)
    mysql = await connection(client, "mysql", "shop")
    oracle = await connection(client, "oracle", "ORCL")
    await create(client, name="region", kind="static", value="EMEA'; DROP TABLE loads; --")
    await create(client, name="table_name", kind="static", value="daily sales")
    await create(
        client, name="last_day", kind="db_query", credential_id=source, query="SELECT max(day) FROM loads"
    )
    job = await make_job(session, name="nightly")
    template = (
        "SELECT * FROM {{ table_name | ident }} WHERE region = {{ region }} AND day > {{ last_day }}"
        " AND loaded < {{ ds }} AND note LIKE 'x%'"
    )
    body = {"template": template, "logical_date": "2026-11-29T06:00:00Z", "job_id": job.id}

    pg = (await client.post(f"{API}/render", json={**body, "connection_id": source})).json()
    my = (await client.post(f"{API}/render", json={**body, "connection_id": mysql})).json()
    ora = (await client.post(f"{API}/render", json={**body, "connection_id": oracle})).json()

    [rendered] = pg["rendered"]
    assert rendered["text"] == (
        'SELECT * FROM "daily sales" WHERE region = %(p0)s AND day > %(p1)s AND loaded < %(p2)s'
        " AND note LIKE 'x%%'"
    )
    assert rendered["params"] == [
        {"name": "p0", "value": "EMEA'; DROP TABLE loads; --", "type": "text"},
        {"name": "p1", "value": "2026-11-29", "type": "date"},
        {"name": "p2", "value": "2026-11-29", "type": "text"},
    ]
    assert my["rendered"][0]["text"].startswith("SELECT * FROM `daily sales` WHERE region = %(p0)s")
    assert ora["rendered"][0]["text"].startswith(
        'SELECT * FROM "daily sales" WHERE region = :p0 AND day > :p1'
    )
    assert [v["name"] for v in pg["variables"]] == ["ds", "last_day", "region", "table_name"]
    assert pg["logical_date"] == "2026-11-29T06:00:00Z"
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{pg_source}") as conn:
        assert conn.execute("SELECT count(*) FROM loads").fetchone() == (2,)  # nothing ran


async def test_paths_and_names_render_or_name_what_is_wrong(client: httpx.AsyncClient) -> None:
    await create(client, name="region", kind="static", value="emea")
    await create(client, name="escape", kind="static", value="../etc")

    path = await client.post(
        f"{API}/render",
        json={
            "template": "exports/{{ region }}/sales_{{ ds }}*.csv",
            "kind": "path",
            "logical_date": "2026-11-29T00:00:00Z",
        },
    )
    name = await client.post(
        f"{API}/render",
        json={"template": "sales_{{ ds_nodash }}", "kind": "name", "logical_date": "2026-11-29T00:00:00Z"},
    )
    climbing = await client.post(f"{API}/render", json={"template": "in/{{ escape }}/x.csv", "kind": "path"})
    undefined = await client.post(f"{API}/render", json={"template": "SELECT {{ nowhere }}"})
    broken = await client.post(f"{API}/render", json={"template": "SELECT {{ ds "})

    assert path.json()["rendered"][0]["text"] == "exports/emea/sales_2026-11-29*.csv"
    assert name.json()["rendered"][0]["text"] == "sales_20261129"
    assert name.json()["variables"] == [{"name": "ds_nodash", "value": "20261129", "type": "text"}]
    for refused in (climbing, undefined, broken):
        assert refused.status_code == 422 and refused.json()["error"] == "TemplateInvalid", refused.text
    assert "nowhere" in undefined.json()["message"]


async def test_a_runs_source_renders_with_that_runs_date(
    client: httpx.AsyncClient, session: AsyncSession, pg_source: str
) -> None:
    source = await connection(client, "postgres", pg_source)
    await create(client, name="region", kind="static", value="EMEA")
    job = await make_job(session, name="by query")
    job.source_type = "query"
    job.source_credential_id = source
    job.source_query = "SELECT * FROM loads WHERE day = {{ ds }} AND region = {{ region }}"
    job.target_table = "loads_{{ ds_nodash }}"
    run = JobRun(job_id=job.id, dag_id="etl_job_x", dag_run_id="scheduled__2026-11-28T06:00:00+00:00")
    session.add(run)
    await session.commit()

    response = await client.get(f"{API}/rendered-source", params={"job_run_id": run.id})
    missing = await client.get(f"{API}/rendered-source", params={"job_run_id": 999_999})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["job_run_id"] == run.id and body["logical_date"] == "2026-11-28T06:00:00Z"
    assert [(r["field"], r["text"]) for r in body["rendered"]] == [
        ("source_query", "SELECT * FROM loads WHERE day = %(p0)s AND region = %(p1)s"),
        ("target_table", "loads_20261128"),
    ]
    assert [p["value"] for p in body["rendered"][0]["params"]] == ["2026-11-28", "EMEA"]
    assert missing.status_code == 404
