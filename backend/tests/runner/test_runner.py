"""The runner without Airflow: one attempt at a run, its retry budget, its reporter, scheduled runs.

Real parts: the engine loads into a DuckDB file, the app database is SQLite (the embedded default),
and "unreachable" is a PostgreSQL port nobody listens on.
"""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from etl_engine import Progress, profile_csv
from portal.connections.models import Credential
from portal.core.config import Settings
from portal.db.base import Base
from portal.db.sync import create_sync_engine, create_sync_session_factory
from portal.devstack import free_port
from portal.jobs.models import ColumnMapping, Job
from portal.runner.errors import RetryableAttemptError, RunFailedError
from portal.runner.job_run import execute_attempt
from portal.runner.reporter import DatabaseReporter
from portal.runner.scheduled import ensure_scheduled_run
from portal.runs.models import JobRun, JobRunEvent, JobRunStatus, RejectedRow, RunTrigger
from portal.schedules.models import Schedule
from portal.uploads.models import UploadedFile

CITIES = "id,city\n1,Lyon\n2,Oslo\n3,Lima\n"
TEST_KEY = base64.b64encode(b"runner-tests-credentials-key-32b").decode()


@pytest.fixture
def runner_settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'portal.db'}",
        credentials_key=TEST_KEY,
        upload_dir=tmp_path / "uploads",
        warehouse_path=tmp_path / "warehouse.duckdb",
    )


@pytest.fixture
def sessions(runner_settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = create_sync_engine(runner_settings)
    Base.metadata.create_all(engine)
    yield create_sync_session_factory(engine)
    engine.dispose()


@pytest.fixture
def make_run(
    sessions: sessionmaker[Session], runner_settings: Settings, tmp_path: Path
) -> Callable[..., int]:
    """`make_run(status=..., max_retries=..., destination="warehouse"|"unreachable")` -> run id."""

    def make(
        *,
        destination: str = "warehouse",
        status: str = "PENDING",
        attempt: int = 0,
        csv: str = CITIES,
        target_types: dict[str, str] | None = None,
        **job: Any,
    ) -> int:
        path = tmp_path / f"{uuid.uuid4().hex}.csv"
        path.write_text(csv)
        profile = profile_csv(str(path))
        with sessions.begin() as session:
            file = UploadedFile(
                id=uuid.uuid4().hex,
                filename="cities.csv",
                stored_path=str(path),
                size_bytes=profile.size_bytes,
                encoding=profile.options.encoding,
                delimiter=profile.options.delimiter,
                quotechar=profile.options.quotechar,
                has_header=profile.options.has_header,
                columns=[
                    {
                        "name": c.name,
                        "sql_name": c.sql_name,
                        "type": c.type.value,
                        "precision": None,
                        "scale": None,
                    }
                    for c in profile.columns
                ],
            )
            if destination == "warehouse":
                credential = Credential(
                    name=uuid.uuid4().hex,
                    kind="duckdb",
                    is_builtin=True,
                    options={"path": str(runner_settings.warehouse_path)},  # as the API keeps it
                )
            else:
                credential = Credential(
                    name=uuid.uuid4().hex, kind="postgres", host="127.0.0.1", port=free_port(), database="x"
                )
            session.add_all([file, credential])
            session.flush()
            job_row = Job(
                name="cities",
                file_id=file.id,
                credential_id=credential.id,
                target_schema="main",
                target_table="cities",
                **job,
            )
            job_row.mappings = [
                ColumnMapping(
                    position=i,
                    source_column=c.sql_name,
                    target_column=c.sql_name,
                    target_type=(target_types or {}).get(c.sql_name, c.type.value),
                )
                for i, c in enumerate(profile.columns)
            ]
            session.add(job_row)
            session.flush()
            run = JobRun(job_id=job_row.id, status=status, attempt=attempt)
            session.add(run)
            session.flush()
            return run.id

    return make


def read_run(sessions: sessionmaker[Session], run_id: int) -> JobRun:
    with sessions() as session:
        run = session.get(JobRun, run_id)
        assert run is not None
        return run


def events(sessions: sessionmaker[Session], run_id: int, kind: str) -> list[JobRunEvent]:
    with sessions() as session:
        query = select(JobRunEvent).where(JobRunEvent.job_run_id == run_id, JobRunEvent.kind == kind)
        return list(session.scalars(query.order_by(JobRunEvent.id)))


def warehouse_cities(settings: Settings) -> list[tuple[Any, ...]] | None:
    if not settings.warehouse_path.exists():
        return None
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        found = conn.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_name = 'cities'"
        ).fetchone()
        if not found or not found[0]:
            return None
        return conn.execute("SELECT id, city FROM main.cities ORDER BY id").fetchall()


