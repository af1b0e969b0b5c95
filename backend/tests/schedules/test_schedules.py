"""Schedules through the API on a real PostgreSQL. Airflow is a closed port here: every change must
still stand in the database (the reconciler brings Airflow in line later)."""

from __future__ import annotations

from datetime import datetime

import httpx
from fake_airflow import AirflowState, fake_airflow
from run_factories import make_job, make_run
from sqlalchemy.ext.asyncio import AsyncSession

from portal.schedules import sync as schedule_sync
from portal.schedules.models import Schedule
from portal.schedules.sync import Desired


async def create(client: httpx.AsyncClient, job_id: int, **body: object) -> httpx.Response:
    return await client.post("/api/v1/schedules", params={"job_id": job_id}, json=body)


async def test_create_describes_the_cron_and_lists_next_runs_in_its_timezone(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    job = await make_job(session)

    response = await create(client, job.id, cron_expression="0 9 * * MON-FRI", timezone="America/New_York")

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["dag_id"] == f"etl_job_{job.id}_schedule_{body['id']}"
    assert body["enabled"] is True
    assert body["enabled_at"] is not None
    assert body["description"] == "At 09:00 AM, Monday through Friday"
    assert body["last_run"] is None
    fire_times = [datetime.fromisoformat(t) for t in body["next_runs"]]
    assert len(fire_times) == 5
    assert fire_times == sorted(fire_times)
    assert all(t.hour == 9 and t.minute == 0 and t.weekday() < 5 for t in fire_times)
    assert {t.utcoffset().total_seconds() / 3600 for t in fire_times} <= {-5.0, -4.0}  # type: ignore[union-attr]


async def test_presets_are_accepted_and_described(client: httpx.AsyncClient, session: AsyncSession) -> None:
    job = await make_job(session)

    response = await create(client, job.id, cron_expression="@daily")

    assert response.status_code == 201
    assert response.json()["description"] == "At 12:00 AM"
    assert response.json()["timezone"] == "UTC"


async def test_invalid_cron_is_422_with_the_reason(client: httpx.AsyncClient, session: AsyncSession) -> None:
    job = await make_job(session)

    out_of_range = await create(client, job.id, cron_expression="61 * * * *")
    too_few = await create(client, job.id, cron_expression="* * *")
    with_seconds = await create(client, job.id, cron_expression="0 0 * * * 5")

    assert out_of_range.status_code == 422
    assert out_of_range.json()["error"] == "ValidationFailedError"
    assert "out of range" in out_of_range.json()["message"]
    assert too_few.status_code == 422
    assert "expected 5 fields" in too_few.json()["message"]
    assert with_seconds.status_code == 422
    assert (await client.get("/api/v1/schedules")).json()["total"] == 0


async def test_unknown_timezone_is_422(client: httpx.AsyncClient, session: AsyncSession) -> None:
    job = await make_job(session)

    response = await create(client, job.id, cron_expression="@hourly", timezone="Mars/Olympus")

    assert response.status_code == 422
    assert response.json()["details"]["field"] == "timezone"


async def test_unknown_job_is_404_and_missing_job_id_is_422(client: httpx.AsyncClient) -> None:
    unknown = await create(client, 777, cron_expression="@daily")
    missing = await client.post("/api/v1/schedules", json={"cron_expression": "@daily"})

    assert unknown.status_code == 404
    assert unknown.json()["details"] == {"entity": "Job", "id": 777}
    assert missing.status_code == 422


async def test_unknown_schedule_is_404_everywhere(client: httpx.AsyncClient) -> None:
    for method, path, body in (
        ("GET", "/api/v1/schedules/55", None),
        ("PUT", "/api/v1/schedules/55", {"enabled": False}),
        ("POST", "/api/v1/schedules/55/enable", None),
        ("POST", "/api/v1/schedules/55/disable", None),
        ("DELETE", "/api/v1/schedules/55", None),
    ):
        response = await client.request(method, path, json=body)
        assert response.status_code == 404, (method, path)


async def test_list_filters_by_job(client: httpx.AsyncClient, session: AsyncSession) -> None:
    first = await make_job(session, name="first")
    second = await make_job(session, name="second")
    await create(client, first.id, cron_expression="@daily")
    await create(client, first.id, cron_expression="@hourly")
    await create(client, second.id, cron_expression="@weekly")

    everything = (await client.get("/api/v1/schedules")).json()
    of_first = (await client.get("/api/v1/schedules", params={"job_id": first.id})).json()

    assert everything["total"] == 3
    assert of_first["total"] == 2
    assert {s["job_id"] for s in of_first["items"]} == {first.id}


async def test_put_changes_cron_and_timezone_and_refuses_bad_values(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    job = await make_job(session)
    created = (await create(client, job.id, cron_expression="@daily")).json()

    updated = await client.put(
        f"/api/v1/schedules/{created['id']}",
        json={"cron_expression": "*/15 * * * *", "timezone": "Asia/Tokyo"},
    )
    refused = await client.put(f"/api/v1/schedules/{created['id']}", json={"cron_expression": "every day"})

    assert updated.status_code == 200
    assert updated.json()["description"] == "Every 15 minutes"
    assert updated.json()["next_runs"][0].endswith("+09:00")
    assert refused.status_code == 422
    current = (await client.get(f"/api/v1/schedules/{created['id']}")).json()
    assert current["cron_expression"] == "*/15 * * * *"


async def test_disable_then_enable_restarts_the_start_date_and_double_enable_is_harmless(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    job = await make_job(session)
    created = (await create(client, job.id, cron_expression="@daily")).json()
    base = f"/api/v1/schedules/{created['id']}"

    disabled = await client.post(f"{base}/disable")
    enabled = await client.post(f"{base}/enable")
    enabled_again = await client.post(f"{base}/enable")

    assert disabled.status_code == 200 and disabled.json()["enabled"] is False
    assert enabled.status_code == 200 and enabled.json()["enabled"] is True
    assert enabled.json()["enabled_at"] > created["enabled_at"]
    assert enabled_again.status_code == 200
    assert enabled_again.json()["enabled_at"] == enabled.json()["enabled_at"]
    assert (await client.get("/api/v1/schedules")).json()["total"] == 1


async def test_created_disabled_has_no_start_date_until_enabled(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    job = await make_job(session)

    created = (await create(client, job.id, cron_expression="@daily", enabled=False)).json()
    enabled = (await client.post(f"/api/v1/schedules/{created['id']}/enable")).json()

    assert created["enabled"] is False and created["enabled_at"] is None
    assert enabled["enabled_at"] is not None


async def test_last_run_is_the_newest_run_started_by_the_schedule(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    job = await make_job(session)
    created = (await create(client, job.id, cron_expression="@hourly")).json()
    await make_run(session, job, status="COMPLETED", trigger="schedule", schedule_id=created["id"])
    newest = await make_run(session, job, status="FAILED", trigger="schedule", schedule_id=created["id"])
    await make_run(session, job, status="RUNNING")  # manual, not the schedule's

    body = (await client.get(f"/api/v1/schedules/{created['id']}")).json()

    assert body["last_run"]["id"] == newest.id
    assert body["last_run"]["status"] == "FAILED"


async def test_delete_removes_the_schedule(client: httpx.AsyncClient, session: AsyncSession) -> None:
    job = await make_job(session)
    created = (await create(client, job.id, cron_expression="@daily")).json()

    deleted = await client.delete(f"/api/v1/schedules/{created['id']}")

    assert deleted.status_code == 204
    assert await session.get(Schedule, created["id"]) is None
    assert (await client.get(f"/api/v1/schedules/{created['id']}")).status_code == 404


async def test_airflow_sync_unpauses_pauses_and_deletes_after_a_reparse() -> None:
    # The DAG processor's side is simulated (fake_airflow): a re-parse makes DAGs appear or go stale.
    state = AirflowState(schedules_file={"etl_job_1_schedule_1", "etl_job_1_schedule_2"})
    state.add_dag("etl_job_1_schedule_2", paused=False)  # an existing one carries the file token
    airflow = fake_airflow(state)

    await schedule_sync.apply(airflow, "etl_job_1_schedule_1", Desired.ENABLED)
    assert state.dags["etl_job_1_schedule_1"]["is_paused"] is False  # appeared paused, then unpaused

    await schedule_sync.apply(airflow, "etl_job_1_schedule_2", Desired.DISABLED)
    assert state.dags["etl_job_1_schedule_2"]["is_paused"] is True

    state.schedules_file = {"etl_job_1_schedule_1"}  # the row is gone
    await schedule_sync.apply(airflow, "etl_job_1_schedule_2", Desired.DELETED)
    assert state.deleted == ["etl_job_1_schedule_2"]
    assert len(state.reparsed) == 3
    await airflow.aclose()


async def test_deleting_a_job_deletes_its_schedules(client: httpx.AsyncClient, session: AsyncSession) -> None:
    job = await make_job(session)
    await create(client, job.id, cron_expression="@daily")

    deleted = await client.delete(f"/api/v1/jobs/{job.id}")

    assert deleted.status_code == 204
    assert (await client.get("/api/v1/schedules")).json()["total"] == 0
