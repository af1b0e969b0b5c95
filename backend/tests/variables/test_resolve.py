"""run_variables: static values, db_query values read from a real PostgreSQL and MariaDB database
(one per test) through the read-only query path, the run's context, and failures that name the
variable. The portal's own rows live in a SQLite file (as in the runner tests)."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pymysql
import pytest
from sqlalchemy.orm import Session, sessionmaker

from etl_engine.templating import render_path, render_query
from portal.connections.models import ConnectionUsage, Credential
from portal.core.config import Settings
from portal.core.crypto import CredentialCipher
from portal.db.base import Base
from portal.db.sync import create_sync_engine, create_sync_session_factory
from portal.devstack import free_port
from portal.jobs.models import Job, JobTable
from portal.runs.models import JobRun
from portal.variables.models import Variable, VariableKind
from portal.variables.resolve import (
    VariableFailed,
    VariableUnreachable,
    run_logical_date,
    run_variables,
)

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
MYSQL_ADMIN: dict[str, Any] = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}
TEST_KEY = base64.b64encode(b"variable-tests-credentials-key!!").decode()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'portal.db'}",
        credentials_key=TEST_KEY,
        upload_dir=tmp_path / "uploads",
        warehouse_path=tmp_path / "warehouse.duckdb",
        query_timeout_seconds=5,
    )


@pytest.fixture
def sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = create_sync_engine(settings)
    Base.metadata.create_all(engine)
    yield create_sync_session_factory(engine)
    engine.dispose()


@pytest.fixture
def pg_source() -> Iterator[str]:
    name = f"etl_h4_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{name}", autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE loads (day date, amount numeric(30, 10), n bigint);"
            "INSERT INTO loads VALUES ('2026-11-28', 12345678901234567890.0000000001, 9007199254740993),"
            " ('2026-11-29', 2.5, 1)"
        )
    yield name
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def mysql_source() -> Iterator[str]:
    name = f"etl_h4_{uuid.uuid4().hex[:8]}"
    with pymysql.connect(**MYSQL_ADMIN, autocommit=True) as conn, conn.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}`")
        cursor.execute(f"CREATE TABLE `{name}`.marks (at DATETIME(6))")
        cursor.execute(f"INSERT INTO `{name}`.marks VALUES ('2026-11-29 23:59:59.5')")
    yield name
    with pymysql.connect(**MYSQL_ADMIN, autocommit=True) as conn, conn.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")


def add_connection(session: Session, kind: str, database: str, **values: Any) -> Credential:
    fields: dict[str, Any] = {
        "name": f"{kind} {uuid.uuid4().hex[:6]}",
        "kind": kind,
        "usage": ConnectionUsage.SOURCE,
        "host": "127.0.0.1",
        "port": 5432 if kind == "postgres" else 3306,
        "database": database,
        "username": "postgres" if kind == "postgres" else "root",
        **values,
    }
    credential = Credential(**fields)
    session.add(credential)
    session.flush()
    return credential


def add_job(session: Session, **values: Any) -> tuple[Job, JobRun]:
    destination = Credential(name=f"dest {uuid.uuid4().hex[:6]}", kind="duckdb", options={"path": "/x"})
    session.add(destination)
    session.flush()
    fields: dict[str, Any] = {
        "source_type": "query",
        "target_schema": "main",
        "target_table": "sales",
        **values,
    }
    job = Job(name="daily sales", credential_id=destination.id, **fields)
    session.add(job)
    session.flush()
    run = JobRun(
        job_id=job.id, dag_id="etl_job_1_schedule_1", dag_run_id="scheduled__2026-11-29T06:00:00+00:00"
    )
    session.add(run)
    session.flush()
    return job, run


def add_variable(session: Session, name: str, **values: Any) -> None:
    session.add(Variable(name=name, **values))
    session.flush()


def test_static_db_query_and_context_values_render_a_query(
    sessions: sessionmaker[Session], settings: Settings, pg_source: str
) -> None:
    with sessions.begin() as session:
        source = add_connection(session, "postgres", pg_source)
        add_variable(session, "region", kind=VariableKind.STATIC, value="EMEA")
        add_variable(session, "limits", kind=VariableKind.STATIC, value={"max": 10})
        add_variable(
            session, "last_day", kind=VariableKind.DB_QUERY, credential_id=source.id,
            query="SELECT max(day) FROM loads",
        )  # fmt: skip
        add_variable(
            session, "big", kind=VariableKind.DB_QUERY, credential_id=source.id,
            query="SELECT max(amount) FROM loads",
        )  # fmt: skip
        add_variable(
            session, "huge", kind=VariableKind.DB_QUERY, credential_id=source.id,
            query="SELECT max(n) FROM loads",
        )  # fmt: skip
        job, run = add_job(
            session,
            source_query=(
                "SELECT * FROM {{ table | ident }} WHERE region = {{ region }} AND day > {{ last_day }}"
                " AND amount < {{ big }} AND n <= {{ huge }} AND day <= {{ ds }}"
            ),
        )
        values = run_variables(session, settings, job=job, run=run)

    assert values["region"] == "EMEA" and values["limits"] == {"max": 10}
    assert values["last_day"] == date(2026, 11, 29)
    assert values["big"] == Decimal("12345678901234567890.0000000001")
    assert values["huge"] == 9007199254740993
    assert (
        values["ds"] == "2026-11-29"
        and values["job"] == "daily sales"
        and values["job_name"] == "daily sales"
    )
    assert values["run_ts"] == values["logical_date"] == datetime(2026, 11, 29, 6, tzinfo=UTC)
    assert values["run_id"] == str(run.id) and values["job_id"] == job.id

    rendered = render_query(job.source_query or "", {**values, "table": "sales"})
    assert rendered.sql == (
        'SELECT * FROM "sales" WHERE region = %(p0)s AND day > %(p1)s AND amount < %(p2)s AND n <= %(p3)s'
        " AND day <= %(p4)s"
    )
    assert list(rendered.params.values()) == [
        "EMEA",
        date(2026, 11, 29),
        Decimal("12345678901234567890.0000000001"),
        9007199254740993,
        "2026-11-29",
    ]


def test_only_the_db_query_variables_a_job_uses_are_read(
    sessions: sessionmaker[Session], settings: Settings, mysql_source: str
) -> None:
    with sessions.begin() as session:
        source = add_connection(session, "mysql", mysql_source)
        add_variable(
            session,
            "mark",
            kind=VariableKind.DB_QUERY,
            credential_id=source.id,
            query="SELECT max(at) FROM marks",
        )
        add_variable(
            session,
            "broken",
            kind=VariableKind.DB_QUERY,
            credential_id=source.id,
            query="SELECT nope FROM nowhere",
        )
        job, run = add_job(session, source_type="tables", source_query=None)
        session.add(JobTable(job_id=job.id, position=0, source_table="orders", target_schema="main",
                             target_table="orders_{{ ds_nodash }}_{{ mark.year }}"))  # fmt: skip
        session.flush()
        session.refresh(job)
        values = run_variables(session, settings, job=job, run=run)

    assert values["mark"] == datetime(2026, 11, 29, 23, 59, 59, 500000)
    assert "broken" not in values


def test_a_failing_db_query_names_the_variable(
    sessions: sessionmaker[Session], settings: Settings, pg_source: str
) -> None:
    with sessions.begin() as session:
        source = add_connection(session, "postgres", pg_source)
        add_variable(
            session,
            "two_rows",
            kind=VariableKind.DB_QUERY,
            credential_id=source.id,
            query="SELECT day FROM loads",
        )
        add_variable(
            session, "writes", kind=VariableKind.DB_QUERY, credential_id=source.id, query="DELETE FROM loads"
        )
        add_variable(
            session,
            "missing",
            kind=VariableKind.DB_QUERY,
            credential_id=source.id,
            query="SELECT x FROM nope",
        )
        add_variable(session, "orphan", kind=VariableKind.DB_QUERY, credential_id=None, query="SELECT 1")
        job, run = add_job(session, source_query="SELECT 1")

        with pytest.raises(
            VariableFailed, match=r"variable .two_rows. failed: .*returned more than one row of 1 columns"
        ):
            run_variables(session, settings, job=job, run=run, names={"two_rows"})
        with pytest.raises(VariableFailed, match=r"variable .writes. failed: .*SELECT") as refused:
            run_variables(session, settings, job=job, run=run, names={"writes"})
        assert refused.value.name == "writes"
        with pytest.raises(VariableFailed, match="variable 'missing' failed"):
            run_variables(session, settings, job=job, run=run, names={"missing"})
        with pytest.raises(VariableFailed, match="variable 'orphan' failed: it has no connection"):
            run_variables(session, settings, job=job, run=run, names={"orphan"})
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{pg_source}") as conn:
        assert conn.execute("SELECT count(*) FROM loads").fetchone() == (2,)


def test_an_unreachable_connection_is_transient_and_a_password_is_decrypted(
    sessions: sessionmaker[Session], settings: Settings, pg_source: str
) -> None:
    cipher = CredentialCipher.from_settings(settings)
    with sessions.begin() as session:
        down = add_connection(session, "postgres", pg_source, port=free_port())
        # Trust authentication ignores the password; what matters is that it decrypts on the way.
        up = add_connection(session, "postgres", pg_source, password_encrypted=cipher.encrypt("secret"))
        add_variable(session, "down", kind=VariableKind.DB_QUERY, credential_id=down.id, query="SELECT 1")
        add_variable(session, "up", kind=VariableKind.DB_QUERY, credential_id=up.id, query="SELECT 'a%b'")
        job, run = add_job(session, source_pattern="in/{{ up }}/{{ ds }}.csv")

        with pytest.raises(VariableUnreachable, match="variable 'down' could not be read"):
            run_variables(session, settings, job=job, run=run, names={"down"})
        values = run_variables(session, settings, job=job, run=run)
    with pytest.raises(Exception, match="cannot be part of a file path"):
        render_path(job.source_pattern or "", values)


def test_a_manual_run_renders_with_its_creation_date() -> None:
    created = datetime(2026, 11, 30, 7, 1, tzinfo=UTC)
    assert run_logical_date(JobRun(job_id=1, created_at=created, dag_run_id="manual__x")) == created
    assert run_logical_date(JobRun(job_id=1, created_at=created, dag_run_id="scheduled__nonsense")) == created
    assert run_logical_date(
        JobRun(job_id=1, created_at=created, dag_run_id="scheduled__2026-11-29T06:00:00")
    ) == datetime(2026, 11, 29, 6, tzinfo=UTC)
