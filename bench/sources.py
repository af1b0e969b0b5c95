"""The database datasets: the synthetic CSV loaded once into source tables that database loads read.

PostgreSQL database `bench_src` (on the benchmark's server) holds `synth_<rows>` for each size
used (`synth_2000000`, `synth_10000000`; primary key `id`) and `synth_2000000_part_01` .. `_10`
(its rows cut into ten tables of 200,000, for the many-table job); MariaDB's database `bench_src`
holds `synth_2000000`.
Loading is COPY from the file (PostgreSQL) and `LOAD DATA LOCAL INFILE` fed by a text-format COPY
out of PostgreSQL (MariaDB: same values, NULLs as \\N). A table is reused when its comment names
the file it came from and it holds the file's row count; else it is loaded again.
"""

from __future__ import annotations

import shlex
import subprocess
from typing import Any

import psycopg
import pymysql

from bench.generate import SYNTH_COLUMNS, Dataset
from bench.methods import MYSQL_HOST, MYSQL_PORT, MYSQL_USER, PG_HOST, PG_PORT, PG_USER, SOURCE_DATABASE

PARTS = 10

# MariaDB's types for the synthetic columns: what a MySQL export of such a table would declare.
# TIMESTAMP holds a zoned instant (UTC here); it needs NULL DEFAULT NULL, or MariaDB gives the
# first one NOT NULL DEFAULT CURRENT_TIMESTAMP.
MYSQL_TYPES = {
    "integer": "INT",
    "bigint": "BIGINT",
    "numeric(12,2)": "DECIMAL(12,2)",
    "double precision": "DOUBLE",
    "text": "TEXT",
    "date": "DATE",
    "timestamp": "DATETIME",
    "timestamptz": "TIMESTAMP NULL DEFAULT NULL",
    "boolean": "BOOLEAN",
}


def pg_sql(sql: str, database: str = SOURCE_DATABASE) -> list[tuple[Any, ...]]:
    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=database, autocommit=True) as conn:
        cursor = conn.execute(sql.encode())
        return cursor.fetchall() if cursor.description else []


def mysql_sql(sql: str, database: str | None = SOURCE_DATABASE) -> list[tuple[Any, ...]]:
    with (
        pymysql.connect(
            host=MYSQL_HOST, port=MYSQL_PORT, user=MYSQL_USER, password="", database=database, autocommit=True
        ) as conn,
        conn.cursor() as cursor,
    ):
        cursor.execute(sql)
        return list(cursor.fetchall())


