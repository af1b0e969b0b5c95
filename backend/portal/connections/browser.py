"""The database browser: a connection's schemas, tables, columns and keys, a table's rows a page at
a time, and read-only queries (etl_engine.sources.catalog), for every browsable kind (PostgreSQL,
MySQL/MariaDB, DuckDB — the built-in warehouse included).

The host passes the network policy again before each connection (it may resolve elsewhere since
the connection was saved). Secrets never leave: the engine gets the decrypted password, responses
and audit events never do. Engine calls block (drivers), so they run in a worker thread.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

import structlog
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from etl_engine import SourceFailed, SourceUnreachable
from etl_engine.sources import QueryRefused, UncarriedColumns, catalog
from portal.audit.context import AuditContext
from portal.audit.models import AuditAction
from portal.connections.engine_inputs import catalog_config
from portal.connections.guard import check_destination
from portal.connections.kinds import CAPABILITIES, capabilities
from portal.connections.models import Credential
from portal.connections.schemas import (
    CatalogColumnRead,
    CatalogTableDetail,
    CatalogTableRead,
    QueryRequest,
    QueryResult,
    ResultColumnRead,
)
from portal.connections.service import get_credential
from portal.core.config import Settings
from portal.core.crypto import CredentialCipher
from portal.core.errors import DestinationUnavailableError, EntityNotFoundError, ValidationFailedError

T = TypeVar("T")
AUDIT_RESOURCE = "connection_query"
# Beyond the statement timeout: connecting, describing, a DuckDB file held by a running load.
GRACE_SECONDS = 20.0
log = structlog.get_logger(__name__)

Config = catalog.Config


async def open_config(
    session: AsyncSession, cipher: CredentialCipher, settings: Settings, credential_id: int
) -> tuple[Credential, Config]:
    """The connection to browse: 404 unknown, 422 `BrowseNotSupported` for a kind the browser
    cannot read, 422 `DestinationRefused` for a host in a refused network."""
    credential = await get_credential(session, credential_id)
    if not capabilities(credential.kind).browsable:
        kinds = ", ".join(k.value for k, c in CAPABILITIES.items() if c.browsable)
        raise ValidationFailedError(
            f"A {credential.kind} connection cannot be browsed (the browser reads {kinds})",
            error="BrowseNotSupported",
            kind=credential.kind,
        )
    await run_in_threadpool(check_destination, credential.kind, credential.host, settings)
    return credential, catalog_config(credential, cipher)


async def list_schemas(config: Config, settings: Settings) -> list[str]:
    return await _call(lambda: catalog.list_schemas(config), settings)


async def list_tables(config: Config, schema: str, settings: Settings) -> list[CatalogTableRead]:
    tables = await _call(lambda: catalog.list_tables(config, schema), settings)
    return [
        CatalogTableRead(
            schema=t.schema, name=t.name, kind=t.kind, row_estimate=t.row_estimate, size_bytes=t.size_bytes
        )
        for t in tables
    ]


async def describe_table(config: Config, schema: str, table: str, settings: Settings) -> CatalogTableDetail:
    detail = await _call(lambda: catalog.describe_table(config, schema, table), settings)
    if detail is None:
        raise EntityNotFoundError("Table", f"{schema}.{table}")
    return CatalogTableDetail(
        schema=detail.schema,
        name=detail.name,
        kind=detail.kind,
        row_estimate=detail.row_estimate,
        size_bytes=detail.size_bytes,
        columns=[
            CatalogColumnRead(name=c.name, type=c.type, nullable=c.nullable, default=c.default)
            for c in detail.columns
        ],
        primary_key=detail.primary_key,
        unique_keys=detail.unique_keys,
    )


async def preview_table(
    config: Config, schema: str, table: str, offset: int, limit: int, settings: Settings
) -> QueryResult:
    """A page of the table in primary key order; 404 for an unknown table."""
    if await _call(lambda: catalog.describe_table(config, schema, table), settings) is None:
        raise EntityNotFoundError("Table", f"{schema}.{table}")
    return await _page(
        lambda first, count: catalog.preview_table(
            config, schema, table, first, count, settings.query_timeout_seconds
        ),
        offset,
        limit,
        settings,
    )


async def run_query(
    session: AsyncSession,
    credential: Credential,
    config: Config,
    body: QueryRequest,
    settings: Settings,
    audit: AuditContext,
) -> QueryResult:
    """One read-only SELECT, a page of its rows. The run is audited (its SQL, never a secret)
    before it is sent, so a query that fails or is refused is on record too."""
    audit.record(
        session,
        AuditAction.EXECUTE,
        AUDIT_RESOURCE,
        credential.id,
        after={"connection": credential.name, "sql": body.sql, "offset": body.offset, "limit": body.limit},
    )
    await session.commit()
    log.info("connection_query", credential_id=credential.id, offset=body.offset, limit=body.limit)
    return await _page(
        lambda first, count: catalog.run_query(
            config, body.sql, first, count, settings.query_timeout_seconds
        ),
        body.offset,
        body.limit,
        settings,
    )


async def _page(
    read: Callable[[int, int], catalog.ResultPage], offset: int, limit: int, settings: Settings
) -> QueryResult:
    """The page `offset`..`offset + limit`, cut at QUERY_MAX_ROWS (422 `QueryRowCap` past it)."""
    cap = settings.query_max_rows
    if offset >= cap:
        raise ValidationFailedError(
            f"Rows past the first {cap:,} are not served (QUERY_MAX_ROWS); narrow the query instead",
            error="QueryRowCap",
            query_max_rows=cap,
        )
    count = min(limit, cap - offset)
    started = time.perf_counter()
    page = await _call(lambda: read(offset, count), settings, query=True)
    capped = page.has_more and offset + count >= cap
    return QueryResult(
        columns=[ResultColumnRead(name=c.name, type=c.type, value_type=c.value_type) for c in page.columns],
        rows=page.rows,
        offset=offset,
        limit=count,
        has_more=page.has_more and not capped,
        capped=capped,
        elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
    )


async def _call(action: Callable[[], T], settings: Settings, *, query: bool = False) -> T:
    """Run `action` in a worker thread; the engine's errors as the API's: unreachable or lost 502
    (`ConnectionUnreachable`), a refused query 422 (`QueryRefused`), a query the database rejects
    422 (`QueryFailed`), a catalog read the database rejects 502 (`ConnectionError`)."""
    timeout = settings.query_timeout_seconds + GRACE_SECONDS
    try:
        return await asyncio.wait_for(run_in_threadpool(action), timeout=timeout)
    except QueryRefused as exc:
        raise ValidationFailedError(f"Query refused: {exc}", error="QueryRefused") from exc
    except SourceUnreachable as exc:
        raise DestinationUnavailableError(str(exc), error="ConnectionUnreachable") from exc
    except TimeoutError as exc:
        raise DestinationUnavailableError(
            f"No answer within {timeout:.0f} s", error="ConnectionUnreachable"
        ) from exc
    except SourceFailed as exc:
        if query or isinstance(exc, UncarriedColumns):
            raise ValidationFailedError(str(exc), error="QueryFailed") from exc
        raise DestinationUnavailableError(str(exc), error="ConnectionError") from exc
