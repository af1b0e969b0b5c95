"""What a source database says about a job's tables and query, for the API's checks and proposals.

Opening an engine source describes it (columns as the engine carries them, typed) without reading a
row, so the API checks a mapping against the columns a run will get. Blocking driver calls run in
a worker thread, bounded by SOURCE_TIMEOUT_SECONDS; nothing here writes (a query passes the
engine's one-read-only-SELECT checks before it is described).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

from etl_engine import QuerySource, SourceColumn, SourceConfig, SourceFailed, SourceUnreachable, TableSource
from etl_engine.sources import catalog
from etl_engine.sources.database import open_query, open_table
from portal.core.errors import DestinationUnavailableError, ValidationFailedError

# The user waits for these answers (saving a job, proposing mappings).
SOURCE_TIMEOUT_SECONDS = 30.0
_DEFAULT_SCHEMA = {"postgres": "public"}
T = TypeVar("T")


def table_columns_now(config: SourceConfig, schema: str | None, table: str) -> list[SourceColumn]:
    with open_table(TableSource(connection=config, schema=schema, table=table), 1) as source:
        return list(source.columns)


def query_columns_now(config: SourceConfig, sql: str, params: dict[str, Any]) -> list[SourceColumn]:
    with open_query(QuerySource(connection=config, sql=sql, params=params), 1) as source:
        return list(source.columns)


def primary_key_now(config: SourceConfig, schema: str | None, table: str) -> list[str]:
    """The table's primary key columns (their names in the database); [] without one, or where the
    catalog cannot tell (SQL Server, Oracle)."""
    if config.kind not in catalog.BROWSABLE_KINDS:
        return []
    found = schema or _DEFAULT_SCHEMA.get(config.kind) or config.database or ""
    detail = catalog.describe_table(config, found, table)
    return list(detail.primary_key) if detail is not None else []


async def ask_source(call: Callable[[], T], field: str, what: str) -> T:
    """`call()` in a worker thread: an unreachable source is 502 `SourceUnreachable`, a refusal (no
    such table, a query that is not one SELECT, a column no destination holds) 422 on `field`."""
    try:
        return await asyncio.wait_for(run_in_threadpool(call), timeout=SOURCE_TIMEOUT_SECONDS)
    except SourceUnreachable as exc:
        raise DestinationUnavailableError(
            f"Cannot read {what} from the source: {exc}", error="SourceUnreachable"
        ) from exc
    except TimeoutError as exc:
        raise DestinationUnavailableError(
            f"The source did not describe {what} within {SOURCE_TIMEOUT_SECONDS:.0f} s",
            error="SourceUnreachable",
        ) from exc
    except SourceFailed as exc:
        raise ValidationFailedError(
            f"Cannot use {what}: {exc}", problems=[{"field": field, "message": str(exc)}]
        ) from exc
