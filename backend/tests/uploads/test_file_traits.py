"""What detection found in real-world files, as the upload API reports it, and the user's corrections:
encoding confidence and alternatives, Excel's `sep=` line, date formats, time zones, NULL markers,
and the cap on what a .csv.gz may inflate to."""

from __future__ import annotations

import gzip
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from portal.core.config import Settings

UploadCsv = Callable[..., Awaitable[dict[str, Any]]]

# A Spanish/French export from a Windows machine: short, so the single-byte guess is uncertain.
# Names and towns whose bytes read as real letters in cp1250 too (ñ/ń, á): a guess, not a certainty.
WESTERN = "id;texto\n0;Logroño\n1;Cádiz\n2;Peña Muñoz\n3;José\n4;Begoña Ibáñez\n5;A Coruña\n"
EXCEL = b"sep=;\nname;amount\nA;1\nB;2\n"
DATES = b"id,booked,entered\n1,31.01.2024,31.01.2024 13:45:00\n2,01.02.2024,01.02.2024 08:00:00\n"
AMBIGUOUS = b"id,ship_by\n1,02/03/2024\n2,03/04/2024\n3,11/12/2024\n"
ZONED = b"id,at\n1,2024-01-31 10:00:00+01:00\n2,2024-01-31 10:00:00\n"
MARKERS = b"id,score,label\n1,3.5,a\n2,NA,b\n3,N/A,NULL\n4,\\N,c\n"


def options_url(file_id: str) -> str:
    return f"/api/v1/sources/csv/{file_id}/options"


async def metadata(client: httpx.AsyncClient, file_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/sources/csv/{file_id}/metadata")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def preview(client: httpx.AsyncClient, file_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/sources/csv/{file_id}/preview")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def overrides(body: dict[str, Any]) -> dict[str, Any]:
    """The options the user set (the API lists every option, null when not set)."""
    return {name: value for name, value in body["overrides"].items() if value is not None}


def column(body: dict[str, Any], sql_name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in body["columns"] if c["sql_name"] == sql_name)
    return found


async def test_an_uncertain_encoding_is_reported_with_its_alternatives(
    client: httpx.AsyncClient, upload_csv: UploadCsv
) -> None:
    uploaded = await upload_csv(WESTERN.encode("cp1252"), "export.csv")

    assert uploaded["encoding_low_confidence"] is True
    assert uploaded["encoding_confidence"] < 0.8
    assert "cp1252" in [uploaded["encoding"], *uploaded["encoding_alternatives"]]
    assert uploaded["encoding"] not in uploaded["encoding_alternatives"]
    assert overrides(uploaded) == {}
    assert await metadata(client, uploaded["id"]) == uploaded


async def test_a_certain_encoding_has_full_confidence_and_no_alternatives(upload_csv: UploadCsv) -> None:
    uploaded = await upload_csv(WESTERN.encode("utf-8"), "export.csv")

    assert (uploaded["encoding"], uploaded["encoding_confidence"]) == ("utf-8", 1.0)
    assert (uploaded["encoding_alternatives"], uploaded["encoding_low_confidence"]) == ([], False)


async def test_choosing_an_alternative_encoding_reads_the_text_right_and_keeps_the_other_readings(
    client: httpx.AsyncClient, upload_csv: UploadCsv
) -> None:
    uploaded = await upload_csv(WESTERN.encode("cp1252"), "export.csv")
    others = {uploaded["encoding"], *uploaded["encoding_alternatives"]} - {"cp1252"}

    response = await client.put(options_url(uploaded["id"]), json={"encoding": "cp1252"})

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["encoding"], overrides(body)) == ("cp1252", {"encoding": "cp1252"})
    # What detection said stays visible: the user may still want another reading.
    assert set(body["encoding_alternatives"]) == others
    assert body["encoding_confidence"] == uploaded["encoding_confidence"]
    texts = [row[1] for row in (await preview(client, uploaded["id"]))["rows"]]
    assert texts == [line.split(";")[1] for line in WESTERN.splitlines()[1:]]


async def test_excel_separator_line_is_skipped_and_reported(
    client: httpx.AsyncClient, upload_csv: UploadCsv
) -> None:
    uploaded = await upload_csv(EXCEL, "excel.csv")

    assert uploaded["excel_separator_line"] is True
    assert (uploaded["delimiter"], [c["name"] for c in uploaded["columns"]]) == (";", ["name", "amount"])
    assert (await preview(client, uploaded["id"]))["rows"] == [["A", 1], ["B", 2]]