def _psql(database: str, *args: str) -> list[str]:
    connection = ["-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER, "-d", database]
    return ["psql", *connection, "-v", "ON_ERROR_STOP=1", "-q", *args]


def _pg_current(table: str, origin: str, rows: int) -> bool:
    found = pg_sql(f"SELECT obj_description(to_regclass('public.{table}'), 'pg_class')")
    return bool(found and found[0][0] == origin and pg_sql(f"SELECT count(*) FROM {table}")[0][0] == rows)


def _ensure_pg_database() -> None:
    if not pg_sql(f"SELECT 1 FROM pg_database WHERE datname = '{SOURCE_DATABASE}'", "postgres"):
        pg_sql(f"CREATE DATABASE {SOURCE_DATABASE}", "postgres")


def table_name(dataset: Dataset) -> str:
    return f"synth_{dataset.rows}"


def part_names(dataset: Dataset) -> list[str]:
    return [f"{table_name(dataset)}_part_{i + 1:02d}" for i in range(PARTS)]


def pg_table(dataset: Dataset) -> bool:
    """The dataset's file as a table of bench_src; True when it had to be loaded."""
    _ensure_pg_database()
    table = table_name(dataset)
    origin = dataset.path.name
    if _pg_current(table, origin, dataset.rows):
        return False
    columns = ", ".join(f"{name} {pg_type}" for name, pg_type in SYNTH_COLUMNS)
    pg_sql(f"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} ({columns})")
    copy = f"\\copy {table} FROM '{dataset.path}' WITH (FORMAT csv, HEADER true)"
    subprocess.run(_psql(SOURCE_DATABASE, "-c", copy), check=True)
    # The key after the rows (one index build, not 2 M inserts into it); ANALYZE gives the
    # planner's row estimate that sources report as their total.
    pg_sql(
        f"ALTER TABLE {table} ADD PRIMARY KEY (id); ANALYZE {table}; COMMENT ON TABLE {table} IS '{origin}'"
    )
    return True


def pg_parts(dataset: Dataset) -> bool:
    """The dataset's table (loaded first) cut by consecutive ids into PARTS tables."""
    size = dataset.rows // PARTS
    origin = f"{dataset.path.name} / {PARTS}"
    if all(_pg_current(part, origin, size) for part in part_names(dataset)):
        return False
    for i, part in enumerate(part_names(dataset)):
        pg_sql(
            f"DROP TABLE IF EXISTS {part}; CREATE TABLE {part} AS SELECT * FROM {table_name(dataset)}"
            f" WHERE id > {i * size} AND id <= {(i + 1) * size};"
            f"ALTER TABLE {part} ADD PRIMARY KEY (id); ANALYZE {part}; COMMENT ON TABLE {part} IS '{origin}'"
        )
    return True


def mysql_table(dataset: Dataset) -> bool:
    """The dataset's table in MariaDB's bench_src, from the PostgreSQL one (loaded first)."""
    table = table_name(dataset)
    mysql_sql(f"CREATE DATABASE IF NOT EXISTS {SOURCE_DATABASE} CHARACTER SET utf8mb4", None)
    origin = dataset.path.name
    found = mysql_sql(
        "SELECT table_comment FROM information_schema.tables"
        f" WHERE table_schema = '{SOURCE_DATABASE}' AND table_name = '{table}'"
    )
    if found and found[0][0] == origin and mysql_sql(f"SELECT count(*) FROM {table}")[0][0] == dataset.rows:
        return False
    columns = ", ".join(f"{name} {MYSQL_TYPES[pg_type]}" for name, pg_type in SYNTH_COLUMNS)
    mysql_sql(f"DROP TABLE IF EXISTS {table}")
    mysql_sql(f"CREATE TABLE {table} ({columns}, PRIMARY KEY (id)) COMMENT '{origin}'")
    # PostgreSQL's text COPY escapes tab, newline and backslash as LOAD DATA's defaults expect and
    # writes NULL as \N; booleans as 1/0 and the zoned column as UTC wall time (session zone UTC).
    selected = ", ".join(
        f"{name}::int"
        if pg_type == "boolean"
        else f"to_char({name} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"
        if pg_type == "timestamptz"
        else name
        for name, pg_type in SYNTH_COLUMNS
    )
    export = _psql(SOURCE_DATABASE, "-c", f"\\copy (SELECT {selected} FROM {table} ORDER BY id) TO STDOUT")
    load = [
        "mariadb", "--local-infile=1", "-h", MYSQL_HOST, "-P", str(MYSQL_PORT), "-u", MYSQL_USER,
        SOURCE_DATABASE, "-e",
        f"SET time_zone = '+00:00'; LOAD DATA LOCAL INFILE '/dev/stdin' INTO TABLE {table}",
    ]  # fmt: skip
    pipeline = f"{shlex.join(export)} | {shlex.join(load)}"
    subprocess.run(["bash", "-o", "pipefail", "-c", pipeline], check=True)
    loaded = mysql_sql(f"SELECT count(*) FROM {table}")[0][0]
    if loaded != dataset.rows:
        raise RuntimeError(f"MariaDB {SOURCE_DATABASE}.{table} holds {loaded} rows, expected {dataset.rows}")
    mysql_sql(f"ANALYZE TABLE {table}")
    return True
