"""Jobs through the API on a real PostgreSQL, with real CSV files profiled by the engine and, for
existing-table jobs, a real table in the test database as the destination."""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from run_factories import make_credential, make_run
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from etl_engine import profile_csv
from portal.connections.models import Credential
from portal.jobs.models import Job
from portal.uploads.models import UploadedFile

PEOPLE = b"id,First Name,age,joined\n1,Ada,36,2024-01-02\n2,Grace,45,2023-05-06\n3,Linus,,2022-07-08\n"


async def stored_file(session: AsyncSession, tmp_path: Path, content: bytes = PEOPLE) -> UploadedFile:
    """A CSV on disk with the row the upload endpoint would store for it (profiled by the engine)."""
    path = tmp_path / f"{uuid.uuid4().hex}.csv"
    path.write_bytes(content)
    profile = profile_csv(path)
    file = UploadedFile(
        id=uuid.uuid4().hex,
        filename="people.csv",
        stored_path=str(path),
        size_bytes=len(content),
        encoding=profile.options.encoding,
        delimiter=profile.options.delimiter,
        quotechar=profile.options.quotechar,
        has_header=profile.options.has_header,
        decimal=profile.options.decimal,
        row_estimate=profile.row_estimate,
        columns=[{**dataclasses.asdict(c), "type": c.type.value} for c in profile.columns],
    )
    session.add(file)
    await session.commit()
    return file


@pytest.fixture
async def file(session: AsyncSession, tmp_path: Path) -> UploadedFile:
    return await stored_file(session, tmp_path)


@pytest.fixture
async def credential(session: AsyncSession) -> Credential:
    return await make_credential(session)


def job_body(file: UploadedFile, credential: Credential, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "people",
        "file_id": file.id,
        "credential_id": credential.id,
        "target_schema": "public",
        "target_table": "people",
    }
    body.update(overrides)
    return body


def mapping(source: str | None, target: str, type_: str, **extra: Any) -> dict[str, Any]:
    return {"source_column": source, "target_column": target, "target_type": type_, **extra}


