"""Jobs and their column mappings: what to load, where, and how."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from etl_engine import ColumnType
from portal.api.schemas import MAX_INT, IdField
from portal.jobs.destination_options import DestinationOptions
from portal.jobs.models import DriftPolicy, LoadStrategy, SourceType

MAX_IDENTIFIER_BYTES = 63  # PostgreSQL silently truncates longer names
MAX_JOB_RETRIES = 10  # the executor task's Airflow `retries` (portal.runner.retry_policy)
# The executor task's `max_active_tis_per_dagrun` (portal.runner.flow): a run's tables at once.
MAX_PARALLEL_TABLES = 8
MAX_TABLES = 500
MAX_QUERY_CHARS = 100_000
# Far above what one load reaches (~400k rows/s measured), so a cap is always a real limit.
MAX_ROWS_PER_SECOND = 10_000_000

TransformType = Literal["upper", "lower", "trim", "replace", "prefix", "suffix", "default", "cast"]
# The arguments each transform needs next to `type`. A cast names its type `to` (`type` is taken);
# portal.jobs.engine_spec hands it to the engine as its `type` argument.
_REQUIRED_ARGS: dict[str, tuple[str, ...]] = {
    "replace": ("old",),
    "prefix": ("value",),
    "suffix": ("value",),
    "default": ("value",),
    "cast": ("to",),
}


def _identifier(value: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError(f"{what} must not be empty")
    if len(value.encode("utf-8")) > MAX_IDENTIFIER_BYTES:
        raise ValueError(f"{what} {value!r} is longer than {MAX_IDENTIFIER_BYTES} bytes")
    return value


class TransformIn(BaseModel):
    """`{"type": "replace", "old": "a", "new": "b"}`: arguments sit next to `type`."""

    model_config = ConfigDict(extra="allow")

    type: TransformType

    @model_validator(mode="after")
    def _has_arguments(self) -> TransformIn:
        args = self.model_extra or {}
        missing = [name for name in _REQUIRED_ARGS.get(self.type, ()) if name not in args]
        if missing:
            raise ValueError(f"the {self.type} transform needs {', '.join(repr(m) for m in missing)}")
        if self.type == "cast" and str(args["to"]).upper() not in ColumnType.__members__:
            raise ValueError(f"cannot cast to {args['to']!r}; use one of {', '.join(ColumnType)}")
        return self

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, **(self.model_extra or {})}


class MappingIn(BaseModel):
    """A destination column from a source column (its sql_name) or from an expression."""

    source_column: str | None = None
    target_column: str
    target_type: ColumnType
    include: bool = True
    transforms: list[TransformIn] = Field(default_factory=list)
    expression: str | None = Field(default=None, max_length=2000)

    @field_validator("target_column")
    @classmethod
    def _target(cls, value: str) -> str:
        return _identifier(value, "target_column")

    @model_validator(mode="after")
    def _source_or_expression(self) -> MappingIn:
        if self.expression is not None and not self.expression.strip():
            self.expression = None
        if self.source_column is None and self.expression is None:
            raise ValueError(f"column {self.target_column!r} needs a source_column or an expression")
        if self.source_column is not None and self.expression is not None:
            raise ValueError(
                f"column {self.target_column!r} has both a source_column and an expression; "
                "a calculated column has no source_column"
            )
        return self


class MappingRead(MappingIn):
    id: int
    position: int
    transforms: list[TransformIn]


RowTransformType = Literal["filter", "dedupe", "concat", "split", "date_part", "conditional"]


class RowTransformIn(BaseModel):
    """A step over whole rows after the columns are mapped, e.g. `{"type": "filter", "args":
    {"expression": "amount > 0"}}`; arguments per type: docs/architecture.md (Row transforms)."""

    type: RowTransformType
    args: dict[str, Any] = Field(default_factory=dict)


def _optional_identifier(value: str | None, what: str) -> str | None:
    if value is None or not value.strip():
        return None
    return _identifier(value, what)


class JobTableIn(BaseModel):
    """One table of a `tables` job. `mappings` omitted: every column of the source table under its
    SQL name and carried type. INCREMENTAL reads rows whose `cursor_column` is at or past the last
    committed value (less `cursor_lookback`: seconds for timestamps, units for integers) and merges
    them on `upsert_keys`."""

    id: IdField | None = Field(default=None, description="An existing table of the job (kept on update)")
    source_schema: str | None = Field(default=None, max_length=255, description="MySQL: the database")
    source_table: str = Field(min_length=1, max_length=255)
    target_schema: str
    target_table: str
    create_table: bool = True
    strategy: LoadStrategy = LoadStrategy.INSERT
    upsert_keys: list[str] = Field(default_factory=list)
    cursor_column: str | None = Field(default=None, max_length=255)
    cursor_lookback: float | None = Field(default=None, ge=0, le=10**12)
    row_transforms: list[RowTransformIn] = Field(default_factory=list)
    include: bool = True
    mappings: list[MappingIn] | None = None

    @field_validator("target_schema")
    @classmethod
    def _schema(cls, value: str) -> str:
        return _identifier(value, "target_schema")

    @field_validator("target_table")
    @classmethod
    def _table(cls, value: str) -> str:
        return _identifier(value, "target_table")


class JobTableRead(JobTableIn):
    id: int  # always set on a saved table
    position: int
    mappings: list[MappingRead]  # type: ignore[assignment]


class JobFields(BaseModel):
    """Every field of a job; in JobUpdate all of them are optional."""

    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    source_type: SourceType = Field(
        default=SourceType.UPLOAD,
        description="upload: `file_id`; tables: `tables` of `source_credential_id`; query: `source_query` "
        "on `source_credential_id`; files: files arriving under DROP_DIR that match `source_pattern`, "
        "with `file_id` a sample that defines the columns and CSV options",
    )
    file_id: str | None = Field(default=None, min_length=1, max_length=32)
    source_credential_id: IdField | None = Field(default=None, description="tables and query jobs")
    source_query: str | None = Field(
        default=None, max_length=MAX_QUERY_CHARS, description="One SELECT; {{variables}} are bound values"
    )
    source_pattern: str | None = Field(
        default=None,
        max_length=1024,
        description="A glob relative to DROP_DIR, with {{variables}}, e.g. `exports/sales_{{ds}}*.csv`",
    )
    source_options: dict[str, str] = Field(
        default_factory=dict,
        description='files: {"mode": "new"|"latest", "on_empty": "complete"|"fail"}; tables and query: '
        '{"zero_dates": "reject"|"null"} (MySQL zero dates); tables: {"key_ranges": "1"|"2"|"4"|"8"} '
        "(a table with a single integer primary key read in that many ranges at once)",
    )
    max_parallel_tables: int = Field(default=4, ge=1, le=MAX_PARALLEL_TABLES)
    row_transforms: list[RowTransformIn] = Field(
        default_factory=list, description="upload, query and files jobs (a tables job's are per table)"
    )
    destination_options: DestinationOptions | None = Field(
        default=None, description="An object-store destination's files (null: the defaults)"
    )
    drift_policy: DriftPolicy = Field(
        default=DriftPolicy.FAIL,
        description="When the source's columns differ from the mapping at run time: fail the run, "
        "evolve (add new columns to the mapping and the target) or ignore (leave them out)",
    )
    credential_id: IdField
    target_schema: str | None = Field(default=None, description="Required except for tables jobs")
    target_table: str | None = Field(default=None, description="Required except for tables jobs")
    create_table: bool = True
    strategy: LoadStrategy = LoadStrategy.INSERT
    upsert_keys: list[str] = Field(default_factory=list)
    batch_size: int = Field(default=100_000, ge=1_000, le=1_000_000)
    reject_threshold_count: int | None = Field(default=None, ge=0, le=MAX_INT)
    reject_threshold_percent: float | None = Field(default=None, ge=0, le=100)
    max_retries: int = Field(default=0, ge=0, le=MAX_JOB_RETRIES)
    retry_delay_seconds: int = Field(default=60, ge=0, le=86_400)
    max_rows_per_second: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ROWS_PER_SECOND,
        description="Caps the load's rate to spare a busy source or destination; null = no cap.",
    )
    allow_concurrent_runs: bool = Field(
        default=False,
        description="False: executing while a run of the job is PENDING or RUNNING answers 409 "
        "JobAlreadyRunning. True: runs may overlap (INSERT appends once per run).",
    )

    @field_validator("target_schema")
    @classmethod
    def _schema(cls, value: str | None) -> str | None:
        return _optional_identifier(value, "target_schema")

    @field_validator("target_table")
    @classmethod
    def _table(cls, value: str | None) -> str | None:
        return _optional_identifier(value, "target_table")

    @field_validator("destination_options", mode="before")
    @classmethod
    def _no_options(cls, value: Any) -> Any:
        return None if value == {} else value  # stored {}: the defaults


class JobCreate(JobFields):
    mappings: list[MappingIn] | None = Field(
        default=None,
        description="Omitted: every column of the source (file or query), under its SQL name and type.",
    )
    tables: list[JobTableIn] = Field(default_factory=list, max_length=MAX_TABLES, description="tables jobs")


class JobUpdate(BaseModel):
    """Fields left out keep their value; `mappings` given replaces every mapping."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    source_type: SourceType | None = None
    file_id: str | None = Field(default=None, min_length=1, max_length=32)
    source_credential_id: IdField | None = None
    source_query: str | None = Field(default=None, max_length=MAX_QUERY_CHARS)
    source_pattern: str | None = Field(default=None, max_length=1024)
    source_options: dict[str, str] | None = None
    max_parallel_tables: int | None = Field(default=None, ge=1, le=MAX_PARALLEL_TABLES)
    row_transforms: list[RowTransformIn] | None = None
    destination_options: DestinationOptions | None = None
    drift_policy: DriftPolicy | None = None
    credential_id: IdField | None = None
    target_schema: str | None = None
    target_table: str | None = None
    create_table: bool | None = None
    strategy: LoadStrategy | None = None
    upsert_keys: list[str] | None = None
    batch_size: int | None = Field(default=None, ge=1_000, le=1_000_000)
    reject_threshold_count: int | None = Field(default=None, ge=0, le=MAX_INT)
    reject_threshold_percent: float | None = Field(default=None, ge=0, le=100)
    max_retries: int | None = Field(default=None, ge=0, le=MAX_JOB_RETRIES)
    retry_delay_seconds: int | None = Field(default=None, ge=0, le=86_400)
    max_rows_per_second: int | None = Field(
        default=None, ge=1, le=MAX_ROWS_PER_SECOND, description="null = no cap"
    )
    allow_concurrent_runs: bool | None = None
    mappings: list[MappingIn] | None = None
    tables: list[JobTableIn] | None = Field(
        default=None,
        max_length=MAX_TABLES,
        description="Given: the job's tables become these (an entry with the `id` of a table keeps it "
        "and its history, one without is new, a table left out is removed); omitted: kept",
    )


