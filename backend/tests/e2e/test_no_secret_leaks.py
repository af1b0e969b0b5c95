"""Secrets stay secret on the real stack: a credential's password, a personal API token and a browser
session's cookies are used for real (sign in, make a token, save a credential, run a job with it into
PostgreSQL, follow it live), then looked for everywhere they could leak to:

- the body of every API response of the test, the SSE events of the run;
- every file under the stack's home (the backend's, Airflow's and the runner's logs, task logs);
- the DAG run's conf and the task's log as Airflow's REST API serves them.

Found nowhere, except where the contract shows a value once on purpose (the token in the answer that
creates it).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from e2e_client import DEV_ADMIN, TERMINAL, read_sse

from portal.devstack import Stack

pytestmark = pytest.mark.e2e

API = "/api/v1"
CANARY_PASSWORD = f"Canary-Password-{secrets.token_hex(8)}"
CSV = "id,name\n1,Ada\n2,Grace\n"
TASK_ID = "execute_etl_job"


@dataclass
class Seen:
    """Every response body the test received, by request (`METHOD /path`)."""

    bodies: list[tuple[str, str]] = field(default_factory=list)

    def keep(self, response: httpx.Response) -> None:
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            return  # read by the test itself, event by event
        response.read()
        self.bodies.append((f"{response.request.method} {response.request.url.path}", response.text))


@dataclass
class Secrets:
    password: str
    token: str
    cookies: dict[str, str]  # the session's httpOnly cookies: portal_access, portal_refresh

    def named(self) -> dict[str, str]:
        return {"credential password": self.password, "API token": self.token, **self.cookies}


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
def signed_in(stack: Stack, seen: Seen) -> Iterator[tuple[httpx.Client, Secrets]]:
    """A browser session (cookies) that makes a personal API token; a client using the token."""
    hooks = {"response": [seen.keep]}
    with httpx.Client(base_url=stack.backend_url, timeout=60, event_hooks=hooks) as browser:
        login = browser.post(f"{API}/auth/login", json={"email": DEV_ADMIN[0], "password": DEV_ADMIN[1]})
        assert login.status_code == 200, login.text
        cookies = {name: browser.cookies[name] for name in ("portal_access", "portal_refresh")}
        assert browser.get(f"{API}/auth/me").status_code == 200  # the cookie session works
        created = browser.post(
            f"{API}/tokens", json={"name": "canary"}, headers={"X-CSRF-Token": login.json()["csrf_token"]}
        )
        assert created.status_code == 201, created.text
        token = str(created.json()["token"])
        # The one answer that shows the token, on purpose: not searched for it.
        seen.bodies.pop()
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=stack.backend_url, timeout=60, headers=headers, event_hooks=hooks) as api:
        yield api, Secrets(password=CANARY_PASSWORD, token=token, cookies=cookies)


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (
        f"{response.request.url.path}: {response.status_code} {response.text}"
    )
    return response.json()


def test_no_password_token_or_cookie_leaks_anywhere(
    stack: Stack,
    dest: psycopg.Connection,
    airflow_api: httpx.Client,
    signed_in: tuple[httpx.Client, Secrets],
    seen: Seen,
    tmp_path: Path,
) -> None:
    api, secret = signed_in
    dest_name = dest.info.dbname
    credential = ok(
        api.post(
            f"{API}/credentials",
            json={
                "name": "canary destination",
                "kind": "postgres",
                "host": "127.0.0.1",
                "port": 5432,
                "database": dest_name,
                "username": "postgres",
                "password": secret.password,  # trust authentication: sent, not needed
            },
        ),
        201,
    )
    assert ok(api.post(f"{API}/credentials/{credential['id']}/test"))["ok"] is True
    path = tmp_path / "canary.csv"
    path.write_text(CSV, encoding="utf-8")
    with path.open("rb") as handle:
        upload = ok(api.post(f"{API}/sources/csv/upload", files={"file": ("canary.csv", handle)}), 201)
    job = ok(
        api.post(
            f"{API}/jobs",
            json={
                "name": "canary load",
                "file_id": upload["id"],
                "credential_id": credential["id"],
                "target_schema": "public",
                "target_table": f"canary_{secrets.token_hex(4)}",
            },
        ),
        201,
    )
    run = ok(api.post(f"{API}/jobs/execute/{job['id']}"), 202)

    stream_text = []
    with api.stream(
        "GET", f"{API}/job-runs/{run['id']}/stream", timeout=httpx.Timeout(180, connect=10)
    ) as live:
        assert live.status_code == 200
        lines = live.iter_lines()

        def recorded() -> Iterator[str]:
            for line in lines:
                stream_text.append(line)
                yield line

        events = []
        for event in read_sse(recorded()):
            events.append(event)
            if event.event == "end":
                break
    final = events[-1].data
    assert final["status"] == "COMPLETED", final
    assert final["rows_loaded"] == 2
    # Everything else a user would look at afterwards.
    for read in (
        f"{API}/job-runs/{run['id']}",
        f"{API}/job-runs/{run['id']}/logs",
        f"{API}/credentials",
        f"{API}/credentials/{credential['id']}",
        f"{API}/jobs/{job['id']}",
        f"{API}/audit-events?limit=200",
        f"{API}/tokens",
        f"{API}/auth/me",
        f"{API}/dashboard",
    ):
        ok(api.get(read))
    assert final["status"] in TERMINAL

    dag_run = airflow_api.get(f"/dags/{final['dag_id']}/dagRuns/{final['dag_run_id']}")
    assert dag_run.status_code == 200, dag_run.text
    assert dag_run.json()["conf"] == {"job_id": job["id"], "job_run_id": run["id"]}
    task_log = airflow_api.get(
        f"/dags/{final['dag_id']}/dagRuns/{final['dag_run_id']}/taskInstances/{TASK_ID}/logs/{final['attempt']}",
        params={"full_content": "true", "map_index": 0},  # a single-source run: mapped instance 0
        headers={"Accept": "application/json"},
    )
    assert task_log.status_code == 200, task_log.text
    assert "attempt_started" in task_log.text  # the runner's own lines are there to be searched

    places = [
        *seen.bodies,
        ("SSE stream", "\n".join(stream_text)),
        ("Airflow DAG run", dag_run.text),
        ("Airflow task log", task_log.text),
    ]
    files = [p for p in stack.config.home.rglob("*") if p.is_file() and not p.is_symlink()]
    logs = [p for p in files if p.suffix == ".log" or "logs" in p.parts]
    assert any(p.name == "backend.log" for p in logs), sorted(str(p) for p in logs)[:20]
    assert any("credential_created" in p.read_text(errors="replace") for p in logs)  # logs are written here

    leaks = [
        f"{name} in {where}"
        for name, value in secret.named().items()
        for where, text in places
        if value in text
    ]
    for file in files:
        content = file.read_bytes()
        leaks += [f"{name} in {file}" for name, value in secret.named().items() if value.encode() in content]
    assert leaks == []
    assert len(places) > 15
