"""A stored file's reading options reach the engine whole: the runner reads it as the preview did."""

from __future__ import annotations

from etl_engine import ColumnType
from portal.uploads.engine_inputs import csv_options, source_columns
from portal.uploads.models import UploadedFile


def test_null_markers_and_zone_of_the_file_reach_the_engine() -> None:
    row = UploadedFile(
        encoding="cp1252",
        delimiter=";",
        quotechar='"',
        has_header=True,
        decimal=",",
        compression=None,
        null_markers=["NA", "-"],
        timezone="Europe/Paris",
    )

    options = csv_options(row)

    assert (options.null_markers, options.timezone) == (["NA", "-"], "Europe/Paris")


def test_a_file_stored_before_zones_reads_naive_values_as_utc() -> None:
    row = UploadedFile(encoding="utf-8", delimiter=",", quotechar='"', has_header=True, decimal=".")

    assert (csv_options(row).null_markers, csv_options(row).timezone) == (None, "UTC")


def test_date_formats_zones_and_markers_of_columns_reach_the_engine() -> None:
    row = UploadedFile(
        columns=[
            {"name": "Booked", "sql_name": "booked", "type": "DATE", "format": "%d.%m.%Y"},
            {
                "name": "At",
                "sql_name": "at",
                "type": "TIMESTAMPTZ",
                "timezone": "America/New_York",
                "null_markers": ["NA"],
            },
            {"name": "Old", "sql_name": "old", "type": "TEXT"},  # stored before formats existed
        ]
    )

    booked, at, old = source_columns(row)

    assert (booked.type, booked.format) == (
        ColumnType.DATE,
        "%d.%m.%Y",
    )
    assert (at.timezone, at.null_markers) == ("America/New_York", ["NA"])
    assert (old.format, old.timezone, old.null_markers) == (None, None, [])
