"""A stateful stand-in for the Airflow REST API (httpx.MockTransport) for tests of decisions that
depend on Airflow states a unit test cannot provoke in a real Airflow on demand. The e2e suite runs
the same client against a real Airflow."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from portal.clients.airflow import AirflowClient
from portal.runs.models import JobRun


@dataclass
class AirflowState:
    """What the fake API server knows: DAG runs by (dag_id, run_id) and DAGs by id."""

    dag_runs: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    dags: dict[str, dict[str, Any]] = field(default_factory=dict)
    task_instances: dict[tuple[str, str], dict[str, str | None]] = field(default_factory=dict)
    refuse_delete: set[str] = field(default_factory=set)  # DAGs whose DELETE answers 409
    # Plays the DAG processor when set: the DAG ids the schedules file defines at its next parse.
    schedules_file: set[str] | None = None
    reparsed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        if path == "/auth/token":
            return httpx.Response(201, json={"access_token": "t"})
        if match := re.fullmatch(r"/api/v2/dags/([^/]+)/dagRuns/([^/]+)/taskInstances(?:/([^/]+))?", path):
            tasks = self.task_instances.setdefault((match[1], match[2]), {})
            if method == "PATCH":
                tasks[match[3]] = json.loads(request.content)["new_state"]
                return httpx.Response(200, json={"task_instances": [], "total_entries": 0})
            items = [{"task_id": t, "state": s, "try_number": 1, "map_index": -1} for t, s in tasks.items()]
            return httpx.Response(200, json={"task_instances": items, "total_entries": len(items)})
        if match := re.fullmatch(r"/api/v2/dags/([^/]+)/dagRuns/([^/]+)", path):
            key = (match[1], match[2])
            if key not in self.dag_runs:
                return httpx.Response(404, json={"detail": "not found"})
            if method == "PATCH":
                self.dag_runs[key]["state"] = json.loads(request.content)["state"]
            return httpx.Response(200, json=self.dag_runs[key])
        if path == "/api/v2/dags":
            pattern = request.url.params["dag_id_pattern"]
            return httpx.Response(200, json={"dags": [d for i, d in self.dags.items() if pattern in i]})
        if match := re.fullmatch(r"/api/v2/dags/([^/]+)", path):
            dag = self.dags.get(match[1])
            if dag is None:
                return httpx.Response(404, json={"detail": "not found"})
            if method == "PATCH":
                dag["is_paused"] = json.loads(request.content)["is_paused"]
            if method == "DELETE" and match[1] in self.refuse_delete:
                return httpx.Response(409, json={"detail": "Task instances are still running"})
            if method == "DELETE":
                self.deleted.append(match[1])
                del self.dags[match[1]]
            return httpx.Response(200, json=dag)
        if match := re.fullmatch(r"/api/v2/parseDagFile/(.+)", path):
            self.reparsed.append(match[1])
            self._parse_schedules_file()
            return httpx.Response(201, json=None)
        return httpx.Response(400, json={"detail": f"unexpected {method} {path}"})

    def _parse_schedules_file(self) -> None:
        if self.schedules_file is None:
            return
        for dag_id, dag in self.dags.items():
            dag["is_stale"] = dag_id not in self.schedules_file
        for dag_id in self.schedules_file - self.dags.keys():
            self.add_dag(dag_id, paused=True)

    def add_run(self, run: JobRun, state: str, end_date: datetime | None = None) -> None:
        assert run.dag_id and run.dag_run_id
        self.dag_runs[(run.dag_id, run.dag_run_id)] = {
            "dag_id": run.dag_id,
            "dag_run_id": run.dag_run_id,
            "state": state,
            "start_date": None,
            "end_date": end_date.isoformat() if end_date else None,
        }

    def add_task(self, run: JobRun, task_id: str, state: str | None) -> None:
        assert run.dag_id and run.dag_run_id
        self.task_instances.setdefault((run.dag_id, run.dag_run_id), {})[task_id] = state

    def add_dag(self, dag_id: str, *, paused: bool, stale: bool = False) -> None:
        self.dags[dag_id] = {
            "dag_id": dag_id,
            "is_paused": paused,
            "is_stale": stale,
            "file_token": "schedules-file",
        }


def fake_airflow(state: AirflowState) -> AirflowClient:
    return AirflowClient("http://airflow.test", "admin", "admin", transport=httpx.MockTransport(state.handle))