def test_attempt_loads_the_file_and_records_the_outcome_with_progress_and_status_events(
    sessions: sessionmaker[Session], runner_settings: Settings, make_run: Callable[..., int]
) -> None:
    run_id = make_run()

    summary = execute_attempt(sessions, runner_settings, run_id, try_number=1)

    assert summary["status"] == "COMPLETED"
    run = read_run(sessions, run_id)
    assert (run.status, run.attempt, run.rows_read, run.rows_loaded) == ("COMPLETED", 1, 3, 3)
    assert run.started_at is not None and run.finished_at is not None
    assert run.error_message is None
    statuses = [event.data for event in events(sessions, run_id, "status")]
    assert [data["status"] for data in statuses if data] == ["RUNNING", "COMPLETED"]
    assert statuses[0] is not None and statuses[0]["pid"] == os.getpid()
    assert statuses[-1] is not None and statuses[-1]["rows_loaded"] == 3
    last = events(sessions, run_id, "progress")[-1].data or {}
    assert (last["rows_read"], last["rows_staged"], last["bytes_read"]) == (3, 3, len(CITIES))
    assert "rows_loaded" not in last  # progress is staged rows; loaded is the committed result only
    logs = {event.message: event.data for event in events(sessions, run_id, "log")}
    assert logs["run_started"] is not None and logs["run_started"]["target"] == "main.cities"
    assert warehouse_cities(runner_settings) == [(1, "Lyon"), (2, "Oslo"), (3, "Lima")]


def test_rejected_rows_are_kept_with_their_line_and_reason(
    sessions: sessionmaker[Session], runner_settings: Settings, make_run: Callable[..., int]
) -> None:
    run_id = make_run(
        csv="id,city\n1,Lyon\nseven,Oslo\n3,Lima\n", target_types={"id": "INTEGER"}, reject_threshold_count=5
    )

    summary = execute_attempt(sessions, runner_settings, run_id, try_number=1)

    assert summary["status"] == "COMPLETED_WITH_REJECTS"
    run = read_run(sessions, run_id)
    assert (run.status, run.rows_read, run.rows_loaded, run.rows_rejected) == (
        "COMPLETED_WITH_REJECTS",
        3,
        2,
        1,
    )
    with sessions() as session:
        rejected = session.scalars(select(RejectedRow).where(RejectedRow.job_run_id == run_id)).all()
    assert [(row.line_number, row.column) for row in rejected] == [(3, "id")]
    assert "seven" in rejected[0].raw
    assert rejected[0].reason
    assert warehouse_cities(runner_settings) == [(1, "Lyon"), (3, "Lima")]


def test_transient_failure_with_retries_left_waits_as_pending_and_asks_for_a_delayed_retry(
    sessions: sessionmaker[Session], runner_settings: Settings, make_run: Callable[..., int]
) -> None:
    run_id = make_run(destination="unreachable", max_retries=2, retry_delay_seconds=30)

    with pytest.raises(RetryableAttemptError) as raised:
        execute_attempt(sessions, runner_settings, run_id, try_number=1)

    assert raised.value.retry_delay_seconds == 30
    run = read_run(sessions, run_id)
    assert run.status == "PENDING"
    assert run.error_message is not None
    assert run.error_message.startswith("Attempt 1 of 3 failed:")
    assert run.error_message.endswith("Retrying in 30 s.")
    retry = events(sessions, run_id, "log")[-1]
    assert (retry.message, retry.level) == ("attempt_failed", "warning")
    assert retry.data == {"reason": run.error_message}


def test_transient_failure_on_the_last_attempt_fails_the_run(
    sessions: sessionmaker[Session], runner_settings: Settings, make_run: Callable[..., int]
) -> None:
    run_id = make_run(destination="unreachable", max_retries=2, status="PENDING", attempt=2)

    with pytest.raises(RunFailedError):
        execute_attempt(sessions, runner_settings, run_id, try_number=3)

    run = read_run(sessions, run_id)
    assert (run.status, run.attempt) == ("FAILED", 3)
    assert run.error_message is not None and "gave up after 3 attempts" in run.error_message


def test_attempt_after_a_lost_one_fails_without_loading_when_no_retries_are_left(
    sessions: sessionmaker[Session], runner_settings: Settings, make_run: Callable[..., int]
) -> None:
    run_id = make_run(status="RUNNING", attempt=1, max_retries=0)

    with pytest.raises(RunFailedError, match="killed or lost"):
        execute_attempt(sessions, runner_settings, run_id, try_number=2)

    run = read_run(sessions, run_id)
    assert run.status == "FAILED"
    assert run.finished_at is not None
    assert warehouse_cities(runner_settings) is None


