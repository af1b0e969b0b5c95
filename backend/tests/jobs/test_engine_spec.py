"""The one conversion of a job into engine specs, used by the API's checks and the runner's load."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from etl_engine import (
    ArrivingFiles,
    ColumnSpec,
    ColumnType,
    CsvOptions,
    DestinationConfig,
    FileSource,
    Incremental,
    LoadSpec,
    QuerySource,
    RowTransform,
    SourceColumn,
    SourceConfig,
    TableSource,
    Transform,
)
from portal.connections.models import Credential
from portal.core.config import Settings
from portal.db.base import Base
from portal.db.sync import create_sync_engine, create_sync_session_factory
from portal.jobs.engine_spec import SpecInputs, column_specs, job_spec, new_table_ddl
from portal.jobs.models import ColumnMapping, Job, JobTable
from portal.jobs.schemas import JobFields, MappingIn
from portal.jobs.service import ResolvedJob
from portal.runner.spec import build_job_spec
from portal.runs.models import JobRun
from portal.uploads.engine_inputs import source_columns
from portal.uploads.models import UploadedFile

# Every transform type but cast (a mapping of its own below), as a job body sends them: the
# arguments next to "type", which is also how the mapping rows store them.
TRANSFORMS: list[dict[str, Any]] = [
    {"type": "trim"},
    {"type": "upper"},
    {"type": "lower"},
    {"type": "replace", "old": "-", "new": ""},
    {"type": "prefix", "value": "c_"},
    {"type": "suffix", "value": "_x"},
    {"type": "default", "value": "none"},
]

MAPPINGS: list[dict[str, Any]] = [
    {"source_column": "code", "target_column": "code", "target_type": "TEXT", "transforms": TRANSFORMS},
    {"source_column": "price", "target_column": "price", "target_type": "NUMERIC"},
    {
        "source_column": "amount",
        "target_column": "amount_text",
        "target_type": "TEXT",
        "transforms": [{"type": "cast", "to": "TEXT"}],
    },
    {"target_column": "total", "target_type": "NUMERIC", "expression": "price * 2"},
    {"source_column": "note", "target_column": "note", "target_type": "TEXT", "include": False},
]

EXPECTED = [
    ColumnSpec(
        source="code",
        target="code",
        type=ColumnType.TEXT,
        transforms=[
            Transform("trim"),
            Transform("upper"),
            Transform("lower"),
            Transform("replace", {"old": "-", "new": ""}),
            Transform("prefix", {"value": "c_"}),
            Transform("suffix", {"value": "_x"}),
            Transform("default", {"value": "none"}),
        ],
    ),
    ColumnSpec(source="price", target="price", type=ColumnType.NUMERIC),
    ColumnSpec(
        source="amount",
        target="amount_text",
        type=ColumnType.TEXT,
        transforms=[Transform("cast", {"type": "TEXT"})],
    ),
    ColumnSpec(source=None, target="total", type=ColumnType.NUMERIC, expression="price * 2"),
]

FILE_COLUMNS: list[dict[str, Any]] = [
    {"name": "Code", "sql_name": "code", "type": "TEXT"},
    {"name": "Price", "sql_name": "price", "type": "NUMERIC", "precision": 10, "scale": 2},
    {"name": "Amount", "sql_name": "amount", "type": "NUMERIC", "precision": 12, "scale": 4},
    {
        "name": "Seen",
        "sql_name": "seen",
        "type": "TIMESTAMPTZ",
        "format": "%d.%m.%Y %H:%M",
        "timezone": "Europe/Paris",
        "null_markers": ["-"],
    },
    {"name": "Note", "sql_name": "note", "type": "TEXT"},
]


def uploaded_file(stored_path: str = "ab/cd.csv") -> UploadedFile:
    return UploadedFile(
        id="f1",
        filename="prices.csv",
        size_bytes=100,
        stored_path=stored_path,
        encoding="latin-1",
        delimiter=";",
        quotechar="'",
        has_header=True,
        decimal=",",
        compression="gzip",
        null_markers=["NA", "?"],
        timezone="America/New_York",
        columns=FILE_COLUMNS,
    )


def inputs(destination: DestinationConfig, upload_dir: Path, file: UploadedFile | None = None) -> SpecInputs:
    return SpecInputs(destination=destination, upload_dir=upload_dir, file=file or uploaded_file())


def job_fields(**changes: Any) -> JobFields:
    return JobFields.model_validate(
        {
            "name": "prices",
            "file_id": "f1",
            "credential_id": 1,
            "target_schema": "sales",
            "target_table": "prices",
            "create_table": True,
            "strategy": "UPSERT",
            "upsert_keys": ["code"],
            "batch_size": 5000,
            "reject_threshold_count": 7,
            "reject_threshold_percent": 2.5,
            "max_rows_per_second": 2000,
            **changes,
        }
    )


def api_job(**changes: Any) -> Job:
    """The job the API checks and saves for a body with MAPPINGS."""
    resolved = ResolvedJob(
        job_fields(**changes),
        uploaded_file(),
        Credential(kind="duckdb"),
        [MappingIn.model_validate(m) for m in MAPPINGS],
        source_columns(uploaded_file()),
    )
    return resolved.row()


def stored_job() -> Job:
    """The job as the runner reads it back: the mapping rows' JSON, no pydantic in between."""
    job = api_job()
    job.mappings = [
        ColumnMapping(
            position=position,
            source_column=m.get("source_column"),
            target_column=m["target_column"],
            target_type=m["target_type"],
            include=m.get("include", True),
            transforms=m.get("transforms", []),
            expression=m.get("expression"),
        )
        for position, m in enumerate(MAPPINGS)
    ]
    return job


