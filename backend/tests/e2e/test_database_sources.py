"""Jobs reading databases, for real: one DAG run per job run with one mapped Airflow task per
table, followed over SSE. A 5-table PostgreSQL -> DuckDB job, a MariaDB -> PostgreSQL job, a table
failing (its source table dropped) while the others load and then retried alone, an incremental
table run twice with rows inserted and updated (at the exact cursor boundary too) in between, and a
task killed mid-table (throttled, so it is still loading) that leaves its target unchanged until its
retry loads it exactly once.

The source databases are per test on the machine's PostgreSQL and MariaDB (etl_h3_*).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import duckdb
import psycopg
import pytest
from e2e_client import TERMINAL, PortalClient, parse_time
from source_databases import mysql_database, mysql_rows, pg_database, pg_execute, pg_rows, source_connection

from portal.devstack import Stack

pytestmark = pytest.mark.e2e

FIVE_TABLES = {"alpha": 5, "beta": 120, "gamma": 1, "delta": 2500, "epsilon": 40}


@pytest.fixture
def five_tables() -> Iterator[str]:
    setup = "".join(
        f"CREATE TABLE public.{name} (id integer PRIMARY KEY, label text, amount numeric(10, 2),"
        " at timestamptz);"
        f"INSERT INTO public.{name} SELECT g, '{name} ' || g, g * 0.5,"
        f" '2026-01-01'::timestamptz + g * interval '1 minute' FROM generate_series(1, {rows}) g;"
        for name, rows in FIVE_TABLES.items()
    )
    with pg_database(setup) as name:
        yield name


def connect(portal: PortalClient, kind: str, database: str) -> dict[str, Any]:
    return portal.create_credential(**source_connection(kind, database))


def tables_job(
    portal: PortalClient,
    source: dict[str, Any],
    destination: dict[str, Any],
    refs: list[dict[str, Any]],
    target_schema: str,
    **fields: Any,
) -> dict[str, Any]:
    """A tables job with the proposed tables (mappings from the source, UPSERT on the key), each
    changed by `table_fields`."""
    proposed = portal.http.post(
        "/api/v1/jobs/propose-tables",
        json={"source_credential_id": source["id"], "tables": refs, "target_schema": target_schema},
    )
    assert proposed.status_code == 200, proposed.text
    table_fields = fields.pop("table_fields", {})
    return portal.create_job(
        name=f"tables of {source['name']}",
        source_type="tables",
        source_credential_id=source["id"],
        credential_id=destination["id"],
        tables=[{**table, **table_fields} for table in proposed.json()["tables"]],
        **fields,
    )


def warehouse(stack: Stack, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(stack.config.portal_env["WAREHOUSE_PATH"], read_only=True) as conn:
        return conn.execute(sql).fetchall()


def table_runs(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {table["source_name"].split(".")[-1]: table for table in run["tables"]}


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout}s: {what}"
        time.sleep(0.2)


def test_a_five_table_postgres_job_loads_into_duckdb_followed_over_sse_table_by_table(
    portal: PortalClient, stack: Stack, five_tables: str
) -> None:
    source = connect(portal, "postgres", five_tables)
    job = tables_job(
        portal,
        source,
        portal.builtin_warehouse(),
        [{"schema": "public", "table": name} for name in FIVE_TABLES],
        "five",
        max_parallel_tables=2,
    )

    run = portal.execute(job["id"])
    events = portal.follow(run["id"], timeout=300)

    final = events[-1].data
    assert final["status"] == "COMPLETED", final
    assert (final["rows_read"], final["rows_loaded"]) == (sum(FIVE_TABLES.values()),) * 2
    tables = table_runs(final)
    assert {name: (t["status"], t["rows_loaded"], t["attempt"]) for name, t in tables.items()} == {
        name: ("COMPLETED", rows, 1) for name, rows in FIVE_TABLES.items()
    }
    table_events = [e.data for e in events if e.event == "table"]
    ids = {t["id"] for t in final["tables"]}
    assert {e["job_run_table_id"] for e in table_events} == ids  # every table reported on its own
    assert all(e["data"]["status"] in ("RUNNING", "COMPLETED") for e in table_events if e["kind"] == "status")
    assert any(e.event == "progress" and len(e.data["tables"]) == 5 for e in events)
    for name, rows in FIVE_TABLES.items():
        assert warehouse(stack, f"SELECT count(*), count(DISTINCT id), sum(amount) FROM five.{name}") == [
            (rows, rows, sum(Decimal(g) / 2 for g in range(1, rows + 1)))
        ]
    # The bound held: never more than 2 tables RUNNING at once (from the recorded start/end times).
    spans = sorted((parse_time(t["started_at"]), parse_time(t["finished_at"])) for t in final["tables"])
    assert max(sum(1 for s, f in spans if s <= start < f) for start, _ in spans) <= 2


def test_a_mariadb_job_loads_into_postgres(
    portal: PortalClient, pg_credential: dict[str, Any], dest: psycopg.Connection
) -> None:
    with mysql_database(
        "CREATE TABLE items (sku VARCHAR(20) PRIMARY KEY, price DECIMAL(12, 2), stock INT UNSIGNED,"
        " active TINYINT(1), updated DATETIME, note TEXT)",
        "INSERT INTO items VALUES ('a-1', 9.99, 3, 1, '2024-05-01 10:00:00', 'Zoë 張'),"
        " ('b-2', 12345678.90, 4294967295, 0, NULL, NULL)",
        "CREATE TABLE tags (id BIGINT PRIMARY KEY, name VARCHAR(40))",
        "INSERT INTO tags VALUES (1, 'red'), (9007199254740993, 'blue')",
    ) as database:
        source = connect(portal, "mysql", database)
        dest.execute("DROP SCHEMA IF EXISTS from_maria CASCADE")
        job = tables_job(portal, source, pg_credential, [{"table": "items"}, {"table": "tags"}], "from_maria")

        final = portal.follow(portal.execute(job["id"])["id"], timeout=300)[-1].data

        assert final["status"] == "COMPLETED", final
        assert {n: t["rows_loaded"] for n, t in table_runs(final).items()} == {"items": 2, "tags": 2}
        assert len(mysql_rows(database, "SELECT * FROM items")) == 2  # the source is only read
    rows = dest.execute(
        "SELECT sku, price::text, stock, active, updated, note FROM from_maria.items ORDER BY sku"
    )
    assert [tuple(r) for r in rows.fetchall()] == [
        ("a-1", "9.99", 3, True, dt.datetime(2024, 5, 1, 10, 0), "Zoë 張"),
        ("b-2", "12345678.90", 4294967295, False, None, None),
    ]
    assert dest.execute("SELECT id FROM from_maria.tags ORDER BY id").fetchall() == [
        (1,),
        (9007199254740993,),
    ]


def test_a_table_whose_source_was_dropped_fails_alone_and_retry_failed_tables_loads_it(
    portal: PortalClient, stack: Stack, five_tables: str
) -> None:
    source = connect(portal, "postgres", five_tables)
    names = ["alpha", "beta", "gamma"]
    job = tables_job(
        portal,
        source,
        portal.builtin_warehouse(),
        [{"schema": "public", "table": n} for n in names],
        "partial",
    )
    pg_execute(five_tables, "ALTER TABLE public.beta RENAME TO beta_away")

    failed = portal.follow(portal.execute(job["id"])["id"], timeout=300)[-1].data

    assert failed["status"] == "FAILED", failed
    assert {n: t["status"] for n, t in table_runs(failed).items()} == {
        "alpha": "COMPLETED",
        "beta": "FAILED",
        "gamma": "COMPLETED",
    }
    assert failed["error_message"].startswith("1 of 3 tables failed: public.beta")
    assert "does not exist" in table_runs(failed)["beta"]["error_message"]
    assert warehouse(stack, "SELECT count(*) FROM partial.alpha") == [(FIVE_TABLES["alpha"],)]

    pg_execute(five_tables, "ALTER TABLE public.beta_away RENAME TO beta")
    response = portal.http.post(f"/api/v1/job-runs/{failed['id']}/retry-failed-tables")
    assert response.status_code == 201, response.text
    retried = portal.follow(response.json()["id"], timeout=300)[-1].data

    assert retried["status"] == "COMPLETED", retried
    assert [(t["source_name"], t["rows_loaded"]) for t in retried["tables"]] == [
        ("public.beta", FIVE_TABLES["beta"])
    ]
    assert warehouse(stack, "SELECT count(*), count(DISTINCT id) FROM partial.beta") == [
        (FIVE_TABLES["beta"],) * 2
    ]
    assert warehouse(stack, "SELECT count(*) FROM partial.alpha") == [(FIVE_TABLES["alpha"],)]  # not again


def test_an_incremental_table_run_twice_ends_equal_to_its_source_without_duplicates(
    portal: PortalClient, pg_credential: dict[str, Any], dest: psycopg.Connection
) -> None:
    setup = (
        "CREATE TABLE public.orders (id integer PRIMARY KEY, amount integer, changed timestamptz NOT NULL);"
        "INSERT INTO public.orders VALUES (1, 10, '2026-03-01 10:00+00'), (2, 20, '2026-03-01 11:00+00'),"
        " (3, 30, '2026-03-01 11:00+00'), (6, 60, '2026-03-01 09:00+00');"
    )
    with pg_database(setup) as database:
        source = connect(portal, "postgres", database)
        dest.execute("DROP SCHEMA IF EXISTS incr CASCADE")
        job = tables_job(
            portal,
            source,
            pg_credential,
            [{"schema": "public", "table": "orders"}],
            "incr",
            table_fields={"strategy": "INCREMENTAL", "cursor_column": "changed"},
        )
        first = portal.follow(portal.execute(job["id"])["id"], timeout=300)[-1].data
        assert (first["status"], first["rows_loaded"]) == ("COMPLETED", 4), first

        pg_execute(
            database,
            # At the exact boundary (the last cursor, 11:00): an update in place and a late insert.
            "UPDATE public.orders SET amount = 21 WHERE id = 2;"
            "INSERT INTO public.orders VALUES (4, 40, '2026-03-01 11:00+00');"
            # Past it: a changed row and a new one.
            "UPDATE public.orders SET amount = 11, changed = '2026-03-01 12:00+00' WHERE id = 1;"
            "INSERT INTO public.orders VALUES (5, 50, '2026-03-01 12:30+00');",
        )
        second = portal.follow(portal.execute(job["id"])["id"], timeout=300)[-1].data

        assert second["status"] == "COMPLETED", second
        assert second["rows_read"] == 5  # 2, 3, 4 at the boundary, 1 and 5 past it; not 6, before it
        expected = pg_rows(database, "SELECT id, amount, changed FROM public.orders ORDER BY id")
    loaded = dest.execute("SELECT id, amount, changed FROM incr.orders ORDER BY id").fetchall()
    assert [tuple(r) for r in loaded] == [tuple(r) for r in expected]


def test_a_table_task_killed_mid_load_leaves_its_target_unchanged_until_its_retry_loads_it_once(
    portal: PortalClient, pg_credential: dict[str, Any], dest: psycopg.Connection
) -> None:
    rows = 6000
    setup = (
        "CREATE TABLE public.big (id integer PRIMARY KEY, name text);"
        f"INSERT INTO public.big SELECT g, 'n' || g FROM generate_series(1, {rows}) g;"
        "CREATE TABLE public.small (id integer PRIMARY KEY, name text);"
        "INSERT INTO public.small VALUES (1, 'one');"
    )
    with pg_database(setup) as database:
        source = connect(portal, "postgres", database)
        dest.execute("DROP SCHEMA IF EXISTS killed_table CASCADE")
        dest.execute("CREATE SCHEMA killed_table")
        dest.execute("CREATE TABLE killed_table.big (id integer PRIMARY KEY, name text)")
        dest.execute("INSERT INTO killed_table.big VALUES (-1, 'sentinel'), (-2, 'sentinel')")
        job = tables_job(
            portal,
            source,
            pg_credential,
            [{"schema": "public", "table": "big"}, {"schema": "public", "table": "small"}],
            "killed_table",
            # 6000 rows at 1500/s: each attempt loads for at least 4 s, so it is still loading when killed.
            max_rows_per_second=1500,
            batch_size=1000,
            max_retries=1,
            retry_delay_seconds=1,
        )
        run = portal.execute(job["id"])
        big = table_runs(run)["big"]["id"]

        def staging(attempt: int) -> bool:
            table = next(t for t in portal.run(run["id"])["tables"] if t["id"] == big)
            assert table["status"] not in TERMINAL, table
            return table["status"] == "RUNNING" and table["attempt"] == attempt and table["rows_staged"] > 0

        wait_for(lambda: staging(1), 120, "the big table loading")
        os.kill(table_pid(portal, run["id"], big, attempt=1), signal.SIGKILL)
        wait_for(lambda: staging(2), 120, "the big table's retry loading")
        assert dest.execute("SELECT count(*) FROM killed_table.big").fetchone() == (2,)  # nothing committed

        final = portal.follow(run["id"], timeout=300)[-1].data

    assert final["status"] == "COMPLETED", final
    tables = table_runs(final)
    assert (tables["big"]["attempt"], tables["big"]["rows_loaded"]) == (2, rows)
    assert (tables["small"]["attempt"], tables["small"]["rows_loaded"]) == (1, 1)
    assert dest.execute("SELECT count(*), count(DISTINCT id) FROM killed_table.big").fetchone() == (
        rows + 2,
        rows + 2,
    )
    lost = [e for e in portal.events(run["id"]) if e["message"] == "previous_attempt_lost"]
    assert [(e["job_run_table_id"], e["data"]["attempt"]) for e in lost] == [(big, 1)]


def table_pid(portal: PortalClient, run_id: int, table_run_id: int, *, attempt: int) -> int:
    """The process id the runner recorded when this attempt at the table started."""
    for event in portal.events(run_id):
        data = event["data"] or {}
        if (
            event["job_run_table_id"] == table_run_id
            and data.get("status") == "RUNNING"
            and data.get("attempt") == attempt
        ):
            return int(data["pid"])
    raise AssertionError(f"table run {table_run_id} has no RUNNING event for attempt {attempt}")
