"""One load method per call, run in its own process by the harness so its peak RSS is its own.

`python -m bench.methods <task.json>` loads one file into one table and prints one JSON line:
{"seconds", "cpu_seconds", "detail", "peak_rss_mb"}. `seconds` covers the load itself, not the
interpreter start and imports (those do count in the peak RSS).
"""

from __future__ import annotations

import csv
import io
import json
import resource
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from etl_engine import JobSpec
    from etl_engine.spec import LoadStrategy, TransformType

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_USER = "postgres"
PG_DATABASE = "etl_bench"
PG_URL = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{PG_DATABASE}"
# The database datasets' source tables, on the same PostgreSQL server and in MariaDB (bench/sources.py).
SOURCE_DATABASE = "bench_src"
SOURCE_URL = f"postgresql://{PG_USER}:unused@{PG_HOST}:{PG_PORT}/{SOURCE_DATABASE}"
MYSQL_HOST = "127.0.0.1"
MYSQL_PORT = 3306
MYSQL_USER = "root"  # the machine's MariaDB: root without a password over TCP, as the tests use it
# moto's S3 server accepts any key; the Snowflake emulator any user.
S3_REGION = "eu-west-1"
S3_KEY_ID = "bench"
S3_SECRET = "bench-secret"
# dlt insists on a password; the server trusts local connections and ignores it.
DLT_URL = f"postgresql://{PG_USER}:unused@{PG_HOST}:{PG_PORT}/{PG_DATABASE}"
WORK_DIR = Path(__file__).resolve().parent / "data" / "work"
BATCH_ROWS = 100_000
# The engine's column type for each PostgreSQL type of the synthetic table.
PG_COLUMN_TYPES = {
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "numeric(12,2)": "NUMERIC",
    "double precision": "FLOAT",
    "text": "TEXT",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "timestamptz": "TIMESTAMPTZ",
    "boolean": "BOOLEAN",
}


@dataclass
class Task:
    method: str
    path: str
    table: str
    schema: str = "public"
    key: str | None = None
    transform_columns: list[str] = field(default_factory=list)
    expression: str = ""
    # The expression's type, checked by the harness (as the portal does when the job is saved):
    # checking it here would warm the engine's kernels and imports before the measured load.
    expression_type: str = ""
    variant: str = ""
    # The engine's FileProfile as a dict: profiling belongs to the upload, not to the load measured.
    profile: dict[str, Any] = field(default_factory=dict)
    # psql_copy_parallel: the file's parts (each with the header), one `\copy` session each.
    parts: list[str] = field(default_factory=list)
    # Database sources: the kind ("postgres" / "mysql"), the tables (one, or engine_10_tables'
    # ten) in SOURCE_DATABASE, and their (name, PostgreSQL type) columns, mapped as the portal maps
    # a browsed table's columns.
    source_kind: str = ""
    source_tables: list[str] = field(default_factory=list)
    columns: list[tuple[str, str]] = field(default_factory=list)
    # Where a destination other than etl_bench is: the DuckDB file, the S3 endpoint and bucket,
    # the Snowflake emulator's port and database (the harness starts the servers).
    target: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    seconds: float
    cpu_seconds: float
    detail: str = ""


