"""Paths as the product's original API documentation writes them, with a trailing slash: the same
route, method and body, without a redirect."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from run_factories import make_job, make_run
from sqlalchemy.ext.asyncio import AsyncSession

from portal.core.config import Settings


@pytest.fixture
def spa(tmp_path: Path) -> Path:
    # With the SPA mounted, its catch-all once answered these paths with HTML or a 405.
    root = tmp_path / "dist"
    root.mkdir()
    (root / "index.html").write_text("<!doctype html><div id=root></div>")
    return root


async def test_documented_collection_paths_with_a_trailing_slash_work_for_every_method(
    make_client: Callable[[Settings], Any],
    make_settings: Callable[..., Settings],
    session: AsyncSession,
    spa: Path,
) -> None:
    job = await make_job(session)
    run = await make_run(session, job, status="COMPLETED")
    async with make_client(make_settings(frontend_dist=spa)) as http:
        runs = await http.get("/api/v1/job-runs/", params={"job_id": job.id}, follow_redirects=False)
        created = await http.post(
            "/api/v1/schedules/",
            params={"job_id": job.id},
            json={"cron_expression": "0 4 * * *", "timezone": "Europe/Paris", "enabled": False},
            follow_redirects=False,
        )
        credentials = await http.get("/api/v1/credentials/", follow_redirects=False)
        one_run = await http.get(f"/api/v1/job-runs/{run.id}/", follow_redirects=False)
        schedules = await http.get("/api/v1/schedules/", params={"job_id": job.id}, follow_redirects=False)

    assert runs.status_code == 200 and [r["id"] for r in runs.json()["items"]] == [run.id]
    assert created.status_code == 201, created.text
    assert created.json()["timezone"] == "Europe/Paris"  # the body arrived
    assert credentials.status_code == 200 and credentials.json()["total"] >= 1
    assert one_run.status_code == 200 and one_run.json()["id"] == run.id
    assert [s["id"] for s in schedules.json()["items"]] == [created.json()["id"]]


async def test_the_spa_keeps_its_own_paths(
    make_client: Callable[[Settings], Any], make_settings: Callable[..., Settings], spa: Path
) -> None:
    async with make_client(make_settings(frontend_dist=spa)) as http:
        page = await http.get("/jobs/")

    assert page.status_code == 200 and "id=root" in page.text
