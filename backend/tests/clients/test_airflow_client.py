"""Protocol details of the Airflow REST client.

The real Airflow is exercised by the e2e suite (tests/e2e). Here an `httpx.MockTransport` plays the
API server because the cases under test — an expired token, a repeated trigger, a 5xx burst — cannot
be provoked on demand in a real Airflow. The "Airflow down" case uses a real closed port.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable

import httpx
import pytest

from portal.clients.airflow import AirflowClient, AirflowRequestError
from portal.core.errors import AirflowUnavailableError

Handler = Callable[[httpx.Request], httpx.Response]


class FakeAirflow:
    """Answers /auth/token with numbered tokens and records every request."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []
        self.logins = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/auth/token":
            self.logins += 1
            return httpx.Response(201, json={"access_token": f"token-{self.logins}"})
        return self.handler(request)


def make_client(fake: FakeAirflow) -> AirflowClient:
    return AirflowClient(
        "http://airflow.test", "admin", "secret", transport=httpx.MockTransport(fake), attempts=3
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_trigger_sends_null_logical_date_conf_and_bearer_token() -> None:
    fake = FakeAirflow(lambda request: httpx.Response(200, json={"dag_run_id": "job_1_run_2"}))
    client = make_client(fake)

    created = await client.trigger_dag_run("etl_job_executor", "job_1_run_2", {"job_id": 1, "job_run_id": 2})

    assert created is True
    trigger = fake.requests[-1]
    assert trigger.url.path == "/api/v2/dags/etl_job_executor/dagRuns"
    assert trigger.headers["Authorization"] == "Bearer token-1"
    assert json.loads(trigger.content) == {
        "dag_run_id": "job_1_run_2",
        "logical_date": None,
        "conf": {"job_id": 1, "job_run_id": 2},
    }
    await client.aclose()


async def test_repeated_trigger_409_counts_as_already_triggered() -> None:
    fake = FakeAirflow(lambda request: httpx.Response(409, json={"detail": "exists"}))
    client = make_client(fake)

    assert await client.trigger_dag_run("etl_job_executor", "job_1_run_2", {}) is False
    await client.aclose()


async def test_token_is_cached_and_refreshed_once_after_401() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == "Bearer token-1" and len(fake.requests) > 2:
            return httpx.Response(401, json={"detail": "expired"})
        return httpx.Response(200, json={"dag_id": "d", "is_paused": True, "file_token": "ft"})

    fake = FakeAirflow(handler)
    client = make_client(fake)

    assert (await client.get_dag("d")) is not None  # login + get with token-1
    assert (await client.get_dag("d")) is not None  # 401 with token-1, login again, retry with token-2

    assert fake.logins == 2
    assert [r.headers.get("Authorization") for r in fake.requests if r.url.path != "/auth/token"] == [
        "Bearer token-1",
        "Bearer token-1",
        "Bearer token-2",
    ]
    await client.aclose()


async def test_5xx_is_retried_then_reported_as_unavailable() -> None:
    fake = FakeAirflow(lambda request: httpx.Response(503, text="starting"))
    client = make_client(fake)

    with pytest.raises(AirflowUnavailableError) as caught:
        await client.get_dag_run("etl_job_executor", "job_1_run_2")

    assert caught.value.status_code == 503
    assert len([r for r in fake.requests if r.url.path != "/auth/token"]) == 3
    await client.aclose()


async def test_transient_5xx_then_success_is_absorbed() -> None:
    answers = iter([httpx.Response(502), httpx.Response(200, json=_dag_run("running"))])
    fake = FakeAirflow(lambda request: next(answers))
    client = make_client(fake)

    run = await client.get_dag_run("etl_job_executor", "job_1_run_2")

    assert run is not None and run.state == "running"
    await client.aclose()


async def test_missing_dag_run_is_none_and_unexpected_status_is_a_request_error() -> None:
    fake = FakeAirflow(lambda request: httpx.Response(404, json={"detail": "not found"}))
    client = make_client(fake)
    assert await client.get_dag_run("etl_job_executor", "nope") is None

    fake.handler = lambda request: httpx.Response(400, json={"detail": "bad"})
    with pytest.raises(AirflowRequestError):
        await client.get_dag_run("etl_job_executor", "nope")
    await client.aclose()


async def test_refused_login_says_which_settings_to_check() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"detail": "Invalid credentials"})

    client = AirflowClient("http://airflow.test", "admin", "wrong", transport=httpx.MockTransport(refuse))

    with pytest.raises(AirflowUnavailableError, match="AIRFLOW_PASSWORD"):
        await client.set_paused("d", True)
    await client.aclose()


async def test_reparse_uses_the_file_token_of_the_dag() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"dag_id": "d", "is_paused": False, "file_token": "tok.en"})
        return httpx.Response(201, json=None)

    fake = FakeAirflow(handler)
    client = make_client(fake)

    assert await client.reparse_file_of("d") is True
    assert fake.requests[-1].method == "PUT"
    assert fake.requests[-1].url.path == "/api/v2/parseDagFile/tok.en"
    await client.aclose()


async def test_closed_port_is_unavailable_and_health_says_so() -> None:
    client = AirflowClient(f"http://127.0.0.1:{closed_port()}", "admin", "admin", attempts=2)

    with pytest.raises(AirflowUnavailableError, match="unreachable"):
        await client.trigger_dag_run("etl_job_executor", "job_1_run_1", {})
    ok, message = await client.health()

    assert ok is False
    assert "unreachable" in message
    await client.aclose()


def _dag_run(state: str) -> dict[str, object]:
    return {
        "dag_id": "etl_job_executor",
        "dag_run_id": "job_1_run_2",
        "state": state,
        "start_date": None,
        "end_date": None,
    }


async def test_a_token_airflow_cannot_verify_403_also_triggers_one_fresh_login() -> None:
    # Measured against Airflow 3.3.2: a token signed with another secret answers 403 "Invalid JWT token".
    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == "Bearer token-1":
            return httpx.Response(403, json={"detail": "Invalid JWT token"})
        return httpx.Response(200, json=_dag_run("running"))

    fake = FakeAirflow(handler)
    client = make_client(fake)

    run = await client.get_dag_run("etl_job_executor", "job_1_run_2")

    assert run is not None and fake.logins == 2
    await client.aclose()


async def test_already_in_state_and_already_queued_409s_count_as_done() -> None:
    # Measured against Airflow 3.3.2: patching a TI into its current state, or asking for a re-parse
    # while one is queued, answers 409.
    fake = FakeAirflow(lambda request: httpx.Response(409, json={"detail": "already"}))
    client = make_client(fake)

    assert await client.set_task_instance_state("d", "r", "t", "failed") is True
    assert await client.set_dag_run_state("d", "r", "failed") is True
    await client.reparse_dag_file("token")
    await client.aclose()
