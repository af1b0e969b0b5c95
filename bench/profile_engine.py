"""Where an engine call spends its time: `python -m bench.profile_engine <command> <file>`.

- `phases FILE [--rows N] [--upsert] [--repeat R]`: a plain INSERT (or UPSERT) load of FILE's
  first N rows (all rows without --rows), then R more in the same process (imports and first-use
  costs paid), then R of the whole file: medians of wall
  seconds per phase, from timers wrapped around the engine's connections, SQL statements, CSV
  reading, mapping and binary COPY (writer threads included). The table of docs/benchmarks.md.
- `cpu FILE`: CPU seconds of the engine's reader alone and of reader + mapping over the whole
  file, without a database (what the load costs the client before binary COPY).
- `cprofile FILE --call insert|upsert|profile|preview [--table T]`: cProfile of that one call on
  the main thread (wall clock), the functions with the most cumulative and own time.

Run it with .bench-venv/bin/python from the repository root; PostgreSQL as for the benchmark
(an upsert needs --table naming a table that exists with a unique key on `id`).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.methods import PG_DATABASE, Task, job_spec, run_engine

_totals: dict[str, float] = defaultdict(float)
_cpu: dict[str, float] = defaultdict(float)  # CPU of the calling thread (thread_time)
_counts: dict[str, int] = defaultdict(int)
_lock = threading.Lock()


def _add(label: str, seconds: float, cpu: float) -> None:
    with _lock:
        _totals[label] += seconds
        _cpu[label] += cpu
        _counts[label] += 1


def _timed(owner: Any, name: str, label: Callable[..., str] | str) -> None:
    """Wrap owner.name so every call adds its wall time to `label` (a string or f(*args))."""
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            wall, cpu = time.perf_counter() - started, time.thread_time() - cpu
            _add(label(*args) if callable(label) else label, wall, cpu)

    setattr(owner, name, wrapper)


def _timed_iterator(owner: Any, name: str, label: str) -> None:
    """Wrap a generator method: only the time spent producing each item counts."""
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
        iterator = original(*args, **kwargs)
        while True:
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                item = next(iterator)
            except StopIteration:
                item = None
            _add(label, time.perf_counter() - started, time.thread_time() - cpu)
            if item is None:
                return
            yield item

    setattr(owner, name, wrapper)


def _statement(_cursor: Any, sql: Any, *args: Any) -> str:
    if "ON CONFLICT" in str(sql):
        return "SQL: merge, INSERT ... ON CONFLICT DO UPDATE"
    words = str(sql).split()
    head = " ".join(words[:2]).upper()
    kinds = {
        "CREATE SCHEMA": "SQL: CREATE SCHEMA IF NOT EXISTS",
        "CREATE TABLE": "SQL: CREATE TABLE (ledger, staging)",
        "CREATE UNLOGGED": "SQL: CREATE TABLE (ledger, staging)",
        "DROP TABLE": "SQL: DROP TABLE IF EXISTS staging",
        "ALTER TABLE": "SQL: final transaction (rename, count, ledger row, COMMIT)",
        "INSERT INTO": "SQL: final transaction (rename, count, ledger row, COMMIT)",
        "BEGIN": "SQL: final transaction (rename, count, ledger row, COMMIT)",
        "COMMIT": "SQL: final transaction (rename, count, ledger row, COMMIT)",
    }
    if head in kinds:
        return kinds[head]
    if "count(*)" in str(sql):
        return "SQL: final transaction (rename, count, ledger row, COMMIT)"
    if "pg_advisory" in str(sql) or "_etl_loads" in str(sql):
        return "SQL: ledger lock and lookup"
    return "SQL: catalog lookups (target table, server)"


def instrument() -> None:
    import psycopg
    from etl_engine.mapping import BatchMapper
    from etl_engine.writers import postgres

    _timed(psycopg, "connect", "connect: psycopg (statements)")
    _timed(psycopg.Cursor, "execute", _statement)
    _timed(psycopg.Connection, "close", "close connections")
    try:  # the engine's CSV reader: a Source since 1d4666a, CsvBatchReader before
        from etl_engine.sources.csv import CsvSource

        _timed(CsvSource, "__init__", "CSV: open the file, size it")
        _timed_iterator(CsvSource, "batches", "CSV: parse (pyarrow) into batches")
    except ImportError:
        from etl_engine.readers.csv import CsvBatchReader  # type: ignore[import-not-found,unused-ignore]

        _timed(CsvBatchReader, "__enter__", "CSV: open the file, size it")
        _timed_iterator(CsvBatchReader, "__iter__", "CSV: parse (pyarrow) into batches")
    _timed(BatchMapper, "map", "map: casts and checks of each batch")
    bulk = postgres._BulkCopy
    _timed(bulk, "__init__", "connect: ADBC (binary COPY sessions) [writer threads]")
    _timed(bulk, "append", "binary COPY of the batches [writer threads]")
    _timed(bulk, "finish", "commit of the COPY sessions")
    _timed(bulk, "close", "close connections")


def head_of(path: Path, rows: int) -> Path:
    """The file's header and first `rows` records (one record per line in the bench files)."""
    out = path.with_name(f"{path.stem}_head{rows}.csv")
    if not out.exists():
        with path.open("rb") as source, out.open("wb") as target:
            for _ in range(rows + 1):
                target.write(source.readline())
    return out


