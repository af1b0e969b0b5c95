"""A small synchronous client of the portal's HTTP API for the end-to-end tests, plus an SSE reader."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from statistics import median
from typing import Any

import httpx

API = "/api/v1"
TERMINAL = {"COMPLETED", "COMPLETED_WITH_REJECTS", "FAILED", "CANCELLED", "NOTHING_TO_LOAD"}


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def latency_summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Seconds from the trigger to RUNNING and from RUNNING to the end, over finished runs."""

    def stats(values: list[float]) -> dict[str, float]:
        return {
            "median": round(median(values), 2),
            "min": round(min(values), 2),
            "max": round(max(values), 2),
        }

    created = [parse_time(run["created_at"]) for run in runs]
    started = [parse_time(run["started_at"]) for run in runs]
    finished = [parse_time(run["finished_at"]) for run in runs]
    return {
        "runs": len(runs),
        "trigger_to_running_s": stats(
            [(s - c).total_seconds() for c, s in zip(created, started, strict=True)]
        ),
        "running_to_completed_s": stats(
            [(f - s).total_seconds() for s, f in zip(started, finished, strict=True)]
        ),
    }


@dataclass
class SseEvent:
    event: str
    data: Any
    id: str | None


def read_sse(lines: Iterator[str]) -> Iterator[SseEvent]:
    """Server-sent events from a line stream (comments such as pings are skipped)."""
    event, event_id = "message", None
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield SseEvent(event, json.loads("\n".join(data)), event_id)
            event, data, event_id = "message", [], None
        elif line.startswith(":"):
            continue
        else:
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                event = value
            elif field == "data":
                data.append(value)
            elif field == "id":
                event_id = value


# `make run`'s documented development login (the stack starts with no user).
DEV_ADMIN = ("admin@example.com", "admin")


def api_token(base_url: str, email: str = DEV_ADMIN[0], password: str = DEV_ADMIN[1]) -> str:
    """Sign in as a script would: POST /auth/login, then a personal API token (no cookie expiry
    or CSRF header in the tests' way)."""
    with httpx.Client(base_url=base_url, timeout=60) as http:
        login = http.post(f"{API}/auth/login", json={"email": email, "password": password})
        assert login.status_code == 200, login.text
        created = http.post(
            f"{API}/tokens",
            json={"name": "e2e", "expires_in_days": 1},
            headers={"X-CSRF-Token": login.json()["csrf_token"]},
        )
        assert created.status_code == 201, created.text
        return str(created.json()["token"])


def auth_headers(base_url: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(base_url)}"}


class PortalClient:
    """Signed in as the development admin (an API token)."""

    def __init__(self, base_url: str) -> None:
        self.headers = auth_headers(base_url)
        self.http = httpx.Client(base_url=base_url, timeout=60, headers=self.headers)

    def close(self) -> None:
        self.http.close()

    def _json(self, response: httpx.Response, expected: int) -> Any:
        assert response.status_code == expected, f"{response.status_code}: {response.text}"
        return response.json()

    def upload_csv(self, path: Path) -> dict[str, Any]:
        with path.open("rb") as handle:
            response = self.http.post(f"{API}/sources/csv/upload", files={"file": (path.name, handle)})
        return dict(self._json(response, 201))

    def create_credential(self, **body: Any) -> dict[str, Any]:
        return dict(self._json(self.http.post(f"{API}/credentials", json=body), 201))

    def builtin_warehouse(self) -> dict[str, Any]:
        items = self._json(self.http.get(f"{API}/credentials"), 200)["items"]
        return next(item for item in items if item["is_builtin"])

    def create_job(self, **body: Any) -> dict[str, Any]:
        return dict(self._json(self.http.post(f"{API}/jobs", json=body), 201))

    def preview_ddl(self, **body: Any) -> str:
        return str(self._json(self.http.post(f"{API}/jobs/preview-ddl", json=body), 200)["ddl"])

    def execute(self, job_id: int) -> dict[str, Any]:
        return dict(self._json(self.http.post(f"{API}/jobs/execute/{job_id}"), 202))

    def run(self, run_id: int) -> dict[str, Any]:
        return dict(self._json(self.http.get(f"{API}/job-runs/{run_id}"), 200))

    def runs(self, job_id: int) -> list[dict[str, Any]]:
        return list(self._json(self.http.get(f"{API}/job-runs", params={"job_id": job_id}), 200)["items"])

    def events(self, run_id: int) -> list[dict[str, Any]]:
        return list(self._json(self.http.get(f"{API}/job-runs/{run_id}/logs"), 200))

    def attempt_pid(self, run_id: int, attempt: int) -> int:
        """The process id the runner recorded when it started this attempt."""
        for event in self.events(run_id):
            data = event["data"] or {}
            if (
                event["kind"] == "status"
                and data.get("status") == "RUNNING"
                and data.get("attempt") == attempt
            ):
                return int(data["pid"])
        raise AssertionError(f"run {run_id} has no RUNNING event for attempt {attempt}")

    def cancel(self, run_id: int) -> dict[str, Any]:
        return dict(self._json(self.http.post(f"{API}/job-runs/{run_id}/cancel"), 202))

    def follow(self, run_id: int, timeout: float = 180) -> list[SseEvent]:
        """Every event of the run's SSE stream, up to and including `end`."""
        events: list[SseEvent] = []
        stream_timeout = httpx.Timeout(timeout, connect=10)
        with self.http.stream("GET", f"{API}/job-runs/{run_id}/stream", timeout=stream_timeout) as response:
            assert response.status_code == 200, response.read()
            for event in read_sse(response.iter_lines()):
                events.append(event)
                if event.event == "end":
                    return events
        raise AssertionError(f"stream of run {run_id} closed without an end event: {events[-3:]}")

    def wait_for_run(
        self, run_id: int, until: Callable[[dict[str, Any]], bool], timeout: float = 180
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            run = self.run(run_id)
            if until(run):
                return run
            assert run["status"] not in TERMINAL, f"run {run_id} ended early: {run}"
            assert time.monotonic() < deadline, f"run {run_id} still {run['status']} after {timeout}s"
            time.sleep(0.2)
