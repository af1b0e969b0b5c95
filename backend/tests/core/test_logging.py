from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from portal.core.config import Settings


async def test_production_logs_are_json_lines_carrying_the_request_id(
    make_client: Callable[[Settings], Any],
    make_settings: Callable[..., Settings],
    capfd: pytest.CaptureFixture[str],
) -> None:
    settings = make_settings(log_format="json")
    async with make_client(settings) as http:
        capfd.readouterr()
        response = await http.post(
            "/api/v1/credentials",
            json={"name": "duck", "kind": "duckdb", "options": {"path": "/tmp/x.duckdb"}},
            headers={"X-Request-ID": "req-42"},
        )
        _, err = capfd.readouterr()

    assert response.status_code == 201
    events = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    created = [e for e in events if e.get("event") == "credential_created"]
    assert created and created[0]["request_id"] == "req-42"
    assert created[0]["level"] == "info" and created[0]["timestamp"]
