"""Snowflake: the SQL family's writer with Snowflake's bulk path and what else differs.

Each batch is written as a Parquet file and PUT to the run's temporary internal stage (gone with
the session, so an abandoned run leaves no files); before the data is needed (a widening, the final
transaction) the files PUT so far are loaded with one `COPY INTO` the staging table. The final
transaction then appends, replaces (DELETE: TRUNCATE would not roll back) or MERGEs on the keys,
and records the run in `_etl_loads`, as on every SQL destination.

Snowflake commits any open transaction on DDL, so a new target is created (empty) just before the
final transaction (once staging is known to hold the expected rows) instead of by renaming
staging inside it. If that transaction fails, the table is dropped again while empty (else the
retry loads into it). The rows and the ledger entry always commit together.

Names: the engine's lower-case names (`order_id`) are what Snowflake makes of unquoted names, so
they are sent upper-case (`"ORDER_ID"`, which `select order_id from orders` finds) and read back
lower-case; any other name is kept exactly, quoted.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.parquet as pq
import snowflake.connector
from cryptography.hazmat.primitives import serialization
from snowflake.connector.errors import Error as SnowflakeError
from snowflake.connector.errors import OperationalError

from ..ddl import SNOWFLAKE_NUMERIC, create_table_sql
from ..errors import DestinationUnreachable, DuplicateKeys, LoadFailed, ReconciliationFailed
from ..identifiers import qualified_name, quote_identifier
from ..spec import ColumnSpec, DestinationKind, LoadSpec
from .base import TableColumn, TableRef, TableSample, Writer
from .s3 import arrow_type
from .sql import STAGING_PREFIX, SqlDestination, SqlWriter

CONNECT_TIMEOUT_SECONDS = 30
TEXT_MAX_BYTES = 16 * 1024 * 1024  # VARCHAR's limit
FILES_PREFIX = "_etl_files_"
_FOLDED = re.compile(r"[a-z_][a-z0-9_$]*")
_UNFOLDED = re.compile(r"[A-Z_][A-Z0-9_$]*")


def fold(name: str) -> str:
    """The engine's name as Snowflake stores it: a lower-case identifier upper-cased, as Snowflake
    does with unquoted names; any other name as it is."""
    return name.upper() if _FOLDED.fullmatch(name) else name


def unfold(name: str) -> str:
    """The inverse of `fold` for names read from Snowflake."""
    return name.lower() if _UNFOLDED.fullmatch(name) else name


def private_key_der(pem: str, passphrase: str | None) -> bytes:
    """A PEM private key (PKCS#8 or PKCS#1, encrypted with `passphrase` or not) as the DER bytes the
    connector's key-pair authentication takes. DestinationUnreachable, without the key, when unreadable."""
    try:
        key = serialization.load_pem_private_key(
            pem.encode(), password=passphrase.encode() if passphrase else None
        )
    except (ValueError, TypeError) as error:
        reason = "a wrong or missing passphrase, or not a PEM private key"
        raise DestinationUnreachable(f"cannot read the Snowflake private key: {reason}") from error
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


class SnowflakeDestination(SqlDestination):
    kind: ClassVar[DestinationKind] = "snowflake"
    transient_errors: ClassVar[tuple[type[BaseException], ...]] = (OperationalError,)

    def connection_parameters(self) -> dict[str, Any]:
        """What the connector gets (secrets included: never log it)."""
        c = self.config
        params: dict[str, Any] = {
            "account": c.account,
            "user": c.user,
            "database": fold(c.database) if c.database else None,
            "warehouse": c.warehouse,
            "role": c.role,
            "login_timeout": CONNECT_TIMEOUT_SECONDS,
            "application": "etl-portal",
            "autocommit": True,
            "session_parameters": {"TIMEZONE": "UTC", "CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False},
        }
        if c.private_key:
            params["private_key"] = private_key_der(c.private_key, c.private_key_passphrase)
        else:
            params["password"] = c.password
        if c.host:  # somewhere else than <account>.snowflakecomputing.com (a proxy, the emulator)
            params.update(host=c.host, port=c.port or 443, protocol=c.options.get("protocol", "https"))
        if c.options.get("network_timeout"):  # seconds before a request gives up (retries included)
            params["network_timeout"] = int(c.options["network_timeout"])
        return {k: v for k, v in params.items() if v is not None}

    def connect(self) -> Any:
        try:
            return snowflake.connector.connect(**self.connection_parameters())
        except SnowflakeError as error:
            where = self.config.host or f"{self.config.account}.snowflakecomputing.com"
            words = " ".join(str(getattr(error, "msg", None) or error).split())
            raise DestinationUnreachable(f"cannot connect to Snowflake at {where}: {words}") from error

    def server_version(self, cursor: Any) -> str:
        cursor.execute("SELECT CURRENT_VERSION()")
        return f"Snowflake {cursor.fetchone()[0]}"

    def list_schemas(self) -> list[str]:
        return [unfold(s) for s in super().list_schemas() if s.upper() != "INFORMATION_SCHEMA"]

    def list_tables(self, schema: str) -> list[TableRef]:
        return [TableRef(schema, unfold(t.name)) for t in super().list_tables(fold(schema))]

    def table_columns(self, schema: str, table: str) -> list[TableColumn]:
        return [_unfolded(c) for c in super().table_columns(fold(schema), fold(table))]

    def sample_rows(self, schema: str, table: str, limit: int, offset: int = 0) -> TableSample:
        sample = super().sample_rows(fold(schema), fold(table), limit, offset)
        return TableSample([_unfolded(c) for c in sample.columns], sample.rows, sample.total_rows)

    def writer(self, load: LoadSpec, columns: list[ColumnSpec], run_id: str) -> Writer:
        return SnowflakeWriter(self, load, columns, run_id)


def _unfolded(column: TableColumn) -> TableColumn:
    return TableColumn(unfold(column.name), column.type, column.nullable, column.has_default)


def _folded_column(column: ColumnSpec) -> ColumnSpec:
    return ColumnSpec(
        column.source,
        fold(column.target),
        column.type,
        column.transforms,
        column.expression,
        column.precision,
        column.scale,
    )


class SnowflakeWriter(SqlWriter):
    numeric_limit = SNOWFLAKE_NUMERIC
    text_max_bytes = TEXT_MAX_BYTES

    def __init__(
        self, destination: SnowflakeDestination, load: LoadSpec, columns: list[ColumnSpec], run_id: str
    ):
        folded = LoadSpec(**{**load.__dict__})
        folded.schema, folded.table = fold(load.schema), fold(load.table)
        folded.upsert_keys = [fold(k) for k in load.upsert_keys]
        super().__init__(destination, folded, [_folded_column(c) for c in columns], run_id)
        self.files_stage = qualified_name(self.load.schema, FILES_PREFIX + self.stage[len(STAGING_PREFIX) :])
        self.merge = destination.config.options.get("upsert_statement", "merge") == "merge"
        self.key_names = dict(zip(folded.upsert_keys, load.upsert_keys, strict=True))
        self._folder: Path | None = None
        self._files = 0
        self._pending_rows = 0
        self._generation = 0
        self._in_transaction = False
        self._created_target = False

    def open(self) -> None:
        super().open()
        self._folder = Path(tempfile.mkdtemp(prefix="etl-snowflake-"))

    def close(self) -> None:
        super().close()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def prepare(self) -> None:
        super().prepare()
        # Temporary: dropped with the session, files included, however the run ends.
        self.execute(f"CREATE OR REPLACE TEMPORARY STAGE {self.files_stage}")

    # -- the data: Parquet files PUT to the run's stage, COPY INTO staging ---------------------
    def write(self, batch: pa.RecordBatch) -> None:
        assert self._folder is not None, "write() outside the writer's block"
        self._files += 1
        limits = self.column_limits()
        schema = pa.schema(
            [(c.target, arrow_type(c, limit)) for c, limit in zip(self.columns, limits, strict=True)]
        )
        table = pa.Table.from_batches([batch]).rename_columns(schema.names).cast(schema)
        path = self._folder / f"batch-{self._files:05d}.parquet"
        pq.write_table(table, path, compression="snappy")
        try:
            self.execute(
                f"PUT 'file://{path.as_posix()}' @{self.files_stage}/{self._pending_folder()} "
                "AUTO_COMPRESS = FALSE OVERWRITE = TRUE"
            )
        finally:
            path.unlink(missing_ok=True)
        self._pending_rows += batch.num_rows
        self.rows_staged += batch.num_rows

    def _pending_folder(self) -> str:
        return f"g{self._generation:05d}"

    def copy_sql(self) -> str:
        return (
            f"COPY INTO {self.staging} FROM @{self.files_stage}/{self._pending_folder()}/ "
            "FILE_FORMAT = (TYPE = PARQUET) MATCH_BY_COLUMN_NAME = CASE_SENSITIVE"
        )

    def load_pending(self) -> None:
        """COPY the files PUT since the last load into staging; LoadFailed unless every row loaded."""
        if not self._pending_rows:
            return
        results = self.execute(self.copy_sql()).fetchall()
        loaded = sum(int(row[3]) for row in results if row and row[3] is not None)
        if loaded != self._pending_rows:
            errors = [str(row[6]) for row in results if len(row) > 6 and row[6]]
            raise LoadFailed(
                f"COPY INTO staging loaded {loaded} of {self._pending_rows} rows"
                + (f": {errors[0]}" if errors else "")
            )
        self._pending_rows = 0
        self._generation += 1

    def widen(self, index: int, column: ColumnSpec) -> None:
        self.load_pending()  # staging must hold every row before it is rewritten
        super().widen(index, _folded_column(column))

    # -- the final transaction ----------------------------------------------------------------
    def commit(
        self, rows_read: int, rows_rejected: int, rows_filtered: int, state: dict[str, Any] | None = None
    ) -> int:
        self.load_pending()
        if not self.target_exists:
            # The new table takes every staged row: check that before creating anything.
            expected = rows_read - rows_rejected - rows_filtered
            staged = int(self.execute(f"SELECT count(*) FROM {self.staging}").fetchone()[0])
            if staged != expected:
                raise ReconciliationFailed(
                    f"staging holds {staged} rows, expected {expected} "
                    f"(read {rows_read} - rejected {rows_rejected} - filtered {rows_filtered})"
                )
            # DDL would commit the final transaction: create the (empty) target before it.
            keys = self.load.upsert_keys if self.load.strategy == "UPSERT" else []
            self.execute(
                create_table_sql(self.load.schema, self.load.table, self._shape(), self.kind, keys).replace(
                    "CREATE TABLE", "CREATE TABLE IF NOT EXISTS", 1
                )
            )
            self._created_target = True
            self.target_exists = self._find_target()
        # DDL commits by itself here: columns an evolving load adds come before the transaction
        # (nullable, so readers meanwhile see NULLs in them, and a failed load leaves them empty).
        self.add_columns()
        loaded = super().commit(rows_read, rows_rejected, rows_filtered, state)
        self._created_target = False
        return loaded

    def abort(self) -> None:
        super().abort()
        if self._created_target:  # the final transaction failed: the table this run created goes
            try:
                if int(self.execute(f"SELECT count(*) FROM {self.target}").fetchone()[0]) == 0:
                    self.execute(f"DROP TABLE IF EXISTS {self.target}")
            except Exception:  # the connection may be gone: the retry loads into the empty table
                pass

    def upsert(self) -> int:
        if not self.merge:
            return super().upsert()
        merged = self.execute_count(self.merge_sql())
        if len(self.load.upsert_keys) == len(self.columns):  # keys only: matched rows stay as they are
            return self.rows_staged
        return merged

    def merge_sql(self) -> str:
        keys = self.load.upsert_keys
        match = " AND ".join(f"t.{quote_identifier(k)} = s.{quote_identifier(k)}" for k in keys)
        names = [quote_identifier(c.target) for c in self.columns]
        values = [quote_identifier(c.target) for c in self.columns if c.target not in keys]
        update = (
            "WHEN MATCHED THEN UPDATE SET " + ", ".join(f"{v} = s.{v}" for v in values) + " "
            if values
            else ""
        )
        return (
            f"MERGE INTO {self.target} AS t USING {self.staging} AS s ON {match} {update}"
            f"WHEN NOT MATCHED THEN INSERT ({', '.join(names)}) VALUES ({', '.join('s.' + n for n in names)})"
        )

    def _check_unique_keys(self) -> None:
        try:
            super()._check_unique_keys()
        except DuplicateKeys as error:  # name the keys as the job does
            message = str(error)
            for stored, named in self.key_names.items():
                message = message.replace(f"{stored}=", f"{named}=")
            raise DuplicateKeys(message) from None

    def execute_count(self, sql: str) -> int:
        cursor = self.execute(sql)
        return int(cursor.rowcount or 0)

    def rename_sql(self, old: str, new: str) -> str:
        # An unqualified new name would move the table to the session's current schema.
        return f"ALTER TABLE {old} RENAME TO {qualified_name(self.load.schema, new)}"

    def _begin(self) -> None:
        self.execute("BEGIN")
        self._in_transaction = True

    def _commit(self) -> None:
        if self._in_transaction:
            self._in_transaction = False
            self.execute("COMMIT")

    def _rollback(self) -> None:
        if self._connection is not None and self._in_transaction:
            self._in_transaction = False
            self.execute("ROLLBACK")
