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
# dlt insists on a password; the server trusts local connections and ignores it.
DLT_URL = f"postgresql://{PG_USER}:unused@{PG_HOST}:{PG_PORT}/{PG_DATABASE}"
WORK_DIR = Path(__file__).resolve().parent / "data" / "work"
BATCH_ROWS = 100_000


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
        destination=e.DestinationConfig(
            kind="postgres",
            host=PG_HOST,
            port=PG_PORT,
            database=PG_DATABASE,
            user=PG_USER,
            password=None,
            path=None,
            options={},
        ),
        load=e.LoadSpec(
            schema=task.schema,
            table=task.table,
            create_table=strategy == "INSERT",
            strategy=strategy,
            upsert_keys=[task.key] if strategy == "UPSERT" and task.key else [],
            batch_size=BATCH_ROWS,
            reject_threshold_count=0,
            reject_threshold_percent=None,
        ),
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
}


def main() -> None:
    task = Task(**json.loads(Path(sys.argv[1]).read_text()))
    outcome = RUNNERS[task.method](task)
    print(json.dumps({**asdict(outcome), "peak_rss_mb": peak_rss_mb()}))


if __name__ == "__main__":
    main()
