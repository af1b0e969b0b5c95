"""Files that arrive, and schema drift, on the real stack: a `files` job created over the API runs
in Airflow (manual runs, the stack's LocalExecutor) and reads Excel-style exports (BOM, `;`, CRLF,
decimal commas) from the stack's drop directory into PostgreSQL.

Run by run: the first loads the file there; a new file arrives and the second loads only it; a
file with one more column arrives and, under the evolve policy, the third adds the column to the
target (its values loaded, older rows NULL) and records the drift on the run; a fourth finds
nothing new and ends NOTHING_TO_LOAD. Under the fail policy the run with the new column fails
before loading, with the diff, and the backend's delivery loop posts the signed `schema_drift`
event to a real webhook receiver.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from e2e_client import PortalClient
from notifications.notification_receivers import WebhookReceiver  # tests/ is on sys.path

from portal.devstack import Stack

pytestmark = pytest.mark.e2e

HEADER = "Bestellnr.;Kunde;Betrag;Datum"


def excel_export(rows: list[str], header: str = HEADER) -> bytes:
    return "\ufeff".encode() + ("\r\n".join([header, *rows]) + "\r\n").encode("utf-8")


def arrive(stack: Stack, name: str, data: bytes, at: int) -> None:
    """A file lands in the drop directory the backend and the workers share."""
    path = Path(stack.config.portal_env["DROP_DIR"]) / "exports" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, ns=(at * 10**9, at * 10**9))


def run_to_the_end(portal: PortalClient, job_id: int) -> dict[str, Any]:
    run = portal.execute(job_id)
    portal.follow(run["id"])
    return portal.run(run["id"])


def test_a_files_job_loads_each_arriving_file_once_and_evolves_with_a_new_column(
    portal: PortalClient,
    stack: Stack,
    pg_credential: dict[str, Any],
    dest: psycopg.Connection,
    tmp_path: Path,
) -> None:
    schema = f"drops_{uuid.uuid4().hex[:8]}"
    sample = tmp_path / "sales_sample.csv"
    sample.write_bytes(
        excel_export(["1001;Müller GmbH;1.234,50;30.11.2026", "1002;Weiß KG;89,90;29.11.2026"])
    )
    file = portal.upload_csv(sample)
    job = portal.create_job(
        name="arriving sales",
        source_type="files",
        file_id=file["id"],
        source_pattern="exports/sales_*.csv",
        source_options={"mode": "new", "on_empty": "complete"},
        drift_policy="evolve",
        credential_id=pg_credential["id"],
        target_schema=schema,
        target_table="sales",
        create_table=True,
        strategy="INSERT",
    )

    arrive(stack, "sales_2026-11-29.csv", excel_export(["1;Müller GmbH;1.234,50;29.11.2026"]), at=1_000)
    first = run_to_the_end(portal, job["id"])
    assert (first["status"], first["rows_loaded"]) == ("COMPLETED", 1), first["error_message"]

    arrive(
        stack,
        "sales_2026-11-30.csv",
        excel_export(["2;Weiß KG;89,90;30.11.2026", "3;Schäfer;5,00;30.11.2026"]),
        at=2_000,
    )
    second = run_to_the_end(portal, job["id"])
    assert (second["status"], second["rows_read"], second["rows_loaded"]) == ("COMPLETED", 2, 2)
    assert second["schema_drift"] is None

    arrive(
        stack,
        "sales_2026-12-01.csv",
        excel_export(["4;Krüger;7,10;01.12.2026;Nord"], HEADER + ";Region"),
        at=3_000,
    )
    third = run_to_the_end(portal, job["id"])
    assert (third["status"], third["rows_loaded"]) == ("COMPLETED", 1), third["error_message"]
    assert third["schema_drift"] == {
        "added": [{"name": "Region", "type": "TEXT"}],
        "removed": [],
        "renamed": [],
        "type_changed": [],
        "policy": "evolve",
        "action": "evolved",
        "columns_added": ["region"],
    }
    assert any(event["message"] == "schema_drift" for event in portal.events(third["id"]))

    rows = dest.execute(
        f'SELECT bestellnr, betrag, region FROM "{schema}".sales ORDER BY bestellnr'
    ).fetchall()
    assert rows == [
        (1, Decimal("1234.50"), None),
        (2, Decimal("89.90"), None),
        (3, Decimal("5.00"), None),
        (4, Decimal("7.10"), "Nord"),
    ]

    fourth = run_to_the_end(portal, job["id"])
    assert (fourth["status"], fourth["rows_loaded"]) == ("NOTHING_TO_LOAD", 0)
    assert dest.execute(f'SELECT count(*) FROM "{schema}".sales').fetchone() == (4,)


def test_fail_stops_the_run_with_the_diff_and_a_signed_webhook_says_so(
    portal: PortalClient,
    stack: Stack,
    pg_credential: dict[str, Any],
    dest: psycopg.Connection,
    tmp_path: Path,
) -> None:
    schema = f"drops_{uuid.uuid4().hex[:8]}"
    sample = tmp_path / "orders_sample.csv"
    sample.write_bytes(excel_export(["1001;Müller GmbH;1.234,50;30.11.2026"]))
    file = portal.upload_csv(sample)
    job = portal.create_job(
        name="arriving orders",
        source_type="files",
        file_id=file["id"],
        source_pattern="strict/orders_*.csv",
        drift_policy="fail",
        credential_id=pg_credential["id"],
        target_schema=schema,
        target_table="orders",
    )
    with WebhookReceiver(secret="whsec-e2e-drift-0123456789") as receiver:
        created = portal.http.post(
            "/api/v1/notification-channels",
            json={
                "name": f"drift hook {schema}",
                "config": {"kind": "webhook", "url": receiver.url},
                "secret": "whsec-e2e-drift-0123456789",
                "all_jobs_events": ["schema_drift"],
            },
        )
        assert created.status_code == 201, created.text

        drop = Path(stack.config.portal_env["DROP_DIR"]) / "strict"
        drop.mkdir(parents=True, exist_ok=True)
        (drop / "orders_1.csv").write_bytes(excel_export(["1;Müller GmbH;1.234,50;29.11.2026"]))
        assert run_to_the_end(portal, job["id"])["status"] == "COMPLETED"
        (drop / "orders_2.csv").write_bytes(
            excel_export(["2;Weiß KG;89,90;30.11.2026;Nord"], HEADER + ";Region")
        )
        failed = run_to_the_end(portal, job["id"])
        assert failed["status"] == "FAILED"
        assert failed["error_message"] == (
            "the source's columns changed (added 'Region' (TEXT)); the job's drift policy is fail"
        )
        assert failed["schema_drift"]["action"] == "failed"
        assert dest.execute(f'SELECT bestellnr FROM "{schema}".orders').fetchall() == [(1,)]

        deadline = time.monotonic() + 60  # the delivery loop sends every few seconds
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.2)
        [request] = receiver.requests
        assert request.verified
        body = json.loads(request.body)
        assert body["event"] == "schema_drift"
        assert body["data"]["run"] == {"id": failed["id"]}
        assert body["data"]["schema_drift"] == failed["schema_drift"]
