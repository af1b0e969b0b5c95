from __future__ import annotations

import base64
import os
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.connections.models import Credential
from portal.connections.service import BUILTIN_WAREHOUSE_NAME
from portal.core.config import Settings
from portal.core.crypto import CredentialCipher
from portal.jobs.models import Job
from portal.uploads.models import UploadedFile

PASSWORD = "s3cret-ü-pässword"


def postgres_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "warehouse pg",
        "kind": "postgres",
        "host": "127.0.0.1",
        "port": 5432,
        "database": "postgres",
        "username": "postgres",
        "password": PASSWORD,
        "options": {"sslmode": "disable"},
    }
    body.update(overrides)
    return body


async def create(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/credentials", json=postgres_body(**overrides))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_create_returns_the_credential_without_its_password(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/credentials", json=postgres_body())

    assert response.status_code == 201
    body = response.json()
    assert body["has_password"] is True
    assert "password" not in body
    assert "password_encrypted" not in body
    assert PASSWORD not in response.text
    assert body["host"] == "127.0.0.1"
    assert body["options"] == {"sslmode": "disable"}


async def test_password_is_stored_encrypted_and_decrypts_with_the_configured_key(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    created = await create(client)

    stored = await session.get(Credential, created["id"])

    assert stored is not None and stored.password_encrypted is not None
    assert PASSWORD.encode() not in stored.password_encrypted
    assert CredentialCipher.from_settings(settings).decrypt(stored.password_encrypted) == PASSWORD


async def test_no_read_or_list_returns_the_password(client: httpx.AsyncClient) -> None:
    created = await create(client)

    one = await client.get(f"/api/v1/credentials/{created['id']}")
    listed = await client.get("/api/v1/credentials")

    assert one.status_code == listed.status_code == 200
    assert PASSWORD not in one.text + listed.text
    assert "password" not in one.json()


async def test_password_never_reaches_the_logs(
    client: httpx.AsyncClient, capfd: pytest.CaptureFixture[str]
) -> None:
    created = await create(client)
    await client.put(f"/api/v1/credentials/{created['id']}", json={"password": PASSWORD + "2"})
    await client.post(f"/api/v1/credentials/{created['id']}/test")

    out, err = capfd.readouterr()
    assert PASSWORD not in out + err


async def test_the_builtin_warehouse_is_listed_first_and_points_at_warehouse_path(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await create(client)

    response = await client.get("/api/v1/credentials")

    body = response.json()
    assert body["total"] == 2
    builtin = body["items"][0]
    assert builtin["name"] == BUILTIN_WAREHOUSE_NAME
    assert builtin["is_builtin"] is True
    assert builtin["kind"] == "duckdb"
    # Its file by name: the server's directories are nobody's business.
    assert builtin["options"] == {"path": settings.warehouse_path.name}
    assert str(settings.warehouse_path.parent) not in response.text


async def test_the_builtin_warehouse_cannot_be_deleted_or_edited(client: httpx.AsyncClient) -> None:
    builtin = (await client.get("/api/v1/credentials")).json()["items"][0]

    deleted = await client.delete(f"/api/v1/credentials/{builtin['id']}")
    edited = await client.put(f"/api/v1/credentials/{builtin['id']}", json={"name": "mine"})

    assert deleted.status_code == edited.status_code == 409
    assert deleted.json()["error"] == "BuiltinCredential"


async def test_list_is_paginated(client: httpx.AsyncClient) -> None:
    for i in range(3):
        await create(client, name=f"pg {i}")

    page = (await client.get("/api/v1/credentials", params={"offset": 1, "limit": 2})).json()

    assert page["total"] == 4
    assert [c["name"] for c in page["items"]] == ["pg 0", "pg 1"]


async def test_update_without_password_keeps_it_and_with_password_replaces_it(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    created = await create(client)
    cipher = CredentialCipher.from_settings(settings)

    kept = await client.put(f"/api/v1/credentials/{created['id']}", json={"host": "localhost", "port": 5433})
    stored = await session.get(Credential, created["id"])
    assert kept.status_code == 200
    assert kept.json()["host"] == "localhost" and kept.json()["port"] == 5433
    assert stored is not None and stored.password_encrypted is not None
    assert cipher.decrypt(stored.password_encrypted) == PASSWORD

    replaced = await client.put(f"/api/v1/credentials/{created['id']}", json={"password": "new-one"})
    await session.refresh(stored)
    assert replaced.status_code == 200
    assert stored.password_encrypted is not None
    assert cipher.decrypt(stored.password_encrypted) == "new-one"


async def test_update_that_leaves_the_credential_incomplete_is_refused(client: httpx.AsyncClient) -> None:
    created = await create(client)

    response = await client.put(f"/api/v1/credentials/{created['id']}", json={"host": None})

    assert response.status_code == 422
    assert response.json()["error"] == "ValidationFailedError"


async def test_duplicate_name_is_a_conflict(client: httpx.AsyncClient) -> None:
    await create(client)

    response = await client.post("/api/v1/credentials", json=postgres_body())

    assert response.status_code == 409
    assert response.json()["error"] == "CredentialNameTaken"


@pytest.mark.parametrize(
    ("overrides", "field", "problem_field"),
    [
        ({"host": None}, "host", "body"),  # a rule across fields names the whole body
        ({"port": 70000}, "port", "port"),
        ({"kind": "db2"}, "kind", "kind"),
        ({"name": ""}, "name", "name"),
        ({"unexpected": 1}, "unexpected", "unexpected"),
    ],
)
async def test_invalid_bodies_are_422_with_the_field_named(
    client: httpx.AsyncClient, overrides: dict[str, Any], field: str, problem_field: str
) -> None:
    response = await client.post("/api/v1/credentials", json=postgres_body(**overrides))

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "RequestValidationError"
    assert field in body["message"]
    assert [p["field"] for p in body["details"]["problems"]] == [problem_field]
    assert PASSWORD not in response.text


async def test_duckdb_credential_needs_a_path(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/credentials", json={"name": "duck", "kind": "duckdb"})

    assert response.status_code == 422
    assert "options.path" in response.json()["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/credentials/999999"),
        ("PUT", "/api/v1/credentials/999999"),
        ("DELETE", "/api/v1/credentials/999999"),
        ("POST", "/api/v1/credentials/999999/test"),
    ],
)
async def test_unknown_credential_is_404(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path, json={} if method == "PUT" else None)

    assert response.status_code == 404
    assert response.json()["error"] == "EntityNotFoundError"


async def test_delete_removes_an_unused_credential(client: httpx.AsyncClient) -> None:
    created = await create(client)

    response = await client.delete(f"/api/v1/credentials/{created['id']}")

    assert response.status_code == 204
    assert (await client.get(f"/api/v1/credentials/{created['id']}")).status_code == 404


async def test_delete_of_a_credential_a_job_uses_is_409(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    created = await create(client)
    session.add(
        UploadedFile(
            id="f" * 32, filename="a.csv", stored_path="/nonexistent/a.csv", size_bytes=1, encoding="utf-8",
            delimiter=",", quotechar='"', has_header=True, compression=None, columns=[],
        )
    )  # fmt: skip
    await session.flush()
    session.add(
        Job(
            name="load",
            file_id="f" * 32,
            credential_id=created["id"],
            target_schema="public",
            target_table="t",
        )
    )
    await session.commit()

    response = await client.delete(f"/api/v1/credentials/{created['id']}")

    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "CredentialInUse"
    job_id = (await session.scalars(select(Job.id))).one()
    assert body["details"]["job_ids"] == [job_id]


async def test_unsaved_postgres_credential_connects(client: httpx.AsyncClient) -> None:
    body = postgres_body()
    del body["name"]

    response = await client.post("/api/v1/credentials/test", json=body)

    assert response.status_code == 200
    result = response.json()
    assert result["ok"] is True, result
    assert result["server_version"]
    assert result["latency_ms"] >= 0


async def test_unreachable_destination_reports_why_without_failing_the_request(
    client: httpx.AsyncClient,
) -> None:
    body = postgres_body(port=1)
    del body["name"]

    response = await client.post("/api/v1/credentials/test", json=body)

    assert response.status_code == 200
    result = response.json()
    assert result["ok"] is False
    assert result["message"]


async def test_saved_builtin_warehouse_connects(client: httpx.AsyncClient) -> None:
    builtin = (await client.get("/api/v1/credentials")).json()["items"][0]

    response = await client.post(f"/api/v1/credentials/{builtin['id']}/test")

    assert response.status_code == 200
    assert response.json()["ok"] is True, response.json()


async def test_restart_after_a_key_rotation_reencrypts_stored_passwords(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    make_settings: Callable[..., Settings],
    make_client: Callable[[Settings], Any],
) -> None:
    created = await create(client)
    new_key = base64.b64encode(os.urandom(32)).decode()
    rotated = make_settings(
        credentials_key=new_key, credentials_old_keys=settings.credentials_key.get_secret_value()
    )

    async with make_client(rotated):
        stored = await session.get(Credential, created["id"], populate_existing=True)
        assert stored is not None and stored.password_encrypted is not None
        token = stored.password_encrypted

    assert CredentialCipher.from_settings(make_settings(credentials_key=new_key)).decrypt(token) == PASSWORD


async def test_a_password_under_a_lost_key_does_not_stop_the_app_and_its_test_says_why(
    client: httpx.AsyncClient,
    make_settings: Callable[..., Settings],
    make_client: Callable[[Settings], Any],
) -> None:
    created = await create(client)
    other_key = base64.b64encode(os.urandom(32)).decode()

    async with make_client(make_settings(credentials_key=other_key)) as http:
        listed = await http.get("/api/v1/credentials")
        tested = await http.post(f"/api/v1/credentials/{created['id']}/test")
        browsed = await http.get(f"/api/v1/destinations/{created['id']}/schemas")

    assert listed.status_code == 200
    assert tested.status_code == 200
    assert tested.json()["ok"] is False
    assert "CREDENTIALS_OLD_KEYS" in tested.json()["message"]
    assert browsed.status_code == 409
    assert browsed.json()["error"] == "CredentialDecryptionError"


async def test_a_duckdb_path_no_file_can_have_is_refused_not_a_server_error(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/v1/credentials", json={"name": "nul", "kind": "duckdb", "options": {"path": "a\u0000b.duckdb"}}
    )

    assert response.status_code == 422
    assert response.json()["error"] == "DuckdbPathRefused"
