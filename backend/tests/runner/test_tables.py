"""The runner for jobs with database sources: a many-table run planned, loaded table by table and
settled (one table failing while the others load, its retry loading it alone), the job's own bound
on parallel tables, an incremental table run twice, and a query job rendered with its run's variables.

Real parts: the source is a PostgreSQL database per test, the destination the DuckDB warehouse
file, the app database SQLite (the embedded default).
"""

from __future__ import annotations

import base64
import contextlib
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from source_databases import pg_database, pg_execute
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import portal.db.models  # noqa: F401  (every table, variables included, for create_all)
from portal.connections.models import Credential
from portal.core.config import Settings
from portal.db.base import Base
from portal.db.sync import create_sync_engine, create_sync_session_factory
from portal.jobs.models import ColumnMapping, Job, JobTable
from portal.runner.errors import RunFailedError
from portal.runner.job_run import execute_attempt
from portal.runner.tables import SINGLE, claim_slot, plan_run, settle_run
from portal.runs import lifecycle
from portal.runs.models import JobRun, JobRunEvent, JobRunStatus, RunTrigger
from portal.variables.models import Variable

KEY = base64.b64encode(b"runner-tables-credentials-key-32").decode()
SOURCE = """
CREATE TABLE public.cities (id integer PRIMARY KEY, name text);
CREATE TABLE public.rivers (id integer PRIMARY KEY, name text, km numeric(8, 1));
CREATE TABLE public.peaks (id integer PRIMARY KEY, name text, m integer);
INSERT INTO public.cities VALUES (1, 'Lyon'), (2, 'Oslo');
INSERT INTO public.rivers VALUES (1, 'Rhone', 812.0);
INSERT INTO public.peaks VALUES (1, 'Eiger', 3967), (2, 'Fuji', 3776), (3, 'Etna', 3357);
CREATE TABLE public.orders (id integer PRIMARY KEY, amount integer, changed timestamptz);
INSERT INTO public.orders VALUES (1, 10, '2026-01-01 10:00+00'), (2, 20, '2026-01-01 11:00+00');
"""
COLUMNS = {
    "cities": [("id", "INTEGER"), ("name", "TEXT")],
    "rivers": [("id", "INTEGER"), ("name", "TEXT"), ("km", "NUMERIC")],
    "peaks": [("id", "INTEGER"), ("name", "TEXT"), ("m", "INTEGER")],
    "orders": [("id", "INTEGER"), ("amount", "INTEGER"), ("changed", "TIMESTAMPTZ")],
}


@pytest.fixture
def source() -> Iterator[str]:
    with pg_database(SOURCE) as name:
        yield name


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'portal.db'}",
        credentials_key=KEY,
        upload_dir=tmp_path / "uploads",
        warehouse_path=tmp_path / "warehouse.duckdb",
    )


@pytest.fixture
def sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = create_sync_engine(settings)
    Base.metadata.create_all(engine)
    yield create_sync_session_factory(engine)
    engine.dispose()


@pytest.fixture
def make_job(sessions: sessionmaker[Session], settings: Settings, source: str) -> Callable[..., int]:
    """`make_job(tables=[...], **job)` -> a job reading `source` into the warehouse; a table is a
    name (INSERT into raw_<name>) or a dict of JobTable fields with `source_table`."""

    def make(tables: list[str | dict[str, Any]] | None = None, **fields: Any) -> int:
        with sessions.begin() as session:
            pg = Credential(
                name=f"src {uuid.uuid4().hex}", kind="postgres", usage="source", host="127.0.0.1", port=5432,
                database=source, username="postgres",
            )  # fmt: skip
            warehouse = Credential(
                name=f"warehouse {uuid.uuid4().hex}",
                kind="duckdb",
                is_builtin=True,
                options={"path": str(settings.warehouse_path)},
            )
            session.add_all([pg, warehouse])
            session.flush()
            values = {
                "name": "geo",
                "source_type": "tables",
                "target_schema": "",
                "target_table": "",
                **fields,
            }
            job = Job(source_credential_id=pg.id, credential_id=warehouse.id, **values)
            job.tables = []
            session.add(job)
            session.flush()
            for position, spec in enumerate(tables or []):
                values = {"source_table": spec} if isinstance(spec, str) else dict(spec)
                name = values["source_table"]
                row = JobTable(
                    position=position,
                    source_schema="public",
                    target_schema="main",
                    **{"target_table": f"raw_{name}", **values},
                )
                row.mappings = [
                    ColumnMapping(job_id=job.id, position=i, source_column=c, target_column=c, target_type=t)
                    for i, (c, t) in enumerate(COLUMNS[name])
                ]
                job.tables.append(row)
            return job.id

    return make


def new_run(sessions: sessionmaker[Session], job_id: int, *, tables: bool = True) -> int:
    with sessions.begin() as session:
        job = session.get(Job, job_id)
        assert job is not None
        run = lifecycle.new_run(job_id, trigger=RunTrigger.MANUAL, created_at=datetime.now(UTC))
        if tables:
            run.tables = lifecycle.new_table_runs([t for t in job.tables if t.include])
        session.add(run)
        session.flush()
        return run.id


