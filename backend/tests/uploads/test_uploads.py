from __future__ import annotations

import gzip
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from portal.connections.models import Credential
from portal.core.config import Settings
from portal.jobs.models import Job

UploadCsv = Callable[..., Awaitable[dict[str, Any]]]

PEOPLE = b"id,name,born,score\n1,Ada,1815-12-10,9.5\n2,Grace,1906-12-09,8.25\n3,Linus,1969-12-28,\n"


def stored_files(settings: Settings) -> list[Path]:
    return sorted(settings.upload_dir.iterdir()) if settings.upload_dir.exists() else []


async def test_upload_stores_the_file_under_a_server_id_and_returns_its_profile(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    response = await client.post(
        "/api/v1/sources/csv/upload", files={"file": ("../../etc/people.csv", PEOPLE, "text/csv")}
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert len(body["id"]) == 32
    assert body["filename"] == "people.csv"
    assert body["size_bytes"] == len(PEOPLE)
    assert (body["delimiter"], body["has_header"], body["compression"]) == (",", True, None)
    assert body["row_estimate"] == 3
    assert [(c["name"], c["type"]) for c in body["columns"]] == [
        ("id", "INTEGER"),
        ("name", "TEXT"),
        ("born", "DATE"),
        ("score", "NUMERIC"),
    ]
    assert stored_files(settings) == [settings.upload_dir / f"{body['id']}.csv"]
    assert (settings.upload_dir / f"{body['id']}.csv").read_bytes() == PEOPLE


async def test_gzip_upload_is_read_transparently(upload_csv: UploadCsv) -> None:
    body = await upload_csv(gzip.compress(PEOPLE), "people.csv.gz")

    assert body["compression"] == "gzip"
    assert [c["name"] for c in body["columns"]] == ["id", "name", "born", "score"]


async def test_semicolon_file_with_decimal_comma_is_detected(upload_csv: UploadCsv) -> None:
    body = await upload_csv(b"name;price\nA;1,50\nB;22,75\nC;3,00\n", "prices.txt")

    assert body["delimiter"] == ";"
    assert body["decimal"] == ","
    assert body["columns"][1]["type"] == "NUMERIC"


async def test_unsupported_extension_is_415_and_nothing_is_kept(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    response = await client.post("/api/v1/sources/csv/upload", files={"file": ("book.xlsx", PEOPLE)})

    assert response.status_code == 415
    body = response.json()
    assert body["error"] == "UnsupportedFileType"
    assert ".csv" in body["message"]
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    ("content", "status", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, 415, "not_csv"),
        (b"a,b\n1,\x00\x00\x00\x002\n" * 50, 415, "binary"),
        (b"", 422, "empty"),
        (gzip.compress(PEOPLE * 100)[:-40], 422, "truncated"),
    ],
    ids=["png", "nul-bytes", "empty", "truncated-gzip"],
)
async def test_unreadable_files_are_refused_with_the_reason_and_removed(
    client: httpx.AsyncClient, settings: Settings, content: bytes, status: int, reason: str
) -> None:
    name = "data.csv.gz" if reason == "truncated" else "data.csv"

    response = await client.post("/api/v1/sources/csv/upload", files={"file": (name, content)})

    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == "UnreadableFile"
    assert body["details"]["reason"] == reason
    assert body["message"].startswith("The file cannot be read as CSV: ")
    assert stored_files(settings) == []


async def test_upload_over_the_limit_is_413_and_the_partial_file_is_deleted(
    make_client: Callable[[Settings], Any], make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(max_upload_bytes=1000)
    async with make_client(settings) as http:
        # Small enough that only counting the streamed bytes can catch it (not Content-Length).
        response = await http.post("/api/v1/sources/csv/upload", files={"file": ("big.csv", PEOPLE * 30)})

    assert response.status_code == 413
    body = response.json()
    assert body["error"] == "PayloadTooLargeError"
    assert body["details"]["max_upload_bytes"] == 1000
    assert stored_files(settings) == []


async def test_upload_declaring_a_length_far_over_the_limit_is_refused_before_reading(
    make_client: Callable[[Settings], Any], make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(max_upload_bytes=1000)
    async with make_client(settings) as http:
        response = await http.post("/api/v1/sources/csv/upload", files={"file": ("big.csv", PEOPLE * 5000)})

    assert response.status_code == 413
    assert "exceeds the limit" in response.json()["message"]
    assert stored_files(settings) == []


async def test_upload_at_exactly_the_limit_is_accepted(
    make_client: Callable[[Settings], Any], make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(max_upload_bytes=len(PEOPLE))
    async with make_client(settings) as http:
        response = await http.post("/api/v1/sources/csv/upload", files={"file": ("people.csv", PEOPLE)})

    assert response.status_code == 201


async def test_upload_without_a_file_field_is_422(client: httpx.AsyncClient) -> None:
    wrong_field = await client.post("/api/v1/sources/csv/upload", files={"document": ("a.csv", PEOPLE)})
    not_multipart = await client.post("/api/v1/sources/csv/upload", json={"file": "a,b"})

    assert wrong_field.status_code == not_multipart.status_code == 422
    assert wrong_field.json()["error"] == not_multipart.json()["error"] == "MissingFile"


async def test_upload_cut_off_before_the_end_is_422_and_removed(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    boundary = "cutoff"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'.encode()
        + PEOPLE
    )

    response = await client.post(
        "/api/v1/sources/csv/upload",
        content=body,
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )

    assert response.status_code == 422
    assert response.json()["error"] == "TruncatedUpload"
    assert stored_files(settings) == []


async def test_list_and_metadata(client: httpx.AsyncClient, upload_csv: UploadCsv) -> None:
    first = await upload_csv(PEOPLE, "a.csv")
    second = await upload_csv(PEOPLE, "b.csv")

    listed = (await client.get("/api/v1/sources/csv")).json()
    metadata = await client.get(f"/api/v1/sources/csv/{first['id']}/metadata")

    assert listed["total"] == 2
    assert {item["id"] for item in listed["items"]} == {first["id"], second["id"]}
    assert metadata.status_code == 200
    assert metadata.json() == first


async def test_options_override_reprofiles_the_file(client: httpx.AsyncClient, upload_csv: UploadCsv) -> None:
    uploaded = await upload_csv(PEOPLE)

    response = await client.put(f"/api/v1/sources/csv/{uploaded['id']}/options", json={"has_header": False})

    assert response.status_code == 200
    body = response.json()
    assert body["has_header"] is False
    assert body["row_estimate"] == 4
    assert [c["name"] for c in body["columns"]] == ["column_1", "column_2", "column_3", "column_4"]
    assert all(c["type"] == "TEXT" for c in body["columns"])
    stored = (await client.get(f"/api/v1/sources/csv/{uploaded['id']}/metadata")).json()
    assert stored["has_header"] is False


@pytest.mark.parametrize(
    "options",
    [{"decimal": ";"}, {"delimiter": ",,"}, {"encoding": "no-such-codec"}, {"comment": "#"}],
)
async def test_invalid_options_are_422(
    client: httpx.AsyncClient, upload_csv: UploadCsv, options: dict[str, Any]
) -> None:
    uploaded = await upload_csv(PEOPLE)

    response = await client.put(f"/api/v1/sources/csv/{uploaded['id']}/options", json=options)

    assert response.status_code == 422
    assert response.json()["error"] == "RequestValidationError"


async def test_an_encoding_that_cannot_decode_the_file_is_422_and_keeps_the_file(
    client: httpx.AsyncClient, upload_csv: UploadCsv
) -> None:
    uploaded = await upload_csv("name\nJosé\nZoë\n".encode("utf-16"), "u16.csv")

    response = await client.put(f"/api/v1/sources/csv/{uploaded['id']}/options", json={"encoding": "ascii"})

    assert response.status_code == 422, response.text
    assert response.json()["error"] == "UnreadableFile"
    assert (await client.get(f"/api/v1/sources/csv/{uploaded['id']}/metadata")).status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/sources/csv/0123456789abcdef0123456789abcdef/metadata"),
        ("PUT", "/api/v1/sources/csv/0123456789abcdef0123456789abcdef/options"),
        ("DELETE", "/api/v1/sources/csv/0123456789abcdef0123456789abcdef"),
    ],
)
async def test_unknown_file_is_404(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path, json={} if method == "PUT" else None)

    assert response.status_code == 404
    assert response.json()["error"] == "EntityNotFoundError"


async def test_delete_removes_the_row_and_the_stored_file(
    client: httpx.AsyncClient, upload_csv: UploadCsv, settings: Settings
) -> None:
    uploaded = await upload_csv(PEOPLE)

    response = await client.delete(f"/api/v1/sources/csv/{uploaded['id']}")

    assert response.status_code == 204
    assert stored_files(settings) == []
    assert (await client.get(f"/api/v1/sources/csv/{uploaded['id']}/metadata")).status_code == 404


async def test_delete_of_a_file_a_job_uses_is_409(
    client: httpx.AsyncClient, upload_csv: UploadCsv, session: AsyncSession, settings: Settings
) -> None:
    uploaded = await upload_csv(PEOPLE)
    credential = Credential(name="pg", kind="postgres", host="h", database="d", username="u", options={})
    session.add(credential)
    await session.flush()
    session.add(
        Job(
            name="j", file_id=uploaded["id"], credential_id=credential.id, target_schema="s", target_table="t"
        )
    )
    await session.commit()

    response = await client.delete(f"/api/v1/sources/csv/{uploaded['id']}")

    assert response.status_code == 409
    assert response.json()["error"] == "FileInUse"
    assert len(stored_files(settings)) == 1


async def test_preview_returns_typed_rows_statistics_and_a_page(
    client: httpx.AsyncClient, upload_csv: UploadCsv
) -> None:
    uploaded = await upload_csv(PEOPLE)

    response = await client.get(
        f"/api/v1/sources/csv/{uploaded['id']}/preview", params={"offset": 1, "limit": 2}
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["offset"], body["limit"], body["total_rows"], body["total_rows_exact"]) == (1, 2, 3, True)
    assert body["rows"] == [[2, "Grace", "1906-12-09", "8.25"], [3, "Linus", "1969-12-28", None]]
    columns = {c["sql_name"]: c for c in body["columns"]}
    assert columns["id"]["type"] == "INTEGER"
    assert (columns["id"]["min"], columns["id"]["max"]) == (1, 3)
    assert columns["score"]["null_count"] == 1
    assert "Ada" in columns["name"]["samples"]
    assert body["invalid_cells"] == []


async def test_preview_flags_a_late_value_that_breaks_the_inferred_type(
    client: httpx.AsyncClient, upload_csv: UploadCsv
) -> None:
    # More than the profiling sample (1 MB) of integers, then a value that is not one.
    rows = 200_000
    content = b"n\n" + b"".join(b"%d\n" % i for i in range(rows)) + b"x\n"
    uploaded = await upload_csv(content, "late.csv")
    assert uploaded["columns"][0]["type"] in ("INTEGER", "BIGINT")

    response = await client.get(
        f"/api/v1/sources/csv/{uploaded['id']}/preview", params={"offset": rows - 1, "limit": 5}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["rows"] == [[rows - 1], [None]]
    assert len(body["invalid_cells"]) == 1
    cell = body["invalid_cells"][0]
    assert (cell["row"], cell["column"], cell["value"]) == (1, "n", "x")
    assert cell["reason"]


@pytest.mark.parametrize("params", [{"offset": -1}, {"limit": 0}, {"limit": 100000}])
async def test_preview_with_bad_paging_is_422(
    client: httpx.AsyncClient, upload_csv: UploadCsv, params: dict[str, int]
) -> None:
    uploaded = await upload_csv(PEOPLE)

    response = await client.get(f"/api/v1/sources/csv/{uploaded['id']}/preview", params=params)

    assert response.status_code == 422


async def test_preview_of_an_unknown_file_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/sources/csv/0123456789abcdef0123456789abcdef/preview")

    assert response.status_code == 404


async def test_a_body_arriving_in_tiny_chunks_is_stored_byte_for_byte(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    boundary = "tiny"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="t.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + PEOPLE
        + f"\r\n--{boundary}--\r\n".encode()
    )

    async def chunks() -> Any:
        for start in range(0, len(body), 7):
            yield body[start : start + 7]

    response = await client.post(
        "/api/v1/sources/csv/upload",
        content=chunks(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )

    assert response.status_code == 201, response.text
    assert (settings.upload_dir / f"{response.json()['id']}.csv").read_bytes() == PEOPLE


async def test_two_files_in_one_request_are_refused_and_nothing_is_kept(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    response = await client.post(
        "/api/v1/sources/csv/upload",
        files=[("file", ("a.csv", PEOPLE)), ("file", ("b.csv", PEOPLE))],
    )

    assert response.status_code == 422
    assert response.json()["error"] == "TooManyFiles"
    assert stored_files(settings) == []


async def test_old_files_without_a_row_are_removed_at_start_up(
    make_client: Callable[[Settings], Any], make_settings: Callable[..., Settings], upload_csv: UploadCsv
) -> None:
    settings = make_settings()
    kept = await upload_csv(PEOPLE)
    settings.upload_dir.mkdir(parents=True, exist_ok=True)
    orphan = settings.upload_dir / ("ab" * 16 + ".csv.gz")
    in_flight = settings.upload_dir / ("cd" * 16 + ".csv")
    foreign = settings.upload_dir / ".gitkeep"
    for path in (orphan, in_flight, foreign):
        path.write_bytes(b"x")
    os.utime(orphan, (time.time() - 7200, time.time() - 7200))
    os.utime(foreign, (time.time() - 7200, time.time() - 7200))

    async with make_client(settings):
        pass

    assert not orphan.exists()
    assert in_flight.exists() and foreign.exists()
    assert (settings.upload_dir / f"{kept['id']}.csv").exists()