def test_attempt_after_a_lost_one_loads_again_when_retries_are_left(
    sessions: sessionmaker[Session], runner_settings: Settings, make_run: Callable[..., int]
) -> None:
    run_id = make_run(status="RUNNING", attempt=1, max_retries=1)

    execute_attempt(sessions, runner_settings, run_id, try_number=2)

    assert (read_run(sessions, run_id).status, read_run(sessions, run_id).attempt) == ("COMPLETED", 2)
    assert [
        event.data for event in events(sessions, run_id, "log") if event.message == "previous_attempt_lost"
    ] == [{"attempt": 1, "reason": "ended without reporting a result"}]
    assert warehouse_cities(runner_settings) == [(1, "Lyon"), (2, "Oslo"), (3, "Lima")]


def test_cancelled_run_is_not_started(
    sessions: sessionmaker[Session], runner_settings: Settings, make_run: Callable[..., int]
) -> None:
    run_id = make_run(status="CANCELLED")

    with pytest.raises(RunFailedError):
        execute_attempt(sessions, runner_settings, run_id, try_number=1)

    assert read_run(sessions, run_id).status == "CANCELLED"
    assert warehouse_cities(runner_settings) is None


def test_finished_run_is_not_loaded_twice_when_airflow_retries_it(
    sessions: sessionmaker[Session], runner_settings: Settings, make_run: Callable[..., int]
) -> None:
    run_id = make_run(max_retries=1)
    execute_attempt(sessions, runner_settings, run_id, try_number=1)

    # The first attempt committed, but its process died before Airflow heard of it.
    summary = execute_attempt(sessions, runner_settings, run_id, try_number=2)

    assert summary["status"] == "COMPLETED"
    assert read_run(sessions, run_id).attempt == 1
    assert warehouse_cities(runner_settings) == [(1, "Lyon"), (2, "Oslo"), (3, "Lima")]


def progress(rows: int) -> Progress:
    return Progress(rows, rows, 0, 0, rows * 10, 1000, 100.0, 1.0)


def test_reporter_writes_progress_at_most_every_half_second_and_always_when_flushed(
    sessions: sessionmaker[Session], make_run: Callable[..., int]
) -> None:
    run_id = make_run()
    now = [0.0]
    reporter = DatabaseReporter(sessions, run_id, clock=lambda: now[0])

    for at, rows in [(0.0, 1), (0.1, 2), (0.2, 3), (0.6, 4), (0.7, 5)]:
        now[0] = at
        reporter.progress(progress(rows))
    assert [event.data["rows_read"] for event in events(sessions, run_id, "progress") if event.data] == [1, 4]

    reporter.flush()

    assert [event.data["rows_read"] for event in events(sessions, run_id, "progress") if event.data] == [
        1,
        4,
        5,
    ]
    assert read_run(sessions, run_id).rows_read == 5


def test_reporter_sees_the_cancellation_the_api_wrote(
    sessions: sessionmaker[Session], make_run: Callable[..., int]
) -> None:
    run_id = make_run(status="RUNNING")
    now = [0.0]
    reporter = DatabaseReporter(sessions, run_id, clock=lambda: now[0])
    assert reporter.cancelled() is False

    with sessions.begin() as session:
        session.execute(update(JobRun).where(JobRun.id == run_id).values(status=JobRunStatus.CANCELLED.value))
    now[0] = 1.0

    assert reporter.cancelled() is True


def test_scheduled_dag_run_gets_one_portal_run_however_many_attempts(
    sessions: sessionmaker[Session], make_run: Callable[..., int]
) -> None:
    job_id = read_run(sessions, make_run(status="COMPLETED")).job_id  # not busy: the tick runs
    with sessions.begin() as session:
        schedule = Schedule(job_id=job_id, cron_expression="0 4 * * *", enabled=True)
        session.add(schedule)
        session.flush()
        schedule_id = schedule.id
    dag_id = f"etl_job_{job_id}_schedule_{schedule_id}"

    first = ensure_scheduled_run(sessions, schedule_id, dag_id, "scheduled__2026-11-23T04:00:00+00:00")
    again = ensure_scheduled_run(sessions, schedule_id, dag_id, "scheduled__2026-11-23T04:00:00+00:00")

    assert first == again
    run = read_run(sessions, first)
    assert (run.trigger, run.schedule_id, run.dag_id, run.status) == (
        RunTrigger.SCHEDULE.value,
        schedule_id,
        dag_id,
        "PENDING",
    )
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(JobRun).where(JobRun.dag_id == dag_id)) == 1
    with pytest.raises(RunFailedError, match="no longer exists"):
        ensure_scheduled_run(sessions, 999, "etl_job_1_schedule_999", "manual__x")


