"""A job's run controls: `max_rows_per_second` (a cap carried to the engine) and the one-active-run
rule of `POST /jobs/execute/{id}` (`allow_concurrent_runs`), under concurrent requests on both app
databases, and what a schedule tick does when its job is busy.

Airflow is a stand-in that accepts triggers (slowly, so concurrent executes overlap); the app
database is the real PostgreSQL of the API tests, or a migrated SQLite file (the embedded default).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from accounts import admin_of, token_client, token_for
from alembic import command
from databases import alembic_config
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from portal.clients.airflow import AirflowClient
from portal.core.config import Settings
from portal.db.sync import create_sync_engine, create_sync_session_factory
from portal.main import create_app
from portal.runner.scheduled import ensure_scheduled_run
from portal.runs.models import JobRun, JobRunStatus
from portal.schedules.models import Schedule

EXECUTES = 10
CSV = b"id,name\n1,a\n2,b\n3,c\n"


class AcceptingAirflow:
    """Accepts every trigger after `delay` seconds and remembers it; `refuse` answers 503 instead."""

    def __init__(self, delay: float = 0.05) -> None:
        self.delay = delay
        self.refuse = False
        self.triggered: list[str] = []

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/token":
            return httpx.Response(201, json={"access_token": "t"})
        if request.method == "POST" and request.url.path.endswith("/dagRuns"):
            await asyncio.sleep(self.delay)
            if self.refuse:
                return httpx.Response(503, json={"detail": "scheduler down"})
            self.triggered.append(request.read().decode())
            return httpx.Response(200, json={})
        return httpx.Response(400, json={"detail": f"unexpected {request.method} {request.url.path}"})

    def client(self) -> AirflowClient:
        return AirflowClient(
            "http://airflow.test", "admin", "admin", transport=httpx.MockTransport(self.handle)
        )


@asynccontextmanager
async def portal(
    settings: Settings, airflow: AcceptingAirflow
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        await application.state.airflow.aclose()
        application.state.airflow = airflow.client()
        admin = await admin_of(application)
        async with token_client(application, await token_for(application, admin)) as http:
            yield application, http


async def create_job(http: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    upload = await http.post("/api/v1/sources/csv/upload", files={"file": ("people.csv", CSV)})
    assert upload.status_code == 201, upload.text
    credentials = (await http.get("/api/v1/credentials")).json()["items"]
    warehouse = next(c for c in credentials if c["is_builtin"])
    body = {
        "name": "people",
        "file_id": upload.json()["id"],
        "credential_id": warehouse["id"],
        "target_schema": "main",
        "target_table": "people",
        **fields,
    }
    created = await http.post("/api/v1/jobs", json=body)
    assert created.status_code == 201, created.text
    job: dict[str, Any] = created.json()
    return job


async def execute_together(http: httpx.AsyncClient, job_id: int) -> list[httpx.Response]:
    return list(await asyncio.gather(*(http.post(f"/api/v1/jobs/execute/{job_id}") for _ in range(EXECUTES))))


@pytest.fixture
def sqlite_settings(make_settings: Callable[..., Settings], tmp_path: Path) -> Settings:
    url = f"sqlite+aiosqlite:///{tmp_path / 'portal.db'}"
    command.upgrade(alembic_config(url), "head")
    return make_settings(database_url=url)


@pytest.fixture(params=["postgresql", "sqlite"])
def app_settings(request: pytest.FixtureRequest, settings: Settings, clean_tables: None) -> Settings:
    return settings if request.param == "postgresql" else request.getfixturevalue("sqlite_settings")


async def test_concurrent_executes_of_one_job_start_exactly_one_run(app_settings: Settings) -> None:
    airflow = AcceptingAirflow()
    async with portal(app_settings, airflow) as (_, http):
        job = await create_job(http)
        responses = await execute_together(http, job["id"])

        accepted = [r for r in responses if r.status_code == 202]
        refused = [r for r in responses if r.status_code == 409]
        assert (len(accepted), len(refused)) == (1, EXECUTES - 1), [r.text for r in responses]
        run = accepted[0].json()
        assert {r.json()["error"] for r in refused} == {"JobAlreadyRunning"}
        assert {r.json()["details"]["active_run_id"] for r in refused} == {run["id"]}
        assert {r.json()["details"]["active_run_status"] for r in refused} == {"PENDING"}
        assert f"run {run['id']} PENDING" in refused[0].json()["message"]
        runs = (await http.get("/api/v1/job-runs", params={"job_id": job["id"]})).json()
        assert [r["id"] for r in runs["items"]] == [run["id"]]
        assert len(airflow.triggered) == 1


async def test_a_job_that_allows_concurrent_runs_starts_one_run_per_execute(app_settings: Settings) -> None:
    airflow = AcceptingAirflow()
    async with portal(app_settings, airflow) as (_, http):
        job = await create_job(http, allow_concurrent_runs=True)
        responses = await execute_together(http, job["id"])

        assert [r.status_code for r in responses] == [202] * EXECUTES
        assert len({r.json()["id"] for r in responses}) == EXECUTES
        assert len(airflow.triggered) == EXECUTES


async def test_a_job_runs_again_once_its_run_has_finished(settings: Settings, clean_tables: None) -> None:
    async with portal(settings, AcceptingAirflow()) as (application, http):
        job = await create_job(http)
        first = (await http.post(f"/api/v1/jobs/execute/{job['id']}")).json()
        busy = await http.post(f"/api/v1/jobs/execute/{job['id']}")
        async with application.state.session_factory() as session:
            await session.execute(
                update(JobRun).where(JobRun.id == first["id"]).values(status=JobRunStatus.COMPLETED)
            )
            await session.commit()
        again = await http.post(f"/api/v1/jobs/execute/{job['id']}")

    assert busy.status_code == 409
    assert again.status_code == 202 and again.json()["id"] != first["id"]


async def test_a_trigger_airflow_refused_leaves_the_job_free(settings: Settings, clean_tables: None) -> None:
    airflow = AcceptingAirflow()
    async with portal(settings, airflow) as (_, http):
        job = await create_job(http)
        airflow.refuse = True
        refused = await http.post(f"/api/v1/jobs/execute/{job['id']}")
        airflow.refuse = False
        accepted = await http.post(f"/api/v1/jobs/execute/{job['id']}")

    assert refused.status_code == 503
    assert accepted.status_code == 202


async def test_the_run_controls_are_saved_shown_and_changed(client: httpx.AsyncClient) -> None:
    job = await create_job(client, max_rows_per_second=1500, allow_concurrent_runs=True)
    assert (job["max_rows_per_second"], job["allow_concurrent_runs"]) == (1500, True)

    cleared = await client.put(f"/api/v1/jobs/{job['id']}", json={"max_rows_per_second": None})
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["max_rows_per_second"], cleared.json()["allow_concurrent_runs"]) == (None, True)

    defaults = await create_job(client)
    assert (defaults["max_rows_per_second"], defaults["allow_concurrent_runs"]) == (None, False)


@pytest.mark.parametrize("cap", [0, -1, 10_000_001, 1.5, "fast"])
async def test_a_cap_that_is_not_a_positive_bounded_integer_is_a_422(
    client: httpx.AsyncClient, cap: Any
) -> None:
    upload = await client.post("/api/v1/sources/csv/upload", files={"file": ("people.csv", CSV)})
    credentials = (await client.get("/api/v1/credentials")).json()["items"]
    body = {
        "name": "people",
        "file_id": upload.json()["id"],
        "credential_id": credentials[0]["id"],
        "target_schema": "main",
        "target_table": "people",
        "max_rows_per_second": cap,
    }

    response = await client.post("/api/v1/jobs", json=body)

    assert response.status_code == 422
    assert [p["field"] for p in response.json()["details"]["problems"]] == ["max_rows_per_second"]


# -- a schedule tick ---------------------------------------------------------------------------


@pytest.fixture
def sync_sessions(sqlite_settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = create_sync_engine(sqlite_settings)
    yield create_sync_session_factory(engine)
    engine.dispose()


async def scheduled_job(settings: Settings, **fields: Any) -> tuple[int, int]:
    async with portal(settings, AcceptingAirflow()) as (application, http):
        job = await create_job(http, **fields)
        async with application.state.session_factory() as session:
            schedule = Schedule(job_id=job["id"], cron_expression="0 4 * * *", enabled=True)
            session.add(schedule)
            await session.commit()
            return job["id"], schedule.id


async def test_a_schedule_tick_that_finds_its_job_busy_is_skipped_with_the_reason(
    sqlite_settings: Settings, sync_sessions: sessionmaker[Session]
) -> None:
    job_id, schedule_id = await scheduled_job(sqlite_settings)
    dag_id = f"etl_job_{job_id}_schedule_{schedule_id}"

    first = ensure_scheduled_run(sync_sessions, schedule_id, dag_id, "scheduled__2026-11-30T04:00:00+00:00")
    second = ensure_scheduled_run(sync_sessions, schedule_id, dag_id, "scheduled__2026-12-01T04:00:00+00:00")

    with sync_sessions() as session:
        runs = {r.id: r for r in session.scalars(select(JobRun).where(JobRun.job_id == job_id))}
    assert runs[first].status == JobRunStatus.PENDING
    assert runs[second].status == JobRunStatus.CANCELLED
    assert runs[second].error_message == (
        f"Skipped: Job {job_id} already has run {first} PENDING; one run of a job is active at a time "
        "unless the job allows concurrent runs (allow_concurrent_runs)"
    )


async def test_a_schedule_tick_of_a_job_that_allows_concurrent_runs_is_not_skipped(
    sqlite_settings: Settings, sync_sessions: sessionmaker[Session]
) -> None:
    job_id, schedule_id = await scheduled_job(sqlite_settings, allow_concurrent_runs=True)
    dag_id = f"etl_job_{job_id}_schedule_{schedule_id}"

    ensure_scheduled_run(sync_sessions, schedule_id, dag_id, "scheduled__2026-11-30T04:00:00+00:00")
    ensure_scheduled_run(sync_sessions, schedule_id, dag_id, "scheduled__2026-12-01T04:00:00+00:00")

    with sync_sessions() as session:
        statuses = session.scalars(select(JobRun.status).where(JobRun.job_id == job_id)).all()
    assert statuses == [JobRunStatus.PENDING, JobRunStatus.PENDING]
