"""make bench: load the same files with the engine and its peers, one process per load.

Each load runs as a child process; the harness polls the child's process tree with psutil for its
peak RSS (a Python child also reports the kernel's high-water mark, the higher wins), verifies the
row count in PostgreSQL afterwards, prints a table with ratios to `psql \\copy` and writes the JSON
results.
"""

from __future__ import annotations

import argparse
import codecs
import json
import math
import os
import resource
import shlex
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import psutil
import psycopg

from bench import generate, servers, sources
from bench.generate import Dataset
from bench.methods import (
    PG_DATABASE,
    PG_HOST,
    PG_PORT,
    PG_USER,
    SOURCE_DATABASE,
    WORK_DIR,
    Task,
    expression_type,
    psql_command,
)

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
LOG_DIR = RESULTS_DIR / "logs"
REPO = BENCH_DIR.parent

# Anchors first: each engine figure is compared with the psql figure measured in the same round.
SYNTH_METHODS = [
    "psql_copy",
    "psql_copy_parallel",
    "engine_insert",
    "psql_upsert",
    "engine_upsert",
    "engine_transforms",
    "pandas_to_sql",
    "dlt",
]
# The 2 M file into object stores and warehouses (issue 11): pyarrow writing the same Parquet
# straight to the same S3 server is the limit; Snowflake is its emulator, so report only.
OBJECT_METHODS = ["pyarrow_s3_parquet", "engine_to_s3_parquet", "engine_to_snowflake_fakesnow"]
# The same rows as database tables (bench/sources.py): the binary COPY pipe is the limit.
TABLE_METHODS = [
    "pg_copy_pipe",
    "engine_pg_to_pg",
    "engine_mysql_to_pg",
    "engine_pg_to_duckdb",
    "dlt_sql_database",
    "sling",
    "engine_10_tables",
]
WIDE_METHODS = ["engine_profile_wide", "engine_preview_wide"]
WIDE_COLUMNS = [500, 1000, 2000, 5000]
# flights has no unique key, so no UPSERT; synth_10m and synth_10m_table show that the engine's
# memory stays flat.
DATASET_METHODS = {
    "synth_2m": [*SYNTH_METHODS, *OBJECT_METHODS],
    "synth_2m_cp1252": ["psql_copy", "engine_insert"],
    "synth_2m_gz": ["psql_copy", "engine_insert"],
    "flights": ["psql_copy", "engine_insert", "engine_transforms", "pandas_to_sql", "dlt"],
    "synth_10m": ["psql_copy", "psql_copy_parallel", "engine_insert"],
    "synth_2m_table": TABLE_METHODS,
    "synth_10m_table": ["pg_copy_pipe", "engine_pg_to_pg"],
    **{f"wide_{n}": WIDE_METHODS for n in WIDE_COLUMNS},
}
METHODS = [*SYNTH_METHODS, *OBJECT_METHODS, *TABLE_METHODS, *WIDE_METHODS]
VARIANTS = {
    "dlt": ["parquet", "csv"],  # its loader file formats
    "dlt_sql_database": ["pyarrow", "connectorx"],  # its fastest backends
    "engine_10_tables": ["par1", "par4"],  # tables at once (max_parallel_tables)
}
# latest.json keeps the faster variant of a peer, but each of these.
KEPT_VARIANTS = {"engine_10_tables"}
# The engine's one-table database paths, each held against the peers (issue 10 §5).
ENGINE_TABLE_METHODS = ["engine_pg_to_pg", "engine_mysql_to_pg", "engine_pg_to_duckdb"]
FULL_ROWS = {"synth_2m": 2_000_000, "synth_10m": 10_000_000, "flights": generate.FLIGHTS_ROWS}
QUICK_ROWS = {"synth_2m": 200_000, "synth_10m": 1_000_000, "flights": 50_000}
PARALLEL_SESSIONS = 2  # one per core of the benchmark machine
POLL_SECONDS = 0.05


@dataclass
class Result:
    method: str
    dataset: str
    rows: int
    seconds: float
    rows_per_s: float
    peak_rss_mb: float
    mb_per_s: float
    client_cpu_s: float
    server_cpu_s: float | None = None  # the benchmark database's backends (see ServerCpu)
    variant: str = ""
    detail: str = ""
    attempts: list[float] = field(default_factory=list)  # seconds of every run; `seconds` is their median


class BenchError(RuntimeError):
    pass


