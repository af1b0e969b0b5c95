"""Arriving files and schema drift through the runner: one attempt at a run of a `files` job, as
Airflow's task makes it, loading Excel-style exports from the drop directory into a real PostgreSQL
database; the drift policy (evolve, fail, ignore), NOTHING_TO_LOAD, no file loaded twice, and the
signed `schema_drift` webhook a real HTTP receiver gets.

The app database is SQLite (the embedded default); the destination is PostgreSQL, one schema per
test in a database of this suite (named from PORTAL_TEST_DATABASE).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from databases import TEST_DATABASE, recreate_database
from notifications.notification_receivers import WebhookReceiver  # tests/ is on sys.path
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from etl_engine import (
    ColumnSpec,
    ColumnType,
    DestinationConfig,
    JobSpec,
    LoadSpec,
    SourceConfig,
    TableSource,
    profile_csv,
)
from etl_engine.drift import SchemaDriftFound
from portal.connections.models import Credential
from portal.core.config import Settings
from portal.core.crypto import CredentialCipher
from portal.db.base import Base, utcnow
from portal.db.session import create_engine_from_settings, create_session_factory
from portal.db.sync import create_sync_engine, create_sync_session_factory
from portal.jobs.models import ColumnMapping, Job, JobTable
from portal.notifications.delivery import DeliveryPolicy, send_due
from portal.notifications.models import ChannelKind, NotificationChannel
from portal.runner.drift import apply_drift_policy
from portal.runner.errors import RunFailedError
from portal.runner.job_run import execute_attempt
from portal.runs.models import JobRun, JobRunEvent, JobRunStatus, JobRunTable
from portal.uploads.models import UploadedFile

DEST_DATABASE = f"{TEST_DATABASE}_drift"
TEST_KEY = base64.b64encode(b"drift-tests-credentials-key-32b!").decode()
SECRET = "whsec-drift-tests-0123456789"
HEADER = "Bestellnr.;Kunde;Betrag"


def excel_export(rows: list[str], header: str = HEADER) -> bytes:
    """Excel's "CSV UTF-8 (semicolon)": a BOM, `;`, CRLF, decimal commas."""
    return "\ufeff".encode() + ("\r\n".join([header, *rows]) + "\r\n").encode("utf-8")


@pytest.fixture(scope="module")
def dest_database() -> Iterator[str]:
    recreate_database(DEST_DATABASE)
    yield DEST_DATABASE
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DEST_DATABASE}" WITH (FORCE)')


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'portal.db'}",
        credentials_key=TEST_KEY,
        upload_dir=tmp_path / "uploads",
        drop_dir=tmp_path / "drop",
        warehouse_path=tmp_path / "warehouse.duckdb",
    )


@pytest.fixture(autouse=True)
def drop_dir(settings: Settings) -> None:
    settings.drop_dir.mkdir()  # the app creates it at start, shared with the workers


@pytest.fixture
def sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = create_sync_engine(settings)
    Base.metadata.create_all(engine)
    yield create_sync_session_factory(engine)
    engine.dispose()


@pytest.fixture
def schema(dest_database: str) -> str:
    name = f"s_{uuid.uuid4().hex[:10]}"
    dest(f'CREATE SCHEMA "{name}"')
    return name


def dest(sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(
        host="127.0.0.1", port=5432, dbname=DEST_DATABASE, user="postgres", autocommit=True
    ) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else []


def sales_columns(schema: str) -> list[str]:
    rows = dest(
        "SELECT column_name FROM information_schema.columns "
        f"WHERE table_schema = '{schema}' AND table_name = 'sales' ORDER BY ordinal_position"
    )
    return [name for (name,) in rows]


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(secret=SECRET) as receiver:
        yield receiver


def drop(settings: Settings, name: str, data: bytes, at: int) -> None:
    path = settings.drop_dir / "exports" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, ns=(at * 10**9, at * 10**9))