def test_column_specs_carry_every_transform_type_a_cast_and_a_calculated_column() -> None:
    assert column_specs(stored_job().mappings) == EXPECTED


def test_the_api_and_the_runner_build_the_same_column_specs(tmp_path: Path) -> None:
    settings = Settings(
        credentials_key=base64.b64encode(b"engine-spec-tests-key-32-bytes!!").decode(),
        upload_dir=tmp_path,
    )
    run = JobRun(id=12, created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    engine = create_sync_engine(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'portal.db'}"))
    Base.metadata.create_all(engine)
    sessions: sessionmaker[Session] = create_sync_session_factory(engine)
    with sessions.begin() as session:
        session.add(Credential(id=1, name="w", kind="duckdb", options={"path": str(tmp_path / "w.duckdb")}))
        session.add(uploaded_file())

    runner = build_job_spec(sessions, settings, run, stored_job())
    engine.dispose()

    assert column_specs(api_job().mappings) == runner.columns == EXPECTED
    assert runner.run_id == "r12_20260102030405"
    assert isinstance(runner.source, FileSource)
    assert runner.source.path == str(tmp_path / "ab" / "cd.csv")


def test_job_spec_carries_the_file_options_its_columns_and_the_load_settings() -> None:
    destination = DestinationConfig(kind="duckdb", path="/data/w.duckdb")

    spec = job_spec(stored_job(), inputs(destination, Path("/uploads")), run_id="r1")

    assert isinstance(spec.source, FileSource)
    assert spec.source.csv == CsvOptions(
        encoding="latin-1",
        delimiter=";",
        quotechar="'",
        has_header=True,
        decimal=",",
        compression="gzip",
        null_markers=["NA", "?"],
        timezone="America/New_York",
    )
    assert spec.source_columns[1] == SourceColumn("Price", "price", ColumnType.NUMERIC, precision=10, scale=2)
    assert spec.source_columns[3] == SourceColumn(
        "Seen",
        "seen",
        ColumnType.TIMESTAMPTZ,
        format="%d.%m.%Y %H:%M",
        timezone="Europe/Paris",
        null_markers=["-"],
    )
    assert spec.load == LoadSpec(
        schema="sales",
        table="prices",
        create_table=True,
        strategy="UPSERT",
        upsert_keys=["code"],
        batch_size=5000,
        reject_threshold_count=7,
        reject_threshold_percent=2.5,
        max_rows_per_second=2000,
    )
    assert (spec.run_id, spec.source.path, spec.destination) == ("r1", "/uploads/ab/cd.csv", destination)
    absolute = job_spec(
        stored_job(), inputs(destination, Path("/u"), uploaded_file("/srv/f.csv")), run_id="r1"
    )
    assert isinstance(absolute.source, FileSource)
    assert absolute.source.path == "/srv/f.csv"


def test_a_job_without_a_cap_or_thresholds_loads_without_them() -> None:
    job = api_job(max_rows_per_second=None, reject_threshold_count=None, reject_threshold_percent=None)

    load = job_spec(job, inputs(DestinationConfig(kind="duckdb"), Path("/u")), run_id="r").load

    assert (load.max_rows_per_second, load.reject_threshold_count, load.reject_threshold_percent) == (
        None,
        None,
        None,
    )


def test_the_new_table_ddl_declares_numeric_columns_with_the_files_scale() -> None:
    ddl = new_table_ddl(api_job(), source_columns(uploaded_file()), "postgres")

    # Mapped as it is, the file's NUMERIC(10,2) keeps its 2 decimals (38 digits, as a load declares);
    # a calculated NUMERIC has no source column to take them from: the destination's own numeric.
    assert ddl == (
        'CREATE TABLE "sales"."prices" (\n'
        '    "code" text,\n'
        '    "price" numeric(38,2),\n'
        '    "amount_text" text,\n'
        '    "total" numeric,\n'
        '    PRIMARY KEY ("code")\n'
        ");"
    )


SOURCE = SourceConfig(kind="postgres", host="db", database="shop", user="reader")


def tables_job() -> Job:
    job = Job(id=7, source_type="tables", batch_size=2000, max_rows_per_second=None, row_transforms=[])
    job.tables = [
        JobTable(
            id=3,
            source_schema="sales",
            source_table="orders",
            target_schema="raw",
            target_table="orders",
            create_table=True,
            strategy="INCREMENTAL",
            upsert_keys=["id"],
            cursor_column="changed",
            cursor_lookback=300.0,
            row_transforms=[{"type": "filter", "args": {"expression": "amount > 0"}}],
        ),
        JobTable(
            id=4,
            source_schema=None,
            source_table="customers",
            target_schema="raw",
            target_table="customers",
            create_table=True,
            strategy="UPSERT",
            upsert_keys=["id"],
            row_transforms=[],
        ),
    ]
    for table in job.tables:
        table.mappings = [
            ColumnMapping(position=0, source_column="id", target_column="id", target_type="INTEGER"),
            ColumnMapping(position=1, source_column="amount", target_column="amount", target_type="NUMERIC"),
        ]
    return job


def test_a_tables_job_is_one_spec_per_table_incremental_as_an_upsert_with_its_own_stream() -> None:
    job, destination = tables_job(), DestinationConfig(kind="duckdb", path="/w.duckdb")
    given = SpecInputs(destination=destination, upload_dir=Path("/u"), source=SOURCE)

    orders = job_spec(job, given, run_id="r9_20260101000000_t31", table=job.tables[0])
    customers = job_spec(job, given, run_id="r9_20260101000000_t32", table=job.tables[1])

    assert orders.source == TableSource(
        connection=SOURCE, schema="sales", table="orders", incremental=Incremental("changed", 300.0)
    )
    assert (orders.load.table, orders.load.strategy, orders.load.upsert_keys) == ("orders", "UPSERT", ["id"])
    assert (orders.load.stream, orders.load.batch_size, orders.run_id) == (
        "job7/table3",
        2000,
        "r9_20260101000000_t31",
    )
    assert orders.row_transforms == [RowTransform("filter", {"expression": "amount > 0"})]
    assert orders.source_columns == []  # as the source finds them
    assert customers.source == TableSource(connection=SOURCE, schema=None, table="customers")
    assert (customers.load.strategy, customers.load.stream) == ("UPSERT", None)  # nothing carried over


def test_a_tables_jobs_key_ranges_option_reads_each_table_in_that_many_ranges() -> None:
    job = tables_job()
    job.source_options = {"key_ranges": "4"}
    given = SpecInputs(destination=DestinationConfig(kind="duckdb"), upload_dir=Path("/u"), source=SOURCE)

    source = job_spec(job, given, run_id="r1", table=job.tables[1]).source

    assert isinstance(source, TableSource) and source.ranges == 4


def test_a_query_is_rendered_with_the_runs_variables_as_bound_values() -> None:
    job = Job(
        id=8,
        source_type="query",
        source_query="SELECT * FROM sales.orders WHERE day = {{ ds }} AND region = {{ region }}",
        source_options={"zero_dates": "null"},
        target_schema="raw",
        target_table="orders",
        create_table=True,
        strategy="INSERT",
        upsert_keys=[],
        batch_size=1000,
        row_transforms=[],
    )
    job.mappings = []
    given = SpecInputs(
        destination=DestinationConfig(kind="duckdb"),
        upload_dir=Path("/u"),
        source=SOURCE,
        variables={"ds": "2026-11-30", "region": "north'; DROP TABLE x; --"},
    )

    source = job_spec(job, given, run_id="r1").source

    assert isinstance(source, QuerySource)
    assert source.sql == "SELECT * FROM sales.orders WHERE day = %(p0)s AND region = %(p1)s"
    assert source.params == {"p0": "2026-11-30", "p1": "north'; DROP TABLE x; --"}
    assert source.zero_dates == "null"


def test_a_querys_identifiers_are_quoted_in_its_connections_dialect() -> None:
    job = Job(
        id=8,
        source_type="query",
        source_query="SELECT * FROM {{ table | ident }} WHERE day = {{ ds }}",
        source_options={},
        target_schema="raw",
        target_table="orders",
        create_table=True,
        strategy="INSERT",
        upsert_keys=[],
        batch_size=1000,
        row_transforms=[],
    )
    job.mappings = []
    variables = {"ds": "2026-11-30", "table": "orders"}
    sql = {
        kind: job_spec(
            job,
            SpecInputs(
                destination=DestinationConfig(kind="duckdb"),
                upload_dir=Path("/u"),
                source=SourceConfig(kind=kind, host="db", database="sales"),
                variables=variables,
            ),
            run_id="r1",
        ).source
        for kind in ("postgres", "mysql", "oracle")
    }

    assert {kind: source.sql for kind, source in sql.items() if isinstance(source, QuerySource)} == {
        "postgres": 'SELECT * FROM "orders" WHERE day = %(p0)s',
        "mysql": "SELECT * FROM `orders` WHERE day = %(p0)s",
        "oracle": 'SELECT * FROM "orders" WHERE day = :p0',
    }


def test_arriving_files_are_read_under_the_drop_directory_with_the_samples_options_and_a_stream() -> None:
    job = api_job(source_type="files", source_pattern="exports/sales_{{ ds }}*.csv")
    job.id = 5
    job.source_options = {"mode": "latest", "on_empty": "fail"}
    given = SpecInputs(
        destination=DestinationConfig(kind="duckdb"),
        upload_dir=Path("/u"),
        drop_dir=Path("/drop"),
        file=uploaded_file(),
        variables={"ds": "2026-11-30"},
    )

    spec = job_spec(job, given, run_id="r1")

    assert spec.source == ArrivingFiles(
        directory="/drop",
        pattern="exports/sales_2026-11-30*.csv",
        csv=job_spec(api_job(), given, run_id="r1").source.csv,  # type: ignore[union-attr]  # the sample's
        mode="latest",
        on_empty="fail",
    )
    assert spec.source_columns == source_columns(uploaded_file())
    assert spec.load.stream == "job5/files"