Phases = tuple[float, dict[str, tuple[float, float]], dict[str, int]]
FIRST_USE_IMPORTS = "imports on first use (the writer: psycopg, ADBC; pandas via pyarrow)"


def prepare_task(path: Path, table: str, upsert: bool) -> Task:
    """An INSERT into a new table; or an UPSERT on `id` into a table holding the odd ids, as
    `make bench` prepares it."""
    from etl_engine import profile_csv

    from bench.harness import admin_sql

    admin_sql(f'DROP TABLE IF EXISTS "{table}"')
    profile = asdict(profile_csv(path))
    if upsert:
        run_engine(Task(method="engine_insert", path=str(path), table=f"{table}_source", profile=profile))
        admin_sql(
            f'CREATE TABLE "{table}" (LIKE "{table}_source"); ALTER TABLE "{table}" ADD PRIMARY KEY (id);'
            f'INSERT INTO "{table}" SELECT * FROM "{table}_source" WHERE id % 2 = 1;'
            f'DROP TABLE "{table}_source"'
        )
        admin_sql(f'VACUUM ANALYZE "{table}"')
    admin_sql("CHECKPOINT")
    method = "engine_upsert" if upsert else "engine_insert"
    return Task(method=method, path=str(path), table=table, key="id", profile=profile)


def measure(task: Task) -> Phases:
    _totals.clear()
    _cpu.clear()
    _counts.clear()
    outcome = run_engine(task)
    return outcome.seconds, {k: (v, _cpu[k]) for k, v in _totals.items()}, dict(_counts)


