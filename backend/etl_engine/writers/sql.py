"""The SQL family of destinations: browsing, staging, the final transaction and the ledger.

A load goes to a staging table named from the run id. The final transaction creates the target
when it is new (by renaming the staging table: no second copy of the data), or appends / merges /
replaces from staging, and records the run in `_etl_loads`. A run found in the ledger is not
loaded again. A stream's state (an incremental cursor, the files loaded: JSON text) is a column of
its ledger entry, so it commits with the rows. Subclasses give the connection, the bulk write and
the SQL that differs.
"""

from __future__ import annotations

import json
import re
import time
from abc import abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

from ..conversion import NumericLimit
from ..ddl import column_sql_type, create_table_sql
from ..errors import DuplicateKeys, LoadFailed, ReconciliationFailed, SchemaMismatch
from ..identifiers import qualified_name, quote_identifier
from ..spec import ColumnSpec, ColumnType, LoadSpec
from .base import ConnectionCheck, Destination, LedgerEntry, TableColumn, TableRef, TableSample, Writer

LEDGER_TABLE = "_etl_loads"
# Columns added to the ledger after its first version: a ledger made by older code gets them.
# varchar(65535): Redshift's longest (its text is varchar(256)); a state stays well under it.
LEDGER_ADDED_COLUMNS = {"stream": "varchar(200)", "state": "varchar(65535)"}
STAGING_PREFIX = "_etl_stage_"
_WIDENINGS = {
    ColumnType.INTEGER: {ColumnType.BIGINT, ColumnType.NUMERIC, ColumnType.FLOAT},
    ColumnType.BIGINT: {ColumnType.NUMERIC, ColumnType.FLOAT},
    ColumnType.NUMERIC: {ColumnType.FLOAT},
    ColumnType.DATE: {ColumnType.TIMESTAMP, ColumnType.TIMESTAMPTZ},
    ColumnType.TIMESTAMP: {ColumnType.TIMESTAMPTZ},
}
_DB_TYPE_FAMILIES = {
    "smallint": ColumnType.INTEGER,
    "integer": ColumnType.INTEGER,
    "int": ColumnType.INTEGER,
    "int2": ColumnType.INTEGER,
    "int4": ColumnType.INTEGER,
    "tinyint": ColumnType.INTEGER,
    "bigint": ColumnType.BIGINT,
    "int8": ColumnType.BIGINT,
    "hugeint": ColumnType.NUMERIC,
    "numeric": ColumnType.NUMERIC,
    "decimal": ColumnType.NUMERIC,
    "double precision": ColumnType.FLOAT,
    "double": ColumnType.FLOAT,
    "real": ColumnType.FLOAT,
    "float": ColumnType.FLOAT,
    "float4": ColumnType.FLOAT,
    "float8": ColumnType.FLOAT,
    "boolean": ColumnType.BOOLEAN,
    "bool": ColumnType.BOOLEAN,
    "date": ColumnType.DATE,
    "timestamp": ColumnType.TIMESTAMP,
    "timestamp without time zone": ColumnType.TIMESTAMP,
    "timestamp with time zone": ColumnType.TIMESTAMPTZ,
    "timestamptz": ColumnType.TIMESTAMPTZ,
    "text": ColumnType.TEXT,
    "varchar": ColumnType.TEXT,
    "character varying": ColumnType.TEXT,
    "character": ColumnType.TEXT,
    "char": ColumnType.TEXT,
    "bpchar": ColumnType.TEXT,
    "string": ColumnType.TEXT,
    # Snowflake's information_schema names
    "number": ColumnType.NUMERIC,
    "fixed": ColumnType.NUMERIC,
    "timestamp_ntz": ColumnType.TIMESTAMP,
    "timestamp_tz": ColumnType.TIMESTAMPTZ,
    "timestamp_ltz": ColumnType.TIMESTAMPTZ,
    "variant": ColumnType.TEXT,
}


def column_family(db_type: str) -> ColumnType | None:
    """The engine type a destination column type belongs to (None: a type the engine cannot feed)."""
    base = re.sub(r"\(.*\)", "", db_type).strip().lower()
    return _DB_TYPE_FAMILIES.get(base)


def assignable(source: ColumnType, target: ColumnType) -> bool:
    return source == target or target == ColumnType.TEXT or target in _WIDENINGS.get(source, set())