def admin_sql(sql: str, database: str = PG_DATABASE) -> list[tuple[object, ...]]:
    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=database, autocommit=True) as conn:
        cursor = conn.execute(sql.encode())
        return cursor.fetchall() if cursor.description else []


def recreate_database() -> None:
    admin_sql(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)", "postgres")
    admin_sql(f"CREATE DATABASE {PG_DATABASE}", "postgres")


def count_rows(schema: str, table: str) -> int:
    return int(str(admin_sql(f'SELECT count(*) FROM "{schema}"."{table}"')[0][0]))


def make_dataset(name: str, quick: bool) -> Dataset:
    if name.endswith("_table"):  # the file's rows as source tables, loaded once and reused
        dataset = make_dataset(name.removesuffix("_table"), quick)
        dataset = replace(dataset, name=name)
        sources.pg_table(dataset)
        if "engine_mysql_to_pg" in DATASET_METHODS[name]:
            sources.mysql_table(dataset)
        if "engine_10_tables" in DATASET_METHODS[name]:
            sources.pg_parts(dataset)
        return dataset
    if name.startswith("wide_"):
        return generate.wide(int(name.removeprefix("wide_")))
    if name == "flights":
        return generate.flights((QUICK_ROWS if quick else FULL_ROWS)[name])
    rows = (QUICK_ROWS if quick else FULL_ROWS)[name.removesuffix("_cp1252").removesuffix("_gz")]
    if name.endswith("_cp1252"):
        return generate.synth_cp1252(rows, name)
    if name.endswith("_gz"):
        return generate.synth_gzip(rows, name)
    return generate.synth(rows, name)


def split_file(dataset: Dataset, parts: int) -> list[Path]:
    """The file cut at line ends into `parts` files of about equal size, each starting with the
    header (every `\\copy` skips it). Cached beside the file. The generated files have no line
    breaks inside quoted cells, so a line end is a record end; the row count check would see it
    otherwise."""
    paths = [dataset.path.with_name(f"{dataset.path.stem}_part{i + 1}of{parts}.csv") for i in range(parts)]
    if all(p.exists() for p in paths):
        return paths
    size = dataset.size_bytes
    with dataset.path.open("rb") as source:
        header = source.readline()
        for index, path in enumerate(paths):
            partial = path.with_suffix(".partial")
            with partial.open("wb") as out:
                out.write(header)
                end = size * (index + 1) // parts
                while source.tell() < end:
                    out.write(source.read(min(8 << 20, end - source.tell())))
                out.write(source.readline())  # up to the end of the record cut into
            partial.rename(path)
        if source.read(1):
            raise BenchError(f"{dataset.path} was not split to its end")
    return paths


_profiles: dict[Path, dict[str, object]] = {}
_profile_notes: dict[Path, str] = {}


def engine_profile(dataset: Dataset) -> dict[str, object]:
    """etl_engine.profile_csv of the file, once per file (the upload step; the load gets its result).
    When the detected encoding is not the file's, it is set as a user would in the wizard, and the
    load's detail says so."""
    if dataset.path not in _profiles:
        from etl_engine import profile_csv

        profile = profile_csv(dataset.path)
        detected = profile.options.encoding
        if codecs.lookup(detected).name != codecs.lookup(dataset.encoding).name:
            profile = profile_csv(dataset.path, {"encoding": dataset.encoding})
            _profile_notes[dataset.path] = f"encoding detected as {detected}, set to {dataset.encoding}"
        _profiles[dataset.path] = asdict(profile)
    return _profiles[dataset.path]


def git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def engine_revision() -> str:
    """The last commit of backend/etl_engine, and whether the work tree differs from it."""
    commit = git("log", "-1", "--format=%h %cI", "--", "backend/etl_engine") or "unknown"
    dirty = git("status", "--porcelain", "--", "backend/etl_engine")
    return commit + (" + uncommitted changes" if dirty else "")


def use_engine_from(revision: str) -> str:
    """Import etl_engine (here and in every child) from a commit instead of the work tree, which
    others may be editing while the benchmark runs. Returns the commit and its date."""
    full = git("rev-parse", "--verify", f"{revision}^{{commit}}")
    if not full:
        raise BenchError(f"no such commit: {revision}")
    commit = git("log", "-1", "--format=%h", full, "--", "backend/etl_engine")  # its last engine change
    root = REPO / ".bench-venv" / "engine" / commit  # a cache beside the bench's packages
    if not (root / "backend" / "etl_engine").exists():
        root.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", commit, "backend/etl_engine"], cwd=REPO, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
        # Bytecode now, or the first load would compile the modules it imports on first use.
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(root)], check=True)
    backend = str(root / "backend")
    # Before site-packages, where the editable install points at the work tree.
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (backend, os.environ.get("PYTHONPATH")) if p)
    sys.path.insert(0, backend)
    changed = git("log", "-1", "--format=%h %cI", commit)
    return f"{changed} (etl_engine as committed at {revision}, not the work tree)"