def fresh_load(path: Path, table: str, upsert: bool) -> Phases:
    """One load in a new process that has imported etl_engine and nothing else, as the harness's
    child does: its first-use costs are what `make bench` measures."""
    task = prepare_task(path, table, upsert)
    task_path = path.with_name(f"{table}.task.json")
    task_path.write_text(json.dumps(asdict(task)))
    done = subprocess.run(
        [sys.executable, "-m", "bench.profile_engine", "fresh", str(task_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, totals, counts = json.loads(done.stdout.strip().splitlines()[-1])
    return seconds, {k: (v[0], v[1]) for k, v in totals.items()}, counts


def fresh(task_path: Path) -> None:
    """The child of fresh_load: prints [seconds, {phase: [wall, cpu]}, {phase: calls}]."""
    task = Task(**json.loads(task_path.read_text()))
    job_spec(task)  # imports etl_engine before the measurement, as the harness's child does
    # instrument() imports the PostgreSQL writer, which run_job would import on its first call.
    started, cpu = time.perf_counter(), time.thread_time()
    instrument()
    writer_imports = time.perf_counter() - started
    _add(FIRST_USE_IMPORTS, writer_imports, time.thread_time() - cpu)
    # The other imports during run_job: time in the outermost import of each thread. CPython looks
    # _find_and_load up on the frozen importlib module at every import not yet in sys.modules.
    bootstrap: Any = sys.modules["_frozen_importlib"]
    original, depth = bootstrap._find_and_load, threading.local()

    def find_and_load(name: str, import_: Any) -> Any:
        if getattr(depth, "level", 0):
            return original(name, import_)
        depth.level, started, cpu = 1, time.perf_counter(), time.thread_time()
        try:
            return original(name, import_)
        finally:
            depth.level = 0
            _add(FIRST_USE_IMPORTS, time.perf_counter() - started, time.thread_time() - cpu)

    bootstrap._find_and_load = find_and_load
    outcome = run_engine(task)
    totals = {k: [v, _cpu[k]] for k, v in _totals.items()}
    print(json.dumps([outcome.seconds + writer_imports, totals, dict(_counts)]))


def load_once(path: Path, table: str, upsert: bool) -> Phases:
    return measure(prepare_task(path, table, upsert))


def startup_seconds() -> tuple[float, float]:
    """Wall seconds of a bare interpreter and of one that imports etl_engine (best of 3 each)."""

    def best(code: str) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            times.append(time.perf_counter() - started)
        return min(times)

    return best("pass"), best("import etl_engine")


def phases(path: Path, rows: int | None, upsert: bool, repeat: int) -> None:
    bare, with_engine = startup_seconds()
    small = head_of(path, rows) if rows else path
    size = f"{rows:,} rows" if rows else "whole file"
    cold_small = fresh_load(small, "profile_small", upsert)
    cold_whole = fresh_load(path, "profile_whole", upsert)
    instrument()
    load_once(small, "profile_small", upsert)  # this process's first load pays its first-use costs
    columns = [
        (f"new process, {size}", [cold_small]),
        ("new process, whole file", [cold_whole]),
        (
            f"warm, {size} (median of {repeat})",
            [load_once(small, "profile_small", upsert) for _ in range(repeat)],
        ),
        (
            f"warm, whole file (median of {repeat})",
            [load_once(path, "profile_whole", upsert) for _ in range(repeat)],
        ),
    ]
    labels = sorted({label for _, loads in columns for _, totals, _ in loads for label in totals})
    print(f"database {PG_DATABASE}; file {path.name}")
    print(f"python start {bare:.3f}s; python start + import etl_engine {with_engine:.3f}s")
    print(f"{'phase: wall s / CPU s of its thread (calls)':<70}" + "".join(f"{n:>32}" for n, _ in columns))
    for label in labels:
        cells = ""
        for _, loads in columns:
            wall = statistics.median(t.get(label, (0.0, 0.0))[0] for _, t, _ in loads)
            cpu = statistics.median(t.get(label, (0.0, 0.0))[1] for _, t, _ in loads)
            cells += f"{wall:>18.3f} / {cpu:.3f} ({loads[0][2].get(label, 0):>3})"
        print(f"{label:<70}{cells}")
    totals = "".join(f"{statistics.median(s for s, _, _ in loads):>31.3f} " for _, loads in columns)
    print(f"{'run_job total (wall)':<70}{totals}")


def client_cpu(path: Path) -> None:
    """CPU of the engine's client-side steps over the whole file, without a database: the CSV
    reader alone, then reader + mapping (casts and checks), as run_job drives them."""
    from etl_engine import profile_csv
    from etl_engine.mapping import BatchMapper
    from etl_engine.sources import open_source
    from etl_engine.writers.postgres import PostgresWriter

    task = Task(method="engine_insert", path=str(path), table="unused", profile=asdict(profile_csv(path)))
    spec = job_spec(task)
    for step in ("read", "read + map"):
        mapper = BatchMapper(spec, PostgresWriter.numeric_limit, PostgresWriter.text_max_bytes)
        wall, cpu, rows = time.perf_counter(), time.process_time(), 0
        with open_source(spec) as source:
            for raw in source.batches():
                rows += mapper.map(raw)[0].num_rows if step != "read" else raw.records
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{step:<12} {rows:>11,} rows: {wall:6.2f}s wall, {cpu:6.2f}s CPU (all threads)")


def cprofile(path: Path, call: str, table: str | None) -> None:
    import etl_engine as e

    profile = e.profile_csv(path)
    if call in ("insert", "upsert"):
        from bench.harness import admin_sql

        method = "engine_insert" if call == "insert" else "engine_upsert"
        target = table or "profile_insert"
        if call == "insert":
            admin_sql(f'DROP TABLE IF EXISTS "{target}"')
        task = Task(method=method, path=str(path), table=target, key="id", profile=asdict(profile))

        def run() -> object:
            return run_engine(task)

    elif call == "profile":

        def run() -> object:
            return e.profile_csv(path)

    else:

        def run() -> object:
            return e.preview_csv(path, profile.options, profile.columns)

    if call in ("profile", "preview"):
        run()  # imports and caches warm, as in a worker that has served a request before
    profiler = cProfile.Profile(time.perf_counter)
    started = time.perf_counter()
    profiler.runcall(run)
    print(f"{call} of {path.name}: {time.perf_counter() - started:.3f}s wall")
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(22)
        print(out.getvalue().split("\n", 6)[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    phase = commands.add_parser("phases")
    phase.add_argument("file", type=Path)
    phase.add_argument("--rows", type=int)
    phase.add_argument("--upsert", action="store_true", help="UPSERT on id instead of INSERT")
    phase.add_argument("--repeat", type=int, default=3, help="loads after the first; medians shown")
    commands.add_parser("cpu").add_argument("file", type=Path)
    commands.add_parser("fresh").add_argument("file", type=Path)  # the child of `phases`
    profiled = commands.add_parser("cprofile")
    profiled.add_argument("file", type=Path)
    profiled.add_argument("--call", choices=["insert", "upsert", "profile", "preview"], required=True)
    profiled.add_argument("--table")
    args = parser.parse_args()
    if args.command == "phases":
        phases(args.file, args.rows, args.upsert, args.repeat)
    elif args.command == "cpu":
        client_cpu(args.file)
    elif args.command == "fresh":
        fresh(args.file)
    else:
        cprofile(args.file, args.call, args.table)


if __name__ == "__main__":
    main()
