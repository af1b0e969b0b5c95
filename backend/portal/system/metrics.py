"""Prometheus metrics at `/metrics`: HTTP metrics (prometheus-fastapi-instrumentator) and the
portal's own, read from the app database at scrape time because loads run in Airflow's processes.

Readable by an admin (session or API token) or, without signing in, from METRICS_ALLOWED_NETWORKS
(loopback by default, for a scraper next to the portal): run counts and volumes are nobody
else's business.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from prometheus_fastapi_instrumentator import Instrumentator
from sqlalchemy import ColumnElement, Float, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portal.auth.check import authenticate_request
from portal.auth.principal import Role
from portal.auth.route_roles import ROUTE_ROLES
from portal.core.config import Settings
from portal.core.errors import NotAuthenticatedError, PermissionDeniedError
from portal.core.metrics import AIRFLOW_TRIGGER_SECONDS
from portal.runs.lifecycle import ACTIVE, FINAL, SUCCEEDED
from portal.runs.models import JobRun, JobRunStatus

DURATION_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 300.0, 900.0, 1800.0, 3600.0, 4 * 3600.0)
# A scrape every few seconds from several scrapers reads the database at most this often.
CACHE_SECONDS = 5.0


@dataclass
class _Snapshot:
    by_status: dict[str, int] = field(default_factory=dict)
    rows_loaded: int = 0
    bytes_loaded: int = 0
    rows_rejected: int = 0
    duration_buckets: list[int] = field(default_factory=list)
    duration_count: int = 0
    duration_sum: float = 0.0


class RunsCollector(Collector):
    """The runs' figures from the app database, cached for CACHE_SECONDS."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.snapshot = _Snapshot()
        self.read_at = float("-inf")

    async def refresh(self) -> None:
        if time.monotonic() - self.read_at < CACHE_SECONDS:
            return
        async with self.sessions() as session:
            self.snapshot = await _read(session)
        self.read_at = time.monotonic()

    def collect(self) -> Iterable[GaugeMetricFamily | CounterMetricFamily | HistogramMetricFamily]:
        snap = self.snapshot
        runs = GaugeMetricFamily(
            "portal_job_runs", "Job runs in the app database by status", labels=["status"]
        )
        for status in JobRunStatus:
            runs.add_metric([status.value], snap.by_status.get(status.value, 0))
        yield runs
        yield GaugeMetricFamily(
            "portal_job_runs_active",
            "Runs pending or running",
            value=sum(snap.by_status.get(s.value, 0) for s in ACTIVE),
        )
        yield CounterMetricFamily(
            "portal_rows_loaded", "Rows loaded by completed runs", value=snap.rows_loaded
        )
        yield CounterMetricFamily(
            "portal_bytes_loaded", "Bytes of source files read by completed runs", value=snap.bytes_loaded
        )
        yield CounterMetricFamily(
            "portal_rows_rejected", "Rows rejected by finished runs", value=snap.rows_rejected
        )
        cumulative = [
            (str(bound), count) for bound, count in zip(DURATION_BUCKETS, snap.duration_buckets, strict=True)
        ]
        yield HistogramMetricFamily(
            "portal_job_run_duration_seconds",
            "Duration of finished runs (started to finished)",
            buckets=[*cumulative, ("+Inf", snap.duration_count)],
            sum_value=snap.duration_sum,
        )


def _seconds_between(session: AsyncSession) -> ColumnElement[float]:
    if session.get_bind().dialect.name == "sqlite":
        days = func.julianday(JobRun.finished_at) - func.julianday(JobRun.started_at)
        return cast(days * 86400.0, Float)
    return cast(func.extract("epoch", JobRun.finished_at - JobRun.started_at), Float)


async def _read(session: AsyncSession) -> _Snapshot:
    statuses = await session.execute(select(JobRun.status, func.count()).group_by(JobRun.status))
    by_status = {str(status): int(count) for status, count in statuses.all()}
    succeeded = JobRun.status.in_([s.value for s in SUCCEEDED])
    final = JobRun.status.in_([s.value for s in FINAL])
    totals = (
        await session.execute(
            select(
                func.coalesce(func.sum(case((succeeded, JobRun.rows_loaded), else_=0)), 0),
                func.coalesce(func.sum(case((succeeded, JobRun.bytes_read), else_=0)), 0),
                func.coalesce(func.sum(case((final, JobRun.rows_rejected), else_=0)), 0),
            )
        )
    ).one()
    seconds = _seconds_between(session)
    timed = final & JobRun.started_at.is_not(None) & JobRun.finished_at.is_not(None)
    durations = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(seconds), 0.0),
                *(
                    func.coalesce(func.sum(case((seconds <= bound, 1), else_=0)), 0)
                    for bound in DURATION_BUCKETS
                ),
            ).where(timed)
        )
    ).one()
    return _Snapshot(
        by_status=by_status,
        rows_loaded=int(totals[0]),
        bytes_loaded=int(totals[1]),
        rows_rejected=int(totals[2]),
        duration_count=int(durations[0]),
        duration_sum=float(durations[1]),
        duration_buckets=[int(count) for count in durations[2:]],
    )


def _allowed(request: Request, networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    if request.client is None:
        return False
    try:
        address = ipaddress.ip_address(request.client.host)
    except ValueError:
        return False
    return any(address in network for network in networks if network.version == address.version)


def install_metrics(app: FastAPI, settings: Settings) -> None:
    if not settings.metrics_enabled:
        return
    registry = CollectorRegistry()
    Instrumentator(registry=registry, excluded_handlers=["/metrics"]).instrument(app)
    registry.register(AIRFLOW_TRIGGER_SECONDS)
    collector = RunsCollector(app.state.session_factory)
    registry.register(collector)
    networks = list(settings.metrics_allowed_networks)

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        if not _allowed(request, networks):
            principal = await authenticate_request(request)
            if principal is None:
                raise NotAuthenticatedError(
                    "Metrics need an admin's session or API token (or a client in METRICS_ALLOWED_NETWORKS)",
                    error="NotAuthenticated",
                )
            needed = ROUTE_ROLES[("GET", "/metrics")] or Role.ADMIN
            if not principal.role.allows(needed):
                raise PermissionDeniedError(
                    f"Metrics are for the {needed.value} role (or clients in METRICS_ALLOWED_NETWORKS)",
                    error="PermissionDenied",
                    required_role=needed.value,
                    role=principal.role.value,
                )
        await collector.refresh()
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