DATABASES = (PG_DATABASE, SOURCE_DATABASE)


class ServerCpu:
    """CPU seconds of the PostgreSQL backends serving the benchmark databases (the target and
    the source tables) during one load, from
    /proc (the server runs on this machine): the server's share that `client_cpu_s` leaves out.
    Polled with the RSS, so a backend's last milliseconds after the final poll are missed; the
    server's shared processes (WAL writer, checkpointer) serve every database and are not counted."""

    def __init__(self) -> None:
        try:
            data_directory = str(admin_sql("SHOW data_directory")[0][0])
            pid = int((Path(data_directory) / "postmaster.pid").read_text().split()[0])
            self.postmaster: psutil.Process | None = psutil.Process(pid)
        except (OSError, ValueError, IndexError, psutil.Error, psycopg.Error):
            self.postmaster = None  # not readable here: the column shows no figure
        self.baseline: dict[int, float] = {}
        self.latest: dict[int, float] = {}

    def _backends(self) -> dict[int, float]:
        found: dict[int, float] = {}
        for backend in self.postmaster.children() if self.postmaster else []:
            try:
                title = " ".join(backend.cmdline())
                if any(f" {db} " in title for db in DATABASES) and "autovacuum" not in title:
                    times = backend.cpu_times()
                    found[backend.pid] = times.user + times.system
            except psutil.Error:
                pass
        return found

    def start(self) -> None:
        self.baseline, self.latest = self._backends(), {}

    def poll(self) -> None:
        self.latest.update(self._backends())

    def seconds(self) -> float | None:
        if self.postmaster is None:
            return None
        return sum(cpu - self.baseline.get(pid, 0.0) for pid, cpu in self.latest.items())


