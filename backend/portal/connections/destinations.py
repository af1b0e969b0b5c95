"""Destinations through the engine: connection tests and browsing schemas, tables and columns.

Engine calls are blocking (database drivers), so they run in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

import structlog
from starlette.concurrency import run_in_threadpool

from etl_engine import (
    ConnectionCheck,
    Destination,
    DestinationConfig,
    DestinationUnreachable,
    EngineError,
    TableSample,
    open_destination,
)
from portal.connections.schemas import ConnectionTestResult, TableColumn, TableRef, TableSchema
from portal.core.errors import DestinationUnavailableError, EntityNotFoundError

T = TypeVar("T")
log = structlog.get_logger(__name__)

# A browse or test must answer while the user waits; drivers get their own connect timeouts too.
CALL_TIMEOUT_SECONDS = 30.0


async def test_connection(config: DestinationConfig) -> ConnectionTestResult:
    """Never raises for a destination's answer: a failed test is a result the user reads."""
    try:
        check = await _call(config, lambda d: d.test_connection())
    except (EngineError, TimeoutError) as exc:
        check = ConnectionCheck(ok=False, message=_reason(exc), server_version=None, latency_ms=None)
    if not check.ok:
        log.info("destination_test_failed", kind=config.kind)
    return ConnectionTestResult(
        ok=check.ok, message=check.message, server_version=check.server_version, latency_ms=check.latency_ms
    )


async def list_schemas(config: DestinationConfig) -> list[str]:
    return await _browse(config, lambda d: d.list_schemas())


async def list_tables(config: DestinationConfig, schema: str) -> list[TableRef]:
    tables = await _browse(config, lambda d: d.list_tables(schema))
    return [TableRef(schema=t.schema, name=t.name) for t in tables]


async def table_schema(config: DestinationConfig, schema: str, table: str) -> TableSchema:
    columns = await _browse(config, lambda d: d.table_columns(schema, table))
    if not columns:
        raise EntityNotFoundError("Table", f"{schema}.{table}")
    return TableSchema(
        schema=schema,
        table=table,
        columns=[
            TableColumn(name=c.name, type=c.type, nullable=c.nullable, has_default=c.has_default)
            for c in columns
        ],
    )


async def sample_rows(
    config: DestinationConfig, schema: str, table: str, limit: int, offset: int
) -> TableSample:
    return await _browse(config, lambda d: d.sample_rows(schema, table, limit, offset))


async def _browse(config: DestinationConfig, action: Callable[[Destination], T]) -> T:
    try:
        return await _call(config, action)
    except (EngineError, TimeoutError) as exc:
        raise DestinationUnavailableError(
            _reason(exc),
            error="DestinationUnreachable" if isinstance(exc, DestinationUnreachable) else "DestinationError",
            kind=config.kind,
        ) from exc


async def _call(config: DestinationConfig, action: Callable[[Destination], T]) -> T:
    def run() -> T:
        return action(open_destination(config))  # each call opens and closes its own connection

    return await asyncio.wait_for(run_in_threadpool(run), timeout=CALL_TIMEOUT_SECONDS)


def _reason(exc: Exception) -> str:
    if isinstance(exc, TimeoutError):
        return f"No answer within {CALL_TIMEOUT_SECONDS:.0f} s"
    return str(exc) or type(exc).__name__
