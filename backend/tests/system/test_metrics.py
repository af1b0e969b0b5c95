"""/metrics: HTTP metrics plus the runs' figures read from the app database, loopback only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from accounts import admin_of, make_user, token_client, token_for
from alembic import command
from databases import alembic_config
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth.principal import Role
from portal.core.config import Settings
from portal.core.metrics import AIRFLOW_TRIGGER_SECONDS
from portal.main import create_app
from portal.runs.models import JobRun


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def trigger_count() -> float:
    return next(
        s.value for m in AIRFLOW_TRIGGER_SECONDS.collect() for s in m.samples if s.name.endswith("_count")
    )


@pytest.mark.parametrize("database", ["postgresql", "sqlite"])
async def test_metrics_count_runs_rows_bytes_rejects_and_durations_from_the_database(
    make_settings: Callable[..., Settings], clean_tables: None, tmp_path: Path, database: str
) -> None:
    settings = make_settings()
    if database == "sqlite":  # `make run`'s app database: durations are computed differently there
        url = f"sqlite+aiosqlite:///{tmp_path / 'portal.db'}"
        command.upgrade(alembic_config(url), "head")
        settings = make_settings(database_url=url)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        admin = await admin_of(application)
        async with (
            token_client(application, await token_for(application, admin)) as client,
            application.state.session_factory() as session,
        ):
            await check_metrics(client, session)


async def check_metrics(client: httpx.AsyncClient, session: AsyncSession) -> None:
    upload = await client.post("/api/v1/sources/csv/upload", files={"file": ("a.csv", b"id,city\n1,Lyon\n")})
    file = upload.json()
    warehouse = (await client.get("/api/v1/credentials")).json()["items"][0]
    job = await client.post(
        "/api/v1/jobs",
        json={"name": "j", "file_id": file["id"], "credential_id": warehouse["id"], "target_schema": "main",
              "target_table": "cities"},
    )  # fmt: skip
    job_id = job.json()["id"]
    triggers_before = trigger_count()
    assert (await client.post(f"/api/v1/jobs/execute/{job_id}")).status_code == 503  # no Airflow here
    start = datetime(2026, 1, 1, tzinfo=UTC)

    def run(status: str, seconds: float | None = None, **counts: int) -> JobRun:
        finished = start + timedelta(seconds=seconds) if seconds is not None else None
        started = start if status != "PENDING" else None
        return JobRun(job_id=job_id, status=status, started_at=started, finished_at=finished, **counts)

    session.add_all(
        [
            run("COMPLETED", 3, rows_loaded=100, bytes_read=4000),
            run("COMPLETED_WITH_REJECTS", 120, rows_loaded=50, bytes_read=2000, rows_rejected=7),
            run("FAILED", 2000, rows_loaded=0, bytes_read=10, rows_rejected=3),
            run("RUNNING", rows_loaded=5, bytes_read=99),
            run("PENDING"),
        ]
    )
    await session.commit()

    response = await client.get("/metrics")

    assert response.status_code == 200
    found = samples(response.text)
    assert found[("portal_job_runs", (("status", "COMPLETED"),))] == 1
    assert found[("portal_job_runs", (("status", "PENDING"),))] == 1
    assert found[("portal_job_runs", (("status", "CANCELLED"),))] == 0
    assert found[("portal_job_runs_active", ())] == 2
    assert found[("portal_rows_loaded_total", ())] == 150  # completed runs only
    assert found[("portal_bytes_loaded_total", ())] == 6000
    assert found[("portal_rows_rejected_total", ())] == 10
    assert found[("portal_job_run_duration_seconds_bucket", (("le", "5.0"),))] == 1
    assert found[("portal_job_run_duration_seconds_bucket", (("le", "300.0"),))] == 2
    assert found[("portal_job_run_duration_seconds_bucket", (("le", "+Inf"),))] == 3
    assert found[("portal_job_run_duration_seconds_sum", ())] == pytest.approx(2123, abs=0.01)
    assert trigger_count() == triggers_before + 1
    assert found[("portal_airflow_trigger_seconds_count", ())] == trigger_count()
    assert any(name == "http_requests_total" for name, _ in found)


async def test_metrics_are_refused_to_other_addresses_and_can_be_turned_off(
    app: FastAPI, make_client: Callable[[Settings], Any], make_settings: Callable[..., Settings]
) -> None:
    remote = httpx.ASGITransport(app=app, client=("203.0.113.5", 40000))
    async with httpx.AsyncClient(transport=remote, base_url="http://portal.test") as http:
        refused = await http.get("/metrics")
        assert refused.status_code == 401 and refused.json()["error"] == "NotAuthenticated"
        viewer = await token_for(app, await make_user(app, Role.VIEWER))
        refused = await http.get("/metrics", headers={"Authorization": f"Bearer {viewer}"})
        assert refused.status_code == 403 and refused.json()["details"]["required_role"] == "admin"
        admin = await token_for(app, await admin_of(app))
        served = await http.get("/metrics", headers={"Authorization": f"Bearer {admin}"})
        assert served.status_code == 200 and "portal_job_runs" in served.text

    async with make_client(make_settings(metrics_enabled=False)) as http:
        assert (await http.get("/metrics")).status_code == 404