def problems(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    return [p["message"] for p in response.json()["details"]["problems"]]


async def test_create_without_mappings_maps_every_file_column_and_shows_the_ddl(
    client: httpx.AsyncClient, file: UploadedFile, credential: Credential
) -> None:
    response = await client.post("/api/v1/jobs", json=job_body(file, credential))

    assert response.status_code == 201, response.text
    job = response.json()
    assert [(m["source_column"], m["target_column"], m["target_type"]) for m in job["mappings"]] == [
        ("id", "id", "INTEGER"),
        ("first_name", "first_name", "TEXT"),
        ("age", "age", "INTEGER"),
        ("joined", "joined", "DATE"),
    ]
    assert [m["position"] for m in job["mappings"]] == [0, 1, 2, 3]
    assert job["ddl"].startswith('CREATE TABLE "public"."people" (')
    assert '"first_name" text' in job["ddl"]
    assert job["strategy"] == "INSERT" and job["batch_size"] == 100_000


async def test_create_keeps_explicit_mappings_transforms_and_calculated_columns(
    client: httpx.AsyncClient, file: UploadedFile, credential: Credential
) -> None:
    mappings = [
        mapping("id", "person_id", "BIGINT"),
        mapping("First Name", "name", "TEXT", transforms=[{"type": "trim"}, {"type": "upper"}]),
        mapping("age", "age", "INTEGER", transforms=[{"type": "default", "value": 0}]),
        mapping("joined", "joined", "DATE", include=False),
        mapping(None, "age_next_year", "INTEGER", expression="age + 1"),
        mapping("age", "age_text", "TEXT", transforms=[{"type": "cast", "to": "TEXT"}]),
    ]

    created = await client.post("/api/v1/jobs", json=job_body(file, credential, mappings=mappings))
    fetched = await client.get(f"/api/v1/jobs/{created.json()['id']}")

    assert created.status_code == 201, created.text
    job = fetched.json()
    assert job["mappings"][1]["source_column"] == "first_name"  # the header resolved to its SQL name
    assert job["mappings"][1]["transforms"] == [{"type": "trim"}, {"type": "upper"}]
    assert job["mappings"][2]["transforms"] == [{"type": "default", "value": 0}]
    assert job["mappings"][3]["include"] is False
    assert job["mappings"][4]["expression"] == "age + 1"
    assert job["mappings"][5]["transforms"] == [{"type": "cast", "to": "TEXT"}]
    assert '"joined"' not in job["ddl"] and '"age_next_year" integer' in job["ddl"]


async def test_list_pages_jobs_newest_first(
    client: httpx.AsyncClient, file: UploadedFile, credential: Credential
) -> None:
    for name in ("a", "b", "c"):
        await client.post("/api/v1/jobs", json=job_body(file, credential, name=name))

    page = (await client.get("/api/v1/jobs", params={"limit": 2})).json()

    assert page["total"] == 3
    assert [job["name"] for job in page["items"]] == ["c", "b"]


async def test_unknown_source_column_names_what_the_file_has(
    client: httpx.AsyncClient, file: UploadedFile, credential: Credential
) -> None:
    body = job_body(file, credential, mappings=[mapping("salary", "salary", "NUMERIC")])

    messages = problems(await client.post("/api/v1/jobs", json=body))

    assert messages == ["unknown source column 'salary' (the file has age, first_name, id, joined)"]


async def test_duplicate_targets_and_empty_mappings_are_refused(
    client: httpx.AsyncClient, file: UploadedFile, credential: Credential
) -> None:
    duplicate = job_body(
        file, credential, mappings=[mapping("id", "key", "INTEGER"), mapping("age", "KEY", "INTEGER")]
    )
    nothing = job_body(file, credential, mappings=[mapping("id", "id", "INTEGER", include=False)])

    assert "duplicate target column 'KEY'" in problems(await client.post("/api/v1/jobs", json=duplicate))[0]
    assert "no column is included" in problems(await client.post("/api/v1/jobs", json=nothing))[0]


async def test_upsert_needs_keys_that_are_mapped_targets(
    client: httpx.AsyncClient, file: UploadedFile, credential: Credential
) -> None:
    without_keys = job_body(file, credential, strategy="UPSERT")
    unmapped_key = job_body(file, credential, strategy="UPSERT", upsert_keys=["person_id"])
    good = job_body(file, credential, strategy="UPSERT", upsert_keys=["id"])

    assert "UPSERT needs upsert_keys" in problems(await client.post("/api/v1/jobs", json=without_keys))[0]
    assert (
        "'person_id' is not an included target"
        in problems(await client.post("/api/v1/jobs", json=unmapped_key))[0]
    )
    created = await client.post("/api/v1/jobs", json=good)
    assert created.status_code == 201
    assert 'PRIMARY KEY ("id")' in created.json()["ddl"]


async def test_a_strategy_the_destination_cannot_honour_is_refused_at_save(
    client: httpx.AsyncClient, session: AsyncSession, file: UploadedFile
) -> None:
    lake = Credential(
        name="lake", kind="s3", usage="destination", options={"bucket": "b", "region": "us-east-1"}
    )
    session.add(lake)
    await session.commit()

    upsert = job_body(file, lake, strategy="UPSERT", upsert_keys=["id"])
    insert = job_body(file, lake, strategy="TRUNCATE_INSERT")

    assert problems(await client.post("/api/v1/jobs", json=upsert)) == [
        "UPSERT is not possible on a s3 destination (it takes INSERT, TRUNCATE_INSERT)"
    ]
    assert (await client.post("/api/v1/jobs", json=insert)).status_code == 201


async def test_invalid_expression_is_refused_with_its_position(
    client: httpx.AsyncClient, file: UploadedFile, credential: Credential
) -> None:
    body = job_body(file, credential, mappings=[mapping(None, "x", "INTEGER", expression="age + salary")])

    messages = problems(await client.post("/api/v1/jobs", json=body))

    assert messages == ["expression of 'x' is invalid at position 6: unknown column 'salary'"]


@pytest.mark.parametrize(
    "bad_mapping",
    [
        mapping(None, "x", "TEXT"),  # neither a source nor an expression
        mapping("id", "x", "TEXT", expression="id"),  # both
        mapping("id", "x", "WORDS"),  # not a type
        mapping("id", "", "TEXT"),  # no target name
        mapping("id", "x" * 64, "TEXT"),  # longer than an identifier may be
        mapping("id", "x", "TEXT", transforms=[{"type": "replace"}]),  # replace without 'old'
        mapping("id", "x", "TEXT", transforms=[{"type": "cast", "type_": "INTEGER"}]),  # cast without 'to'
        mapping("id", "x", "TEXT", transforms=[{"type": "cast", "to": "WORDS"}]),  # not a type
        mapping("id", "x", "TEXT", transforms=[{"type": "shout"}]),
    ],
)
async def test_malformed_mappings_are_422(
    client: httpx.AsyncClient, file: UploadedFile, credential: Credential, bad_mapping: dict[str, Any]
) -> None:
    response = await client.post("/api/v1/jobs", json=job_body(file, credential, mappings=[bad_mapping]))

    assert response.status_code == 422
    assert response.json()["error"] == "RequestValidationError"


async def test_unknown_file_credential_and_job_are_404(
    client: httpx.AsyncClient, file: UploadedFile, credential: Credential
) -> None:
    no_file = await client.post("/api/v1/jobs", json=job_body(file, credential, file_id="f" * 32))
    no_credential = await client.post("/api/v1/jobs", json=job_body(file, credential, credential_id=999))

    assert no_file.status_code == 404 and no_file.json()["details"]["entity"] == "UploadedFile"
    assert no_credential.status_code == 404 and no_credential.json()["details"]["entity"] == "Credential"
    assert (await client.get("/api/v1/jobs/999")).status_code == 404
    assert (await client.put("/api/v1/jobs/999", json={"name": "x"})).status_code == 404
    assert (await client.delete("/api/v1/jobs/999")).status_code == 404


@pytest.fixture
async def existing_table(session: AsyncSession) -> str:
    """dest_check.people in the test database: what an existing-table job must fit."""
    await session.execute(text("CREATE SCHEMA IF NOT EXISTS dest_check"))
    await session.execute(text("DROP TABLE IF EXISTS dest_check.people"))
    await session.execute(
        text(
            "CREATE TABLE dest_check.people (id bigint NOT NULL, first_name varchar(100), "
            "joined date, loaded_at timestamptz NOT NULL DEFAULT now(), note text)"
        )
    )
    await session.commit()
    return "people"


async def test_existing_table_mapping_must_fit_its_columns_and_types(
    client: httpx.AsyncClient, file: UploadedFile, credential: Credential, existing_table: str
) -> None:
    base = {"target_schema": "dest_check", "target_table": existing_table, "create_table": False}
    misfit = job_body(
        file,
        credential,
        **base,
        mappings=[
            mapping("first_name", "first_name", "TEXT"),
            mapping("age", "age", "INTEGER"),
            mapping("joined", "joined", "TEXT"),
        ],
    )
    fitting = job_body(
        file,
        credential,
        **base,
        mappings=[
            mapping("id", "id", "INTEGER"),
            mapping("first_name", "first_name", "TEXT"),
            mapping("joined", "joined", "DATE"),
        ],
    )

    messages = problems(await client.post("/api/v1/jobs", json=misfit))
    created = await client.post("/api/v1/jobs", json=fitting)

    assert messages == [
        "column 'age' does not exist in dest_check.people (it has id, first_name, joined, loaded_at, note)",
        "column 'joined' is date in the table and cannot take TEXT values",
        "table column 'id' is NOT NULL without a default and is not mapped",
    ]
    assert created.status_code == 201, created.text
    assert created.json()["ddl"] is None


async def test_preview_ddl_checks_an_existing_table_as_create_does(
    client: httpx.AsyncClient, file: UploadedFile, credential: Credential, existing_table: str
) -> None:
    base = {"target_schema": "dest_check", "target_table": existing_table, "create_table": False}
    misfit = job_body(file, credential, **base, mappings=[mapping("age", "age", "INTEGER")])
    fitting = job_body(
        file,
        credential,
        **base,
        mappings=[mapping("id", "id", "INTEGER"), mapping("first_name", "first_name", "TEXT")],
    )

    messages = problems(await client.post("/api/v1/jobs/preview-ddl", json=misfit))
    preview = await client.post("/api/v1/jobs/preview-ddl", json=fitting)

    assert messages == [
        "column 'age' does not exist in dest_check.people (it has id, first_name, joined, loaded_at, note)",
        "table column 'id' is NOT NULL without a default and is not mapped",
    ]
    assert preview.status_code == 200, preview.text
    assert (
        "loads into the existing table dest_check.people: nothing is created or altered"
        in (preview.json()["warnings"])
    )


async def test_existing_table_mode_needs_the_table(
    client: httpx.AsyncClient, file: UploadedFile, credential: Credential
) -> None:
    body = job_body(
        file, credential, target_schema="public", target_table="no_such_table", create_table=False
    )

    messages = problems(await client.post("/api/v1/jobs", json=body))

    assert messages == [
        "table public.no_such_table does not exist in 'test postgres'; set create_table to create it"
    ]


async def test_put_merges_fields_and_keeps_or_replaces_mappings(
    client: httpx.AsyncClient,
    session: AsyncSession,
    tmp_path: Path,
    file: UploadedFile,
    credential: Credential,
) -> None:
    job = (await client.post("/api/v1/jobs", json=job_body(file, credential))).json()
    url = f"/api/v1/jobs/{job['id']}"

    renamed = await client.put(url, json={"name": "renamed", "reject_threshold_percent": 5})
    remapped = await client.put(url, json={"mappings": [mapping("id", "id", "BIGINT")]})
    other_file = await stored_file(session, tmp_path, b"code;label\nA1;x\n")
    moved = await client.put(url, json={"file_id": other_file.id})

    assert renamed.status_code == 200
    assert renamed.json()["name"] == "renamed" and renamed.json()["reject_threshold_percent"] == 5
    assert len(renamed.json()["mappings"]) == 4  # kept
    assert [m["target_column"] for m in remapped.json()["mappings"]] == ["id"]
    assert [m["target_column"] for m in moved.json()["mappings"]] == [
        "code",
        "label",
    ]  # new file, new mapping


async def test_put_with_a_bad_change_is_422_and_changes_nothing(
    client: httpx.AsyncClient, file: UploadedFile, credential: Credential
) -> None:
    job = (await client.post("/api/v1/jobs", json=job_body(file, credential))).json()
    url = f"/api/v1/jobs/{job['id']}"

    upsert_without_keys = await client.put(url, json={"strategy": "UPSERT", "name": "changed"})
    null_name = await client.put(url, json={"name": None})

    assert "UPSERT needs upsert_keys" in problems(upsert_without_keys)[0]
    assert null_name.status_code == 422
    current = (await client.get(url)).json()
    assert current["name"] == "people" and current["strategy"] == "INSERT"


async def test_delete_refuses_a_job_with_an_active_run(
    client: httpx.AsyncClient, session: AsyncSession, file: UploadedFile, credential: Credential
) -> None:
    busy = (await client.post("/api/v1/jobs", json=job_body(file, credential, name="busy"))).json()
    idle = (await client.post("/api/v1/jobs", json=job_body(file, credential, name="idle"))).json()
    busy_job = await session.get_one(Job, busy["id"])
    await make_run(session, busy_job, status="RUNNING")

    refused = await client.delete(f"/api/v1/jobs/{busy['id']}")
    deleted = await client.delete(f"/api/v1/jobs/{idle['id']}")

    assert refused.status_code == 409 and refused.json()["error"] == "JobHasActiveRuns"
    assert deleted.status_code == 204
    assert (await client.get(f"/api/v1/jobs/{idle['id']}")).status_code == 404


async def test_preview_ddl_shows_the_table_and_warns_about_conversions_and_exclusions(
    client: httpx.AsyncClient, file: UploadedFile, credential: Credential
) -> None:
    body = job_body(
        file,
        credential,
        strategy="TRUNCATE_INSERT",
        mappings=[
            mapping("id", "id", "INTEGER"),
            mapping("first_name", "first_name", "INTEGER"),
            mapping("joined", "joined", "DATE", include=False),
        ],
    )

    response = await client.post("/api/v1/jobs/preview-ddl", json=body)

    assert response.status_code == 200
    preview = response.json()
    assert (
        preview["ddl"] == 'CREATE TABLE "public"."people" (\n    "id" integer,\n    "first_name" integer\n);'
    )
    assert "1 column(s) not loaded: joined" in preview["warnings"]
    assert any("'first_name': TEXT values are converted to INTEGER" in w for w in preview["warnings"])
    assert any("replaces all rows" in w for w in preview["warnings"])


async def test_preview_ddl_refuses_what_create_refuses(
    client: httpx.AsyncClient, file: UploadedFile, credential: Credential
) -> None:
    response = await client.post(
        "/api/v1/jobs/preview-ddl", json=job_body(file, credential, strategy="UPSERT")
    )

    assert "UPSERT needs upsert_keys" in problems(response)[0]


async def test_validate_expression_gives_type_and_sample_values(
    client: httpx.AsyncClient, file: UploadedFile
) -> None:
    response = await client.post(
        "/api/v1/jobs/validate-expression", json={"file_id": file.id, "expression": "age * 2"}
    )

    assert response.status_code == 200
    result = response.json()
    assert result["valid"] is True and result["error"] is None
    assert result["type"] in ("INTEGER", "BIGINT")
    assert result["sample"] == [72, 90, None]


async def test_validate_expression_points_at_the_error(client: httpx.AsyncClient, file: UploadedFile) -> None:
    unknown = await client.post(
        "/api/v1/jobs/validate-expression", json={"file_id": file.id, "expression": "upper(nme)"}
    )
    syntax = await client.post(
        "/api/v1/jobs/validate-expression", json={"file_id": file.id, "expression": "age +"}
    )
    no_file = await client.post(
        "/api/v1/jobs/validate-expression", json={"file_id": "0" * 32, "expression": "1"}
    )

    assert unknown.json() == {
        "valid": False,
        "error": "unknown column 'nme'",
        "position": 6,
        "type": None,
        "sample": None,
    }
    assert syntax.json()["valid"] is False and syntax.json()["position"] is not None
    assert no_file.status_code == 404
