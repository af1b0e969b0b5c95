"""Amazon Redshift: the PostgreSQL writer with what differs overridden.

No binary COPY (Redshift's COPY reads only from S3 and friends), so staging is filled with
parameterised multi-row INSERTs; TRUNCATE would commit by itself, so replacing uses DELETE; upsert
is Redshift's recommended delete-then-insert; text and numerics have Redshift's limits.

With an S3 stage (`options["s3_stage"]`, an `S3Stage`), batches go up instead as Parquet files
under `<prefix><run>/g<n>/` and `COPY <staging> FROM 's3://...' FORMAT AS PARQUET` loads them
before the data is needed (a widening, the final transaction); the final transaction is the
usual one, and the run's stage objects are deleted once it commits (or the run is abandoned).
Parquet COPY matches columns by position and takes no REGION: the stage bucket must be in the
cluster's region.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import botocore.exceptions
import pyarrow as pa
import pyarrow.parquet as pq
import redshift_connector
from redshift_connector.error import InterfaceError, OperationalError

from ..ddl import REDSHIFT_NUMERIC
from ..errors import DestinationUnreachable, LoadFailed
from ..identifiers import quote_identifier
from ..spec import ColumnSpec, DestinationConfig, DestinationKind, LoadSpec
from .base import Writer
from .postgres import CONNECT_TIMEOUT_SECONDS, PostgresDestination, PostgresWriter
from .s3 import arrow_type, client_for, root_prefix, run_key
from .sql import SqlWriter

INSERT_ROWS_PER_STATEMENT = 1000
TEXT_MAX_BYTES = 65535


@dataclass
class S3Stage:
    """An S3 location a Redshift load stages its rows in. The upload signs with the access key
    (none: boto3's own chain, e.g. the worker's instance role); Redshift reads the files with
    `iam_role` when set, else with the same keys. `endpoint_url`/`path_style`: tests only (Redshift
    itself reads AWS S3)."""

    bucket: str
    prefix: str = ""
    region: str | None = None
    iam_role: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    endpoint_url: str | None = None
    path_style: bool = False

    def client(self) -> Any:
        return client_for(
            DestinationConfig(
                kind="s3",
                user=self.access_key_id,
                password=self.secret_access_key,
                session_token=self.session_token,
                region=self.region,
                endpoint_url=self.endpoint_url,
                path_style=self.path_style,
            )
        )

    def authorization_sql(self) -> str:
        """COPY's authorization clause (secrets inside: the statement is never logged)."""
        if self.iam_role:
            return f"IAM_ROLE {_literal(self.iam_role)}"
        clause = (
            f"ACCESS_KEY_ID {_literal(self.access_key_id or '')} "
            f"SECRET_ACCESS_KEY {_literal(self.secret_access_key or '')}"
        )
        return clause + (f" SESSION_TOKEN {_literal(self.session_token)}" if self.session_token else "")


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class RedshiftDestination(PostgresDestination):
    kind: ClassVar[DestinationKind] = "redshift"
    transient_errors: ClassVar[tuple[type[BaseException], ...]] = (InterfaceError, OperationalError)

    def connect(self) -> Any:
        c = self.config
        try:
            connection = redshift_connector.connect(
                host=c.host or "localhost",
                port=c.port or 5439,
                database=c.database or "dev",
                user=c.user or "",
                password=c.password or "",
                timeout=CONNECT_TIMEOUT_SECONDS,
                ssl=c.options.get("sslmode", "require") != "disable",
            )
        except (InterfaceError, OperationalError, OSError) as error:
            raise DestinationUnreachable(
                f"cannot connect to Redshift at {c.host}:{c.port or 5439}/{c.database}: {error}"
            ) from error
        connection.autocommit = True
        return connection

    def writer(self, load: LoadSpec, columns: list[ColumnSpec], run_id: str) -> Writer:
        stage = self.config.options.get("s3_stage")
        if isinstance(stage, S3Stage):
            return RedshiftStageWriter(self, load, columns, run_id, stage)
        return RedshiftWriter(self, load, columns, run_id)


