"""The Redshift writer's statements, asserted as generated.

Mocked at the connection because no Redshift cluster runs here (and redshift-connector cannot log
in to PostgreSQL: the server refuses its `client_protocol_version` startup parameter). The same
statements also run for real on PostgreSQL in test_writer_contract.py.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

import etl_engine as e
from etl_engine import ColumnSpec
from etl_engine import ColumnType as T
from etl_engine.writers.redshift import RedshiftDestination, RedshiftWriter


class RecordingCursor:
    def __init__(self, connection: RecordingConnection) -> None:
        self.connection = connection
        self.rowcount = 0
        self._result: list[tuple[Any, ...]] = []

    def execute(self, sql: str, params: Any = None) -> None:
        self.connection.log.append((" ".join(sql.split()), list(params) if params else None))
        self._result = self.connection.answer(sql)
        self.rowcount = self.connection.rowcount

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._result[0] if self._result else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._result

    def close(self) -> None:
        pass


class RecordingConnection:
    """Answers the catalogue query with `existing` columns and counts with `rowcount`."""

    def __init__(self, existing: list[tuple[str, str, str, None]], rowcount: int) -> None:
        self.existing = existing
        self.rowcount = rowcount
        self.log: list[tuple[str, list[Any] | None]] = []
        self.autocommit = True

    def cursor(self) -> RecordingCursor:
        return RecordingCursor(self)

    def answer(self, sql: str) -> list[tuple[Any, ...]]:
        if "information_schema.columns" in sql:
            return list(self.existing)
        if sql.startswith("SELECT count(*)"):
            return [(self.rowcount,)]
        return []

    def commit(self) -> None:
        self.log.append(("COMMIT", None))

    def rollback(self) -> None:
        self.log.append(("ROLLBACK", None))

    def close(self) -> None:
        pass


STAGE = '"sales"."_etl_stage_run_7"'
COLUMNS = [
    ColumnSpec("id", "id", T.BIGINT),
    ColumnSpec("name", "name", T.TEXT),
    ColumnSpec("n", "n", T.NUMERIC),
]
EXISTING = [
    ("id", "bigint", "YES", None),
    ("name", "character varying", "YES", None),
    ("n", "numeric", "YES", None),
]


def writer(monkeypatch: pytest.MonkeyPatch, connection: RecordingConnection, **load: Any) -> RedshiftWriter:
    monkeypatch.setattr(RedshiftDestination, "connect", lambda self: connection)
    destination = e.open_destination(e.DestinationConfig(kind="redshift", host="cluster.example", port=5439))
    result = destination.writer(e.LoadSpec(schema="sales", table="orders", **load), COLUMNS, "run-7")
    assert isinstance(result, RedshiftWriter)
    return result


def statements(connection: RecordingConnection) -> list[str]:
    return [sql for sql, _ in connection.log]


def test_staging_uses_redshift_types_and_no_unlogged_table(monkeypatch: pytest.MonkeyPatch) -> None:
    connection = RecordingConnection(existing=[], rowcount=0)
    with writer(monkeypatch, connection) as w:
        w.prepare()
    assert statements(connection)[-1] == (
        'CREATE TABLE "sales"."_etl_stage_run_7" ( "id" bigint, "name" varchar(65535), "n" numeric(38,10) )'
    )
    assert (w.numeric_limit.precision, w.numeric_limit.scale) == (38, 10)  # type: ignore[union-attr]
    assert w.text_max_bytes == 65535


def test_batches_are_staged_with_parameterised_multi_row_inserts(monkeypatch: pytest.MonkeyPatch) -> None:
    connection = RecordingConnection(existing=EXISTING, rowcount=0)
    batch = pa.RecordBatch.from_pydict(
        {"id": pa.array(range(2500), pa.int64()), "name": ["x'; DROP TABLE y; --"] * 2500, "n": [None] * 2500}
    )
    with writer(monkeypatch, connection) as w:
        w.write(batch)
    inserts = [(sql, params) for sql, params in connection.log if sql.startswith("INSERT")]
    assert [len(params or []) for _, params in inserts] == [3000, 3000, 1500]
    sql, params = inserts[2]
    assert sql == 'INSERT INTO "sales"."_etl_stage_run_7" ("id", "name", "n") VALUES ' + ", ".join(
        ["(%s, %s, %s)"] * 500
    )
    assert params is not None and params[:3] == [2000, "x'; DROP TABLE y; --", None]
    assert w.rows_staged == 2500


def test_replacing_deletes_inside_the_transaction_instead_of_truncating(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connection = RecordingConnection(existing=EXISTING, rowcount=5)
    with writer(monkeypatch, connection, strategy="TRUNCATE_INSERT") as w:
        w.prepare()
        w.commit(rows_read=5, rows_rejected=0, rows_filtered=0)
    log = statements(connection)
    final = log[log.index('DELETE FROM "sales"."orders"') :]
    assert final[:2] == [
        'DELETE FROM "sales"."orders"',
        f'INSERT INTO "sales"."orders" ("id", "name", "n") SELECT "id", "name", "n" FROM {STAGE}',
    ]
    assert final[2].startswith('INSERT INTO "sales"."_etl_loads"')
    assert final[3] == "COMMIT"
    assert not any("TRUNCATE" in sql for sql in log)


def test_upsert_is_delete_then_insert_after_a_uniqueness_check(monkeypatch: pytest.MonkeyPatch) -> None:
    connection = RecordingConnection(existing=EXISTING, rowcount=4)
    with writer(monkeypatch, connection, strategy="UPSERT", upsert_keys=["id"]) as w:
        w.prepare()
        w.commit(rows_read=4, rows_rejected=0, rows_filtered=0)
    log = statements(connection)
    check = next(sql for sql in log if "HAVING" in sql)
    assert (
        check
        == 'SELECT "id", count(*) FROM "sales"."_etl_stage_run_7" GROUP BY "id" HAVING count(*) > 1 LIMIT 5'
    )
    delete = log.index(
        f'DELETE FROM "sales"."orders" USING {STAGE} AS s WHERE "sales"."orders"."id" = s."id"'
    )
    assert log[delete + 1].startswith('INSERT INTO "sales"."orders" ("id", "name", "n") SELECT')
    assert log.index(check) < delete


def test_a_failed_final_statement_rolls_back_and_drops_staging(monkeypatch: pytest.MonkeyPatch) -> None:
    connection = RecordingConnection(existing=EXISTING, rowcount=1)
    with pytest.raises(e.ReconciliationFailed), writer(monkeypatch, connection) as w:
        w.prepare()
        w.commit(rows_read=3, rows_rejected=0, rows_filtered=0)
    log = statements(connection)
    assert log[-2:] == ['DROP TABLE IF EXISTS "sales"."_etl_stage_run_7"', "COMMIT"] or log[-1].startswith(
        "DROP"
    )
    assert "ROLLBACK" in log
    assert not any(sql.startswith('INSERT INTO "sales"."_etl_loads"') for sql in log)
