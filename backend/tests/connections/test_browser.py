"""Two-sided connections and the database browser, against the machine's real PostgreSQL and
MariaDB (a database per test, named etl_h8_*) and the built-in DuckDB warehouse: usage per kind,
schemas/tables/columns/keys, typed table pages, read-only queries (paging, row cap, timeout,
writes refused with the source unchanged), roles, unreachable and refused hosts, the audit."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import duckdb
import httpx
import psycopg
import pymysql
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth.principal import Role
from portal.connections.models import ConnectionUsage, Credential
from portal.core.config import Settings

API = "/api/v1/credentials"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
MYSQL_ADMIN: dict[str, Any] = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}

PG_SETUP = """
CREATE SCHEMA shop;
CREATE TABLE shop.orders (
    id bigint PRIMARY KEY, code text NOT NULL UNIQUE, amount numeric(30, 10), raw bytea,
    placed_at timestamptz, day date, big bigint, doc jsonb, note text DEFAULT 'none'
);
INSERT INTO shop.orders
SELECT g, 'c' || g, g * 1.5, '\\x00ff'::bytea, '2024-03-10 08:30:00+02', '2024-03-10',
       9007199254740993, '{"a": 1}', 'n' || g
FROM generate_series(1, 12) g;
CREATE VIEW shop.big_orders AS SELECT id FROM shop.orders WHERE amount > 10;
CREATE SEQUENCE shop.s;
CREATE FUNCTION shop.add_row() RETURNS int LANGUAGE sql
    AS 'INSERT INTO shop.orders (id, code) VALUES (99, ''x'') RETURNING 1';