def target_mismatches(
    existing: Sequence[TableColumn], columns: Sequence[ColumnSpec], table: str = "the table"
) -> list[str]:
    """Why the mapped `columns` cannot be loaded into an existing table with the `existing` columns
    (empty: they fit). The writer refuses a load for these; the portal says them before saving."""
    by_name = {c.name: c for c in existing}
    problems = []
    for column in columns:
        found = by_name.get(column.target)
        if found is None:
            names = ", ".join(c.name for c in existing)
            problems.append(f"column {column.target!r} does not exist in {table} (it has {names})")
            continue
        family = column_family(found.type)
        if family is None or not assignable(column.type, family):
            problems.append(
                f"column {column.target!r} is {found.type} in the table and cannot take "
                f"{column.type.value} values"
            )
    mapped = {c.target for c in columns}
    problems += [
        f"table column {c.name!r} is NOT NULL without a default and is not mapped"
        for c in existing
        if c.name not in mapped and not c.nullable and not c.has_default
    ]
    return problems


def staging_table_name(run_id: str) -> str:
    return STAGING_PREFIX + re.sub(r"[^a-z0-9_]", "_", run_id.lower())[:48]


class SqlDestination(Destination):
    """A SQL database; every call opens and closes its own short connection."""

    placeholder: ClassVar[str] = "%s"

    @abstractmethod
    def connect(self) -> Any:
        """A DB-API connection; raises DestinationUnreachable with a readable reason."""

    def connect_read_only(self) -> Any:
        """A connection for reading only; a plain one where the driver makes no difference."""
        return self.connect()

    @abstractmethod
    def server_version(self, cursor: Any) -> str: ...

    def test_connection(self) -> ConnectionCheck:
        from ..errors import DestinationUnreachable

        started = time.perf_counter()
        try:
            with self.cursor() as cursor:
                version = self.server_version(cursor)
        except DestinationUnreachable as error:
            return ConnectionCheck(False, str(error), None, None)
        latency = round((time.perf_counter() - started) * 1000, 1)
        return ConnectionCheck(True, "connected", version, latency)

    def list_schemas(self) -> list[str]:
        with self.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT schema_name FROM information_schema.schemata "
                "WHERE catalog_name = current_database() "
                "AND schema_name NOT IN ('information_schema', 'pg_catalog', 'pg_toast', 'pg_internal') "
                "AND schema_name NOT LIKE 'pg_temp%' AND schema_name NOT LIKE 'pg_toast%' "
                "ORDER BY schema_name"
            )
            return [row[0] for row in cursor.fetchall()]

    def list_tables(self, schema: str) -> list[TableRef]:
        with self.cursor() as cursor:
            cursor.execute(
                "SELECT table_schema, table_name FROM information_schema.tables "
                f"WHERE table_schema = {self.placeholder} AND table_type IN ('BASE TABLE', 'VIEW') "
                "ORDER BY table_name",
                (schema,),
            )
            return [
                TableRef(row[0], row[1])
                for row in cursor.fetchall()
                if row[1] != LEDGER_TABLE and not row[1].startswith(STAGING_PREFIX)
            ]

    def table_columns(self, schema: str, table: str) -> list[TableColumn]:
        with self.cursor() as cursor:
            return self._table_columns(cursor, schema, table)

    def _table_columns(self, cursor: Any, schema: str, table: str) -> list[TableColumn]:
        p = self.placeholder
        cursor.execute(
            "SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns "
            f"WHERE table_schema = {p} AND table_name = {p} ORDER BY ordinal_position",
            (schema, table),
        )
        return [TableColumn(r[0], r[1], r[2] == "YES", r[3] is not None) for r in cursor.fetchall()]

    def sample_rows(self, schema: str, table: str, limit: int, offset: int = 0) -> TableSample:
        """Rows `offset`..`offset + limit` of a table, and its row count. Storage order: no ORDER BY,
        which would sort the whole table for a glance (and some column types have no ordering).
        An unknown table has no columns and no rows."""
        with self.cursor(read_only=True) as cursor:
            columns = self._table_columns(cursor, schema, table)
            if not columns:
                return TableSample([], [], 0)
            target = qualified_name(schema, table)
            cursor.execute(f"SELECT count(*) FROM {target}")
            total = int(cursor.fetchone()[0])
            names = ", ".join(quote_identifier(c.name) for c in columns)
            p = self.placeholder
            cursor.execute(f"SELECT {names} FROM {target} LIMIT {p} OFFSET {p}", (limit, offset))
            return TableSample(columns, [list(row) for row in cursor.fetchall()], total)

    @contextmanager
    def cursor(self, read_only: bool = False) -> Iterator[Any]:
        """`read_only`: the destination may open the connection read-only (DuckDB does)."""
        connection = self.connect_read_only() if read_only else self.connect()
        try:
            cursor = connection.cursor()
            try:
                yield cursor
            finally:
                cursor.close()
        finally:
            connection.close()