class JobRead(JobFields):
    id: int
    mappings: list[MappingRead]
    tables: list[JobTableRead]
    source_label: str = Field(
        description="The source in a few words: the file's name, or the connection with its tables, "
        "query or file pattern"
    )
    ddl: str | None = Field(
        description="The CREATE TABLE a new target gets (null for an existing table, and for a tables "
        "job: each table's is in its own preview)"
    )
    created_at: datetime
    updated_at: datetime


class DdlPreview(BaseModel):
    ddl: str
    warnings: list[str]


class TableRef(BaseModel):
    schema_: str | None = Field(
        default=None, alias="schema", max_length=255, description="MySQL: the database"
    )
    table: str = Field(min_length=1, max_length=255)

    model_config = ConfigDict(populate_by_name=True)


class ProposeTablesRequest(BaseModel):
    source_credential_id: IdField
    tables: list[TableRef] = Field(min_length=1, max_length=MAX_TABLES)
    target_schema: str
    target_prefix: str = Field(default="", max_length=40, description="Prepended to each source table's name")

    @field_validator("target_schema")
    @classmethod
    def _schema(cls, value: str) -> str:
        return _identifier(value, "target_schema")


class ProposedTables(BaseModel):
    tables: list[JobTableIn] = Field(
        description="Each table with its mapping from the source's column types; a table with a "
        "primary key is UPSERT on it, one without INSERT"
    )


class ProposeQueryRequest(BaseModel):
    source_credential_id: IdField
    query: str = Field(min_length=1, max_length=MAX_QUERY_CHARS)


class ProposedColumn(BaseModel):
    name: str
    sql_name: str
    type: ColumnType
    precision: int | None
    scale: int | None


class ProposedQuery(BaseModel):
    columns: list[ProposedColumn]
    mappings: list[MappingIn]


class ExpressionRequest(BaseModel):
    file_id: str = Field(min_length=1, max_length=32)
    expression: str = Field(min_length=1, max_length=2000)


class ExpressionResult(BaseModel):
    valid: bool
    error: str | None
    position: int | None
    type: ColumnType | None
    sample: list[Any] | None = Field(description="The expression's values on the file's first rows")