async def test_day_first_dates_report_their_format_in_metadata_and_preview(
    client: httpx.AsyncClient, upload_csv: UploadCsv
) -> None:
    uploaded = await upload_csv(DATES, "dates.csv")

    booked, entered = column(uploaded, "booked"), column(uploaded, "entered")
    assert (booked["type"], booked["format"]) == ("DATE", "%d.%m.%Y")
    assert (entered["type"], entered["format"]) == ("TIMESTAMP", "%d.%m.%Y %H:%M:%S")
    page = await preview(client, uploaded["id"])
    assert column(page, "booked")["format"] == "%d.%m.%Y"
    assert [row[1] for row in page["rows"]] == ["2024-01-31", "2024-02-01"]


async def test_a_column_format_override_types_an_ambiguous_column(
    client: httpx.AsyncClient, upload_csv: UploadCsv
) -> None:
    uploaded = await upload_csv(AMBIGUOUS, "ship.csv")
    assert column(uploaded, "ship_by")["type"] == "TEXT"  # 02/03: nothing in the data decides

    body = {"column_formats": {"ship_by": "%d/%m/%Y"}}
    response = await client.put(options_url(uploaded["id"]), json=body)

    assert response.status_code == 200, response.text
    assert (column(response.json(), "ship_by")["type"], column(response.json(), "ship_by")["format"]) == (
        "DATE",
        "%d/%m/%Y",
    )
    assert overrides(response.json()) == body
    page = await preview(client, uploaded["id"])
    assert [row[1] for row in page["rows"]] == ["2024-03-02", "2024-04-03", "2024-12-11"]
    assert page["invalid_cells"] == []


@pytest.mark.parametrize(
    ("formats", "field", "words"),
    [
        ({"ship_by": "%d/%m/%Q"}, "column_formats.ship_by", "%Q"),  # not a directive the engine reads
        ({"ship_by": "%Y-%m-%d"}, "column_formats.ship_by", "reads none"),  # not how the column is written
        ({"ship_by": "%d/%m/%Y %H:%M"}, "column_formats.ship_by", "reads none"),
        ({"nope": "%d/%m/%Y"}, "column_formats.nope", "no such column"),
    ],
)
async def test_a_bad_column_format_is_422_naming_the_column(
    client: httpx.AsyncClient, upload_csv: UploadCsv, formats: dict[str, str], field: str, words: str
) -> None:
    uploaded = await upload_csv(AMBIGUOUS, "ship.csv")

    response = await client.put(options_url(uploaded["id"]), json={"column_formats": formats})

    assert response.status_code == 422, response.text
    problems = response.json()["details"]["problems"]
    assert [p["field"] for p in problems] == [field]
    assert words in problems[0]["message"]
    assert await metadata(client, uploaded["id"]) == uploaded  # nothing changed


async def test_naive_timestamps_beside_zoned_ones_are_timestamptz_in_the_stated_zone(
    client: httpx.AsyncClient, upload_csv: UploadCsv
) -> None:
    uploaded = await upload_csv(ZONED, "zoned.csv")
    assert (column(uploaded, "at")["type"], uploaded["timezone"]) == ("TIMESTAMPTZ", "UTC")
    assert column(await preview(client, uploaded["id"]), "at")["timezone"] == "UTC"

    response = await client.put(options_url(uploaded["id"]), json={"timezone": "Europe/Paris"})

    assert response.status_code == 200, response.text
    assert response.json()["timezone"] == "Europe/Paris"
    page = await preview(client, uploaded["id"])
    assert column(page, "at")["timezone"] == "Europe/Paris"
    # 10:00 in Paris in January is 09:00 UTC, the same instant as the zoned value.
    assert page["rows"][0][1] == page["rows"][1][1]


async def test_an_unknown_time_zone_is_422(client: httpx.AsyncClient, upload_csv: UploadCsv) -> None:
    uploaded = await upload_csv(ZONED, "zoned.csv")

    response = await client.put(options_url(uploaded["id"]), json={"timezone": "Mars/Olympus"})

    assert response.status_code == 422
    assert response.json()["details"]["problems"][0]["field"] == "timezone"


