"""The DAG folder as Airflow's DagBag sees it: clean imports, the executor's shape, the schedule factory.

Airflow reads AIRFLOW_HOME when first imported, so every Airflow import happens inside the tests,
after the `airflow_home` fixture has pointed it at a temporary directory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, insert

from portal.core.config import REPO_ROOT, get_settings
from portal.db.base import Base
from portal.runner.errors import RetryableAttemptError, RunFailedError
from portal.schedules.models import Schedule

DAGS_FOLDER = REPO_ROOT / "airflow" / "dags"
ENABLED_AT = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("airflow_home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIRFLOW_HOME", str(home))
        patch.setenv("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
        patch.setenv("AIRFLOW__CORE__UNIT_TEST_MODE", "True")
        yield home


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """The factory reads `get_settings()`; no test leaves its DATABASE_URL cached for the next."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def add_schedule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """An SQLite app database the factory reads (DATABASE_URL); returns `add_schedule(**columns)`."""
    path = tmp_path / "portal.db"
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{path}")

    def add(**columns: Any) -> None:
        now = datetime.now(UTC)
        row = {"timezone": "UTC", "enabled": True, "created_at": now, "updated_at": now, **columns}
        with engine.begin() as conn:
            conn.execute(insert(Schedule), [row])

    yield add
    engine.dispose()


def fill_dagbag(airflow_home: Path) -> Any:
    from airflow.dag_processing.dagbag import DagBag

    get_settings.cache_clear()
    return DagBag(dag_folder=str(DAGS_FOLDER))


def test_every_dag_file_imports_without_errors(airflow_home: Path, add_schedule: Callable[..., None]) -> None:
    bag = fill_dagbag(airflow_home)

    assert bag.import_errors == {}
    assert sorted(path.name for path in DAGS_FOLDER.glob("*.py")) == [
        "etl_job_executor.py",
        "etl_job_schedules.py",
    ]
    assert "etl_job_executor" in bag.dags


def test_executor_dag_runs_on_demand_with_typed_params_and_job_retries(
    airflow_home: Path, add_schedule: Callable[..., None]
) -> None:
    from portal.runner.retry_policy import MAX_JOB_RETRIES, JobRetryPolicy

    dag = fill_dagbag(airflow_home).dags["etl_job_executor"]

    assert type(dag.timetable).__name__ == "NullTimetable"  # schedule=None: triggered only
    assert dag.is_paused_upon_creation is False
    assert dag.catchup is False
    assert {"etl-portal", "on-demand"} <= set(dag.tags)
    assert dag.doc_md
    assert {name: param.schema["type"] for name, param in dag.params.items()} == {
        "job_id": "integer",
        "job_run_id": "integer",
    }
    task = dag.get_task("execute_etl_job")
    assert task.retries == MAX_JOB_RETRIES
    assert isinstance(task.retry_policy, JobRetryPolicy)


def test_every_load_dag_plans_then_loads_one_mapped_task_per_table_then_finishes(
    airflow_home: Path, add_schedule: Callable[..., None]
) -> None:
    from portal.jobs.schemas import MAX_PARALLEL_TABLES
    from portal.runner.flow import MAX_PARALLEL_TABLES as DAG_PARALLEL_TABLES
    from portal.runner.retry_policy import MAX_JOB_RETRIES, JobRetryPolicy

    add_schedule(id=5, job_id=3, cron_expression="0 * * * *", enabled_at=ENABLED_AT)
    bag = fill_dagbag(airflow_home)

    assert DAG_PARALLEL_TABLES == MAX_PARALLEL_TABLES  # the API's bound is what the DAG allows at once
    for dag in (bag.dags["etl_job_executor"], bag.dags["etl_job_3_schedule_5"]):
        plan, execute, finish = (dag.get_task(t) for t in ("plan", "execute_etl_job", "finish"))
        # One instance per planned table, each retried alone.
        assert type(execute).__name__.endswith("MappedOperator")
        assert execute.max_active_tis_per_dagrun == MAX_PARALLEL_TABLES
        assert execute.retries == MAX_JOB_RETRIES
        assert isinstance(execute.retry_policy, JobRetryPolicy)
        assert plan.downstream_task_ids == {"execute_etl_job"}
        assert execute.downstream_task_ids == {"finish"}
        assert finish.trigger_rule == "all_done"  # the outcome is settled however the tables ended
        assert finish.downstream_task_ids == set()


def test_schedule_factory_builds_one_dag_per_schedule_row(
    airflow_home: Path, add_schedule: Callable[..., None]
) -> None:
    add_schedule(
        id=1, job_id=7, cron_expression="*/5 * * * *", timezone="Europe/Paris", enabled_at=ENABLED_AT
    )
    add_schedule(id=2, job_id=7, cron_expression="0 3 * * 1", enabled=False, enabled_at=None)
    add_schedule(id=3, job_id=8, cron_expression="not a cron", enabled_at=ENABLED_AT)

    bag = fill_dagbag(airflow_home)

    assert bag.import_errors == {}
    enabled = bag.dags["etl_job_7_schedule_1"]
    assert enabled.timetable.expression == "*/5 * * * *"
    assert str(enabled.timetable.timezone) == "Europe/Paris"
    assert enabled.start_date == ENABLED_AT
    assert enabled.catchup is False
    assert enabled.is_paused_upon_creation is False
    assert {"etl-portal", "scheduled", "job-7"} <= set(enabled.tags)
    assert enabled.max_active_runs == 1
    disabled = bag.dags["etl_job_7_schedule_2"]
    assert disabled.is_paused_upon_creation is True
    # A row with an unusable cron is skipped instead of turning the file into an import error.
    assert "etl_job_8_schedule_3" not in bag.dags


def test_schedule_factory_keeps_its_last_snapshot_while_the_database_is_unreachable(
    airflow_home: Path, add_schedule: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    add_schedule(id=4, job_id=9, cron_expression="15 * * * *", enabled_at=ENABLED_AT)
    assert "etl_job_9_schedule_4" in fill_dagbag(airflow_home).dags

    # Nothing listens on port 9: the read fails at once and the snapshot takes over.
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:9/gone")
    bag = fill_dagbag(airflow_home)

    assert bag.import_errors == {}
    assert bag.dags["etl_job_9_schedule_4"].timetable.expression == "15 * * * *"
    assert (airflow_home / "etl_schedules_snapshot.json").exists()


def test_retry_policy_retries_transient_failures_after_the_jobs_delay(airflow_home: Path) -> None:
    from airflow.sdk import RetryAction

    from portal.runner.retry_policy import JobRetryPolicy

    policy = JobRetryPolicy()
    transient = RetryableAttemptError("destination unreachable", retry_delay_seconds=42)
    decision = policy.evaluate(transient, try_number=1, max_tries=10)
    assert decision.action == RetryAction.RETRY
    assert decision.retry_delay == timedelta(seconds=42)

    assert policy.evaluate(RunFailedError("bad file"), try_number=1, max_tries=10).action == RetryAction.FAIL
    # Anything else (the process died, the app database was down) gets Airflow's own retry; the
    # next attempt then checks the job's budget itself.
    assert policy.evaluate(OSError("disk"), try_number=1, max_tries=10).action == RetryAction.DEFAULT


def test_schedule_factory_survives_an_unreadable_snapshot_while_the_database_is_unreachable(
    airflow_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (airflow_home / "etl_schedules_snapshot.json").write_text("{not json")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:9/gone")

    bag = fill_dagbag(airflow_home)

    assert bag.import_errors == {}
    assert [dag_id for dag_id in bag.dags if "_schedule_" in dag_id] == []
    assert "etl_job_executor" in bag.dags