class RedshiftWriter(PostgresWriter):
    numeric_limit = REDSHIFT_NUMERIC
    text_max_bytes = TEXT_MAX_BYTES
    unlogged_staging = False
    parallel_writes = 1  # INSERTs go through the one statement connection

    def write(self, batch: pa.RecordBatch) -> None:
        for sql, params in self.insert_statements(batch):
            self.execute(sql, params)
        self.rows_staged += batch.num_rows

    def insert_statements(self, batch: pa.RecordBatch) -> Iterator[tuple[str, list[Any]]]:
        columns = ", ".join(quote_identifier(c.target) for c in self.columns)
        row_marks = "(" + ", ".join(["%s"] * batch.num_columns) + ")"
        for start in range(0, batch.num_rows, INSERT_ROWS_PER_STATEMENT):
            chunk = batch.slice(start, INSERT_ROWS_PER_STATEMENT)
            params = [value for row in zip(*chunk.to_pydict().values(), strict=True) for value in row]
            values = ", ".join([row_marks] * chunk.num_rows)
            yield f"INSERT INTO {self.staging} ({columns}) VALUES {values}", params

    def truncate_sql(self) -> str:
        return f"DELETE FROM {self.target}"

    def _unique_index_on_keys(self) -> bool:
        return False  # Redshift neither enforces unique keys nor has ON CONFLICT

    def upsert(self) -> int:
        keys = self.load.upsert_keys
        match = " AND ".join(f"{self.target}.{quote_identifier(k)} = s.{quote_identifier(k)}" for k in keys)
        columns = ", ".join(quote_identifier(c.target) for c in self.columns)
        self.execute(f"DELETE FROM {self.target} USING {self.staging} AS s WHERE {match}")
        return self.execute_count(
            f"INSERT INTO {self.target} ({columns}) SELECT {columns} FROM {self.staging}"
        )

    def create_ledger(self) -> None:
        SqlWriter.create_ledger(self)  # Redshift has no advisory locks

    def lock_new_target(self) -> None:
        # No advisory locks: LOCK on the schema's ledger (which exists by now) makes loads that
        # create tables in this schema take turns until the transaction ends.
        self.execute(f"LOCK {self.ledger}")

    def close(self) -> None:
        SqlWriter.close(self)

    def _begin(self) -> None:
        self._connection.autocommit = False

    def _commit(self) -> None:
        if not self._connection.autocommit:
            self._connection.commit()
            self._connection.autocommit = True

    def _rollback(self) -> None:
        if self._connection is not None and not self._connection.autocommit:
            self._connection.rollback()
            self._connection.autocommit = True


class RedshiftStageWriter(RedshiftWriter):
    """Staging filled by COPY from Parquet files in an S3 stage instead of INSERT batches."""

    def __init__(
        self,
        destination: RedshiftDestination,
        load: LoadSpec,
        columns: list[ColumnSpec],
        run_id: str,
        stage: S3Stage,
    ):
        super().__init__(destination, load, columns, run_id)
        self.s3_stage = stage
        # Deterministic per run: a retry overwrites its first attempt's files (and clears them first).
        self.stage_prefix = f"{root_prefix(stage.prefix)}{run_key(run_id)}/"
        self._client: Any = None
        self._files = 0
        self._pending_rows = 0
        self._generation = 0

    def open(self) -> None:
        super().open()
        self._client = self.s3_stage.client()

    def close(self) -> None:
        self._clear_stage_quietly()  # an abandoned run's files too
        super().close()

    def prepare(self) -> None:
        super().prepare()
        self._delete_stage_objects()  # an earlier attempt's files would be loaded twice

    def write(self, batch: pa.RecordBatch) -> None:
        self._files += 1
        schema = pa.schema(
            [
                (c.target, arrow_type(c, limit))
                for c, limit in zip(self.columns, self.column_limits(), strict=True)
            ]
        )
        table = pa.Table.from_batches([batch]).rename_columns(schema.names).cast(schema)
        body = io.BytesIO()
        pq.write_table(table, body, compression="snappy")
        key = f"{self._pending_folder()}part-{self._files:05d}.parquet"
        try:
            self._client.put_object(Bucket=self.s3_stage.bucket, Key=key, Body=body.getvalue())
        except botocore.exceptions.EndpointConnectionError as error:
            raise DestinationUnreachable(f"cannot reach the S3 stage: {error}") from error
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
            raise LoadFailed(
                f"cannot upload to the S3 stage s3://{self.s3_stage.bucket}/{key}: {error}"
            ) from error
        self._pending_rows += batch.num_rows
        self.rows_staged += batch.num_rows

    def _pending_folder(self) -> str:
        return f"{self.stage_prefix}g{self._generation:05d}/"

    def copy_sql(self) -> str:
        location = _literal(f"s3://{self.s3_stage.bucket}/{self._pending_folder()}")
        return f"COPY {self.staging} FROM {location} {self.s3_stage.authorization_sql()} FORMAT AS PARQUET"

    def load_pending(self) -> None:
        """COPY the files uploaded since the last load into staging (committed: staging is the
        run's own table; the final transaction reconciles the rows it moves)."""
        if not self._pending_rows:
            return
        self.execute(self.copy_sql())
        self._commit()
        self._pending_rows = 0
        self._generation += 1

    def widen(self, index: int, column: ColumnSpec) -> None:
        self.load_pending()  # staging must hold every row before it is rewritten
        super().widen(index, column)

    def commit(self, *args: Any, **kwargs: Any) -> int:
        self.load_pending()
        loaded = super().commit(*args, **kwargs)
        self._clear_stage_quietly()  # the rows are committed: a failed clean-up must not fail the run
        return loaded

    def _clear_stage_quietly(self) -> None:
        with contextlib.suppress(botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
            self._delete_stage_objects()  # left over: the run's next attempt clears its prefix first

    def _delete_stage_objects(self) -> None:
        if self._client is None:
            return
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.s3_stage.bucket, Prefix=self.stage_prefix):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                self._client.delete_objects(
                    Bucket=self.s3_stage.bucket, Delete={"Objects": keys, "Quiet": True}
                )
