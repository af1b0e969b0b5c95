"""The FastAPI application: `create_app()` (uvicorn: `portal.main:create_app --factory`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from pathlib import Path

import structlog
from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import SQLAlchemyError
from starlette.convertors import Convertor, register_url_convertor
from starlette.middleware.trustedhost import TrustedHostMiddleware

from portal.api.openapi import document_errors
from portal.audit.router import router as audit_router
from portal.auth.check import UNSAFE_METHODS, authorize
from portal.auth.oidc_router import router as oidc_router
from portal.auth.route_roles import ROUTE_ROLES, missing_rules
from portal.auth.router import router as auth_router
from portal.auth.router import tokens_router
from portal.clients.airflow import AirflowClient
from portal.connections.router import router as connections_router
from portal.connections.service import ensure_builtin_warehouse, reencrypt_with_current_key
from portal.core.config import Settings, get_settings
from portal.core.crypto import CredentialCipher
from portal.core.errors import EntityNotFoundError, install_error_handlers
from portal.core.logging import RequestIdMiddleware, configure_logging
from portal.core.paths import TrailingSlashMiddleware
from portal.core.security_headers import OriginCheckMiddleware, SecurityHeadersMiddleware
from portal.dashboard.router import router as dashboard_router
from portal.db.session import create_engine_from_settings, create_session_factory
from portal.jobs.router import router as jobs_router
from portal.notifications.delivery import start_delivery_loop, stop_delivery_loop
from portal.notifications.router import router as notifications_router
from portal.runs.backstop import start_backstop, stop_backstop
from portal.runs.router import router as runs_router
from portal.schedules.router import router as schedules_router
from portal.system.config import router as config_router
from portal.system.docs import install_api_docs
from portal.system.health import router as health_router
from portal.system.metrics import install_metrics
from portal.uploads.router import router as uploads_router
from portal.uploads.service import remove_orphans
from portal.users.router import router as users_router
from portal.users.service import ensure_first_admin
from portal.variables.router import router as variables_router

API_PREFIX = "/api/v1"
log = structlog.get_logger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_format, settings.log_level)
    engine = create_engine_from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.upload_dir.mkdir(parents=True, exist_ok=True)
        settings.drop_dir.mkdir(parents=True, exist_ok=True)
        await _prepare_credentials(app)
        await _ensure_first_admin(app)
        await _remove_upload_orphans(app)
        backstop = start_backstop(app) if settings.backstop_enabled else None
        notifier = start_delivery_loop(app) if settings.notifications_enabled else None
        log.info("portal_started", environment=settings.environment, database=engine.url.get_backend_name())
        yield
        if backstop is not None:
            await stop_backstop(backstop)
        if notifier is not None:
            await stop_delivery_loop(notifier)
        await app.state.airflow.aclose()
        await engine.dispose()

    app = FastAPI(
        title="ETL Portal",
        version=version("etl-portal"),
        lifespan=lifespan,
        docs_url=None,  # system/docs.py serves both from local assets
        redoc_url=None,
        openapi_url=f"{API_PREFIX}/openapi.json",
        # Every route: who is asking, and may they (portal/auth/route_roles.py has the rules).
        dependencies=[Depends(authorize)],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = create_session_factory(engine)
    app.state.airflow = AirflowClient.from_settings(settings)
    app.state.cipher = CredentialCipher.from_settings(settings)

    # Added innermost first: headers go on every answer, the Host is checked before CORS answers a
    # preflight, and preflights (OPTIONS) never reach the origin check.
    app.add_middleware(OriginCheckMiddleware, allowed_origins=settings.cors_origins)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=["x-request-id"],
    )
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts, www_redirect=False)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestIdMiddleware)
    # Scripts written against the original API documentation use `/api/v1/job-runs/?job_id=...`.
    app.add_middleware(TrailingSlashMiddleware, prefix="/api/")
    install_error_handlers(app)

    app.include_router(health_router)
    for router in (
        auth_router,
        tokens_router,
        oidc_router,
        uploads_router,
        connections_router,
        jobs_router,
        runs_router,
        schedules_router,
        dashboard_router,
        config_router,
        users_router,
        audit_router,
        notifications_router,
        variables_router,
    ):
        app.include_router(router, prefix=API_PREFIX)

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi_document() -> JSONResponse:
        """The spec where tools look first; `/api/v1/openapi.json` (behind the proxy's /api) is the same."""
        return JSONResponse(app.openapi())

    install_api_docs(app, f"{API_PREFIX}/openapi.json")
    install_metrics(app, settings)
    if settings.frontend_dist.is_dir():
        _serve_spa(app, settings.frontend_dist)
    _check_route_rules(app)
    document_errors(app)
    return app


def _check_route_rules(app: FastAPI) -> None:
    """Refuse to start with a route that has no role rule; document 401 / 403 on the others."""
    missing = missing_rules(app.routes)
    if missing:
        raise RuntimeError(f"routes without a rule in portal/auth/route_roles.py: {', '.join(missing)}")
    for route in app.routes:
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        needed = {ROUTE_ROLES[(method, route.path)] for method in route.methods}
        if needed == {None}:
            continue
        role = " / ".join(sorted(r.value for r in needed if r is not None))
        denied = f"`PermissionDenied`: needs the {role} role"
        if route.methods & UNSAFE_METHODS:
            denied += (
                "; `CsrfTokenMissing` / `CsrfTokenInvalid`: a cookie session's write without X-CSRF-Token"
            )
        route.responses.setdefault(401, {"description": "`NotAuthenticated`: no valid session or API token"})
        route.responses.setdefault(403, {"description": denied})


async def _ensure_first_admin(app: FastAPI) -> None:
    """With no user at all, create the first admin from ADMIN_EMAIL / ADMIN_PASSWORD."""
    try:
        async with app.state.session_factory() as session:
            await ensure_first_admin(session, app.state.settings)
    except (OSError, SQLAlchemyError) as exc:
        log.error("first_admin_failed", error=str(exc))


async def _prepare_credentials(app: FastAPI) -> None:
    """Seed the built-in warehouse and finish any key rotation."""
    try:
        async with app.state.session_factory() as session:
            await ensure_builtin_warehouse(session, app.state.settings)
            await reencrypt_with_current_key(session, app.state.cipher)
    except (OSError, SQLAlchemyError) as exc:
        # Start anyway: /health reports the database, and the next start does this again.
        log.error("credentials_startup_failed", error=str(exc))


async def _remove_upload_orphans(app: FastAPI) -> None:
    try:
        async with app.state.session_factory() as session:
            await remove_orphans(session, app.state.settings.upload_dir)
    except (OSError, SQLAlchemyError) as exc:
        log.error("upload_orphans_check_failed", error=str(exc))


class _PagePath(Convertor[str]):
    """Any path outside the API: unknown `/api/...` paths never reach the SPA (they stay JSON 404s,
    and a POST there is not a 405 of the SPA's GET route)."""

    regex = r"(?!api(?:/|$)).*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("page", _PagePath())


def _serve_spa(app: FastAPI, dist: Path) -> None:
    """Serve the built SPA: real files as they are, any other page path as index.html so the
    client-side router can handle deep links."""
    root = dist.resolve()
    index = root / "index.html"

    @app.get("/{path:page}", include_in_schema=False)
    async def spa(path: str) -> FileResponse:
        candidate = (root / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(root):
            return FileResponse(candidate)
        if not index.is_file():
            raise EntityNotFoundError("Page", f"/{path}")
        return FileResponse(index)