def test_a_run_failed_by_the_reject_limit_shows_counts_that_match_its_rejected_rows(
    sessions: sessionmaker[Session], runner_settings: Settings, make_run: Callable[..., int]
) -> None:
    # The engine stops inside the first batch, after keeping its rejected rows but before the
    # progress that counts them.
    run_id = make_run(
        csv="id,city\n1,Lyon\nseven,Oslo\neight,Lima\n4,Rome\n",
        target_types={"id": "INTEGER"},
        reject_threshold_count=1,
    )

    with pytest.raises(RunFailedError, match="2 rejected rows exceed the limit of 1"):
        execute_attempt(sessions, runner_settings, run_id, try_number=1)

    run = read_run(sessions, run_id)
    with sessions() as session:
        kept = session.scalar(select(func.count()).where(RejectedRow.job_run_id == run_id))
    assert (run.status, run.rows_rejected, kept, run.rows_loaded) == ("FAILED", 2, 2, 0)
    assert run.rows_read >= 3  # through line 4, the last rejected one (the header is line 1)
    ended = events(sessions, run_id, "log")[-1]
    assert (ended.message, ended.level, ended.data) == ("run_failed", "error", {"reason": run.error_message})
    assert warehouse_cities(runner_settings) is None


def test_a_failed_run_counts_its_staged_rows_as_staged_not_loaded(
    sessions: sessionmaker[Session], runner_settings: Settings, make_run: Callable[..., int]
) -> None:
    # 1 of 5 rows rejected is over 10 %: found after every good row was staged, so nothing commits.
    # One row a batch: DuckDB writes one batch at a time, so earlier batches are staged by the end.
    run_id = make_run(
        csv="id,city\n1,Lyon\nseven,Oslo\n3,Lima\n4,Rome\n5,Oslo\n",
        target_types={"id": "INTEGER"},
        reject_threshold_percent=10.0,
        batch_size=1,
    )

    with pytest.raises(RunFailedError, match=r"exceed the limit of 10\.0%"):
        execute_attempt(sessions, runner_settings, run_id, try_number=1)

    run = read_run(sessions, run_id)
    assert (run.status, run.rows_read, run.rows_loaded, run.rows_rejected) == ("FAILED", 5, 0, 1)
    assert 0 < run.rows_staged <= 4
    assert warehouse_cities(runner_settings) is None


def test_a_runner_finishing_after_a_cancel_keeps_the_cancel_and_records_what_it_committed(
    sessions: sessionmaker[Session], runner_settings: Settings, make_run: Callable[..., int]
) -> None:
    run_id = make_run()
    # The cancel lands right after the first (and, for 3 rows, only) progress write: after the
    # engine's last cancellation check, so the load commits anyway.
    with sessions.begin() as session:
        session.execute(
            text(
                "CREATE TRIGGER cancel_when_staged AFTER UPDATE OF rows_staged ON job_runs "
                "WHEN NEW.rows_staged > 0 AND NEW.status = 'RUNNING' "
                "BEGIN UPDATE job_runs SET status = 'CANCELLED' WHERE id = NEW.id; END"
            )
        )

    execute_attempt(sessions, runner_settings, run_id, try_number=1)

    run = read_run(sessions, run_id)
    assert (run.status, run.rows_loaded) == ("CANCELLED", 3)  # the table refused CANCELLED -> COMPLETED
    assert [e.message for e in events(sessions, run_id, "log")][-1] == "load_committed_after_run_ended"
    assert warehouse_cities(runner_settings) == [(1, "Lyon"), (2, "Oslo"), (3, "Lima")]


def test_a_new_attempt_drops_the_rejected_rows_of_the_one_before(
    sessions: sessionmaker[Session], runner_settings: Settings, make_run: Callable[..., int]
) -> None:
    run_id = make_run(
        csv="id,city\n1,Lyon\nseven,Oslo\n3,Lima\n",
        target_types={"id": "INTEGER"},
        reject_threshold_count=5,
        status="RUNNING",
        attempt=1,
        max_retries=1,
    )
    with sessions.begin() as session:
        session.add(RejectedRow(job_run_id=run_id, line_number=3, raw="seven,Oslo", column="id", reason="x"))

    execute_attempt(sessions, runner_settings, run_id, try_number=2)

    with sessions() as session:
        kept = session.scalars(select(RejectedRow.reason).where(RejectedRow.job_run_id == run_id)).all()
    assert len(kept) == 1 and kept[0] != "x"
    assert read_run(sessions, run_id).rows_rejected == 1
