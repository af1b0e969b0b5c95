"""Jobs and their column mappings: what to load, where, and how."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from etl_engine import ColumnType
from portal.api.schemas import MAX_INT, IdField
from portal.jobs.models import LoadStrategy

MAX_IDENTIFIER_BYTES = 63  # PostgreSQL silently truncates longer names
MAX_JOB_RETRIES = 10  # the executor task's Airflow `retries` (portal.runner.retry_policy)
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


class JobFields(BaseModel):
    """Every field of a job; in JobUpdate all of them are optional."""

    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    file_id: str = Field(min_length=1, max_length=32)
    credential_id: IdField
    target_schema: str
    target_table: str
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
    def _schema(cls, value: str) -> str:
        return _identifier(value, "target_schema")

    @field_validator("target_table")
    @classmethod
    def _table(cls, value: str) -> str:
        return _identifier(value, "target_table")


class JobCreate(JobFields):
    mappings: list[MappingIn] | None = Field(
        default=None, description="Omitted: every column of the file, under its SQL name and inferred type."
    )


class JobUpdate(BaseModel):
    """Fields left out keep their value; `mappings` given replaces every mapping."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    file_id: str | None = Field(default=None, min_length=1, max_length=32)
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


class JobRead(JobFields):
    id: int
    mappings: list[MappingRead]
    ddl: str | None = Field(description="The CREATE TABLE a new target gets (null for an existing table)")
    created_at: datetime
    updated_at: datetime


class DdlPreview(BaseModel):
    ddl: str
    warnings: list[str]


class ExpressionRequest(BaseModel):
    file_id: str = Field(min_length=1, max_length=32)
    expression: str = Field(min_length=1, max_length=2000)


class ExpressionResult(BaseModel):
    valid: bool
    error: str | None
    position: int | None
    type: ColumnType | None
    sample: list[Any] | None = Field(description="The expression's values on the file's first rows")