def run_all(sessions: sessionmaker[Session], settings: Settings, run_id: int) -> dict[int, str]:
    """What the DAG does: plan, one attempt per planned table (a failure recorded, not raised),
    then finish; returns each planned table run's outcome."""
    outcomes = {}
    for table_run_id in plan_run(sessions, run_id):
        try:
            outcomes[table_run_id] = execute_attempt(sessions, settings, run_id, 1, table_run_id)["status"]
        except RunFailedError as error:
            outcomes[table_run_id] = f"failed: {error}"
    with contextlib.suppress(RunFailedError):  # a run that did not succeed: the DAG run fails too
        settle_run(sessions, run_id)
    return outcomes


def run_row(sessions: sessionmaker[Session], run_id: int) -> JobRun:
    with sessions() as session:
        run = session.get(JobRun, run_id)
        assert run is not None
        _ = run.tables
        return run


def warehouse(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def test_a_many_table_run_loads_each_table_and_sums_their_counts(
    sessions: sessionmaker[Session], settings: Settings, make_job: Callable[..., int]
) -> None:
    run_id = new_run(sessions, make_job(["cities", "rivers", "peaks"]))

    outcomes = run_all(sessions, settings, run_id)

    assert list(outcomes.values()) == ["COMPLETED"] * 3
    run = run_row(sessions, run_id)
    assert (run.status, run.rows_read, run.rows_loaded) == (JobRunStatus.COMPLETED, 6, 6)
    assert [(t.target_name, t.status, t.rows_loaded, t.attempt) for t in run.tables] == [
        ("main.raw_cities", "COMPLETED", 2, 1),
        ("main.raw_rivers", "COMPLETED", 1, 1),
        ("main.raw_peaks", "COMPLETED", 3, 1),
    ]
    assert warehouse(settings, "SELECT name, m FROM main.raw_peaks ORDER BY id") == [
        ("Eiger", 3967),
        ("Fuji", 3776),
        ("Etna", 3357),
    ]
    with sessions() as session:
        table_events = session.scalars(
            select(JobRunEvent).where(
                JobRunEvent.job_run_id == run_id, JobRunEvent.job_run_table_id.is_not(None)
            )
        ).all()
    by_table = {t.id: [e.kind for e in table_events if e.job_run_table_id == t.id] for t in run.tables}
    assert all({"status", "progress"} <= set(kinds) for kinds in by_table.values())


def test_a_failing_table_fails_the_run_by_name_and_its_retry_loads_it_alone(
    sessions: sessionmaker[Session], settings: Settings, make_job: Callable[..., int], source: str
) -> None:
    job_id = make_job(["cities", "rivers", "peaks"])
    pg_execute(source, "ALTER TABLE public.rivers RENAME TO rivers_gone")
    run_id = new_run(sessions, job_id)

    outcomes = run_all(sessions, settings, run_id)

    run = run_row(sessions, run_id)
    assert [t.status for t in run.tables] == ["COMPLETED", "FAILED", "COMPLETED"]
    assert run.status == JobRunStatus.FAILED
    assert run.error_message is not None and run.error_message.startswith(
        "1 of 3 tables failed: public.rivers"
    )
    assert "does not exist" in run.error_message
    assert "failed:" in list(outcomes.values())[1]
    assert (run.rows_loaded, run.tables[1].rows_loaded) == (5, 0)

    pg_execute(source, "ALTER TABLE public.rivers_gone RENAME TO rivers")
    with sessions.begin() as session:
        job = session.get(Job, job_id)
        assert job is not None
        retry = lifecycle.new_run(job_id, trigger=RunTrigger.MANUAL, created_at=datetime.now(UTC))
        retry.tables = lifecycle.new_table_runs([t for t in job.tables if t.id == run.tables[1].job_table_id])
        session.add(retry)
        session.flush()
        retry_id = retry.id
    run_all(sessions, settings, retry_id)

    again = run_row(sessions, retry_id)
    assert (again.status, [t.target_name for t in again.tables], again.rows_loaded) == (
        JobRunStatus.COMPLETED,
        ["main.raw_rivers"],
        1,
    )
    assert warehouse(settings, "SELECT count(*) FROM main.raw_cities") == [(2,)]  # not loaded twice


def test_a_table_waits_for_a_slot_under_the_jobs_max_parallel_tables(
    sessions: sessionmaker[Session], settings: Settings, make_job: Callable[..., int]
) -> None:
    run_id = new_run(sessions, make_job(["cities", "rivers"], max_parallel_tables=1))
    first, second = plan_run(sessions, run_id)
    assert claim_slot(sessions, run_id, first, 1, {"attempt": 1}, {"attempt": 1})
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # while it waits, the first table ends and frees its slot
        waits.append(seconds)
        with sessions.begin() as session:
            lifecycle.move_table_sync(session, first, JobRunStatus.COMPLETED)

    claimed = claim_slot(sessions, run_id, second, 1, {"attempt": 1}, {"attempt": 1}, sleep=sleep)

    assert claimed and waits == [1.0]
    assert [t.status for t in run_row(sessions, run_id).tables] == ["COMPLETED", "RUNNING"]


def test_a_table_waiting_for_a_slot_stops_when_its_run_is_cancelled(
    sessions: sessionmaker[Session], settings: Settings, make_job: Callable[..., int]
) -> None:
    run_id = new_run(sessions, make_job(["cities", "rivers"], max_parallel_tables=1))
    first, second = plan_run(sessions, run_id)
    assert claim_slot(sessions, run_id, first, 1, {}, {})

    def cancel(_: float) -> None:
        with sessions.begin() as session:
            lifecycle.move_sync(session, run_id, JobRunStatus.CANCELLED, reason="Cancelled by user")
            lifecycle.end_tables_sync(session, run_id, JobRunStatus.CANCELLED, "Cancelled by user")

    assert claim_slot(sessions, run_id, second, 1, {}, {}, sleep=cancel) is False
    with pytest.raises(RunFailedError):
        settle_run(sessions, run_id)
    assert [t.status for t in run_row(sessions, run_id).tables] == ["CANCELLED", "CANCELLED"]


def test_tables_whose_tasks_were_lost_fail_when_the_run_is_settled(
    sessions: sessionmaker[Session], settings: Settings, make_job: Callable[..., int]
) -> None:
    run_id = new_run(sessions, make_job(["cities", "rivers"]))
    first, _ = plan_run(sessions, run_id)
    execute_attempt(sessions, settings, run_id, 1, first)

    with pytest.raises(RunFailedError, match=r"1 of 2 tables failed: public\.rivers"):
        settle_run(sessions, run_id)
    run = run_row(sessions, run_id)
    assert (
        run.tables[1].error_message is not None
        and "without reporting a result" in run.tables[1].error_message
    )


def test_a_scheduled_run_gets_its_table_runs_when_planned_and_a_single_source_run_one_item(
    sessions: sessionmaker[Session], make_job: Callable[..., int]
) -> None:
    tables_job = make_job(["cities", {"source_table": "peaks", "include": False}])
    scheduled = new_run(sessions, tables_job, tables=False)
    single = new_run(
        sessions,
        make_job(source_type="query", source_query="SELECT 1 AS one", target_table="one"),
        tables=False,
    )

    planned = plan_run(sessions, scheduled)

    assert len(planned) == 1 and plan_run(sessions, scheduled) == planned  # planned once
    run = run_row(sessions, scheduled)
    assert (run.status, [t.source_name for t in run.tables]) == (JobRunStatus.RUNNING, ["public.cities"])
    assert plan_run(sessions, single) == [SINGLE]


def test_an_incremental_table_reads_only_what_changed_since_its_last_committed_cursor(
    sessions: sessionmaker[Session], settings: Settings, make_job: Callable[..., int], source: str
) -> None:
    job_id = make_job(
        [
            {
                "source_table": "orders",
                "strategy": "INCREMENTAL",
                "upsert_keys": ["id"],
                "cursor_column": "changed",
            }
        ]
    )
    run_all(sessions, settings, new_run(sessions, job_id))
    pg_execute(
        source,
        "UPDATE public.orders SET amount = 21 WHERE id = 2;"  # at the boundary: same cursor value
        "INSERT INTO public.orders VALUES (3, 30, '2026-01-01 12:00+00');",
    )

    second = new_run(sessions, job_id)
    run_all(sessions, settings, second)

    run = run_row(sessions, second)
    assert run.status == JobRunStatus.COMPLETED
    assert run.rows_read == 2  # the boundary row again and the new one, not the first
    assert warehouse(settings, "SELECT id, amount FROM main.raw_orders ORDER BY id") == [
        (1, 10),
        (2, 21),
        (3, 30),
    ]


def test_a_query_job_reads_its_query_rendered_with_the_runs_variables(
    sessions: sessionmaker[Session], settings: Settings, make_job: Callable[..., int]
) -> None:
    job_id = make_job(
        source_type="query",
        source_query="SELECT id, name FROM public.peaks WHERE m > {{ min_height }} ORDER BY id",
        target_schema="main",
        target_table="high_peaks",
    )
    with sessions.begin() as session:
        session.add(Variable(name="min_height", kind="static", value=3500))
        job = session.get(Job, job_id)
        assert job is not None
        job.mappings = [
            ColumnMapping(position=i, source_column=c, target_column=c, target_type=t)
            for i, (c, t) in enumerate(COLUMNS["cities"])
        ]
    run_id = new_run(sessions, job_id, tables=False)

    assert plan_run(sessions, run_id) == [SINGLE]
    summary = execute_attempt(sessions, settings, run_id, 1)

    assert summary["status"] == "COMPLETED"
    assert warehouse(settings, "SELECT id, name FROM main.high_peaks ORDER BY id") == [
        (1, "Eiger"),
        (2, "Fuji"),
    ]
    assert settle_run(sessions, run_id)["status"] == "COMPLETED"
    assert run_row(sessions, run_id).tables == []