async def test_null_markers_are_detected_per_column_and_shown_in_the_preview(
    client: httpx.AsyncClient, upload_csv: UploadCsv
) -> None:
    uploaded = await upload_csv(MARKERS, "markers.csv")

    score = column(uploaded, "score")
    assert score["type"] == "NUMERIC"
    assert set(score["null_markers"]) == {"NA", "N/A", "\\N"}
    assert uploaded["null_markers"] is None  # the common markers, nothing chosen
    page = await preview(client, uploaded["id"])
    assert set(column(page, "score")["null_markers"]) == {"NA", "N/A", "\\N"}
    assert [row[1] for row in page["rows"]] == ["3.5", None, None, None]
    assert [row[2] for row in page["rows"]] == ["a", "b", "NULL", "c"]  # text keeps them


async def test_null_markers_set_by_the_user_apply_to_every_column(
    client: httpx.AsyncClient, upload_csv: UploadCsv
) -> None:
    uploaded = await upload_csv(MARKERS, "markers.csv")

    response = await client.put(
        options_url(uploaded["id"]), json={"null_markers": ["NA", "N/A", "NULL", "\\N"]}
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["null_markers"] == ["NA", "N/A", "NULL", "\\N"]
    assert overrides(body) == {"null_markers": ["NA", "N/A", "NULL", "\\N"]}
    page = await preview(client, uploaded["id"])
    assert [row[2] for row in page["rows"]] == ["a", "b", None, "c"]


async def test_no_null_markers_keeps_the_markers_as_text(
    client: httpx.AsyncClient, upload_csv: UploadCsv
) -> None:
    uploaded = await upload_csv(MARKERS, "markers.csv")

    response = await client.put(options_url(uploaded["id"]), json={"null_markers": []})

    assert response.status_code == 200, response.text
    assert column(response.json(), "score")["type"] == "TEXT"


@pytest.mark.parametrize("markers", [["x" * 33], "NA", [1]])
async def test_bad_null_markers_are_422(
    client: httpx.AsyncClient, upload_csv: UploadCsv, markers: object
) -> None:
    uploaded = await upload_csv(MARKERS, "markers.csv")

    response = await client.put(options_url(uploaded["id"]), json={"null_markers": markers})

    assert response.status_code == 422
    assert response.json()["details"]["problems"][0]["field"].startswith("null_markers")


def gzip_bomb(inflated_bytes: int) -> bytes:
    """A valid .csv.gz of repeated rows: about a thousand times smaller than what it inflates to."""
    row = b"1,2,3,4,5,6,7,8\n"
    stream = gzip.compress(b"a,b,c,d,e,f,g,h\n" + row * (inflated_bytes // len(row)), compresslevel=9)
    assert len(stream) * 500 < inflated_bytes
    return stream


def stored_files(settings: Settings) -> list[Path]:
    return sorted(settings.upload_dir.iterdir()) if settings.upload_dir.exists() else []


async def test_a_gzip_bomb_is_413_with_the_reason_and_nothing_is_kept(
    make_client: Callable[[Settings], Any], make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(max_inflated_bytes=8 << 20)
    bomb = gzip_bomb(64 << 20)
    async with make_client(settings) as http:
        response = await http.post("/api/v1/sources/csv/upload", files={"file": ("bomb.csv.gz", bomb)})
        listed = (await http.get("/api/v1/sources/csv")).json()

    assert len(bomb) < settings.max_upload_bytes
    assert response.status_code == 413, response.text
    body = response.json()
    assert body["error"] == "FileTooLarge"
    assert "inflates to more than 8,388,608 bytes" in body["message"]
    assert body["details"] == {"reason": "too_large", "max_inflated_bytes": 8 << 20}
    assert listed["total"] == 0
    assert stored_files(settings) == []


async def test_a_gzip_file_under_the_inflated_cap_is_accepted(
    make_client: Callable[[Settings], Any], make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(max_inflated_bytes=8 << 20)
    async with make_client(settings) as http:
        response = await http.post(
            "/api/v1/sources/csv/upload", files={"file": ("ok.csv.gz", gzip_bomb(4 << 20))}
        )

    assert response.status_code == 201, response.text
    assert response.json()["compression"] == "gzip"