def run_measured(command: list[str], log_name: str) -> tuple[float, float, float, str, float | None]:
    """Run one child; return (wall seconds, peak RSS MB of its process tree, its CPU seconds,
    stdout, CPU seconds of the server's backends for the benchmark database)."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path, out_path = LOG_DIR / f"{log_name}.log", LOG_DIR / f"{log_name}.out"
    peak = 0
    server = ServerCpu()
    server.start()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with log_path.open("wb") as log, out_path.open("wb") as out:
        # Children may cache bytecode even where the environment forbids it, so imports stay cheap.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        child = psutil.Popen(command, stdout=out, stderr=log, cwd=REPO, env=env)
        while child.poll() is None:
            try:
                tree = [child, *child.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.NoSuchProcess:
                pass
            server.poll()
            time.sleep(POLL_SECONDS)
    seconds = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime
    if child.returncode != 0:
        tail = log_path.read_text(errors="replace").strip().splitlines()[-15:]
        raise BenchError(f"exit {child.returncode}; {log_path}:\n    " + "\n    ".join(tail))
    return seconds, peak / 2**20, cpu, out_path.read_text(), server.seconds()


def prepare(method: str, dataset: Dataset, table: str, quick: bool) -> None:
    if method in ("psql_copy", "psql_copy_parallel", "pg_copy_pipe"):
        columns = ", ".join(f'"{name}" {pg_type}' for name, pg_type in dataset.columns)
        admin_sql(f'DROP TABLE IF EXISTS "{table}"; CREATE TABLE "{table}" ({columns})')
    elif method in ("engine_upsert", "psql_upsert"):
        # The target holds every other key of the file, typed exactly as the engine types a new
        # table (a copy of the engine_insert table), with the marker column overwritten so that
        # the benchmark can check that the UPSERT really updated those rows.
        source = f"{dataset.name}_engine_insert"
        if not admin_sql(f"SELECT to_regclass('public.\"{source}\"')")[0][0]:
            run_one("engine_insert", dataset, quick)
        admin_sql(
            f'DROP TABLE IF EXISTS "{table}"; CREATE TABLE "{table}" (LIKE "{source}" INCLUDING DEFAULTS);'
            f'ALTER TABLE "{table}" ADD PRIMARY KEY ("{dataset.key}");'
            f'INSERT INTO "{table}" SELECT * FROM "{source}" WHERE "{dataset.key}" % 2 = 1;'
            f'UPDATE "{table}" SET "{dataset.marker}" = -1;'
        )
        admin_sql(f'VACUUM ANALYZE "{table}"')
    elif method == "engine_10_tables":
        admin_sql("".join(f'DROP TABLE IF EXISTS "{name}";' for name in ten_tables(table)))
    elif method not in WIDE_METHODS:
        admin_sql(f'DROP TABLE IF EXISTS "{table}"')


def ten_tables(table: str) -> list[str]:
    return [f"{table}_{i + 1:02d}" for i in range(sources.PARTS)]


def verify(method: str, dataset: Dataset, schema: str, table: str, target: dict[str, object]) -> None:
    if method == "engine_10_tables":
        loaded = sum(count_rows(schema, name) for name in ten_tables(table))
    elif method == "engine_pg_to_duckdb":
        loaded = servers.duckdb_rows(str(target["path"]), schema, table)
    elif method in ("engine_to_s3_parquet", "pyarrow_s3_parquet"):
        loaded = servers.s3_rows(str(target["endpoint"]), str(target["bucket"]))
    elif method == "engine_to_snowflake_fakesnow":
        loaded = servers.snowflake_rows(int(str(target["port"])), str(target["database"]), schema, table)
    else:
        loaded = count_rows(schema, table)
    if loaded != dataset.rows:
        raise BenchError(f"{schema}.{table} holds {loaded} rows, expected {dataset.rows}")
    if method in ("engine_upsert", "psql_upsert"):
        stale = admin_sql(f'SELECT count(*) FROM "{table}" WHERE "{dataset.marker}" = -1')[0][0]
        if stale:
            raise BenchError(f"{stale} rows of {table} were not updated by the UPSERT")
    if dataset.decoded_check:
        column, first_names = dataset.decoded_check
        found = admin_sql(f'SELECT DISTINCT split_part("{column}", \' \', 1) FROM "{schema}"."{table}"')
        wrong = sorted({str(row[0]) for row in found if row[0] is not None} - set(first_names))
        if wrong:
            raise BenchError(f"{table}.{column} was decoded wrong, e.g. {wrong[:5]}")


def clean_up(method: str, table: str, target: dict[str, object]) -> None:
    """Drop what a load wrote, but engine_insert's table (it seeds the UPSERT targets) and dlt's
    schemas (dropped before their next load)."""
    if method in ("engine_insert", "dlt", "dlt_sql_database"):
        return
    if method == "engine_10_tables":
        admin_sql("".join(f'DROP TABLE "{name}";' for name in ten_tables(table)))
    elif method == "engine_pg_to_duckdb":
        Path(str(target["path"])).unlink()
    elif method in ("engine_to_s3_parquet", "pyarrow_s3_parquet"):
        servers.s3().drop_bucket(str(target["bucket"]))
    elif method != "engine_to_snowflake_fakesnow":  # the emulator's databases go with it
        admin_sql(f'DROP TABLE "{table}"')


def psql_copy_command(dataset: Dataset, table: str) -> tuple[list[str], str]:
    """The `psql \\copy` anchor of a dataset: plain, with the file's encoding, or through zcat."""
    options = "FORMAT csv, HEADER true"
    if dataset.encoding != "utf-8":
        options += f", ENCODING '{PG_ENCODINGS[dataset.encoding]}'"
    if dataset.gzipped:
        copy = psql_command("-c", f'\\copy "{table}" FROM STDIN WITH ({options})')
        pipeline = f"zcat {shlex.quote(str(dataset.path))} | {shlex.join(copy)}"
        return ["bash", "-o", "pipefail", "-c", pipeline], "zcat | psql \\copy FROM STDIN, CSV text format"
    copy = psql_command("-c", f"\\copy \"{table}\" FROM '{dataset.path}' WITH ({options})")
    detail = "psql \\copy, CSV text format" + (
        f", ENCODING {PG_ENCODINGS[dataset.encoding]}" if dataset.encoding != "utf-8" else ""
    )
    return copy, detail