class SqlWriter(Writer):
    """The SQL family's writer: a staging table, one final transaction, the `_etl_loads` ledger.
    Leaving the block without commit drops the staging table: the target is untouched."""

    unlogged_staging: ClassVar[bool] = False

    def __init__(self, destination: SqlDestination, load: LoadSpec, columns: list[ColumnSpec], run_id: str):
        super().__init__(destination, load, columns, run_id)
        self.sql = destination
        self.stage = staging_table_name(run_id)
        self._connection: Any = None
        self._cursor: Any = None
        self.evolving: list[ColumnSpec] = []  # mapped columns the target lacks (load.evolve)

    # -- connection -------------------------------------------------------------------------
    def open(self) -> None:
        self._connection = self.sql.connect()
        self._cursor = self._connection.cursor()

    def abort(self) -> None:
        try:
            self.abandon_writes()
            self._rollback()
        except Exception:  # the connection may be gone: its transaction went with it
            pass
        self._drop_stage(quiet=True)

    def abandon_writes(self) -> None:
        """Roll back writes still open elsewhere, so that dropping the staging table cannot wait
        on their locks. Writers that stage through their one connection have none."""
        return None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self._cursor.execute(sql, params) if params else self._cursor.execute(sql)
        return self._cursor

    def execute_count(self, sql: str) -> int:
        """Run a DML statement and return how many rows it touched."""
        return int(self.execute(sql).rowcount)

    @abstractmethod
    def _begin(self) -> None: ...

    @abstractmethod
    def _commit(self) -> None: ...

    @abstractmethod
    def _rollback(self) -> None: ...

    # -- names --------------------------------------------------------------------------------
    @property
    def target(self) -> str:
        return qualified_name(self.load.schema, self.load.table)

    @property
    def staging(self) -> str:
        return qualified_name(self.load.schema, self.stage)

    @property
    def ledger(self) -> str:
        return qualified_name(self.load.schema, LEDGER_TABLE)

    # -- before the data ----------------------------------------------------------------------
    def committed(self) -> LedgerEntry | None:
        """The ledger entry of this run if an earlier attempt committed it."""
        self.create_ledger()
        p = self.sql.placeholder
        row = self.execute(
            f"SELECT rows_read, rows_loaded, rows_rejected, rows_filtered, state FROM {self.ledger} "
            f"WHERE run_id = {p}",
            (self.run_id,),
        ).fetchone()
        self._commit()
        if row is None:
            return None
        read, loaded, rejected, filtered = (int(v) for v in row[:4])
        return LedgerEntry(self.run_id, read, loaded, rejected, filtered, state=_state(row[4]))

    def last_state(self) -> dict[str, Any] | None:
        if self.load.stream is None:
            return None
        self.create_ledger()
        p = self.sql.placeholder
        row = self.execute(
            f"SELECT state FROM {self.ledger} WHERE stream = {p} ORDER BY loaded_at DESC LIMIT 1",
            (self.load.stream,),
        ).fetchone()
        self._commit()
        return None if row is None else _state(row[0])

    def create_ledger(self) -> None:
        """Create the schema and the ledger table unless they exist, and add the columns a ledger
        made by older code lacks (committed on return)."""
        self.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(self.load.schema)}")
        added = ", ".join(f"{name} {sql_type}" for name, sql_type in LEDGER_ADDED_COLUMNS.items())
        self.execute(
            f"CREATE TABLE IF NOT EXISTS {self.ledger} (run_id varchar(200) PRIMARY KEY, "
            "target_table varchar(200), strategy varchar(20), rows_read bigint, rows_loaded bigint, "
            f"rows_rejected bigint, rows_filtered bigint, loaded_at timestamp, {added})"
        )
        found = {
            c.name.lower() for c in self.sql._table_columns(self._cursor, self.load.schema, LEDGER_TABLE)
        }
        for name, sql_type in LEDGER_ADDED_COLUMNS.items():
            if name not in found:  # plain ADD COLUMN: Redshift and Snowflake know no IF NOT EXISTS
                self.execute(f"ALTER TABLE {self.ledger} ADD COLUMN {name} {sql_type}")
        self._commit()

    def prepare(self) -> None:
        """Check an existing target against the mapping, then create a fresh staging table."""
        self.target_exists = self._find_target()
        if not self.target_exists and not self.load.create_table:
            raise SchemaMismatch(f"table {self.load.schema}.{self.load.table} does not exist")
        self._drop_stage()
        self.execute(self._staging_sql(self.stage))
        self._commit()

    def _staging_sql(self, name: str) -> str:
        new_table = not self.target_exists and self.load.strategy != "UPSERT"
        return create_table_sql(
            self.load.schema, name, self._shape(), self.kind, unlogged=self.unlogged_staging and not new_table
        )

    def _shape(self) -> list[tuple[str, ColumnType, NumericLimit | None]]:
        return [
            (c.target, c.type, limit) for c, limit in zip(self.columns, self.column_limits(), strict=True)
        ]

    def widen(self, index: int, column: ColumnSpec) -> None:
        """Give staging column `index` the wider type of `column` (a new table only), keeping the rows
        staged so far: copied, cast, into a staging table of the new shape that takes the old's name."""
        assert not self.target_exists, "only a new table's columns are widened"
        old = self.staging
        self.columns[index] = column
        wider = self.stage + "_w"
        self.execute(f"DROP TABLE IF EXISTS {qualified_name(self.load.schema, wider)}")
        self.execute(self._staging_sql(wider))
        names = ", ".join(quote_identifier(c.target) for c in self.columns)
        values = ", ".join(
            f"CAST({quote_identifier(c.target)} AS {column_sql_type(self.kind, c.type, limit)})"
            if position == index
            else quote_identifier(c.target)
            for position, (c, limit) in enumerate(zip(self.columns, self.column_limits(), strict=True))
        )
        self.execute(
            f"INSERT INTO {qualified_name(self.load.schema, wider)} ({names}) SELECT {values} FROM {old}"
        )
        self.execute(f"DROP TABLE {old}")
        self.execute(self.rename_sql(qualified_name(self.load.schema, wider), self.stage))
        self._commit()

    def rename_sql(self, old: str, new: str) -> str:
        """Rename table `old` (qualified) to `new` (a bare name) in the same schema."""
        return f"ALTER TABLE {old} RENAME TO {quote_identifier(new)}"

    def _find_target(self) -> bool:
        """Whether the target exists; an existing one must fit the mapping (else SchemaMismatch).
        With `load.evolve`, mapped columns it lacks are not a mismatch: `evolving` lists them."""
        existing = self.sql._table_columns(self._cursor, self.load.schema, self.load.table)
        self.evolving = []
        if existing:
            checked = self.columns
            if self.load.evolve:
                names = {c.name for c in existing}
                self.evolving = [c for c in self.columns if c.target not in names]
                checked = [c for c in self.columns if c.target in names]
            problems = target_mismatches(existing, checked, f"{self.load.schema}.{self.load.table}")
            if problems:
                raise SchemaMismatch(
                    f"the mapping does not fit {self.load.schema}.{self.load.table}: " + "; ".join(problems)
                )
        return bool(existing)

    # -- the final transaction ----------------------------------------------------------------
    def lock_new_target(self) -> None:
        """First statement of the final transaction of a load that found no target: wait until
        no other load is creating the same table (the lock lasts until this transaction ends).
        DuckDB needs none: one process at a time holds its file for a whole load."""
        return None

    def commit(
        self, rows_read: int, rows_rejected: int, rows_filtered: int, state: dict[str, Any] | None = None
    ) -> int:
        """Move staged rows into the target and record the run with the stream's `state`,
        atomically. Returns rows loaded."""
        if self.load.strategy == "UPSERT" and self.needs_key_check():
            self._check_unique_keys()
        expected = rows_read - rows_rejected - rows_filtered
        self._begin()
        try:
            if not self.target_exists:
                # Loads of one new table take turns; the later ones find the table the first created
                # and load into it like into any existing table (instead of DuplicateTable).
                self.lock_new_target()
                self.target_exists = self._find_target()
            self.add_columns()
            loaded = self._apply()
            if loaded != expected:
                raise ReconciliationFailed(
                    f"the final statement loaded {loaded} rows, expected {expected} "
                    f"(read {rows_read} - rejected {rows_rejected} - filtered {rows_filtered})"
                )
            p = self.sql.placeholder
            self.execute(
                f"INSERT INTO {self.ledger} (run_id, target_table, strategy, rows_read, rows_loaded, "
                f"rows_rejected, rows_filtered, loaded_at, stream, state) VALUES ({p}, {p}, {p}, {p}, "
                f"{p}, {p}, {p}, CURRENT_TIMESTAMP, {p}, {p})",
                (
                    self.run_id,
                    self.load.table,
                    self.load.strategy,
                    rows_read,
                    loaded,
                    rows_rejected,
                    rows_filtered,
                    self.load.stream,
                    None if state is None else json.dumps(state),
                ),
            )
            self._commit()
        except DuplicateKeys:
            self._rollback()
            self._check_unique_keys()  # names the duplicated keys
            raise
        except Exception:
            self._rollback()
            raise
        self._drop_stage()
        return loaded

    def add_columns(self) -> None:
        """`load.evolve`: give the existing target the mapped columns it lacks (nullable; existing
        rows hold NULL), inside the final transaction where the destination allows DDL there."""
        for column in self.evolving:
            # The widest NUMERIC, as staging has it: the mapper checked values against that.
            sql_type = column_sql_type(self.kind, column.type, self.numeric_limit)
            self.execute(f"ALTER TABLE {self.target} ADD COLUMN {quote_identifier(column.target)} {sql_type}")
        self.evolving = []

    def needs_key_check(self) -> bool:
        """Whether upsert keys must be checked for duplicates before the final transaction."""
        return True

    def _apply(self) -> int:
        columns = ", ".join(quote_identifier(c.target) for c in self.columns)
        if not self.target_exists:
            if self.load.strategy == "UPSERT":
                self.execute(
                    create_table_sql(
                        self.load.schema, self.load.table, self._shape(), self.kind, self.load.upsert_keys
                    )
                )
                return self.execute_count(
                    f"INSERT INTO {self.target} ({columns}) SELECT {columns} FROM {self.staging}"
                )
            self.execute(f"ALTER TABLE {self.staging} RENAME TO {quote_identifier(self.load.table)}")
            return int(self.execute(f"SELECT count(*) FROM {self.target}").fetchone()[0])
        if self.load.strategy == "TRUNCATE_INSERT":
            self.execute(self.truncate_sql())
        if self.load.strategy == "UPSERT":
            return self.upsert()
        return self.execute_count(
            f"INSERT INTO {self.target} ({columns}) SELECT {columns} FROM {self.staging}"
        )

    def truncate_sql(self) -> str:
        return f"DELETE FROM {self.target}"

    def upsert(self) -> int:
        """Update rows whose keys exist, insert the others; returns both counted."""
        keys = self.load.upsert_keys
        match = " AND ".join(f"t.{quote_identifier(k)} = s.{quote_identifier(k)}" for k in keys)
        values = [c.target for c in self.columns if c.target not in keys]
        columns = ", ".join(quote_identifier(c.target) for c in self.columns)
        updated = 0
        if values:
            assignments = ", ".join(f"{quote_identifier(v)} = s.{quote_identifier(v)}" for v in values)
            updated = self.execute_count(
                f"UPDATE {self.target} AS t SET {assignments} FROM {self.staging} AS s WHERE {match}"
            )
        else:
            updated = int(
                self.execute(
                    f"SELECT count(*) FROM {self.staging} AS s WHERE EXISTS "
                    f"(SELECT 1 FROM {self.target} AS t WHERE {match})"
                ).fetchone()[0]
            )
        inserted = self.execute_count(
            f"INSERT INTO {self.target} ({columns}) SELECT {columns} FROM {self.staging} AS s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {self.target} AS t WHERE {match})"
        )
        return updated + inserted

    def _check_unique_keys(self) -> None:
        keys = ", ".join(quote_identifier(k) for k in self.load.upsert_keys)
        duplicates = self.execute(
            f"SELECT {keys}, count(*) FROM {self.staging} GROUP BY {keys} HAVING count(*) > 1 LIMIT 5"
        ).fetchall()
        self._commit()
        if duplicates:
            shown = "; ".join(
                ", ".join(f"{k}={v!r}" for k, v in zip(self.load.upsert_keys, row[:-1], strict=True))
                + f" ({row[-1]} times)"
                for row in duplicates
            )
            raise DuplicateKeys(f"upsert keys are not unique in the incoming data: {shown}")

    def _drop_stage(self, quiet: bool = False) -> None:
        try:
            self.execute(f"DROP TABLE IF EXISTS {self.staging}")
            self._commit()
        except Exception as error:
            # After a failure the connection may be gone; the next attempt drops the table first.
            if not quiet:
                raise LoadFailed(f"could not drop staging table {self.stage}: {error}") from error


def _state(text: str | None) -> dict[str, Any] | None:
    return None if text is None else dict(json.loads(text))
