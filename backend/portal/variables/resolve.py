"""The variables of one run: static values, db_query values read now, and the run's context.

    variables = run_variables(session, settings, job=job, run=run)
    rendered = templating.render_query(job.source_query, variables)

Called by the runner (sync session, inside an Airflow worker) when a run starts, and by the API to
show what a run's templates render to. A db_query variable is read only when one of the job's
templates uses it (a broken variable that a job does not use never fails that job). Its query runs
through the database browser's read-only path (etl_engine.sources.catalog: one SELECT, read-only
transaction, statement timeout) after the connection's host passed the network policy, and must
return exactly one row of one column.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from etl_engine import SourceFailed, SourceUnreachable
from etl_engine.errors import TerminalError, TransientError
from etl_engine.identifiers import quote_identifier
from etl_engine.sources import QueryRefused, catalog, mysql, oracle, sqlserver
from etl_engine.templating import ParamStyle, RenderedQuery, render_query, run_context, template_names
from portal.connections.engine_inputs import source_from_fields
from portal.connections.guard import check_destination
from portal.connections.kinds import serves_as
from portal.connections.models import ConnectionUsage, Credential
from portal.core.config import Settings
from portal.core.crypto import CredentialCipher
from portal.core.errors import PortalError
from portal.jobs.models import Job
from portal.runs.models import JobRun
from portal.variables.models import Variable, VariableKind

# What every template may use without defining it (templating.run_context plus two aliases).
CONTEXT_VARIABLES: Mapping[str, str] = {
    # A scheduled run: its Airflow logical date; any other run: when it was created.
    "ds": "the run's logical date, YYYY-MM-DD",
    "ds_nodash": "the run's logical date, YYYYMMDD",
    "run_date": "the run's logical date (a date)",
    "run_ts": "the run's logical date and time (UTC)",
    "logical_date": "the same as run_ts",
    "job_id": "the job's id",
    "job_name": "the job's name",
    "job": "the same as job_name",
    "run_id": "the run's id in the portal",
    "last_cursor_value": "an incremental table's last committed cursor (per table; none at the first run)",
}
# Database kinds whose read-only query path a db_query variable uses.
QUERY_KINDS = ("postgres", "mysql")
_SCHEDULED_PREFIX = "scheduled__"


class VariableFailed(TerminalError):
    """A db_query variable could not give its value; the run fails naming it."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"variable {name!r} failed: {reason}")
        self.name = name