def psql_upsert_command(dataset: Dataset, table: str, log_name: str) -> list[str]:
    """The engine's UPSERT by hand: `\\copy` into an UNLOGGED staging table, then one
    INSERT ... ON CONFLICT DO UPDATE in its own transaction, then drop the staging table."""
    stage = f"{table}_stage"
    names = [f'"{name}"' for name, _ in dataset.columns]
    columns = ", ".join(names)
    updates = ", ".join(f"{n} = EXCLUDED.{n}" for n in names if n != f'"{dataset.key}"')
    script = LOG_DIR / f"{log_name}.sql"
    script.write_text(
        "\\timing on\n"  # each statement's time, for the detail
        f'CREATE UNLOGGED TABLE "{stage}" (LIKE "{table}");\n'
        f"\\copy \"{stage}\" FROM '{dataset.path}' WITH (FORMAT csv, HEADER true)\n"
        "BEGIN;\n"
        f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM "{stage}"\n'
        f'  ON CONFLICT ("{dataset.key}") DO UPDATE SET {updates};\n'
        "COMMIT;\n"
        f'DROP TABLE "{stage}";\n'
    )
    return psql_command("-f", str(script))


PG_ENCODINGS = {"cp1252": "WIN1252"}


def pg_copy_pipe_command(dataset: Dataset, table: str) -> tuple[list[str], str]:
    """The limit of PostgreSQL -> PostgreSQL: one binary COPY out of the source piped into one
    binary COPY into the target (created beforehand with the same types), no client parsing."""
    columns = ", ".join(name for name, _ in dataset.columns)
    source = sources.table_name(dataset)
    out = psql_command("-c", f"\\copy (SELECT {columns} FROM {source}) TO STDOUT (FORMAT binary)")
    out[out.index("-d") + 1] = SOURCE_DATABASE
    into = psql_command("-c", f'\\copy "{table}" FROM STDIN (FORMAT binary)')
    pipeline = f"{shlex.join(out)} | {shlex.join(into)}"
    return [
        "bash",
        "-o",
        "pipefail",
        "-c",
        pipeline,
    ], "psql \\copy TO STDOUT | psql \\copy FROM STDIN, binary"


def target_of(method: str, dataset: Dataset, variant: str) -> dict[str, object]:
    """A fresh place for a load that does not go to etl_bench (see servers.py)."""
    if method == "engine_pg_to_duckdb":
        path = WORK_DIR / f"{dataset.name}.duckdb"
        path.unlink(missing_ok=True)
        path.with_name(path.name + ".wal").unlink(missing_ok=True)
        return {"path": str(path)}
    if method in ("engine_to_s3_parquet", "pyarrow_s3_parquet"):
        return {"endpoint": servers.s3().endpoint, "bucket": servers.s3().new_bucket()}
    if method == "engine_to_snowflake_fakesnow":
        return {"port": servers.snowflake().port, "database": f"bench_{uuid.uuid4().hex[:8]}"}
    return {}


