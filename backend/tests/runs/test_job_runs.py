"""Job runs through the API on a real PostgreSQL; Airflow is a closed port (nothing listens on :9)."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
from fake_airflow import AirflowState, fake_airflow
from fastapi import FastAPI
from run_factories import add_event, add_rejected, make_job, make_run, utc
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.context import AuditContext
from portal.auth.principal import AuthMethod, Principal, Role
from portal.runs.feed import Lagging, Tick
from portal.runs.models import JobRun, JobRunEvent, JobRunStatus
from portal.runs.schemas import JobRunEventRead, JobRunRead
from portal.runs.service import cancel_run
from portal.runs.streaming import run_events

OPERATOR = AuditContext(actor=Principal(1, "operator@example.com", Role.OPERATOR, AuthMethod.TOKEN))


def parse_sse(body: str) -> list[dict[str, Any]]:
    """Server-sent events as dicts {event, id, data}; comments (pings) are skipped."""
    events = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        fields: dict[str, Any] = {}
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            fields[name] = value[1:] if value.startswith(" ") else value
        if "event" in fields:
            fields["data"] = json.loads(fields["data"])
            events.append(fields)
    return events


async def test_execute_with_airflow_down_answers_503_and_leaves_no_run(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    job = await make_job(session)

    response = await client.post(f"/api/v1/jobs/execute/{job.id}")

    assert response.status_code == 503
    body = response.json()
    assert body["error"] == "AirflowUnavailableError"
    assert "unreachable" in body["message"]
    assert await session.scalar(select(func.count()).select_from(JobRun)) == 0


async def test_execute_unknown_job_is_404(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/jobs/execute/4242")

    assert response.status_code == 404
    assert response.json()["error"] == "EntityNotFoundError"


async def test_get_run_derives_job_name_progress_and_duration(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    job = await make_job(session, name="nightly people")
    run = await make_run(
        session,
        job,
        status="RUNNING",
        bytes_read=250,
        bytes_total=1000,
        rows_read=10,
        started_at=utc(2026, 1, 1, 12, 0, 0),
        finished_at=utc(2026, 1, 1, 12, 0, 30),
    )

    response = await client.get(f"/api/v1/job-runs/{run.id}")

    assert response.status_code == 200
    body = response.json()
    assert body["job_name"] == "nightly people"
    assert body["progress_percent"] == 25.0
    assert body["duration_seconds"] == 30.0
    assert body["status"] == "RUNNING"


async def test_a_run_links_its_task_in_the_airflow_ui_at_its_latest_try(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    job = await make_job(session)
    scheduled = await make_run(
        session,
        job,
        status="FAILED",
        trigger="schedule",
        attempt=2,
        dag_id="etl_job_1_schedule_3",
        dag_run_id="scheduled__2026-11-23T04:00:00+00:00",
    )
    not_handed_over = await make_run(session, job, status="PENDING")

    linked = (await client.get(f"/api/v1/job-runs/{scheduled.id}")).json()
    unlinked = (await client.get(f"/api/v1/job-runs/{not_handed_over.id}")).json()

    assert linked["airflow_task_log_path"] == (
        "/dags/etl_job_1_schedule_3/runs/scheduled__2026-11-23T04%3A00%3A00%2B00%3A00"
        "/tasks/execute_etl_job/mapped/0?try_number=2"  # a single-source run: the mapped task's instance 0
    )
    assert linked["trigger"] == "schedule"
    assert unlinked["airflow_task_log_path"] is None


async def test_list_filters_by_job_and_status_and_pages(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    first = await make_job(session, name="first")
    second = await make_job(session, name="second")
    for status in ("COMPLETED", "FAILED", "COMPLETED"):
        await make_run(session, first, status=status)
    await make_run(session, second, status="COMPLETED")

    by_job = (await client.get("/api/v1/job-runs", params={"job_id": first.id})).json()
    by_both = (
        await client.get("/api/v1/job-runs", params={"job_id": first.id, "status": "COMPLETED"})
    ).json()
    paged = (await client.get("/api/v1/job-runs", params={"limit": 2, "offset": 3})).json()

    assert by_job["total"] == 3
    assert {run["job_id"] for run in by_job["items"]} == {first.id}
    assert by_both["total"] == 2
    assert paged["total"] == 4
    assert len(paged["items"]) == 1


async def test_list_rejects_unknown_status_and_bad_paging(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/job-runs", params={"status": "DONE"})).status_code == 422
    assert (await client.get("/api/v1/job-runs", params={"limit": 0})).status_code == 422


async def test_unknown_run_is_404_everywhere(client: httpx.AsyncClient) -> None:
    for method, path in (
        ("GET", "/api/v1/job-runs/999"),
        ("GET", "/api/v1/job-runs/999/logs"),
        ("GET", "/api/v1/job-runs/999/rejected-rows"),
        ("GET", "/api/v1/job-runs/999/rejected-rows.csv"),
        ("GET", "/api/v1/job-runs/999/stream"),
        ("POST", "/api/v1/job-runs/999/cancel"),
        ("DELETE", "/api/v1/job-runs/999"),
    ):
        response = await client.request(method, path)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["error"] == "EntityNotFoundError"


async def test_logs_list_events_in_order(client: httpx.AsyncClient, session: AsyncSession) -> None:
    run = await make_run(session, await make_job(session), status="RUNNING")
    await add_event(session, run, "log", "reading", file="people.csv")
    await add_event(session, run, "progress", rows_read=5)

    events = (await client.get(f"/api/v1/job-runs/{run.id}/logs")).json()

    assert [(e["kind"], e["message"]) for e in events] == [("log", "reading"), ("progress", "")]
    assert events[0]["data"] == {"file": "people.csv"}
    only_logs = (await client.get(f"/api/v1/job-runs/{run.id}/logs", params={"kind": "log"})).json()
    assert [e["message"] for e in only_logs] == ["reading"]
    after = (await client.get(f"/api/v1/job-runs/{run.id}/logs", params={"after_id": events[0]["id"]})).json()
    assert [e["kind"] for e in after] == ["progress"]


async def test_delete_refuses_an_active_run_and_removes_a_finished_one(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    job = await make_job(session)
    active = await make_run(session, job, status="RUNNING")
    finished = await make_run(session, job, status="FAILED")

    refused = await client.delete(f"/api/v1/job-runs/{active.id}")
    deleted = await client.delete(f"/api/v1/job-runs/{finished.id}")

    assert refused.status_code == 409
    assert "cancel it" in refused.json()["message"]
    assert deleted.status_code == 204
    assert (await client.get(f"/api/v1/job-runs/{finished.id}")).status_code == 404


async def test_cancel_marks_an_active_run_cancelled_even_with_airflow_down(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    run = await make_run(
        session,
        await make_job(session),
        status="RUNNING",
        dag_id="etl_job_executor",
        dag_run_id="job_1_run_1",
    )

    response = await client.post(f"/api/v1/job-runs/{run.id}/cancel")

    assert response.status_code == 202
    assert response.json()["status"] == "CANCELLED"
    assert response.json()["finished_at"] is not None
    events = (await client.get(f"/api/v1/job-runs/{run.id}/logs")).json()
    assert [(e["kind"], e["level"], e["message"]) for e in events[-2:]] == [
        ("status", "warning", "Cancelled by user"),
        ("log", "warning", "run_cancelled"),
    ]
    assert events[-1]["data"] == {"reason": "Cancelled by user"}


async def test_cancel_a_finished_run_is_409(client: httpx.AsyncClient, session: AsyncSession) -> None:
    run = await make_run(session, await make_job(session), status="COMPLETED")

    response = await client.post(f"/api/v1/job-runs/{run.id}/cancel")

    assert response.status_code == 409
    assert response.json()["details"]["status"] == "COMPLETED"


async def test_rejected_rows_page_and_csv_escape_formulas(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    run = await make_run(session, await make_job(session), status="COMPLETED_WITH_REJECTS")
    await add_rejected(session, run, 3, '=HYPERLINK("http://x"),1', "id", "not an integer: '=HYPERLINK'")
    await add_rejected(session, run, 5, "+1,-2", "name", "@ bad")
    await add_rejected(session, run, 7, 'plain,"quoted, text"', "id", "too long")

    page = (await client.get(f"/api/v1/job-runs/{run.id}/rejected-rows", params={"limit": 2})).json()
    download = await client.get(f"/api/v1/job-runs/{run.id}/rejected-rows.csv")

    assert page["total"] == 3
    assert [row["line_number"] for row in page["items"]] == [3, 5]
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0] == ["line_number", "column", "reason", "raw"]
    assert rows[1] == ["3", "id", "not an integer: '=HYPERLINK'", '\'=HYPERLINK("http://x"),1']
    assert rows[2] == ["5", "name", "'@ bad", "'+1,-2"]
    assert rows[3] == ["7", "id", "too long", 'plain,"quoted, text"']


async def test_stream_of_a_finished_run_sends_snapshot_then_end(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    run = await make_run(session, await make_job(session), status="COMPLETED", rows_loaded=3)
    await add_event(session, run, "log", "done")

    response = await client.get(f"/api/v1/job-runs/{run.id}/stream")

    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(response.text)
    assert [e["event"] for e in events] == ["snapshot", "end"]
    assert events[0]["data"]["rows_loaded"] == 3
    assert events[-1]["data"]["status"] == "COMPLETED"


async def test_stream_resumes_after_last_event_id(client: httpx.AsyncClient, session: AsyncSession) -> None:
    run = await make_run(session, await make_job(session), status="FAILED", error_message="boom")
    seen = await add_event(session, run, "log", "first")
    missed_log = await add_event(session, run, "log", "second")
    missed_status = await add_event(session, run, "status", "failed")

    response = await client.get(f"/api/v1/job-runs/{run.id}/stream", headers={"Last-Event-ID": str(seen.id)})

    events = parse_sse(response.text)
    assert [e["event"] for e in events] == ["snapshot", "log", "progress", "end"]
    assert events[0]["id"] == str(seen.id)
    assert events[1]["id"] == str(missed_log.id)
    assert events[1]["data"]["message"] == "second"
    assert events[2]["id"] == str(missed_status.id)
    assert events[3]["data"]["error_message"] == "boom"


async def test_stream_with_a_last_event_id_past_any_event_id_starts_afresh(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    run = await make_run(session, await make_job(session), status="FAILED", error_message="boom")
    logged = await add_event(session, run, "log", "first")

    response = await client.get(f"/api/v1/job-runs/{run.id}/stream", headers={"Last-Event-ID": str(2**64)})

    events = parse_sse(response.text)
    assert [e["event"] for e in events] == ["snapshot", "end"]
    assert events[0]["id"] == str(logged.id)


async def test_stream_follows_a_live_run_to_its_end_for_several_clients(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    run = await make_run(session, await make_job(session), status="RUNNING")
    await add_event(session, run, "log", "before anyone watched")

    async def runner() -> None:
        # Plays the Airflow worker: writes through its own session, as another process would.
        async with app.state.session_factory() as worker:
            await asyncio.sleep(0.6)
            live = await worker.get(JobRun, run.id)
            assert live is not None
            live.rows_read = 50
            await add_event(worker, live, "progress", rows_read=50)
            await add_event(worker, live, "log", "batch written", rows=50)
            await asyncio.sleep(0.6)
            live.status = "COMPLETED"
            live.rows_loaded = 50
            await add_event(worker, live, "status", "completed")

    streams = [client.get(f"/api/v1/job-runs/{run.id}/stream") for _ in range(3)]

    async def watchers() -> None:
        await asyncio.sleep(0.3)
        assert app.state.run_feeds.watched() == {run.id}  # three streams, one poller

    *responses, _, _ = await asyncio.wait_for(asyncio.gather(*streams, runner(), watchers()), timeout=30)

    for response in responses:
        events = parse_sse(response.text)
        names = [e["event"] for e in events]
        assert names[0] == "snapshot" and names[-1] == "end"
        assert "before anyone watched" not in response.text  # a new client starts at the snapshot
        assert any(e["event"] == "log" and e["data"]["message"] == "batch written" for e in events)
        assert any(e["event"] == "progress" and e["data"]["rows_read"] == 50 for e in events)
        assert events[-1]["data"]["status"] == "COMPLETED"
        assert events[-1]["data"]["rows_loaded"] == 50
        ids = [int(e["id"]) for e in events if e.get("id")]
        assert ids == sorted(ids)
    assert app.state.run_feeds.watched() == set()  # the shared poller stopped with the run


async def test_cancel_stops_the_task_in_airflow_at_once_for_a_run_not_started_yet(
    app: FastAPI, session: AsyncSession
) -> None:
    job = await make_job(session)
    pending = await make_run(
        session, job, status="PENDING", dag_id="etl_job_executor", dag_run_id=f"job_{job.id}_run_1"
    )
    state = AirflowState()
    state.add_run(pending, "queued")
    state.add_task(pending, "execute_etl_job", None)

    cancelled = await cancel_run(session, fake_airflow(state), pending.id, OPERATOR)

    assert cancelled.status == "CANCELLED"
    key = ("etl_job_executor", f"job_{job.id}_run_1")
    for _ in range(100):  # Airflow is told in the background; the answer does not wait for it
        if state.dag_runs[key]["state"] == "failed":
            break
        await asyncio.sleep(0.05)
    assert state.task_instances[key] == {"execute_etl_job": "failed"}
    assert state.dag_runs[key]["state"] == "failed"


async def test_cancel_gives_a_running_load_the_grace_to_stop_itself(
    app: FastAPI, session: AsyncSession
) -> None:
    job = await make_job(session)
    running = await make_run(
        session, job, status="RUNNING", dag_id="etl_job_executor", dag_run_id=f"job_{job.id}_run_1"
    )
    state = AirflowState()
    state.add_run(running, "running")
    state.add_task(running, "execute_etl_job", "running")

    await cancel_run(session, fake_airflow(state), running.id, OPERATOR, grace_seconds=0.5)
    await asyncio.sleep(0.1)
    still_running = dict(state.task_instances[("etl_job_executor", f"job_{job.id}_run_1")])
    await asyncio.sleep(1.0)

    assert still_running == {"execute_etl_job": "running"}
    assert state.task_instances[("etl_job_executor", f"job_{job.id}_run_1")] == {"execute_etl_job": "failed"}


async def test_stream_delivers_every_event_of_a_burst_before_the_end(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    run = await make_run(session, await make_job(session), status="RUNNING")

    async def burst() -> None:
        # More events than one poll reads, committed together with the final status.
        await asyncio.sleep(0.5)
        async with app.state.session_factory() as worker:
            worker.add_all(
                JobRunEvent(job_run_id=run.id, kind="log", message=f"line {n}") for n in range(700)
            )
            live = await worker.get(JobRun, run.id)
            assert live is not None
            live.status = "COMPLETED"
            await worker.commit()

    response, _ = await asyncio.wait_for(
        asyncio.gather(client.get(f"/api/v1/job-runs/{run.id}/stream"), burst()), timeout=30
    )

    events = parse_sse(response.text)
    logs = [e["data"]["message"] for e in events if e["event"] == "log"]
    assert logs == [f"line {n}" for n in range(700)]
    assert events[-1]["event"] == "end"


async def test_stream_reads_the_gap_when_the_shared_poller_started_past_its_snapshot(
    app: FastAPI, session: AsyncSession
) -> None:
    run = await make_run(session, await make_job(session), status="RUNNING")
    await add_event(session, run, "log", "before the snapshot")
    ticks: asyncio.Queue[Tick | Lagging] = asyncio.Queue()

    class OneQueue:
        """Stands in for RunFeeds to hand the stream a tick of our making."""

        @contextlib.asynccontextmanager
        async def subscribe(self, run_id: int) -> AsyncIterator[asyncio.Queue[Tick | Lagging]]:
            yield ticks

    stream = run_events(app.state.session_factory, OneQueue(), run.id, last_event_id=None)  # type: ignore[arg-type]
    snapshot = await anext(stream)
    in_the_gap = await add_event(session, run, "log", "between snapshot and poller start")
    seen_by_poller = await add_event(session, run, "log", "seen by the poller")
    final = JobRunRead.model_validate_json(str(snapshot.data)).model_copy(
        update={"status": JobRunStatus.COMPLETED}
    )
    ticks.put_nowait(
        Tick(
            after_id=in_the_gap.id,
            events=[JobRunEventRead.of(seen_by_poller)],
            run=final,
            changed=True,
            terminal=True,
        )
    )

    rest = [message async for message in stream]

    assert snapshot.event == "snapshot"
    assert [(m.event, m.id) for m in rest] == [
        ("log", str(in_the_gap.id)),
        ("log", str(seen_by_poller.id)),
        ("progress", None),
        ("end", None),
    ]
