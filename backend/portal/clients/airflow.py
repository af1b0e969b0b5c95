"""Async client for the Airflow 3 REST API v2 (the backend never imports `airflow`).

Usage::

    client = AirflowClient.from_settings(settings)
    created = await client.trigger_dag_run("etl_job_executor", "job_1_run_7", {"job_id": 1, "job_run_id": 7})
    run = await client.get_dag_run("etl_job_executor", "job_1_run_7")   # None when Airflow has no such run

Connection errors, timeouts and 5xx answers are retried a few times, then raised as
`AirflowUnavailableError` (HTTP 503). Any other unexpected answer is `AirflowRequestError` (502).
The transport is injectable so the protocol (token refresh, 409 on a repeated trigger) is testable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import structlog
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from portal.core.config import Settings
from portal.core.errors import AirflowUnavailableError, PortalError

log = structlog.get_logger(__name__)

EXECUTOR_DAG_ID = "etl_job_executor"
EXECUTOR_TASK_ID = "execute_etl_job"
FINISHED_TASK_STATES = frozenset({"success", "failed", "skipped", "upstream_failed", "removed"})


class AirflowRequestError(PortalError):
    """Airflow answered, but not as the portal expected (a bug or a version mismatch)."""

    status_code = 502


class _TransientAirflowError(Exception):
    """Worth retrying: the connection failed or Airflow answered 5xx."""


@dataclass(frozen=True)
class DagRunInfo:
    dag_id: str
    dag_run_id: str
    state: str  # queued | running | success | failed
    start_date: str | None
    end_date: str | None


@dataclass(frozen=True)
class TaskInstanceInfo:
    task_id: str
    state: str | None
    try_number: int
    map_index: int


@dataclass(frozen=True)
class DagInfo:
    dag_id: str
    is_paused: bool
    is_stale: bool
    file_token: str


class AirflowClient:
    """One per process; safe to share between requests and the backstop task."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
        attempts: int = 3,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._username = username
        self._password = password
        self._attempts = attempts
        self._http = httpx.AsyncClient(base_url=self.base_url, transport=transport, timeout=timeout)
        self._token: str | None = None
        self._token_lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> AirflowClient:
        return cls(
            settings.airflow_api_url,
            settings.airflow_username,
            settings.airflow_password.get_secret_value(),
            **kwargs,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- runs -----------------------------------------------------------------------------

    async def trigger_dag_run(self, dag_id: str, dag_run_id: str, conf: Mapping[str, Any]) -> bool:
        """Start a run now. Returns False when a run with this id already exists (409): the
        deterministic run id makes a repeated trigger harmless."""
        body = {"dag_run_id": dag_run_id, "logical_date": None, "conf": dict(conf)}
        response = await self._request(
            "POST", f"/api/v2/dags/{dag_id}/dagRuns", json=body, accept=(200, 409, 404)
        )
        if response.status_code == 404:
            raise AirflowUnavailableError(
                f"Airflow does not know the DAG {dag_id!r} (yet): is the DAG folder deployed and parsed?",
                dag_id=dag_id,
            )
        return response.status_code == 200

    async def get_dag_run(self, dag_id: str, dag_run_id: str) -> DagRunInfo | None:
        response = await self._request(
            "GET", f"/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}", accept=(200, 404)
        )
        if response.status_code == 404:
            return None
        data = response.json()
        return DagRunInfo(
            dag_id=data["dag_id"],
            dag_run_id=data["dag_run_id"],
            state=data["state"],
            start_date=data.get("start_date"),
            end_date=data.get("end_date"),
        )

    async def set_dag_run_state(self, dag_id: str, dag_run_id: str, state: str) -> bool:
        """Returns False when the run does not exist."""
        response = await self._request(
            "PATCH",
            f"/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}",
            params={"update_mask": "state"},
            json={"state": state},
            accept=(200, 404, 409),
        )
        return response.status_code != 404  # 409: already in that state

    async def list_task_instances(self, dag_id: str, dag_run_id: str) -> list[TaskInstanceInfo]:
        response = await self._request(
            "GET", f"/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances", accept=(200, 404)
        )
        if response.status_code == 404:
            return []
        return [
            TaskInstanceInfo(
                task_id=item["task_id"],
                state=item.get("state"),
                try_number=int(item.get("try_number") or 0),
                map_index=int(item.get("map_index", -1)),
            )
            for item in response.json()["task_instances"]
        ]

    async def set_task_instance_state(
        self, dag_id: str, dag_run_id: str, task_id: str, state: str, *, map_index: int = -1
    ) -> bool:
        """Returns False when the task instance does not exist (a TI already in `state` is fine); a
        mapped task's instance is named by its `map_index`."""
        path = f"/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}"
        response = await self._request(
            "PATCH",
            path if map_index < 0 else f"{path}/{map_index}",
            params={"update_mask": "new_state"},
            json={"new_state": state},
            accept=(200, 404, 409),
        )
        return response.status_code != 404  # 409: already in that state

    # --- DAGs -----------------------------------------------------------------------------

    async def get_dag(self, dag_id: str) -> DagInfo | None:
        response = await self._request("GET", f"/api/v2/dags/{dag_id}", accept=(200, 404))
        if response.status_code == 404:
            return None
        return _dag_info(response.json())

    async def list_dags(self, dag_id_pattern: str) -> list[DagInfo]:
        """Every DAG whose id contains `dag_id_pattern` (SQL LIKE wildcards apply), stale ones too:
        a stale DAG still names its file, so its file token can still ask for a re-parse."""
        dags: list[DagInfo] = []
        while True:
            response = await self._request(
                "GET",
                "/api/v2/dags",
                params={
                    "dag_id_pattern": dag_id_pattern,
                    "exclude_stale": "false",
                    "limit": "100",
                    "offset": str(len(dags)),
                },
                accept=(200,),
            )
            page = response.json()["dags"]
            dags.extend(_dag_info(item) for item in page)
            if len(page) < 100:
                return dags

    async def set_paused(self, dag_id: str, paused: bool) -> bool:
        """Returns False when Airflow does not know the DAG (yet)."""
        response = await self._request(
            "PATCH",
            f"/api/v2/dags/{dag_id}",
            params={"update_mask": "is_paused"},
            json={"is_paused": paused},
            accept=(200, 404),
        )
        return response.status_code == 200

    async def delete_dag(self, dag_id: str) -> bool:
        """Returns False when there was nothing to delete."""
        response = await self._request("DELETE", f"/api/v2/dags/{dag_id}", accept=(200, 204, 404))
        return response.status_code != 404

    async def reparse_dag_file(self, file_token: str) -> None:
        # 409: a re-parse of this file is already queued, which is just as good.
        await self._request("PUT", f"/api/v2/parseDagFile/{file_token}", accept=(200, 201, 409))

    async def reparse_file_of(self, dag_id: str) -> bool:
        """Ask the DAG processor to re-read the file that defines `dag_id` now instead of at its next
        interval. Returns False when Airflow does not know the DAG (no file token to ask with)."""
        dag = await self.get_dag(dag_id)
        if dag is None:
            return False
        await self.reparse_dag_file(dag.file_token)
        return True

    # --- health ---------------------------------------------------------------------------

    async def health(self) -> tuple[bool, str]:
        """(ok, message) for the portal's /health: the API server answers and the scheduler and
        DAG processor report healthy. Never raises."""
        try:
            response = await self._http.get("/api/v2/monitor/health")
        except httpx.HTTPError as exc:
            return False, f"Airflow API unreachable at {self.base_url}: {_describe(exc)}"
        if response.status_code != 200:
            return False, f"Airflow API at {self.base_url} answered HTTP {response.status_code}"
        body = response.json()
        unhealthy = [
            name
            for name in ("metadatabase", "scheduler", "dag_processor")
            if isinstance(body.get(name), dict) and body[name].get("status") not in (None, "healthy")
        ]
        if unhealthy:
            return False, f"Airflow components unhealthy: {', '.join(unhealthy)}"
        return True, "ok"

    # --- transport ------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        accept: tuple[int, ...],
        json: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        try:
            async for attempt in AsyncRetrying(
                retry=retry_if_exception_type(_TransientAirflowError),
                stop=stop_after_attempt(self._attempts),
                wait=wait_exponential(multiplier=0.2, max=2),
                reraise=True,
            ):
                with attempt:
                    response = await self._authorised(method, path, json=json, params=params)
        except _TransientAirflowError as exc:
            log.warning("airflow_unavailable", method=method, path=path, reason=str(exc))
            raise AirflowUnavailableError(
                f"Airflow is unavailable: {exc}", airflow_url=self.base_url
            ) from exc
        if response.status_code not in accept:
            raise AirflowRequestError(
                f"Airflow answered HTTP {response.status_code} to {method} {path}: {response.text[:300]}",
                status=response.status_code,
            )
        return response

    async def _authorised(
        self, method: str, path: str, *, json: Any, params: Mapping[str, str] | None
    ) -> httpx.Response:
        token = await self._current_token()
        response = await self._send(method, path, json=json, params=params, token=token)
        if response.status_code in (401, 403):
            # Tokens expire (24 h by default) or the API server restarted with a new secret; Airflow
            # answers 403 "Invalid JWT token" for a token it cannot verify. One fresh login decides.
            token = await self._current_token(stale=token)
            response = await self._send(method, path, json=json, params=params, token=token)
        if response.status_code >= 500:
            raise _TransientAirflowError(f"HTTP {response.status_code} from {method} {path}")
        return response

    async def _send(
        self, method: str, path: str, *, json: Any, params: Mapping[str, str] | None, token: str
    ) -> httpx.Response:
        try:
            return await self._http.request(
                method, path, json=json, params=params, headers={"Authorization": f"Bearer {token}"}
            )
        except httpx.TransportError as exc:
            raise _TransientAirflowError(f"{self.base_url} unreachable ({_describe(exc)})") from exc

    async def _current_token(self, stale: str | None = None) -> str:
        """The cached token, fetched once; `stale` names a token that was refused."""
        async with self._token_lock:
            if self._token is None or self._token == stale:
                self._token = await self._login()
            return self._token

    async def _login(self) -> str:
        try:
            response = await self._http.post(
                "/auth/token", json={"username": self._username, "password": self._password}
            )
        except httpx.TransportError as exc:
            raise _TransientAirflowError(f"{self.base_url} unreachable ({_describe(exc)})") from exc
        if response.status_code >= 500:
            raise _TransientAirflowError(f"HTTP {response.status_code} from POST /auth/token")
        if response.status_code not in (200, 201):
            raise AirflowUnavailableError(
                f"Airflow refused the portal's login as {self._username!r} "
                f"(HTTP {response.status_code}): check AIRFLOW_USERNAME / AIRFLOW_PASSWORD",
                airflow_url=self.base_url,
            )
        return str(response.json()["access_token"])


def _dag_info(data: Mapping[str, Any]) -> DagInfo:
    return DagInfo(
        dag_id=data["dag_id"],
        is_paused=bool(data["is_paused"]),
        is_stale=bool(data.get("is_stale", False)),
        file_token=data["file_token"],
    )


def _describe(exc: httpx.HTTPError) -> str:
    return str(exc) or type(exc).__name__