def run_one(method: str, dataset: Dataset, quick: bool, variant: str = "") -> Result:
    table = f"{dataset.name}_{method}" + (f"_{variant}" if method == "engine_10_tables" else "")
    schema = {"dlt": f"dlt_{variant}", "dlt_sql_database": f"dlt_sql_{variant}"}.get(method, "public")
    if method in ("dlt", "dlt_sql_database"):
        admin_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    else:
        prepare(method, dataset, table, quick)
    target = target_of(method, dataset, variant)
    admin_sql("CHECKPOINT")  # no checkpoint of the previous load lands inside this measurement
    log_name = f"{dataset.name}_{method}{'_' + variant if variant else ''}"
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    if method in ("psql_copy", "psql_upsert", "pg_copy_pipe"):
        if method == "psql_copy":
            command, detail = psql_copy_command(dataset, table)
        elif method == "pg_copy_pipe":
            command, detail = pg_copy_pipe_command(dataset, table)
        else:
            command = psql_upsert_command(dataset, table, log_name)
            detail = "\\copy into UNLOGGED staging, INSERT ... ON CONFLICT DO UPDATE"
        seconds, peak_mb, cpu, stdout, server_cpu = run_measured(command, log_name)
        if method == "psql_upsert":
            # \timing's lines, in script order: CREATE, \copy, BEGIN, INSERT, COMMIT, DROP.
            times = [
                float(line.split()[1]) / 1000 for line in stdout.splitlines() if line.startswith("Time:")
            ]
            if len(times) == 6:
                detail += f"; \\copy {times[1]:.2f}s, merge {times[3]:.2f}s, commit {times[4]:.2f}s"
    else:
        task = Task(
            method=method,
            path=str(dataset.path),
            table=table,
            schema=schema,
            key=dataset.key,
            transform_columns=list(dataset.transform_columns),
            expression=dataset.expression,
            expression_type=(
                expression_type(dataset.expression, engine_profile(dataset))
                if method == "engine_transforms"
                else ""
            ),
            variant=variant,
            profile=engine_profile(dataset)
            if (method.startswith("engine_") or method == "pyarrow_s3_parquet")
            and method not in ("engine_profile_wide", *TABLE_METHODS)
            else {},
            parts=[str(p) for p in split_file(dataset, PARALLEL_SESSIONS)]
            if method == "psql_copy_parallel"
            else [],
            source_kind="mysql"
            if method == "engine_mysql_to_pg"
            else "postgres"
            if method in TABLE_METHODS
            else "",
            source_tables=sources.part_names(dataset)
            if method == "engine_10_tables"
            else [sources.table_name(dataset)]
            if method in TABLE_METHODS
            else [],
            columns=list(dataset.columns) if method in TABLE_METHODS else [],
            target=target,
        )
        # A file, not an argument: a wide file's profile is larger than one argument may be.
        task_path = LOG_DIR / f"{log_name}.task.json"
        task_path.write_text(json.dumps(asdict(task)))
        command = [sys.executable, "-m", "bench.methods", str(task_path)]
        _, polled_mb, _, stdout, server_cpu = run_measured(command, log_name)
        reported = json.loads(stdout.strip().splitlines()[-1])
        seconds, cpu = reported["seconds"], reported["cpu_seconds"]
        peak_mb = max(polled_mb, reported["peak_rss_mb"])
        detail = reported["detail"]
        if method.startswith("engine_") and dataset.path in _profile_notes:
            detail += f" ({_profile_notes[dataset.path]})"
    if method not in WIDE_METHODS:
        verify(method, dataset, schema, table, target)
        clean_up(method, table, target)
    return Result(
        method=method,
        dataset=dataset.name,
        rows=dataset.rows,
        seconds=round(seconds, 3),
        rows_per_s=round(dataset.rows / seconds),
        peak_rss_mb=round(peak_mb, 1),
        mb_per_s=round(dataset.size_bytes / 1e6 / seconds, 1),
        client_cpu_s=round(cpu, 2),
        server_cpu_s=None if server_cpu is None else round(server_cpu, 2),
        variant=variant,
        detail=detail,
    )


def run_retried(label: str, method: str, dataset: Dataset, quick: bool, variant: str) -> Result:
    """run_one, once more after a failure: on this shared server other suites' tests terminate
    sessions now and then. A load that fails twice is a failure."""
    try:
        return run_one(method, dataset, quick, variant)
    except BenchError as error:
        print(
            f"  {label}: failed ({str(error).splitlines()[-1].strip()[:160]}), running it again", flush=True
        )
        return run_one(method, dataset, quick, variant)


