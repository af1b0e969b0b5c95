"""An S3 job's file options: what is refused when the job is saved, and the layout a run gets."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from etl_engine import FileLayout, Partition
from etl_engine.writers.s3 import render_prefix
from portal.jobs.destination_options import DestinationOptions, file_layout

RUN_DATE = date(2026, 11, 30)


def test_empty_options_give_the_engine_defaults() -> None:
    layout = file_layout({}, job_name="sales", run_date=RUN_DATE)

    assert layout == FileLayout(job="sales", run_date=RUN_DATE)


def test_layout_carries_every_option_and_renders_the_run_date() -> None:
    options = {
        "format": "csv",
        "compression": "gzip",
        "prefix": "exports/{{job}}/{{run_date}}/{{table}}",
        "partition_by": [{"column": "sold_on", "part": "month"}, {"column": "region"}],
        "max_file_mb": 8,
        "csv_delimiter": ";",
        "csv_header": False,
    }

    layout = file_layout(options, job_name="Daily sales", run_date=RUN_DATE)

    assert layout.format == "csv" and layout.compression == "gzip"
    assert layout.partition_by == [Partition("sold_on", "month"), Partition("region", None)]
    assert layout.max_file_bytes == 8 * 1024 * 1024
    assert (layout.csv_delimiter, layout.csv_header) == (";", False)
    assert render_prefix(layout, "public", "orders") == "exports/Daily_sales/2026-11-30/orders/"


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"format": "csv", "compression": "snappy"}, "csv files take compression none, gzip, zstd"),
        ({"format": "jsonl", "compression": "snappy"}, "jsonl files take compression"),
        ({"prefix": "{{owner}}/"}, "unknown variable {{owner}}"),
        ({"prefix": "a b/"}, "letters, digits"),
        ({"prefix": "../elsewhere"}, "every folder needs a name"),
        ({"prefix": "_hidden/{{table}}"}, "every folder needs a name"),
        ({"partition_by": [{"column": "day"}, {"column": "ts", "part": "day"}]}, "same folder level"),
        ({"partition_by": [{"column": "ts", "part": "week"}]}, "part"),
        ({"csv_delimiter": ";;"}, "csv_delimiter"),
        ({"max_file_mb": 0}, "max_file_mb"),
        ({"format": "avro"}, "format"),
        ({"bucket": "elsewhere"}, "bucket"),
    ],
)
def test_options_that_cannot_be_written_are_refused(options: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValidationError, match=reason.replace("{", r"\{").replace("}", r"\}")):
        DestinationOptions.model_validate(options)


@pytest.mark.parametrize(
    ("fmt", "compression"), [("parquet", "snappy"), ("parquet", "zstd"), ("jsonl", "gzip")]
)
def test_compressions_each_format_takes_are_accepted(fmt: str, compression: str) -> None:
    assert (
        DestinationOptions.model_validate({"format": fmt, "compression": compression}).compression
        == compression
    )