@pytest.fixture
def files_job(
    sessions: sessionmaker[Session], settings: Settings, schema: str, webhook: WebhookReceiver, tmp_path: Path
) -> Callable[[str], int]:
    """`files_job(policy)` -> the id of a `files` job over `exports/sales_*.csv`, its columns from a
    sample upload, loading into `<schema>.sales`, a webhook channel hearing its schema drift."""

    def make(policy: str) -> int:
        sample = tmp_path / "sample.csv"
        sample.write_bytes(excel_export(["1;Müller GmbH;1.234,50", "2;Weiß KG;89,90"]))
        profile = profile_csv(sample)
        cipher = CredentialCipher.from_settings(settings)
        with sessions.begin() as session:
            file = UploadedFile(
                id=uuid.uuid4().hex,
                filename="sample.csv",
                stored_path=str(sample),
                size_bytes=profile.size_bytes,
                encoding=profile.options.encoding,
                delimiter=profile.options.delimiter,
                quotechar=profile.options.quotechar,
                has_header=profile.options.has_header,
                decimal=profile.options.decimal,
                columns=[
                    {"name": c.name, "sql_name": c.sql_name, "type": c.type.value} for c in profile.columns
                ],
            )
            credential = Credential(
                name=uuid.uuid4().hex,
                kind="postgres",
                host="127.0.0.1",
                port=5432,
                database=DEST_DATABASE,
                username="postgres",
            )
            channel = NotificationChannel(
                name=uuid.uuid4().hex,
                kind=ChannelKind.WEBHOOK,
                config={"url": webhook.url},
                secret_encrypted=cipher.encrypt(SECRET),
                all_jobs_events=["schema_drift"],
            )
            session.add_all([file, credential, channel])
            session.flush()
            job = Job(
                name="sales drops",
                source_type="files",
                file_id=file.id,
                source_pattern="exports/sales_*.csv",
                source_options={"mode": "new", "on_empty": "complete"},
                drift_policy=policy,
                credential_id=credential.id,
                target_schema=schema,
                target_table="sales",
                mappings=[
                    ColumnMapping(
                        position=i,
                        source_column=c.sql_name,
                        target_column=c.sql_name,
                        target_type=c.type.value,
                    )
                    for i, c in enumerate(profile.columns)
                ],
            )
            session.add(job)
            session.flush()
            return job.id

    return make


def run(sessions: sessionmaker[Session], settings: Settings, job_id: int) -> JobRun:
    """A new manual run of the job, one attempt at it (as Airflow's task), the run as it ended."""
    with sessions.begin() as session:
        row = JobRun(
            job_id=job_id, status=JobRunStatus.PENDING, created_at=utcnow() + timedelta(microseconds=1)
        )
        session.add(row)
        session.flush()
        run_id = row.id
    with contextlib.suppress(RunFailedError):  # the run's row says how it ended
        execute_attempt(sessions, settings, run_id, try_number=1)
    with sessions() as session:
        found = session.get(JobRun, run_id)
        assert found is not None
        return found


def drift_events(sessions: sessionmaker[Session], run_id: int) -> list[dict[str, Any]]:
    with sessions() as session:
        rows = session.scalars(
            select(JobRunEvent).where(JobRunEvent.job_run_id == run_id, JobRunEvent.message == "schema_drift")
        )
        return [row.data or {} for row in rows]


def deliver(settings: Settings, webhook: WebhookReceiver) -> list[dict[str, Any]]:
    """Send the outbox's due deliveries now; the bodies the receiver got with a valid signature."""
    engine = create_engine_from_settings(settings)
    policy = DeliveryPolicy(max_attempts=1, timeout_seconds=5)

    async def send() -> None:
        await send_due(
            create_session_factory(engine), CredentialCipher.from_settings(settings), settings, policy
        )
        await engine.dispose()

    asyncio.run(send())
    assert all(request.verified for request in webhook.requests)
    return [json.loads(request.body) for request in webhook.requests]