class VariableUnreachable(TransientError):
    """A db_query variable's connection did not answer; the run may retry."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"variable {name!r} could not be read: {reason}")
        self.name = name


def run_variables(
    session: Session,
    settings: Settings,
    *,
    job: Job,
    run: JobRun,
    logical_date: datetime | None = None,
    names: Collection[str] | None = None,
) -> dict[str, Any]:
    """Static values, the db_query values `names` use (None: those the job's templates use), and
    the run's context. `logical_date` overrides the run's own (a preview for another day)."""
    wanted = job_template_names(job) if names is None else set(names)
    values: dict[str, Any] = {}
    for variable in session.scalars(select(Variable).order_by(Variable.name)):
        if variable.kind == VariableKind.STATIC:
            values[variable.name] = variable.value
        elif variable.name in wanted:
            values[variable.name] = evaluate_db_query(session, settings, variable)
    values.update(context_values(job, run, logical_date))
    return values


def context_values(job: Job, run: JobRun | None, logical_date: datetime | None = None) -> dict[str, Any]:
    """The context variables of `run` of `job` (None: a run that does not exist yet, started now)."""
    when = logical_date or (run_logical_date(run) if run is not None else datetime.now(UTC))
    return context_of(job_id=job.id, job_name=job.name, run_id=str(run.id) if run else "", when=when)


def context_of(*, job_id: int, job_name: str, run_id: str, when: datetime) -> dict[str, Any]:
    context = run_context(run_date=when, job_id=job_id, job_name=job_name, run_id=run_id)
    context["logical_date"] = context["run_ts"]
    context["job"] = job_name
    return context


def run_logical_date(run: JobRun) -> datetime:
    """A scheduled run's Airflow logical date (its DAG run id is `scheduled__<ISO time>`), else the
    time the run was created: the date a run's templates render with, on every retry the same."""
    if run.dag_run_id and run.dag_run_id.startswith(_SCHEDULED_PREFIX):
        try:
            found = datetime.fromisoformat(run.dag_run_id.removeprefix(_SCHEDULED_PREFIX))
        except ValueError:
            pass
        else:
            return found if found.tzinfo is not None else found.replace(tzinfo=UTC)
    return run.created_at


TemplateKind = Literal["query", "path", "name"]


def job_template_fields(job: Job) -> list[tuple[str, TemplateKind, str]]:
    """Every text of the job rendered as a template: (field, how it renders, text)."""
    fields: list[tuple[str, TemplateKind, str | None]] = [
        ("source_query", "query", job.source_query),
        ("source_pattern", "path", job.source_pattern),
        ("target_schema", "name", job.target_schema),
        ("target_table", "name", job.target_table),
        ("destination_options.prefix", "path", str((job.destination_options or {}).get("prefix") or "")),
    ]
    for index, table in enumerate(job.tables):
        for name in ("source_schema", "source_table", "target_schema", "target_table"):
            fields.append((f"tables[{index}].{name}", "name", getattr(table, name)))
    return [(field, kind, text) for field, kind, text in fields if text]


def job_template_names(job: Job) -> set[str]:
    """The variable names the job's templates use."""
    return {name for _, _, text in job_template_fields(job) if "{" in text for name in template_names(text)}


def render_for_source(template: str, variables: Mapping[str, Any], kind: str | None) -> RenderedQuery:
    """A source query as the `kind` connection's driver takes it: its identifier quoting, and its
    placeholders (python-oracledb's :name, the others' %(name)s)."""
    quote, style = _DIALECTS.get(kind or "", (quote_identifier, ParamStyle.PYFORMAT))
    return render_query(template, variables, paramstyle=style, quote=quote)


_DIALECTS: Mapping[str, tuple[Callable[[str], str], ParamStyle]] = {
    "postgres": (quote_identifier, ParamStyle.PYFORMAT),
    "mysql": (mysql.quote, ParamStyle.PYFORMAT),
    "sqlserver": (sqlserver.quote, ParamStyle.PYFORMAT),
    "oracle": (oracle.quote, ParamStyle.NAMED),
}


def evaluate_db_query(session: Session, settings: Settings, variable: Variable) -> Any:
    """The one value `variable`'s query returns, typed as its column (a decimal stays exact)."""
    credential = session.get(Credential, variable.credential_id) if variable.credential_id else None
    return read_db_query(settings, variable.name, variable.query, credential)


def read_db_query(settings: Settings, name: str, query: str | None, credential: Credential | None) -> Any:
    """`evaluate_db_query` once the connection is loaded: blocking (a driver), no app session."""
    if credential is None or not query:
        raise VariableFailed(name, "it has no connection or no query (was its connection deleted?)")
    if not is_query_connection(credential):
        raise VariableFailed(name, f"connection {credential.name!r} cannot be read as a source")
    try:
        check_destination(credential.kind, credential.host, settings)
        password = (
            CredentialCipher.from_settings(settings).decrypt(credential.password_encrypted)
            if credential.password_encrypted
            else None
        )
        config = source_from_fields(
            credential.kind, credential.host, credential.port, credential.database, credential.username,
            password, credential.options or {},
        )  # fmt: skip
        page = catalog.run_query(config, query, 0, 2, settings.query_timeout_seconds)
    except SourceUnreachable as exc:
        raise VariableUnreachable(name, str(exc)) from exc
    except (QueryRefused, SourceFailed, PortalError) as exc:
        raise VariableFailed(name, str(exc)) from exc
    if len(page.columns) != 1 or len(page.rows) != 1:
        rows = "more than one row" if len(page.rows) > 1 else f"{len(page.rows)} rows"
        shape = f"{rows} of {len(page.columns)} columns"
        raise VariableFailed(name, f"its query must return one row of one column; it returned {shape}")
    return typed_value(page.rows[0][0], page.columns[0].value_type)


def is_query_connection(credential: Credential) -> bool:
    """Whether a db_query variable can read from `credential` (a source the query path reads)."""
    return credential.kind in QUERY_KINDS and serves_as(credential.usage, ConnectionUsage.SOURCE)


def typed_value(value: Any, value_type: str) -> Any:
    """A JSON-safe value from the catalog (decimals and big integers as text, dates as ISO text)
    back as the Python value a driver binds with its type."""
    if not isinstance(value, str):
        return value
    parse = _PARSERS.get(value_type)
    try:
        return parse(value) if parse is not None else value
    except (ValueError, ArithmeticError):  # text the type cannot read back (a zero date...): as is
        return value


_PARSERS: Mapping[str, Callable[[str], Any]] = {
    "integer": int,
    "decimal": Decimal,
    "float": float,
    "date": date.fromisoformat,
    "timestamp": datetime.fromisoformat,
    "timestamptz": datetime.fromisoformat,
}