ANALYZE shop.orders;
"""

MYSQL_SETUP = [
    "CREATE TABLE orders (id BIGINT PRIMARY KEY, code VARCHAR(10) NOT NULL UNIQUE, amount DECIMAL(30, 10),"
    " raw VARBINARY(8), placed_at TIMESTAMP NULL, made DATETIME(6), flag TINYINT(1), u BIGINT UNSIGNED)",
    "INSERT INTO orders VALUES (1, 'a', 12345678901234567890.1234567890, x'00ff', '2024-03-10 06:30:00',"
    " '2024-03-10 06:30:00.5', 1, 18446744073709551615), (2, 'b', NULL, NULL, NULL, NULL, 0, 1),"
    " (3, 'c', 1, NULL, NULL, NULL, NULL, 2)",
    "CREATE VIEW v AS SELECT id FROM orders",
    "CREATE SEQUENCE s",
    "CREATE FUNCTION add_row() RETURNS INT MODIFIES SQL DATA"
    " BEGIN INSERT INTO orders (id, code) VALUES (99, 'x'); RETURN 1; END",
]


@pytest.fixture
def pg_source() -> Iterator[str]:
    name = f"etl_h8_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{name}", autocommit=True) as conn:
        conn.execute(PG_SETUP)
    yield name
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_rows(database: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}") as conn:
        return conn.execute(sql.encode()).fetchall()


@pytest.fixture
def mysql_source() -> Iterator[str]:
    name = f"etl_h8_{uuid.uuid4().hex[:8]}"
    with pymysql.connect(**MYSQL_ADMIN, autocommit=True) as conn, conn.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    for statement in MYSQL_SETUP:
        mysql_rows(name, statement)
    yield name
    with pymysql.connect(**MYSQL_ADMIN, autocommit=True) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT id FROM information_schema.PROCESSLIST WHERE db = %s", (name,))
        for (connection_id,) in cursor.fetchall():
            cursor.execute(f"KILL {int(connection_id)}")
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")


def mysql_rows(database: str, sql: str) -> list[tuple[Any, ...]]:
    with pymysql.connect(**MYSQL_ADMIN, database=database, autocommit=True) as conn, conn.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())


async def connection(http: httpx.AsyncClient, kind: str, database: str, **overrides: Any) -> int:
    body: dict[str, Any] = {
        "name": f"{kind} {database}",
        "kind": kind,
        "host": "127.0.0.1",
        "port": 5432 if kind == "postgres" else 3306,
        "database": database,
        "username": "postgres" if kind == "postgres" else "root",
        **({"usage": "both"} if kind == "postgres" else {}),
        **overrides,
    }
    response = await http.post(API, json=body)
    assert response.status_code == 201, response.text
    credential_id: int = response.json()["id"]
    return credential_id


async def query(http: httpx.AsyncClient, credential_id: int, sql: str, **page: int) -> httpx.Response:
    return await http.post(f"{API}/{credential_id}/query", json={"sql": sql, **page})


# -- usage ----------------------------------------------------------------------------------------


async def test_usage_per_kind_defaults_filters_and_kinds(client: httpx.AsyncClient) -> None:
    pg = await client.post(
        API,
        json={"name": "pg", "kind": "postgres", "host": "127.0.0.1", "database": "x", "username": "u"},
    )
    my = await client.post(
        API, json={"name": "my", "kind": "mysql", "host": "127.0.0.1", "database": "x", "username": "u"}
    )
    assert (pg.json()["usage"], my.json()["usage"]) == ("destination", "source")  # what each was
    assert (my.json()["browsable"], my.json()["live_tested"]) == (True, True)
    refused = await client.post(
        API,
        json={
            "name": "d",
            "kind": "mysql",
            "usage": "destination",
            "host": "h",
            "database": "x",
            "username": "u",
        },
    )
    assert refused.status_code == 422 and "can be used as source, not destination" in refused.text
    both = await client.put(f"{API}/{pg.json()['id']}", json={"usage": "both"})
    assert both.json()["usage"] == "both"

    sources = (await client.get(API, params={"usage": "source"})).json()
    destinations = (await client.get(API, params={"usage": "destination"})).json()

    assert sorted(c["name"] for c in sources["items"]) == ["my", "pg"] and sources["total"] == 2
    assert "my" not in {c["name"] for c in destinations["items"]}
    assert {"pg", "Embedded DuckDB warehouse"} <= {c["name"] for c in destinations["items"]}
    kinds = {k["kind"]: k for k in (await client.get(f"{API}/kinds")).json()}
    assert kinds["postgres"]["usages"] == ["destination", "source", "both"]
    assert (kinds["sqlserver"]["usages"], kinds["sqlserver"]["live_tested"]) == (["source"], False)
    assert "untested against a live server" in kinds["oracle"]["note"]
    assert kinds["duckdb"]["usages"] == ["destination"]


async def test_a_job_cannot_load_into_a_source_only_connection(
    client: httpx.AsyncClient, upload_csv: Callable[..., Any]
) -> None:
    file = await upload_csv(b"id\n1\n")
    my = await client.post(
        API, json={"name": "my", "kind": "mysql", "host": "127.0.0.1", "database": "x", "username": "u"}
    )
    job = await client.post(
        "/api/v1/jobs",
        json={
            "name": "j",
            "file_id": file["id"],
            "credential_id": my.json()["id"],
            "target_schema": "public",
            "target_table": "t",
            "create_table": True,
        },
    )
    assert job.status_code == 422, job.text
    assert "is a source connection: a job loads into a destination" in job.text


async def test_a_mysql_connection_tests_by_its_server_version(
    client: httpx.AsyncClient, mysql_source: str
) -> None:
    credential_id = await connection(client, "mysql", mysql_source)

    result = (await client.post(f"{API}/{credential_id}/test")).json()

    assert result["ok"] is True and "MariaDB" in result["server_version"]


# -- browsing -------------------------------------------------------------------------------------


async def test_postgres_is_browsed_schemas_tables_columns_keys(
    client: httpx.AsyncClient, pg_source: str
) -> None:
    credential_id = await connection(client, "postgres", pg_source)

    schemas = (await client.get(f"{API}/{credential_id}/browse/schemas")).json()
    tables = (await client.get(f"{API}/{credential_id}/browse/tables", params={"schema": "shop"})).json()
    detail = await client.get(
        f"{API}/{credential_id}/browse/table", params={"schema": "shop", "table": "orders"}
    )

    assert "shop" in schemas and "public" in schemas and "pg_catalog" not in schemas
    assert [(t["name"], t["kind"]) for t in tables] == [("big_orders", "view"), ("orders", "table")]
    assert tables[1]["row_estimate"] == 12 and tables[1]["size_bytes"] > 0
    assert (tables[0]["row_estimate"], tables[0]["size_bytes"]) == (None, None)
    body = detail.json()
    assert (body["primary_key"], body["unique_keys"]) == (["id"], [["code"]])
    assert [(c["name"], c["type"], c["nullable"]) for c in body["columns"][:4]] == [
        ("id", "bigint", False),
        ("code", "text", False),
        ("amount", "numeric(30,10)", True),
        ("raw", "bytea", True),
    ]
    assert body["columns"][-1]["default"] == "'none'::text"
    missing = await client.get(
        f"{API}/{credential_id}/browse/table", params={"schema": "shop", "table": "nope"}
    )
    assert missing.status_code == 404


async def test_a_postgres_table_page_is_typed_and_json_safe(
    client: httpx.AsyncClient, pg_source: str
) -> None:
    credential_id = await connection(client, "postgres", pg_source)
    params = {"schema": "shop", "table": "orders", "offset": 10, "limit": 5}

    page = (await client.get(f"{API}/{credential_id}/browse/rows", params=params)).json()

    types = {c["name"]: c["value_type"] for c in page["columns"]}
    assert types == {
        "id": "integer",
        "code": "text",
        "amount": "decimal",
        "raw": "bytes",
        "placed_at": "timestamptz",
        "day": "date",
        "big": "integer",
        "doc": "json",
        "note": "text",
    }
    assert page["rows"][0] == [
        11,
        "c11",
        "16.5000000000",  # every digit, as a string
        "\\x00ff",
        "2024-03-10T06:30:00+00:00",
        "2024-03-10",
        "9007199254740993",  # past 2**53: a string, no client rounds it
        '{"a": 1}',
        "n11",
    ]
    assert (len(page["rows"]), page["has_more"], page["offset"], page["limit"]) == (2, False, 10, 5)
    first = (await client.get(f"{API}/{credential_id}/browse/rows", params={**params, "offset": 0})).json()
    assert [r[0] for r in first["rows"]] == [1, 2, 3, 4, 5] and first["has_more"] is True


async def test_mariadb_is_browsed_and_its_rows_typed(client: httpx.AsyncClient, mysql_source: str) -> None:
    credential_id = await connection(client, "mysql", mysql_source)

    schemas = (await client.get(f"{API}/{credential_id}/browse/schemas")).json()
    tables = (
        await client.get(f"{API}/{credential_id}/browse/tables", params={"schema": mysql_source})
    ).json()
    detail = (
        await client.get(
            f"{API}/{credential_id}/browse/table", params={"schema": mysql_source, "table": "orders"}
        )
    ).json()
    page = (
        await client.get(
            f"{API}/{credential_id}/browse/rows",
            params={"schema": mysql_source, "table": "orders", "limit": 2},
        )
    ).json()

    assert mysql_source in schemas and "mysql" not in schemas
    assert [(t["name"], t["kind"]) for t in tables] == [("orders", "table"), ("v", "view")]
    assert tables[0]["size_bytes"] > 0
    assert (detail["primary_key"], detail["unique_keys"]) == (["id"], [["code"]])
    assert [(c["name"], c["type"], c["nullable"]) for c in detail["columns"][:3]] == [
        ("id", "bigint(20)", False),
        ("code", "varchar(10)", False),
        ("amount", "decimal(30,10)", True),
    ]
    assert [c["value_type"] for c in page["columns"]] == [
        "integer", "text", "decimal", "bytes", "timestamptz", "timestamp", "boolean", "decimal",
    ]  # fmt: skip
    assert page["rows"] == [
        [1, "a", "12345678901234567890.1234567890", "\\x00ff", "2024-03-10T06:30:00+00:00",
         "2024-03-10T06:30:00.500000", True, "18446744073709551615"],
        [2, "b", None, None, None, None, False, "1"],
    ]  # fmt: skip
    assert page["has_more"] is True


async def test_the_builtin_warehouse_is_browsed_to_see_what_a_run_loaded(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    with duckdb.connect(str(settings.warehouse_path)) as conn:
        conn.execute(
            "CREATE TABLE loaded (id BIGINT PRIMARY KEY, amount DECIMAL(18, 3), loaded_at TIMESTAMP, b BLOB)"
        )
        conn.execute(
            "INSERT INTO loaded VALUES (1, 1.5, '2024-01-02 03:04:05', '\\x00\\xFF'::BLOB),"
            " (2, NULL, NULL, NULL)"
        )
    builtin = (await client.get(API)).json()["items"][0]
    assert builtin["is_builtin"] and builtin["browsable"]

    tables = (await client.get(f"{API}/{builtin['id']}/browse/tables", params={"schema": "main"})).json()
    detail = (
        await client.get(f"{API}/{builtin['id']}/browse/table", params={"schema": "main", "table": "loaded"})
    ).json()
    page = (
        await client.get(f"{API}/{builtin['id']}/browse/rows", params={"schema": "main", "table": "loaded"})
    ).json()
    files = await query(client, builtin["id"], "SELECT * FROM read_text('/etc/hostname')")

    assert [(t["name"], t["row_estimate"]) for t in tables] == [("loaded", 2)]
    assert detail["primary_key"] == ["id"]
    assert page["rows"] == [[1, "1.500", "2024-01-02T03:04:05", "\\x00ff"], [2, None, None, None]]
    assert files.status_code == 422 and files.json()["error"] == "QueryRefused"  # no server files


# -- queries --------------------------------------------------------------------------------------


async def test_a_query_is_paged_typed_and_audited_without_secrets(
    client: httpx.AsyncClient, pg_source: str
) -> None:
    credential_id = await connection(client, "postgres", pg_source, password="s3cret-pw")
    sql = "SELECT id, amount, id AS again FROM shop.orders ORDER BY id DESC"

    page = await query(client, credential_id, sql, offset=2, limit=3)

    assert page.status_code == 200, page.text
    body = page.json()
    assert [c["name"] for c in body["columns"]] == ["id", "amount", "again"]
    assert body["rows"] == [[10, "15.0000000000", 10], [9, "13.5000000000", 9], [8, "12.0000000000", 8]]
    assert body["has_more"] is True and body["capped"] is False
    events = (await client.get("/api/v1/audit-events", params={"resource_type": "connection_query"})).json()
    [event] = events["items"]
    assert (event["action"], event["resource_id"]) == ("execute", str(credential_id))
    assert event["changes"]["sql"] == {"before": None, "after": sql}
    assert event["changes"]["connection"]["after"] == f"postgres {pg_source}"
    assert "s3cret-pw" not in str(events)


async def test_a_query_stops_at_the_row_cap_and_its_timeout(
    make_client: Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]],
    make_settings: Callable[..., Settings],
    pg_source: str,
    mysql_source: str,
) -> None:
    async with make_client(make_settings(query_max_rows=5, query_timeout_seconds=1)) as http:
        pg = await connection(http, "postgres", pg_source)
        my = await connection(http, "mysql", mysql_source)
        sql = "SELECT id FROM shop.orders ORDER BY id"

        last = (await query(http, pg, sql, offset=3, limit=10)).json()
        past = await query(http, pg, sql, offset=5, limit=1)
        my_page = (await query(http, my, "SELECT id FROM orders ORDER BY id DESC", offset=1, limit=1)).json()
        my_last = (await query(http, my, "SELECT id FROM orders ORDER BY id DESC", offset=2, limit=10)).json()
        slow_pg = await query(http, pg, "SELECT 1 AS n FROM pg_sleep(5)")
        slow_my = await query(http, my, "SELECT SLEEP(5) AS n")

    assert ([r[0] for r in last["rows"]], last["limit"], last["has_more"], last["capped"]) == (
        [4, 5],
        2,
        False,
        True,
    )
    assert past.status_code == 422 and past.json()["error"] == "QueryRowCap"
    assert (my_page["rows"], my_page["has_more"]) == ([[2]], True)  # MariaDB: its ORDER BY kept
    assert (my_last["rows"], my_last["has_more"], my_last["capped"]) == ([[1]], False, False)
    for slow in (slow_pg, slow_my):
        assert slow.status_code == 422, slow.text
        assert slow.json()["error"] == "QueryRefused" and "time" in slow.json()["message"]


PG_WRITES = [
    "INSERT INTO shop.orders (id, code) VALUES (98, 'y')",
    "DROP TABLE shop.orders",
    "SELECT 1; DROP TABLE shop.orders",
    "SELECT shop.add_row()",
    "SELECT nextval('shop.s')",
    "WITH gone AS (DELETE FROM shop.orders RETURNING id) SELECT * FROM gone",
]
MYSQL_WRITES = [
    "INSERT INTO orders (id, code) VALUES (98, 'y')",
    "DROP TABLE orders",
    "SELECT 1; DROP TABLE orders",
    "SELECT add_row()",
    "SELECT NEXTVAL(s)",
]


@pytest.mark.parametrize("sql", PG_WRITES)
async def test_postgres_refuses_a_query_that_writes_and_nothing_changes(
    client: httpx.AsyncClient, pg_source: str, sql: str
) -> None:
    credential_id = await connection(client, "postgres", pg_source)

    response = await query(client, credential_id, sql)

    assert response.status_code == 422, response.text
    assert response.json()["error"] == "QueryRefused"
    assert pg_rows(pg_source, "SELECT count(*), max(id) FROM shop.orders") == [(12, 12)]
    assert pg_rows(pg_source, "SELECT last_value, is_called FROM shop.s") == [(1, False)]


@pytest.mark.parametrize("sql", MYSQL_WRITES)
async def test_mariadb_refuses_a_query_that_writes_and_nothing_changes(
    client: httpx.AsyncClient, mysql_source: str, sql: str
) -> None:
    credential_id = await connection(client, "mysql", mysql_source)

    response = await query(client, credential_id, sql)

    assert response.status_code == 422, response.text
    assert response.json()["error"] == "QueryRefused"
    assert mysql_rows(mysql_source, "SELECT COUNT(*), MAX(id) FROM orders") == [(3, 3)]
    assert mysql_rows(mysql_source, "SELECT NEXTVAL(s)") == [(1,)]  # never advanced before


async def test_a_query_the_database_rejects_is_a_422_with_its_words(
    client: httpx.AsyncClient, pg_source: str
) -> None:
    credential_id = await connection(client, "postgres", pg_source)

    response = await query(client, credential_id, "SELECT nope FROM shop.orders")

    assert response.status_code == 422
    assert response.json()["error"] == "QueryFailed" and "nope" in response.json()["message"]


# -- roles, reachability, network policy ----------------------------------------------------------


async def test_a_viewer_browses_but_cannot_run_a_query(
    client: httpx.AsyncClient,
    client_as: Callable[[Role], AbstractAsyncContextManager[httpx.AsyncClient]],
    pg_source: str,
) -> None:
    credential_id = await connection(client, "postgres", pg_source)
    async with client_as(Role.VIEWER) as viewer, client_as(Role.OPERATOR) as operator:
        rows = await viewer.get(
            f"{API}/{credential_id}/browse/rows", params={"schema": "shop", "table": "orders"}
        )
        refused = await query(viewer, credential_id, "SELECT 1")
        allowed = await query(operator, credential_id, "SELECT 1 AS one")

    assert rows.status_code == 200
    assert refused.status_code == 403 and refused.json()["error"] == "PermissionDenied"
    assert allowed.status_code == 200 and allowed.json()["rows"] == [[1]]
    assert "password" not in rows.text


async def test_an_unreachable_host_is_a_502_with_a_readable_message(client: httpx.AsyncClient) -> None:
    pg = await connection(client, "postgres", "nothing", port=1)
    my = await connection(client, "mysql", "nothing", port=1)

    for credential_id in (pg, my):
        schemas = await client.get(f"{API}/{credential_id}/browse/schemas")
        ran = await query(client, credential_id, "SELECT 1")
        for response in (schemas, ran):
            assert response.status_code == 502, response.text
            assert response.json()["error"] == "ConnectionUnreachable"
            assert "Connection refused" in response.json()["message"]  # the driver's words


async def test_a_link_local_host_is_refused_before_connecting(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    # Stored before the policy refused it (the API refuses such a host at creation).
    credential = Credential(
        name="metadata", kind="mysql", usage=ConnectionUsage.SOURCE, host="169.254.169.254", port=80,
        database="x", username="u", options={},
    )  # fmt: skip
    session.add(credential)
    await session.commit()

    browsed = await client.get(f"{API}/{credential.id}/browse/schemas")
    ran = await query(client, credential.id, "SELECT 1")

    for response in (browsed, ran):
        assert response.status_code == 422, response.text
        assert (
            response.json()["error"] == "DestinationRefused"
            and "NETWORK_DENYLIST" in response.json()["message"]
        )


async def test_a_kind_the_browser_cannot_read_is_a_422(client: httpx.AsyncClient) -> None:
    created = await client.post(
        API,
        json={"name": "mssql", "kind": "sqlserver", "host": "127.0.0.1", "database": "x", "username": "u"},
    )
    assert created.json()["live_tested"] is False

    response = await client.get(f"{API}/{created.json()['id']}/browse/schemas")

    assert response.status_code == 422 and response.json()["error"] == "BrowseNotSupported"