def sent(event: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(event, job, run, schema_drift) of a webhook body."""
    data = event["data"]
    return event["event"], data["job"], data["run"], data["schema_drift"]


ADDED_REGION = {
    "added": [{"name": "Region", "type": "TEXT"}],
    "removed": [],
    "renamed": [],
    "type_changed": [],
}


def test_evolve_adds_a_new_column_to_the_mapping_and_the_target(
    sessions: sessionmaker[Session],
    settings: Settings,
    schema: str,
    files_job: Callable[[str], int],
    webhook: WebhookReceiver,
) -> None:
    job_id = files_job("evolve")
    drop(settings, "sales_1.csv", excel_export(["1;Müller GmbH;1.234,50", "2;Weiß KG;89,90"]), at=1_000)
    first = run(sessions, settings, job_id)
    assert (first.status, first.rows_loaded, first.schema_drift) == ("COMPLETED", 2, None)

    drop(settings, "sales_2.csv", excel_export(["3;Schäfer;12,00;Nord"], HEADER + ";Region"), at=2_000)
    second = run(sessions, settings, job_id)
    assert (second.status, second.rows_loaded) == ("COMPLETED", 1), second.error_message
    assert second.schema_drift == {
        **ADDED_REGION,
        "policy": "evolve",
        "action": "evolved",
        "columns_added": ["region"],
    }
    assert drift_events(sessions, second.id) == [second.schema_drift]
    assert dest(f'SELECT bestellnr, betrag, region FROM "{schema}".sales ORDER BY bestellnr') == [
        (1, Decimal("1234.50"), None),
        (2, Decimal("89.90"), None),
        (3, Decimal("12.00"), "Nord"),
    ]
    with sessions() as session:
        added = session.scalars(select(ColumnMapping).where(ColumnMapping.job_id == job_id)).all()
        assert [(m.source_column, m.target_column, m.target_type, m.include) for m in added][-1] == (
            "region",
            "region",
            "TEXT",
            True,
        )

    # The next file has the column too: the job expects it now, no drift, no new mapping.
    drop(settings, "sales_3.csv", excel_export(["4;Krüger;7,10;Süd"], HEADER + ";Region"), at=3_000)
    third = run(sessions, settings, job_id)
    assert (third.status, third.rows_loaded, third.schema_drift) == ("COMPLETED", 1, None)
    assert dest(f'SELECT region FROM "{schema}".sales WHERE bestellnr = 4') == [("Süd",)]

    [event] = deliver(settings, webhook)
    assert sent(event) == (
        "schema_drift",
        {"id": job_id, "name": "sales drops"},
        {"id": second.id},
        second.schema_drift,
    )


def test_fail_stops_the_run_before_loading_with_the_diff(
    sessions: sessionmaker[Session],
    settings: Settings,
    schema: str,
    files_job: Callable[[str], int],
    webhook: WebhookReceiver,
) -> None:
    job_id = files_job("fail")
    drop(settings, "sales_1.csv", excel_export(["1;Müller GmbH;1.234,50"]), at=1_000)
    assert run(sessions, settings, job_id).status == "COMPLETED"

    drop(settings, "sales_2.csv", excel_export(["3;Schäfer;12,00;Nord"], HEADER + ";Region"), at=2_000)
    failed = run(sessions, settings, job_id)
    assert failed.status == "FAILED"
    assert failed.error_message == (
        "the source's columns changed (added 'Region' (TEXT)); the job's drift policy is fail"
    )
    assert failed.schema_drift == {**ADDED_REGION, "policy": "fail", "action": "failed"}
    assert dest(f'SELECT count(*) FROM "{schema}".sales') == [(1,)]
    assert sales_columns(schema) == ["bestellnr", "kunde", "betrag"]
    [event] = deliver(settings, webhook)
    assert sent(event) == (
        "schema_drift",
        {"id": job_id, "name": "sales drops"},
        {"id": failed.id},
        failed.schema_drift,
    )


def test_ignore_loads_without_the_new_column(
    sessions: sessionmaker[Session],
    settings: Settings,
    schema: str,
    files_job: Callable[[str], int],
    webhook: WebhookReceiver,
) -> None:
    job_id = files_job("ignore")
    drop(settings, "sales_1.csv", excel_export(["1;Müller GmbH;1.234,50"]), at=1_000)
    drop(
        settings,
        "sales_2.csv",
        excel_export(["Nord;3;12,00;Schäfer"], "Region;Bestellnr.;Betrag;Kunde"),
        at=2_000,
    )
    ignored = run(sessions, settings, job_id)
    assert (ignored.status, ignored.rows_loaded) == ("COMPLETED", 2), ignored.error_message
    assert ignored.schema_drift == {**ADDED_REGION, "policy": "ignore", "action": "ignored"}
    assert dest(f'SELECT * FROM "{schema}".sales ORDER BY bestellnr') == [
        (1, "Müller GmbH", Decimal("1234.50")),
        (3, "Schäfer", Decimal("12.00")),
    ]
    [event] = deliver(settings, webhook)
    assert sent(event)[3] == ignored.schema_drift


def test_a_removed_mapped_column_fails_under_evolve_naming_it(
    sessions: sessionmaker[Session], settings: Settings, schema: str, files_job: Callable[[str], int]
) -> None:
    job_id = files_job("evolve")
    drop(settings, "sales_1.csv", excel_export(["1;Müller GmbH"], "Bestellnr.;Kunde"), at=1_000)
    failed = run(sessions, settings, job_id)
    assert failed.status == "FAILED"
    assert failed.error_message is not None
    assert failed.error_message.startswith(
        "mapped column 'Betrag' no longer in the source (removed 'Betrag')"
    )
    assert failed.schema_drift == {
        "added": [],
        "removed": ["Betrag"],
        "renamed": [],
        "type_changed": [],
        "policy": "evolve",
        "action": "failed",
    }
    assert not dest(
        f"SELECT 1 FROM information_schema.tables WHERE table_schema = '{schema}' AND table_name = 'sales'"
    )


def test_nothing_new_ends_nothing_to_load_and_no_file_is_loaded_twice(
    sessions: sessionmaker[Session], settings: Settings, schema: str, files_job: Callable[[str], int]
) -> None:
    job_id = files_job("fail")
    assert run(sessions, settings, job_id).status == "NOTHING_TO_LOAD"  # the drop directory is empty

    drop(settings, "sales_1.csv", excel_export(["1;Müller GmbH;1.234,50"]), at=1_000)
    drop(settings, "sales_2.csv", excel_export(["2;Weiß KG;89,90"]), at=2_000)
    loaded = run(sessions, settings, job_id)
    assert (loaded.status, loaded.rows_loaded) == ("COMPLETED", 2)
    again = run(sessions, settings, job_id)
    assert (again.status, again.rows_loaded) == ("NOTHING_TO_LOAD", 0)
    assert dest(f'SELECT bestellnr FROM "{schema}".sales ORDER BY bestellnr') == [(1,), (2,)]


# --- a table of a `tables` job: the policy called as the runner calls it, on a real table --------


def tables_job(sessions: sessionmaker[Session], schema: str, policy: str) -> tuple[int, int, int]:
    """A `tables` job over `<schema>.orders` (id, total mapped; note known, left out) and a run of
    it with its table run: (job id, run id, table run id)."""
    with sessions.begin() as session:
        credential = Credential(
            name=uuid.uuid4().hex, kind="postgres", host="127.0.0.1", port=5432, database=DEST_DATABASE
        )
        session.add(credential)
        session.flush()
        job = Job(
            name="orders",
            source_type="tables",
            source_credential_id=credential.id,
            credential_id=credential.id,
            target_schema=schema,
            target_table="unused",
            drift_policy=policy,
        )
        session.add(job)
        session.flush()
        table = JobTable(
            job_id=job.id,
            position=0,
            source_schema=schema,
            source_table="orders",
            target_schema=schema,
            target_table="orders_copy",
            mappings=[
                ColumnMapping(
                    job_id=job.id,
                    position=i,
                    source_column=name,
                    target_column=name,
                    target_type=kind,
                    include=use,
                )
                for i, (name, kind, use) in enumerate(
                    [("id", "INTEGER", True), ("total", "NUMERIC", True), ("note", "TEXT", False)]
                )
            ],
        )
        session.add(table)
        session.flush()
        run = JobRun(job_id=job.id, status=JobRunStatus.RUNNING)
        session.add(run)
        session.flush()
        table_run = JobRunTable(
            job_run_id=run.id,
            job_table_id=table.id,
            position=0,
            source_name="orders",
            target_name="orders_copy",
        )
        session.add(table_run)
        session.flush()
        return job.id, run.id, table_run.id


def table_spec(schema: str, job: Job) -> JobSpec:
    [table] = job.tables
    connection = SourceConfig("postgres", "127.0.0.1", 5432, DEST_DATABASE, "postgres")
    return JobSpec(
        run_id=f"r{uuid.uuid4().hex[:8]}",
        source=TableSource(connection, schema, "orders"),
        columns=[
            ColumnSpec(m.source_column, m.target_column, ColumnType(m.target_type))
            for m in table.mappings
            if m.include
        ],
        destination=DestinationConfig(
            kind="postgres", host="127.0.0.1", port=5432, database=DEST_DATABASE, user="postgres"
        ),
        load=LoadSpec(schema=schema, table="orders_copy"),
    )


def load_job(sessions: sessionmaker[Session], job_id: int) -> Job:
    with sessions() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def test_a_table_that_gains_a_column_evolves_the_tables_own_mapping(
    sessions: sessionmaker[Session], settings: Settings, schema: str
) -> None:
    dest(f'CREATE TABLE "{schema}".orders (id integer PRIMARY KEY, total numeric(10,2), note text)')
    job_id, run_id, table_run_id = tables_job(sessions, schema, "evolve")
    job = load_job(sessions, job_id)
    unchanged = apply_drift_policy(sessions, settings, run_id, job, table_spec(schema, job))
    assert unchanged.load.evolve and len(unchanged.columns) == 2

    dest(f'ALTER TABLE "{schema}".orders ADD COLUMN region text, DROP COLUMN note')
    evolved = apply_drift_policy(sessions, settings, run_id, job, table_spec(schema, job))
    assert evolved.columns[-1] == ColumnSpec("region", "region", ColumnType.TEXT)
    entry = {
        "added": [{"name": "region", "type": "TEXT"}],
        "removed": ["note"],  # known but left out: no failure
        "renamed": [],
        "type_changed": [],
        "policy": "evolve",
        "action": "evolved",
        "columns_added": ["region"],
    }
    with sessions() as session:
        run = session.get(JobRun, run_id)
        assert run is not None and run.schema_drift == {"tables": {f"{schema}.orders": entry}}
        [event] = session.scalars(select(JobRunEvent).where(JobRunEvent.message == "schema_drift"))
        assert (event.job_run_table_id, event.level, event.data) == (
            table_run_id,
            "warning",
            {**entry, "table": f"{schema}.orders"},
        )
        [table] = session.scalars(select(JobTable).where(JobTable.job_id == job_id))
        assert [(m.source_column, m.target_type, m.include) for m in table.mappings][-1] == (
            "region",
            "TEXT",
            True,
        )
        assert session.scalars(select(ColumnMapping).where(ColumnMapping.job_table_id.is_(None))).all() == []

    dest(f'ALTER TABLE "{schema}".orders DROP COLUMN total')
    job = load_job(sessions, job_id)
    with pytest.raises(SchemaDriftFound, match="mapped column 'total' no longer in the source"):
        apply_drift_policy(sessions, settings, run_id, job, table_spec(schema, job))
