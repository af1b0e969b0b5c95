from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
from run_factories import make_job, make_run
from sqlalchemy.ext.asyncio import AsyncSession


async def test_dashboard_of_an_empty_portal_has_zeros_for_every_status_and_day(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/v1/dashboard")

    assert response.status_code == 200
    body = response.json()
    assert body["counts_by_status"] == {
        "PENDING": 0,
        "RUNNING": 0,
        "COMPLETED": 0,
        "COMPLETED_WITH_REJECTS": 0,
        "FAILED": 0,
        "CANCELLED": 0,
        "NOTHING_TO_LOAD": 0,
    }
    assert body["recent_runs"] == [] and body["running"] == []
    assert len(body["rows_per_day"]) == 14
    assert body["rows_per_day"][-1] == {"date": datetime.now(UTC).date().isoformat(), "rows": 0}


async def test_dashboard_counts_runs_and_sums_loaded_rows_per_finishing_day(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    job = await make_job(session)
    now = datetime.now(UTC)
    yesterday = now - timedelta(days=1)
    await make_run(session, job, status="COMPLETED", rows_loaded=100, finished_at=now)
    await make_run(session, job, status="COMPLETED_WITH_REJECTS", rows_loaded=40, finished_at=now)
    await make_run(session, job, status="COMPLETED", rows_loaded=7, finished_at=yesterday)
    await make_run(session, job, status="COMPLETED", rows_loaded=999, finished_at=now - timedelta(days=30))
    await make_run(session, job, status="FAILED", rows_loaded=0, finished_at=now)
    running = await make_run(session, job, status="RUNNING", rows_loaded=5)
    pending = await make_run(session, job, status="PENDING")

    body = (await client.get("/api/v1/dashboard")).json()

    assert body["counts_by_status"]["COMPLETED"] == 3
    assert body["counts_by_status"]["RUNNING"] == 1
    assert body["counts_by_status"]["FAILED"] == 1
    per_day = {row["date"]: row["rows"] for row in body["rows_per_day"]}
    assert per_day[now.date().isoformat()] == 140
    assert per_day[yesterday.date().isoformat()] == 7
    assert sum(per_day.values()) == 147
    assert min(date.fromisoformat(d) for d in per_day) == now.date() - timedelta(days=13)
    assert [run["id"] for run in body["running"]] == [running.id, pending.id]
    assert body["recent_runs"][0]["id"] == pending.id
    assert len(body["recent_runs"]) == 7
