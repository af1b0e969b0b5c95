"""How a job writes files to an object-store destination (S3): `jobs.destination_options`.

`DestinationOptions` is the API's shape of it, checked when a job is saved (a format's allowed
compressions, the prefix template's variables and characters, partition folders); `file_layout`
turns the stored options into the engine's FileLayout for one run. Whether the partition columns
exist and have a date type is the engine's check at run time (`check_layout`), where the job's
final columns are known.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from etl_engine import FileLayout, InvalidJobSpec, Partition
from etl_engine.writers.s3 import render_prefix

FileFormat = Literal["parquet", "csv", "jsonl"]
Compression = Literal["none", "gzip", "snappy", "zstd"]
DatePart = Literal["year", "month", "day", "hour"]

MAX_PARTITIONS = 4
MAX_FILE_MB = 5 * 1024  # S3's largest single PUT; bigger parts gain readers nothing
# Compressions each format takes; None (omitted) is the format's usual one.
ALLOWED_COMPRESSION: dict[str, tuple[str, ...]] = {
    "parquet": ("none", "snappy", "gzip", "zstd"),
    "csv": ("none", "gzip", "zstd"),
    "jsonl": ("none", "gzip", "zstd"),
}
# A sample run date that lets a template be rendered at save time, every variable known.
_SAMPLE_DATE = date(2000, 1, 1)


class PartitionOption(BaseModel):
    """A Hive-style folder level: `column=value`, or the column's date `part` (`year=2026/...`)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    column: str = Field(min_length=1, max_length=255, description="a destination column")
    part: DatePart | None = Field(
        default=None, description="year/month/day/hour of a date or timestamp column; null: its value"
    )


class DestinationOptions(BaseModel):
    """Files an S3 job writes: format, compression, folder template, partitions, part size."""

    model_config = ConfigDict(extra="forbid")

    format: FileFormat = "parquet"
    compression: Compression | None = Field(
        default=None,
        description="null: the format's usual one (Parquet snappy, CSV and JSON lines none); "
        "snappy is for Parquet only",
    )
    prefix: str = Field(
        default="{{schema}}/{{table}}/",
        min_length=1,
        max_length=512,
        description="folder template under the connection's path: letters, digits, ._=/- and the "
        "variables {{job}} {{run_date}} (the run's logical date, YYYY-MM-DD) {{schema}} {{table}}",
    )
    partition_by: list[PartitionOption] = Field(default_factory=list, max_length=MAX_PARTITIONS)
    max_file_mb: int = Field(default=256, ge=1, le=MAX_FILE_MB, description="a part file closes at this size")
    csv_delimiter: str = Field(default=",", min_length=1, max_length=1)
    csv_header: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.compression is not None and self.compression not in ALLOWED_COMPRESSION[self.format]:
            allowed = ", ".join(ALLOWED_COMPRESSION[self.format])
            raise ValueError(f"{self.format} files take compression {allowed}, not {self.compression}")
        try:
            render_prefix(self._layout(job="job", run_date=_SAMPLE_DATE), "schema", "table")
        except InvalidJobSpec as exc:
            raise ValueError(str(exc)) from None
        folders = [p.part or p.column for p in self.partition_by]
        if len(set(folders)) != len(folders):
            raise ValueError("two partitions would be the same folder level; give each its own name")
        return self

    def _layout(self, *, job: str, run_date: date) -> FileLayout:
        return FileLayout(
            format=self.format,
            compression=self.compression,
            prefix=self.prefix,
            partition_by=[Partition(column=p.column, part=p.part) for p in self.partition_by],
            job=job,
            run_date=run_date,
            max_file_bytes=self.max_file_mb * 1024 * 1024,
            csv_delimiter=self.csv_delimiter,
            csv_header=self.csv_header,
        )


def file_layout(options: dict[str, Any], *, job_name: str, run_date: date) -> FileLayout:
    """The engine's layout of a job's files for the run of `run_date` (its logical date, so that a
    retry writes where the first attempt did). `options` as stored; {} gives the defaults."""
    return DestinationOptions.model_validate(options)._layout(job=job_name, run_date=run_date)