def median_of(attempts: list[Result]) -> Result:
    """The median run (the lower middle one for an even count: a real run, not an average), with
    every run's seconds and the highest peak of them all."""
    ordered = sorted(attempts, key=lambda r: r.seconds)
    median = ordered[(len(ordered) - 1) // 2]
    median.attempts = [r.seconds for r in attempts]
    median.peak_rss_mb = max(r.peak_rss_mb for r in attempts)
    return median


def anchors(results: list[Result]) -> dict[str, float]:
    """rows/s of each dataset's anchor: `psql \\copy` of a file, the binary COPY pipe of a table."""
    return {r.dataset: r.rows_per_s for r in results if r.method in ("psql_copy", "pg_copy_pipe")}


def print_table(results: list[Result], failures: list[str]) -> None:
    copy_speed = anchors(results)
    header = (
        f"{'method':<30}{'dataset':<16}{'rows':>11}{'seconds':>9}{'rows/s':>10}{'MB/s':>7}"
        f"{'peak RSS MB':>12}{'CPU s':>7}{'srv CPU':>8}{'x copy':>8}  runs (s); detail"
    )
    print("\n" + header + "\n" + "-" * len(header))
    for r in results:
        ratio = f"{r.rows_per_s / copy_speed[r.dataset]:.2f}" if r.dataset in copy_speed else "-"
        name = f"{r.method}:{r.variant}" if r.variant else r.method
        runs = "/".join(f"{s:.2f}" for s in r.attempts)
        server = "-" if r.server_cpu_s is None else f"{r.server_cpu_s:.2f}"
        print(
            f"{name:<30}{r.dataset:<16}{r.rows:>11,}{r.seconds:>9.2f}{r.rows_per_s:>10,}{r.mb_per_s:>7.1f}"
            f"{r.peak_rss_mb:>12.0f}{r.client_cpu_s:>7.2f}{server:>8}{ratio:>8}  {runs}; {r.detail}"
        )
    for failure in failures:
        print(f"FAILED {failure}")


@dataclass
class Target:
    name: str
    measured: float
    goal: float
    higher_is_better: bool
    unit: str  # "x" (a ratio) or "s"

    @property
    def met(self) -> bool:
        return self.measured >= self.goal if self.higher_is_better else self.measured <= self.goal

    def line(self) -> str:
        margin = (self.measured / self.goal - 1) * (1 if self.higher_is_better else -1)
        verdict = f"{'met' if self.met else 'MISSED'} by {abs(margin):.0%}"
        sign = ">=" if self.higher_is_better else "<="
        goal = f"(target {sign} {self.goal:g}{self.unit})"
        return f"{self.name:<58}{self.measured:>8.2f}{self.unit} {goal}: {verdict}"


def targets(results: list[Result]) -> list[Target]:
    """Issue 8 §6, issue 10 §5, issue 11's Speed (and issue 3's standing targets), each from
    figures of this run."""
    seconds = {(r.method, r.dataset): r.seconds for r in results if r.method not in VARIANTS}
    # A peer's fastest variant; each of engine_10_tables' as "engine_10_tables:par<N>".
    for r in results:
        if r.method in KEPT_VARIANTS:
            seconds[(f"{r.method}:{r.variant}", r.dataset)] = r.seconds
        elif r.method in VARIANTS:
            key = (r.method, r.dataset)
            seconds[key] = min(seconds.get(key, math.inf), r.seconds)
    rss = {(r.method, r.dataset): r.peak_rss_mb for r in results if r.method not in KEPT_VARIANTS}
    cpu = {(r.method, r.dataset): max(r.client_cpu_s, 0.01) for r in results}
    found: list[Target] = []

    def faster(method: str, anchor: str, dataset: str, goal: float) -> None:
        if (method, dataset) in seconds and (anchor, dataset) in seconds:
            ratio = seconds[(anchor, dataset)] / seconds[(method, dataset)]
            found.append(Target(f"{method} / {anchor} rows/s, {dataset}", ratio, goal, True, "x"))

    for dataset in ("synth_2m", "synth_10m"):
        faster("engine_insert", "psql_copy_parallel", dataset, 0.9)
    faster("engine_upsert", "psql_upsert", "synth_2m", 0.95)
    for dataset in ("synth_2m_cp1252", "synth_2m_gz"):
        faster("engine_insert", "psql_copy", dataset, 1.0)
    faster("engine_insert", "psql_copy", "flights", 0.9)
    for dataset in ("synth_2m", "synth_10m"):
        faster("engine_insert", "psql_copy", dataset, 1.0)
    for dataset in ("synth_2m", "flights"):
        if ("engine_transforms", dataset) in seconds and ("engine_insert", dataset) in seconds:
            share = seconds[("engine_transforms", dataset)] / seconds[("engine_insert", dataset)]
            found.append(Target(f"engine_transforms / engine_insert time, {dataset}", share, 1.3, False, "x"))
    faster("engine_pg_to_pg", "pg_copy_pipe", "synth_2m_table", 0.9)
    for method in ENGINE_TABLE_METHODS:
        for peer in ("dlt_sql_database", "sling"):
            faster(method, peer, "synth_2m_table", 1.5)
    if ("engine_10_tables:par4", "synth_2m_table") in seconds and (
        "engine_10_tables:par1",
        "synth_2m_table",
    ) in seconds:
        share = (
            seconds[("engine_10_tables:par4", "synth_2m_table")]
            / seconds[("engine_10_tables:par1", "synth_2m_table")]
        )
        found.append(Target("engine_10_tables par4 / par1 wall time, synth_2m_table", share, 0.6, False, "x"))
    faster("engine_to_s3_parquet", "pyarrow_s3_parquet", "synth_2m", 0.8)
    # engine_10_tables' figure is four processes at once, so it is left out here.
    peaks = [rss[k] for k in rss if k[0].startswith("engine_") and k[0] not in WIDE_METHODS]
    if peaks:
        found.append(Target("engine peak RSS MB, every load (highest)", max(peaks), 300, False, ""))
    for method, small, large in (
        ("engine_insert", "synth_2m", "synth_10m"),
        ("engine_pg_to_pg", "synth_2m_table", "synth_10m_table"),
    ):
        if (method, small) in rss and (method, large) in rss:
            growth = rss[(method, large)] / rss[(method, small)]
            found.append(Target(f"{method} peak RSS 10 M / 2 M rows, {large}", growth, 1.1, False, "x"))
    for method in WIDE_METHODS:
        if (method, "wide_5000") in seconds:
            found.append(
                Target(f"{method} seconds, wide_5000", seconds[(method, "wide_5000")], 1.0, False, "s")
            )
        if (method, "wide_1000") in cpu and (method, "wide_5000") in cpu:
            # cpu ~ columns^k: k = 1 is linear, 2 quadratic (a fixed cost makes k smaller). CPU
            # seconds, not wall: on a shared machine they move far less between runs.
            growth = math.log(cpu[(method, "wide_5000")] / cpu[(method, "wide_1000")]) / math.log(5)
            found.append(Target(f"{method} CPU growth exponent, 1,000 -> 5,000 cols", growth, 1.2, False, ""))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small files; results to results/quick.json")
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds of every load; the median run of each is kept"
    )
    parser.add_argument(
        "--engine-rev", help="measure etl_engine as of this commit (e.g. HEAD) instead of the work tree"
    )
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated subset")
    parser.add_argument("--datasets", default=",".join(DATASET_METHODS), help="comma-separated subset")
    args = parser.parse_args()
    methods = [m for m in args.methods.split(",") if m]
    datasets = [d for d in args.datasets.split(",") if d]
    unknown = sorted(set(methods) - set(METHODS)) + sorted(set(datasets) - set(DATASET_METHODS))
    if unknown:
        parser.error(f"unknown method or dataset: {', '.join(unknown)}")

    print(f"engine: {use_engine_from(args.engine_rev) if args.engine_rev else engine_revision()}", flush=True)
    recreate_database()
    results: list[Result] = []
    failures: list[str] = []
    for name in datasets:
        started = time.perf_counter()
        dataset = make_dataset(name, args.quick)
        print(
            f"{name}: {dataset.rows:,} rows x {len(dataset.columns)}, {dataset.size_bytes / 1e6:.1f} MB"
            f" ({dataset.path.name}, ready in {time.perf_counter() - started:.0f}s)",
            flush=True,
        )
        loads = [
            (method, variant)
            for method in DATASET_METHODS[name]
            if method in methods
            for variant in VARIANTS.get(method, [""])
        ]
        attempts: dict[tuple[str, str], list[Result]] = {load: [] for load in loads}
        # Rounds: every load once, then again, so that a slow minute of the machine falls on the
        # engine and its anchors alike rather than on all runs of one method.
        for _ in range(args.repeat):
            for method, variant in loads:
                if (method, variant) not in attempts:
                    continue  # failed in an earlier round
                label = f"{name} {method}{' ' + variant if variant else ''}"
                try:
                    attempts[(method, variant)].append(
                        run_retried(label, method, dataset, args.quick, variant)
                    )
                except (BenchError, psycopg.Error, json.JSONDecodeError, KeyError) as error:
                    failures.append(f"{label}: {error}")
                    print(f"  {label}: FAILED", flush=True)
                    del attempts[(method, variant)]
                    continue
                print(f"  {label}: {attempts[(method, variant)][-1].seconds:.2f}s", flush=True)
        results.extend(median_of(runs) for runs in attempts.values())

    print_table(results, failures)
    print("\ntargets (medians of this run):")
    for target in targets(results):
        print("  " + target.line())
    # latest.json keeps one entry per method and dataset: for a peer, its faster variant.
    kept: dict[tuple[str, str, str], Result] = {}
    for r in results:
        key = (r.method, r.dataset, r.variant if r.method in KEPT_VARIANTS else "")
        if key not in kept or r.rows_per_s > kept[key].rows_per_s:
            kept[key] = r
    # Only a complete run (every method and dataset, none failed) replaces the committed latest.json.
    partial = failures or set(methods) != set(METHODS) or set(datasets) != set(DATASET_METHODS)
    out = RESULTS_DIR / ("quick.json" if args.quick else "partial.json" if partial else "latest.json")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps([asdict(r) for r in kept.values()], indent=2) + "\n")
    print(f"\nwrote {out.relative_to(REPO)} ({os.cpu_count()} CPUs, --repeat {args.repeat}, median kept)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
