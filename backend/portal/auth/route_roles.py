"""THE table: which role each route needs. (method, path template as FastAPI has it) -> Role;
None = public. A route missing here stops the app at start (`missing_rules`), so a new route
without a rule fails every test; tests/auth/test_route_roles.py checks each one's 401 / 403.

viewer: reads everything but secrets, own profile, password and API tokens, the SSE stream.
operator: + uploads, jobs (create, edit, delete, execute), cancels, schedules, destination
browsing, DDL previews and expression samples: everything a job needs.
admin: + connections (credentials), users, the audit log, /metrics.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.routing import BaseRoute, Mount, Route

from portal.auth.principal import Role

PUBLIC = None
VIEWER, OPERATOR, ADMIN = Role.VIEWER, Role.OPERATOR, Role.ADMIN
API = "/api/v1"

ROUTE_ROLES: dict[tuple[str, str], Role | None] = {
    # Public: health, sign-in, what the login page and SPA need before a session exists.
    ("GET", "/health"): PUBLIC,
    ("GET", f"{API}/config"): PUBLIC,
    ("POST", f"{API}/auth/login"): PUBLIC,
    ("POST", f"{API}/auth/refresh"): PUBLIC,
    ("GET", f"{API}/auth/providers"): PUBLIC,
    ("GET", f"{API}/auth/oidc/login"): PUBLIC,
    ("GET", f"{API}/auth/oidc/callback"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", f"{API}/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("GET", "/{path:page}"): PUBLIC,  # the SPA's files and pages (the API is not under it)
    # Own account.
    ("POST", f"{API}/auth/logout"): VIEWER,
    ("GET", f"{API}/auth/me"): VIEWER,
    ("POST", f"{API}/auth/password"): VIEWER,
    ("GET", f"{API}/tokens"): VIEWER,
    ("POST", f"{API}/tokens"): VIEWER,
    ("DELETE", f"{API}/tokens/{{token_id}}"): VIEWER,
    # Uploads.
    ("GET", f"{API}/sources/csv"): VIEWER,
    ("GET", f"{API}/sources/csv/{{file_id}}/metadata"): VIEWER,
    ("GET", f"{API}/sources/csv/{{file_id}}/preview"): VIEWER,
    ("POST", f"{API}/sources/csv/upload"): OPERATOR,
    ("PUT", f"{API}/sources/csv/{{file_id}}/options"): OPERATOR,
    ("DELETE", f"{API}/sources/csv/{{file_id}}"): OPERATOR,
    # Connections: reads carry no password; everything else is the admin's.
    ("GET", f"{API}/credentials"): VIEWER,
    ("GET", f"{API}/credentials/{{credential_id}}"): VIEWER,
    ("POST", f"{API}/credentials"): ADMIN,
    ("PUT", f"{API}/credentials/{{credential_id}}"): ADMIN,
    ("DELETE", f"{API}/credentials/{{credential_id}}"): ADMIN,
    ("POST", f"{API}/credentials/test"): ADMIN,  # a new config: any host and port
    ("POST", f"{API}/credentials/{{credential_id}}/test"): OPERATOR,  # a saved one, as a job would use it
    ("GET", f"{API}/credentials/kinds"): VIEWER,
    # The database browser reads for everyone signed in; a custom query is an operator's.
    ("GET", f"{API}/credentials/{{credential_id}}/browse/schemas"): VIEWER,
    ("GET", f"{API}/credentials/{{credential_id}}/browse/tables"): VIEWER,
    ("GET", f"{API}/credentials/{{credential_id}}/browse/table"): VIEWER,
    ("GET", f"{API}/credentials/{{credential_id}}/browse/rows"): VIEWER,
    ("POST", f"{API}/credentials/{{credential_id}}/query"): OPERATOR,
    ("GET", f"{API}/destinations/{{credential_id}}/schemas"): OPERATOR,
    ("GET", f"{API}/destinations/{{credential_id}}/tables"): OPERATOR,
    ("GET", f"{API}/destinations/{{credential_id}}/schema"): OPERATOR,
    # Jobs.
    ("GET", f"{API}/jobs"): VIEWER,
    ("GET", f"{API}/jobs/{{job_id}}"): VIEWER,
    ("POST", f"{API}/jobs"): OPERATOR,
    ("PUT", f"{API}/jobs/{{job_id}}"): OPERATOR,
    ("DELETE", f"{API}/jobs/{{job_id}}"): OPERATOR,
    ("POST", f"{API}/jobs/preview-ddl"): OPERATOR,
    ("POST", f"{API}/jobs/validate-expression"): OPERATOR,
    ("POST", f"{API}/jobs/propose-tables"): OPERATOR,
    ("POST", f"{API}/jobs/propose-query"): OPERATOR,
    ("POST", f"{API}/jobs/execute/{{job_id}}"): OPERATOR,
    # Runs.
    ("GET", f"{API}/job-runs"): VIEWER,
    ("GET", f"{API}/job-runs/{{run_id}}"): VIEWER,
    ("GET", f"{API}/job-runs/{{run_id}}/logs"): VIEWER,
    ("GET", f"{API}/job-runs/{{run_id}}/rejected-rows"): VIEWER,
    ("GET", f"{API}/job-runs/{{run_id}}/rejected-rows.csv"): VIEWER,
    ("GET", f"{API}/job-runs/{{run_id}}/loaded-rows"): VIEWER,
    ("GET", f"{API}/job-runs/{{run_id}}/stream"): VIEWER,
    ("POST", f"{API}/job-runs/{{run_id}}/cancel"): OPERATOR,
    ("POST", f"{API}/job-runs/{{run_id}}/retry-failed-tables"): OPERATOR,
    ("DELETE", f"{API}/job-runs/{{run_id}}"): OPERATOR,
    # Schedules.
    ("GET", f"{API}/schedules"): VIEWER,
    ("GET", f"{API}/schedules/{{schedule_id}}"): VIEWER,
    ("POST", f"{API}/schedules"): OPERATOR,
    ("PUT", f"{API}/schedules/{{schedule_id}}"): OPERATOR,
    ("POST", f"{API}/schedules/{{schedule_id}}/enable"): OPERATOR,
    ("POST", f"{API}/schedules/{{schedule_id}}/disable"): OPERATOR,
    ("DELETE", f"{API}/schedules/{{schedule_id}}"): OPERATOR,
    ("GET", f"{API}/dashboard"): VIEWER,
    # Notifications: channels hold secrets (admin); a job's subscriptions are the operator's.
    ("GET", f"{API}/notification-channels"): VIEWER,
    ("GET", f"{API}/notification-channels/{{channel_id}}"): VIEWER,
    ("GET", f"{API}/notification-channels/{{channel_id}}/deliveries"): VIEWER,
    ("POST", f"{API}/notification-channels"): ADMIN,
    ("PUT", f"{API}/notification-channels/{{channel_id}}"): ADMIN,
    ("DELETE", f"{API}/notification-channels/{{channel_id}}"): ADMIN,
    ("POST", f"{API}/notification-channels/{{channel_id}}/test"): ADMIN,
    ("GET", f"{API}/jobs/{{job_id}}/notifications"): VIEWER,
    ("PUT", f"{API}/jobs/{{job_id}}/notifications"): OPERATOR,
    # Variables: jobs use them (operator writes); reading a db_query variable's value runs its query.
    ("GET", f"{API}/variables"): VIEWER,
    ("GET", f"{API}/variables/context"): VIEWER,
    ("GET", f"{API}/variables/{{variable_id}}"): VIEWER,
    ("POST", f"{API}/variables"): OPERATOR,
    ("PUT", f"{API}/variables/{{variable_id}}"): OPERATOR,
    ("DELETE", f"{API}/variables/{{variable_id}}"): OPERATOR,
    ("POST", f"{API}/variables/{{variable_id}}/evaluate"): OPERATOR,
    ("POST", f"{API}/variables/render"): OPERATOR,
    ("GET", f"{API}/variables/rendered-source"): OPERATOR,
    # Users and the audit log.
    ("GET", f"{API}/users"): ADMIN,
    ("POST", f"{API}/users"): ADMIN,
    ("GET", f"{API}/users/{{user_id}}"): ADMIN,
    ("PATCH", f"{API}/users/{{user_id}}"): ADMIN,
    ("POST", f"{API}/users/{{user_id}}/password"): ADMIN,
    ("GET", f"{API}/audit-events"): ADMIN,
    ("GET", "/metrics"): ADMIN,  # or, without signing in, a client in METRICS_ALLOWED_NETWORKS
}

# Routes that apply their rule themselves because they have an exception to it (/metrics: the
# scraper's networks); the app-wide check leaves them alone.
SELF_CHECKED: frozenset[tuple[str, str]] = frozenset({("GET", "/metrics")})

# Methods a rule for GET also covers (Starlette answers HEAD with the GET route).
_IMPLIED = {"HEAD": "GET"}


def rule_key(method: str, path: str) -> tuple[str, str]:
    method = method.upper()
    return _IMPLIED.get(method, method), path


def route_operations(routes: Iterable[BaseRoute]) -> list[tuple[str, str]]:
    """(method, path) of every route that answers requests (mounted static files excluded)."""
    operations: list[tuple[str, str]] = []
    for route in routes:
        if isinstance(route, Mount) or not isinstance(route, Route):
            continue
        for method in sorted(route.methods or ()):
            if method not in _IMPLIED:
                operations.append((method, route.path))
    return operations


def missing_rules(routes: Iterable[BaseRoute]) -> list[str]:
    """`"METHOD /path"` of every route without a rule."""
    return [
        f"{method} {path}" for method, path in route_operations(routes) if (method, path) not in ROUTE_ROLES
    ]