def psql_command(*args: str) -> list[str]:
    """psql to the benchmark database, stopping at the first error, quiet."""
    connection = ["-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER, "-d", PG_DATABASE]
    return ["psql", *connection, "-v", "ON_ERROR_STOP=1", "-q", *args]


class Stopwatch:
    """Wall-clock and CPU seconds (all threads of this process) of the load itself."""

    def __enter__(self) -> Stopwatch:
        self.seconds = self.cpu_seconds = 0.0
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._wall
        self.cpu_seconds = time.process_time() - self._cpu


class BenchReporter:
    """The engine's Reporter: keeps a few rejected rows to show, prints nothing."""

    def __init__(self) -> None:
        self.rejected_rows: list[Any] = []
        self.staged_seconds: float | None = None  # from the engine's rows_staged event

    def progress(self, p: Any) -> None:
        pass

    def rejected(self, rows: list[Any]) -> None:
        self.rejected_rows.extend(rows[: 20 - len(self.rejected_rows)])

    def log(self, event: str, **kv: object) -> None:
        if event == "rows_staged" and isinstance(kv.get("seconds"), (int, float)):
            self.staged_seconds = float(kv["seconds"])  # type: ignore[arg-type]

    def cancelled(self) -> bool:
        return False


def job_spec(task: Task) -> JobSpec:
    """The JobSpec the portal would hand the engine for this load."""
    import etl_engine as e

    options, sources = sources_and_options(task.profile)
    columns = [
        e.ColumnSpec(source=c.sql_name, target=c.sql_name, type=c.type, transforms=[], expression=None)
        for c in sources
    ]
    if task.method == "engine_transforms":
        kinds: tuple[TransformType, ...] = ("upper", "lower", "trim")
        for column, kind in zip(
            (c for c in columns if c.source in task.transform_columns), kinds, strict=True
        ):
            column.transforms = [e.Transform(type=kind, args={})]
        columns.append(
            e.ColumnSpec(
                source=None,
                target="calculated",
                type=e.ColumnType(task.expression_type),
                transforms=[],
                expression=task.expression,
            )
        )
    strategy: LoadStrategy = "UPSERT" if task.method == "engine_upsert" else "INSERT"
    return e.JobSpec(
        run_id=f"bench-{uuid.uuid4().hex[:12]}",
        source=e.FileSource(task.path, options),
        source_columns=sources,
        columns=columns,
        destination=destination(task),
        load=load_spec(task, task.table, strategy),
    )


def table_spec(task: Task, source_table: str, target_table: str) -> JobSpec:
    """A database table's JobSpec: every column mapped as it is (`source_columns` empty: the
    engine takes the source's own), INSERT into a new table."""
    import etl_engine as e

    connection = (
        e.SourceConfig("postgres", PG_HOST, PG_PORT, SOURCE_DATABASE, PG_USER)
        if task.source_kind == "postgres"
        else e.SourceConfig("mysql", MYSQL_HOST, MYSQL_PORT, SOURCE_DATABASE, MYSQL_USER, "")
    )
    return e.JobSpec(
        run_id=f"bench-{uuid.uuid4().hex[:12]}",
        source=e.TableSource(connection, None, source_table),
        columns=[e.ColumnSpec(name, name, e.ColumnType(PG_COLUMN_TYPES[t])) for name, t in task.columns],
        destination=destination(task),
        load=load_spec(task, target_table, "INSERT"),
    )


def destination(task: Task) -> Any:
    import etl_engine as e

    if task.method == "engine_pg_to_duckdb":
        return e.DestinationConfig(kind="duckdb", path=task.target["path"])
    if task.method == "engine_to_s3_parquet":
        return e.DestinationConfig(
            kind="s3",
            bucket=task.target["bucket"],
            region=S3_REGION,
            endpoint_url=task.target["endpoint"],
            path_style=True,
            user=S3_KEY_ID,
            password=S3_SECRET,
            files=e.FileLayout(format="parquet"),
        )
    if task.method == "engine_to_snowflake_fakesnow":
        return e.DestinationConfig(
            kind="snowflake",
            account="fakesnow",
            user="fake",
            password="snow",  # the emulator accepts any
            host=PG_HOST,
            port=task.target["port"],
            database=task.target["database"],
            warehouse="compute_wh",
            options={"protocol": "http", "schema": task.schema},
        )
    return e.DestinationConfig(
        kind="postgres", host=PG_HOST, port=PG_PORT, database=PG_DATABASE, user=PG_USER
    )


def load_spec(task: Task, table: str, strategy: LoadStrategy) -> Any:
    import etl_engine as e

    return e.LoadSpec(
        schema=task.schema,
        table=table,
        create_table=strategy == "INSERT",
        strategy=strategy,
        upsert_keys=[task.key] if strategy == "UPSERT" and task.key else [],
        batch_size=BATCH_ROWS,
        reject_threshold_count=0,
        reject_threshold_percent=None,
    )


def run_engine(task: Task) -> Outcome:
    import etl_engine as e

    spec = job_spec(task)
    reporter = BenchReporter()
    with Stopwatch() as watch:
        result = e.run_job(spec, reporter)
    detail = f"{result.status}, {result.rows_loaded} loaded"
    if reporter.staged_seconds is not None:  # the rest is the final transaction (and connecting)
        detail += f"; staged in {reporter.staged_seconds:.2f}s of {watch.seconds:.2f}s"
    if result.rows_rejected:
        detail += f", {result.rows_rejected} rejected e.g. {reporter.rejected_rows[:3]}"
    return Outcome(watch.seconds, watch.cpu_seconds, detail)


def expression_type(expression: str, profile: dict[str, Any]) -> str:
    import etl_engine as e

    check = e.validate_expression(expression, sources_and_options(profile)[1])
    if not check.valid or check.type is None:
        raise RuntimeError(f"expression {expression!r} rejected: {check.error}")
    return str(check.type.value)


def sources_and_options(profile: dict[str, Any]) -> tuple[Any, list[Any]]:
    import etl_engine as e

    options = e.CsvOptions(**profile["options"])
    sources = [e.SourceColumn(**{**c, "type": e.ColumnType(c["type"])}) for c in profile["columns"]]
    return options, sources


def run_wide(task: Task) -> Outcome:
    """profile_csv (the upload's profiling) or preview_csv (the wizard's first page) of a wide file."""
    import etl_engine as e

    if task.method == "engine_profile_wide":
        with Stopwatch() as watch:
            profile = e.profile_csv(task.path)
        detail = f"profile_csv: {len(profile.columns)} columns"
    else:
        options, sources = sources_and_options(task.profile)
        with Stopwatch() as watch:
            preview = e.preview_csv(task.path, options, sources)
        detail = f"preview_csv: {len(preview.columns)} columns, {len(preview.rows)} rows"
    return Outcome(watch.seconds, watch.cpu_seconds, detail)


def run_psql_parallel(task: Task) -> Outcome:
    """One `psql \\copy` per part of the file, all at once, into the same table."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with Stopwatch() as watch:
        sessions = [
            subprocess.Popen(
                psql_command("-c", f"\\copy \"{task.table}\" FROM '{part}' WITH (FORMAT csv, HEADER true)")
            )
            for part in task.parts
        ]
        codes = [session.wait() for session in sessions]
    if any(codes):
        raise RuntimeError(f"psql exited with {codes}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return Outcome(watch.seconds, cpu, f"{len(task.parts)} psql \\copy sessions at once, CSV text format")


def _copy_rows(table: Any, conn: Any, keys: list[str], data_iter: Iterable[Any]) -> int:
    """to_sql(method=...) callable: COPY ... FROM STDIN (CSV) instead of INSERTs, as pandas documents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    count = 0
    for row in data_iter:
        writer.writerow(row)
        count += 1
    buffer.seek(0)
    name = f'"{table.schema}"."{table.name}"' if table.schema else f'"{table.name}"'
    columns = ", ".join(f'"{key}"' for key in keys)
    with conn.connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {name} ({columns}) FROM STDIN WITH CSV", buffer)
    return count


def run_pandas(task: Task) -> Outcome:
    import pandas as pd
    import sqlalchemy

    engine = sqlalchemy.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg2://"))
    with Stopwatch() as watch:
        for index, chunk in enumerate(pd.read_csv(task.path, chunksize=BATCH_ROWS)):
            chunk.to_sql(
                task.table,
                engine,
                schema=task.schema,
                if_exists="replace" if index == 0 else "append",
                index=False,
                method=_copy_rows,
            )
    engine.dispose()
    return Outcome(watch.seconds, watch.cpu_seconds, f"read_csv chunks of {BATCH_ROWS}, COPY callable")


def run_dlt(task: Task) -> Outcome:
    import shutil

    import dlt
    import pyarrow.csv as pacsv

    def batches() -> Iterator[Any]:
        reader = pacsv.open_csv(task.path, read_options=pacsv.ReadOptions(block_size=8 << 20))
        yield from reader

    pipelines_dir = WORK_DIR / f"dlt_{task.variant}"
    shutil.rmtree(pipelines_dir, ignore_errors=True)
    pipeline = dlt.pipeline(
        pipeline_name=f"bench_{task.variant}",
        pipelines_dir=str(pipelines_dir),
        destination=dlt.destinations.postgres(credentials=DLT_URL),
        dataset_name=task.schema,
    )
    with Stopwatch() as watch:
        pipeline.run(
            dlt.resource(batches(), name=task.table),
            table_name=task.table,
            loader_file_format=task.variant,
            write_disposition="append",
        )
    shutil.rmtree(pipelines_dir, ignore_errors=True)
    return Outcome(watch.seconds, watch.cpu_seconds, f"pyarrow batches, {task.variant} loader")


def run_engine_table(task: Task) -> Outcome:
    """One database table into one target with run_job, as an Airflow task of the job would."""
    import etl_engine as e

    spec = table_spec(task, task.source_tables[0], task.table)
    reporter = BenchReporter()
    with Stopwatch() as watch:
        result = e.run_job(spec, reporter)
    detail = f"{result.status}, {result.rows_loaded} loaded"
    if reporter.staged_seconds is not None:
        detail += f"; staged in {reporter.staged_seconds:.2f}s of {watch.seconds:.2f}s"
    return Outcome(watch.seconds, watch.cpu_seconds, detail)


def _one_table(task: Task, index: int, results: Any) -> None:
    import etl_engine as e

    started = time.perf_counter()
    spec = table_spec(task, task.source_tables[index], f"{task.table}_{index + 1:02d}")
    result = e.run_job(spec, BenchReporter())
    results.put((index, result.rows_loaded, time.perf_counter() - started))


def run_engine_tables(task: Task) -> Outcome:
    """A many-table job: run_job per table, each in a fresh process forked from this one (engine
    imported), at most `par<N>` at once, as Airflow's mapped tasks run one table each with at
    most max_parallel_tables at once. Airflow's own scheduling is not in it."""
    import multiprocessing
    import multiprocessing.connection

    import etl_engine  # noqa: F401  imported once here, inherited by every forked table run

    workers = int(task.variant.removeprefix("par"))
    context = multiprocessing.get_context("fork")
    results = context.SimpleQueue()
    waiting = list(range(len(task.source_tables)))
    running: list[Any] = []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with Stopwatch() as watch:
        while waiting or running:
            while waiting and len(running) < workers:
                process = context.Process(target=_one_table, args=(task, waiting.pop(0), results))
                process.start()
                running.append(process)
            ended = multiprocessing.connection.wait([p.sentinel for p in running])
            for process in [p for p in running if p.sentinel in ended]:
                process.join()
                if process.exitcode:
                    raise RuntimeError(f"a table run exited {process.exitcode}")
                running.remove(process)
        done = [results.get() for _ in task.source_tables]
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    times = [seconds for _, _, seconds in done]
    detail = (
        f"{len(done)} tables, {sum(rows for _, rows, _ in done)} loaded, {workers} at once;"
        f" table runs {min(times):.2f}-{max(times):.2f}s"
    )
    return Outcome(watch.seconds, watch.cpu_seconds + cpu, detail)


def run_dlt_sql(task: Task) -> Outcome:
    """dlt's sql_database source (one table) with the `variant` backend into PostgreSQL, parquet
    loader files (dlt's fastest into PostgreSQL in the CSV benchmark)."""
    import shutil

    import dlt
    from dlt.sources.sql_database import sql_table

    pipelines_dir = WORK_DIR / f"dlt_sql_{task.variant}"
    shutil.rmtree(pipelines_dir, ignore_errors=True)
    pipeline = dlt.pipeline(
        pipeline_name=f"bench_sql_{task.variant}",
        pipelines_dir=str(pipelines_dir),
        destination=dlt.destinations.postgres(credentials=DLT_URL),
        dataset_name=task.schema,
    )
    source = sql_table(
        credentials=SOURCE_URL.replace("postgresql://", "postgresql+psycopg2://"),
        table=task.source_tables[0],
        backend=task.variant,
        chunk_size=BATCH_ROWS,
    )
    with Stopwatch() as watch:
        pipeline.run(source, table_name=task.table, loader_file_format="parquet", write_disposition="append")
    shutil.rmtree(pipelines_dir, ignore_errors=True)
    return Outcome(watch.seconds, watch.cpu_seconds, f"sql_table backend={task.variant}, parquet loader")


def run_sling(task: Task) -> Outcome:
    """Sling's CLI (the binary of the sling-linux-amd64 wheel), PostgreSQL table to PostgreSQL."""
    import importlib.util
    import os

    found = importlib.util.find_spec("sling_linux_amd64")
    if found is None or not found.submodule_search_locations:
        raise RuntimeError("sling-linux-amd64 is not installed (bench/requirements.txt)")
    binary = Path(next(iter(found.submodule_search_locations))) / "bin" / "sling-linux-amd64"
    home = WORK_DIR / "sling"
    home.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "SLING_HOME_DIR": str(home),
        "SLING_DISABLE_TELEMETRY": "true",
        "BENCH_SRC": f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{SOURCE_DATABASE}?sslmode=disable",
        "BENCH_DST": f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{PG_DATABASE}?sslmode=disable",
    }
    command = [
        str(binary), "run", "--src-conn", "BENCH_SRC", "--src-stream", f"public.{task.source_tables[0]}",
        "--tgt-conn", "BENCH_DST", "--tgt-object", f"{task.schema}.{task.table}", "--mode", "full-refresh",
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with Stopwatch() as watch:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"sling exited {done.returncode}: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    version = (binary.parent / "VERSION").read_text().strip()
    return Outcome(watch.seconds, cpu, f"sling {version} run, full-refresh")


def run_pyarrow_s3(task: Task) -> Outcome:
    """The practical limit of CSV -> S3 Parquet: pyarrow's streaming CSV reader, typed as the
    engine's profile types the file, into one ParquetWriter on pyarrow's S3 filesystem (snappy,
    the engine's default). No validation, no staging, no manifest."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.fs as pafs
    import pyarrow.parquet as pq

    types = {
        "INTEGER": pa.int32(),
        "BIGINT": pa.int64(),
        "NUMERIC": pa.decimal128(12, 2),
        "FLOAT": pa.float64(),
        "TEXT": pa.string(),
        "DATE": pa.date32(),
        "TIMESTAMP": pa.timestamp("us"),
        "TIMESTAMPTZ": pa.timestamp("us", tz="UTC"),
        "BOOLEAN": pa.bool_(),
    }
    schema = pa.schema([(c["sql_name"], types[c["type"]]) for c in task.profile["columns"]])
    scheme, address = task.target["endpoint"].split("://")
    fs = pafs.S3FileSystem(
        access_key=S3_KEY_ID, secret_key=S3_SECRET, region=S3_REGION, endpoint_override=address, scheme=scheme
    )
    path = f"{task.target['bucket']}/{task.schema}/{task.table}/part-0.parquet"
    with Stopwatch() as watch:
        reader = pacsv.open_csv(
            task.path,
            read_options=pacsv.ReadOptions(block_size=8 << 20),
            convert_options=pacsv.ConvertOptions(column_types=schema, strings_can_be_null=False),
        )
        with pq.ParquetWriter(path, schema, filesystem=fs, compression="snappy") as writer:
            for batch in reader:
                writer.write_batch(batch)
    return Outcome(
        watch.seconds, watch.cpu_seconds, "pyarrow.csv.open_csv -> pq.ParquetWriter on S3FileSystem"
    )


def peak_rss_mb() -> float:
    """The kernel's high-water mark of this process's RSS, which polling could miss.

    Not ru_maxrss: Linux carries the forking parent's peak over exec into it.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


RUNNERS: dict[str, Callable[[Task], Outcome]] = {
    "engine_insert": run_engine,
    "engine_upsert": run_engine,
    "engine_transforms": run_engine,
    "pandas_to_sql": run_pandas,
    "dlt": run_dlt,
    "engine_profile_wide": run_wide,
    "engine_preview_wide": run_wide,
    "psql_copy_parallel": run_psql_parallel,
    "engine_pg_to_pg": run_engine_table,
    "engine_mysql_to_pg": run_engine_table,
    "engine_pg_to_duckdb": run_engine_table,
    "engine_10_tables": run_engine_tables,
    "dlt_sql_database": run_dlt_sql,
    "sling": run_sling,
    "engine_to_s3_parquet": run_engine,
    "pyarrow_s3_parquet": run_pyarrow_s3,
    "engine_to_snowflake_fakesnow": run_engine,
}


def main() -> None:
    task = Task(**json.loads(Path(sys.argv[1]).read_text()))
    outcome = RUNNERS[task.method](task)
    print(json.dumps({**asdict(outcome), "peak_rss_mb": peak_rss_mb()}))


if __name__ == "__main__":
    main()
