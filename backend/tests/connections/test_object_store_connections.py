"""S3 and Snowflake connections, and Redshift's S3 stage, through the API.

Their connection tests run for real against moto's S3 server and fakesnow's Snowflake emulator
(started on free ports; no AWS or Snowflake account is reachable here). fakesnow accepts any
password or key signature, so what is verified of key-pair sign-in is this side: the key is read
and decrypted with its passphrase, and the connector signs in with it.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from engine.s3_store import KEY_ID, SECRET, s3_endpoint
from engine.snowflake_store import snowflake_server
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from etl_engine.writers.redshift import S3Stage
from etl_engine.writers.s3 import client_for
from portal.audit.models import AuditEvent
from portal.connections.engine_inputs import destination_config
from portal.connections.models import Credential
from portal.core.config import Settings
from portal.core.crypto import CredentialCipher

__all__ = ["s3_endpoint", "snowflake_server"]  # fixtures used by the tests below

SESSION_TOKEN = "canary-session-token-4242"
PASSPHRASE = "canary-passphrase-7171"
STAGE_SECRET = "canary-stage-secret-9191"


@pytest.fixture
def bucket(s3_endpoint: str) -> str:
    name = f"b-{uuid.uuid4().hex[:12]}"
    boto = client_for(_engine_s3(s3_endpoint, name))
    boto.create_bucket(Bucket=name)
    boto.put_object(Bucket=name, Key="exports/a.txt", Body=b"x")
    return name


def _engine_s3(endpoint: str, bucket: str) -> Any:
    from etl_engine import DestinationConfig

    return DestinationConfig(
        kind="s3", bucket=bucket, endpoint_url=endpoint, path_style=True, user=KEY_ID, password=SECRET
    )


def s3_body(endpoint: str, bucket: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": f"lake {uuid.uuid4().hex[:6]}",
        "kind": "s3",
        "username": KEY_ID,
        "password": SECRET,
        "options": {"bucket": bucket, "region": "us-east-1", "endpoint_url": endpoint, "path_style": True},
        "secrets": {"session_token": SESSION_TOKEN},
    }
    body.update(overrides)
    return body


def unsaved_body(endpoint: str, bucket: str) -> dict[str, Any]:
    """What `POST /credentials/test` takes: a connection without a name."""
    return {k: v for k, v in s3_body(endpoint, bucket, secrets={}).items() if k != "name"}


def snowflake_body(server: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": f"snow {uuid.uuid4().hex[:6]}",
        "kind": "snowflake",
        "host": server["host"],
        "port": server["port"],
        "database": "analytics",
        "username": server["user"],
        "password": server["password"],
        "options": {"account": "fakesnow", "warehouse": "compute_wh", "schema": "public", "protocol": "http"},
    }
    body.update(overrides)
    return body


def pem_key(passphrase: str | None = PASSPHRASE) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    encryption = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    ).decode()


async def created(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/api/v1/credentials", json=body)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_s3_connection_keeps_its_secret_key_and_session_token_write_only(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, s3_endpoint: str, bucket: str
) -> None:
    response = await client.post("/api/v1/credentials", json=s3_body(s3_endpoint, bucket))

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["has_password"] is True and body["secret_names"] == ["session_token"]
    assert body["host"] == "127.0.0.1"  # the endpoint's host: the network policy checks it
    assert body["options"]["bucket"] == bucket
    listed = await client.get("/api/v1/credentials")
    one = await client.get(f"/api/v1/credentials/{body['id']}")
    for text in (response.text, listed.text, one.text):
        assert SESSION_TOKEN not in text and SECRET not in text
    stored = await session.get(Credential, body["id"])
    assert stored is not None and stored.secrets_encrypted is not None
    assert SESSION_TOKEN.encode() not in stored.secrets_encrypted
    cipher = CredentialCipher.from_settings(settings)
    assert json.loads(cipher.decrypt(stored.secrets_encrypted)) == {"session_token": SESSION_TOKEN}


async def test_s3_connection_test_lists_the_bucket_on_a_real_s3_api(
    client: httpx.AsyncClient, s3_endpoint: str, bucket: str
) -> None:
    saved = await created(client, s3_body(s3_endpoint, bucket, secrets={}))

    tested = await client.post(f"/api/v1/credentials/{saved['id']}/test")
    unsaved = await client.post("/api/v1/credentials/test", json=unsaved_body(s3_endpoint, bucket))
    missing = await client.post(
        "/api/v1/credentials/test", json=unsaved_body(s3_endpoint, "no-such-bucket-here")
    )

    assert tested.status_code == unsaved.status_code == 200
    assert tested.json()["ok"] is True and tested.json()["server_version"] == "S3 API"
    assert unsaved.json()["ok"] is True
    assert missing.status_code == 200 and missing.json()["ok"] is False
    assert "no-such-bucket-here" in missing.json()["message"] or "NoSuchBucket" in missing.json()["message"]


async def test_s3_session_token_reaches_the_engine_and_a_wrong_one_is_refused_by_the_store(
    session: AsyncSession, client: httpx.AsyncClient, settings: Settings, s3_endpoint: str, bucket: str
) -> None:
    saved = await created(client, s3_body(s3_endpoint, bucket))
    stored = await session.get(Credential, saved["id"])
    assert stored is not None

    config = destination_config(stored, CredentialCipher.from_settings(settings))

    assert (config.kind, config.bucket, config.endpoint_url) == ("s3", bucket, s3_endpoint)
    assert (config.user, config.password, config.session_token) == (KEY_ID, SECRET, SESSION_TOKEN)
    assert config.path_style is True and config.region == "us-east-1"
    assert SESSION_TOKEN not in repr(config) and SECRET not in repr(config)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"options": {"region": "eu-west-1"}}, "options.bucket"),
        ({"options": {"bucket": "Not_A_Bucket"}}, "options.bucket"),
        ({"options": {"bucket": "ok-bucket", "endpoint_url": "ftp://store.example"}}, "http(s) URL"),
        ({"options": {"bucket": "ok-bucket", "endpoint_url": "http://store.example:99999"}}, "http(s) URL"),
        ({"options": {"bucket": "ok-bucket", "path_style": "yes"}}, "path_style"),
        ({"username": None}, "access key id"),
        ({"password": None}, "access key id"),
        ({"secrets": {"private_key": "x"}}, "takes no secret private_key"),
        ({"secrets": {"api_key": "x"}}, "secrets"),
        ({"usage": "source"}, "can be used as destination"),
    ],
)
async def test_invalid_s3_connections_are_refused_with_the_reason(
    client: httpx.AsyncClient, change: dict[str, Any], fragment: str
) -> None:
    body = s3_body("http://127.0.0.1:9", "ok-bucket")
    body.update(change)

    response = await client.post("/api/v1/credentials", json=body)

    assert response.status_code == 422, response.text
    assert fragment in response.text


async def test_an_s3_endpoint_in_a_refused_network_is_refused_before_any_request(
    client: httpx.AsyncClient,
) -> None:
    body = s3_body("http://169.254.169.254", "ok-bucket")

    saved = await client.post("/api/v1/credentials", json=body)
    tested = await client.post(
        "/api/v1/credentials/test", json={k: v for k, v in body.items() if k != "name"}
    )

    assert saved.status_code == tested.status_code == 422
    assert saved.json()["error"] == tested.json()["error"] == "DestinationRefused"


async def test_s3_and_snowflake_connections_are_not_browsable(
    client: httpx.AsyncClient, s3_endpoint: str, bucket: str, snowflake_server: dict[str, Any]
) -> None:
    lake = await created(client, s3_body(s3_endpoint, bucket))
    snow = await created(client, snowflake_body(snowflake_server))

    for connection in (lake, snow):
        assert connection["browsable"] is False and connection["live_tested"] is False
        response = await client.get(f"/api/v1/credentials/{connection['id']}/browse/schemas")
        assert response.status_code == 422 and response.json()["error"] == "BrowseNotSupported"
    kinds = {k["kind"]: k for k in (await client.get("/api/v1/credentials/kinds")).json()}
    assert kinds["s3"]["secrets"] == ["session_token"] and kinds["s3"]["usages"] == ["destination"]
    assert kinds["snowflake"]["secrets"] == ["private_key", "private_key_passphrase"]
    assert "fakesnow" in kinds["snowflake"]["note"] and "moto" in kinds["s3"]["note"]


async def test_snowflake_with_a_password_connects_to_the_emulator(
    client: httpx.AsyncClient, snowflake_server: dict[str, Any]
) -> None:
    saved = await created(client, snowflake_body(snowflake_server))

    tested = await client.post(f"/api/v1/credentials/{saved['id']}/test")

    assert tested.status_code == 200
    assert tested.json()["ok"] is True, tested.json()
    assert tested.json()["server_version"].startswith("Snowflake ")
    assert saved["options"]["account"] == "fakesnow" and saved["has_password"] is True


async def test_snowflake_with_a_pasted_encrypted_key_signs_in_and_a_wrong_passphrase_says_why(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, snowflake_server: dict[str, Any]
) -> None:
    pem = pem_key()
    body = snowflake_body(
        snowflake_server, password=None, secrets={"private_key": pem, "private_key_passphrase": PASSPHRASE}
    )
    saved = await created(client, body)

    tested = await client.post(f"/api/v1/credentials/{saved['id']}/test")
    wrong = await client.put(
        f"/api/v1/credentials/{saved['id']}", json={"secrets": {"private_key_passphrase": "not-it"}}
    )
    retested = await client.post(f"/api/v1/credentials/{saved['id']}/test")

    assert saved["has_password"] is False
    assert saved["secret_names"] == ["private_key", "private_key_passphrase"]
    assert tested.json()["ok"] is True, tested.json()
    assert wrong.status_code == 200 and wrong.json()["secret_names"] == saved["secret_names"]
    assert retested.json()["ok"] is False
    assert "private key" in retested.json()["message"]
    for text in (tested.text, wrong.text, retested.text, json.dumps(saved)):
        assert "PRIVATE KEY" not in text and PASSPHRASE not in text
    stored = await session.get(Credential, saved["id"], populate_existing=True)
    assert stored is not None
    config = destination_config(stored, CredentialCipher.from_settings(settings))
    assert config.private_key == pem.strip() and config.private_key_passphrase == "not-it"


async def test_snowflake_key_file_must_be_in_key_dir_and_is_read_when_used(
    tmp_path: Path,
    make_settings: Callable[..., Settings],
    make_client: Callable[[Settings], Any],
    snowflake_server: dict[str, Any],
) -> None:
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "loader.p8").write_text(pem_key(passphrase=None))
    (tmp_path / "outside.p8").write_text(pem_key(passphrase=None))

    async with make_client(make_settings(key_dir=keys)) as http:
        outside = await http.post(
            "/api/v1/credentials",
            json=snowflake_body(
                snowflake_server,
                password=None,
                options={"account": "fakesnow", "private_key_path": "../outside.p8"},
            ),
        )
        absent = await http.post(
            "/api/v1/credentials",
            json=snowflake_body(
                snowflake_server,
                password=None,
                options={"account": "fakesnow", "private_key_path": "nope.p8"},
            ),
        )
        unnamable = await http.post(
            "/api/v1/credentials",
            json=snowflake_body(
                snowflake_server,
                password=None,
                options={"account": "fakesnow", "private_key_path": "a\u0000b"},
            ),
        )
        saved = await http.post(
            "/api/v1/credentials",
            json=snowflake_body(
                snowflake_server,
                password=None,
                options={"account": "fakesnow", "protocol": "http", "private_key_path": "loader.p8"},
            ),
        )
        tested = await http.post(f"/api/v1/credentials/{saved.json()['id']}/test")
        (keys / "loader.p8").unlink()
        gone = await http.post(f"/api/v1/credentials/{saved.json()['id']}/test")

    assert outside.status_code == absent.status_code == unnamable.status_code == 422
    assert outside.json()["error"] == absent.json()["error"] == unnamable.json()["error"] == "KeyPathRefused"
    assert saved.status_code == 201, saved.text
    assert saved.json()["options"]["private_key_path"] == "loader.p8"  # never the server's directories
    assert str(keys) not in saved.text
    assert tested.json()["ok"] is True, tested.json()
    assert gone.json()["ok"] is False and "loader.p8" in gone.json()["message"]


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"password": None}, "signs in with a password or a private key"),
        ({"password": None, "secrets": {"private_key_passphrase": "p"}}, "passphrase needs a private key"),
        ({"options": {"warehouse": "w"}}, "options.account"),
        ({"database": None}, "needs database"),
        ({"options": {"account": "fakesnow", "protocol": "ftp"}}, "options.protocol"),
        (
            {"secrets": {"private_key": "k"}, "options": {"account": "a", "private_key_path": "k.p8"}},
            "not both",
        ),
    ],
)
async def test_invalid_snowflake_connections_are_refused_with_the_reason(
    client: httpx.AsyncClient, change: dict[str, Any], fragment: str
) -> None:
    body = snowflake_body({"host": "127.0.0.1", "port": 9, "user": "u", "password": "p"})
    body.update(change)

    response = await client.post("/api/v1/credentials", json=body)

    assert response.status_code == 422, response.text
    assert fragment in response.text


async def test_secrets_are_set_replaced_and_removed_by_name_and_the_result_must_still_sign_in(
    client: httpx.AsyncClient, snowflake_server: dict[str, Any]
) -> None:
    saved = await created(
        client, snowflake_body(snowflake_server, password=None, secrets={"private_key": pem_key(None)})
    )
    url = f"/api/v1/credentials/{saved['id']}"

    kept = await client.put(url, json={"name": saved["name"] + " renamed"})
    added = await client.put(url, json={"password": "pw", "secrets": {"private_key_passphrase": "p"}})
    removed = await client.put(url, json={"secrets": {"private_key": None, "private_key_passphrase": None}})
    keyless = await client.post(
        "/api/v1/credentials", json=snowflake_body(snowflake_server, password=None, name="keyless")
    )

    assert kept.json()["secret_names"] == ["private_key"]
    assert added.json()["secret_names"] == ["private_key", "private_key_passphrase"]
    assert removed.status_code == 200 and removed.json()["secret_names"] == []
    assert removed.json()["has_password"] is True  # still signs in: with the password
    assert keyless.status_code == 422


async def test_removing_the_only_way_to_sign_in_is_refused(
    client: httpx.AsyncClient, snowflake_server: dict[str, Any]
) -> None:
    saved = await created(
        client, snowflake_body(snowflake_server, password=None, secrets={"private_key": pem_key(None)})
    )

    response = await client.put(f"/api/v1/credentials/{saved['id']}", json={"secrets": {"private_key": None}})

    assert response.status_code == 422
    assert "password or a private key" in response.text
    again = await client.get(f"/api/v1/credentials/{saved['id']}")
    assert again.json()["secret_names"] == ["private_key"]


async def test_a_new_kind_keeps_only_the_secrets_it_takes(
    client: httpx.AsyncClient, s3_endpoint: str, bucket: str
) -> None:
    saved = await created(client, s3_body(s3_endpoint, bucket))

    moved = await client.put(
        f"/api/v1/credentials/{saved['id']}",
        json={"kind": "postgres", "host": "127.0.0.1", "port": 5432, "database": "postgres", "options": {}},
    )

    assert moved.status_code == 200, moved.text
    assert moved.json()["kind"] == "postgres" and moved.json()["secret_names"] == []


async def test_secrets_reach_neither_the_audit_log_nor_the_logs(
    client: httpx.AsyncClient,
    session: AsyncSession,
    s3_endpoint: str,
    bucket: str,
    snowflake_server: dict[str, Any],
    capfd: pytest.CaptureFixture[str],
) -> None:
    pem = pem_key()
    lake = await created(client, s3_body(s3_endpoint, bucket))
    snow = await created(
        client,
        snowflake_body(snowflake_server, secrets={"private_key": pem, "private_key_passphrase": PASSPHRASE}),
    )
    await client.put(
        f"/api/v1/credentials/{lake['id']}", json={"secrets": {"session_token": SESSION_TOKEN + "2"}}
    )
    await client.post(f"/api/v1/credentials/{lake['id']}/test")
    await client.post(f"/api/v1/credentials/{snow['id']}/test")
    await client.delete(f"/api/v1/credentials/{snow['id']}")

    events = (await session.scalars(select(AuditEvent).where(AuditEvent.resource_type == "credential"))).all()
    recorded = json.dumps([e.changes for e in events])
    out, err = capfd.readouterr()
    key_body = pem.splitlines()[1]
    for text in (recorded, out + err):
        assert SESSION_TOKEN not in text and PASSPHRASE not in text and key_body not in text
    update = next(e for e in events if e.action == "update")
    assert update.changes is not None and "secrets" in update.changes  # the change is on record, redacted


async def test_a_key_rotation_reencrypts_the_secrets_too(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    make_settings: Callable[..., Settings],
    make_client: Callable[[Settings], Any],
    s3_endpoint: str,
    bucket: str,
) -> None:
    saved = await created(client, s3_body(s3_endpoint, bucket))
    new_key = base64.b64encode(os.urandom(32)).decode()
    rotated = make_settings(
        credentials_key=new_key, credentials_old_keys=settings.credentials_key.get_secret_value()
    )

    async with make_client(rotated):
        stored = await session.get(Credential, saved["id"], populate_existing=True)
        assert stored is not None and stored.secrets_encrypted is not None
        token = stored.secrets_encrypted

    fresh = CredentialCipher.from_settings(make_settings(credentials_key=new_key))
    assert json.loads(fresh.decrypt(token)) == {"session_token": SESSION_TOKEN}


def redshift_body(**options: Any) -> dict[str, Any]:
    return {
        "name": f"rs {uuid.uuid4().hex[:6]}",
        "kind": "redshift",
        "host": "cluster.example.com",
        "port": 5439,
        "database": "dev",
        "username": "loader",
        "password": "pw",
        "options": {"sslmode": "require", **options},
    }


async def test_a_redshift_s3_stage_with_keys_keeps_its_secret_write_only_and_reaches_the_engine(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    stage = {
        "bucket": "stage-bucket",
        "prefix": "etl/stage",
        "access_key_id": "AKIAEXAMPLE",
        "region": "eu-west-1",
    }
    body = redshift_body(s3_stage=stage) | {"secrets": {"s3_stage_secret_access_key": STAGE_SECRET}}

    response = await client.post("/api/v1/credentials", json=body)

    assert response.status_code == 201, response.text
    assert STAGE_SECRET not in response.text
    assert response.json()["secret_names"] == ["s3_stage_secret_access_key"]
    stored = await session.get(Credential, response.json()["id"])
    assert stored is not None
    config = destination_config(stored, CredentialCipher.from_settings(settings))
    assert config.options["s3_stage"] == S3Stage(
        bucket="stage-bucket",
        prefix="etl/stage",
        region="eu-west-1",
        access_key_id="AKIAEXAMPLE",
        secret_access_key=STAGE_SECRET,
    )
    assert STAGE_SECRET not in repr(config)


@pytest.mark.parametrize(
    ("stage", "fragment"),
    [
        ({"prefix": "x"}, "needs a bucket"),
        ({"bucket": "stage-bucket"}, "needs iam_role"),
        ({"bucket": "stage-bucket", "access_key_id": "AKIA"}, "needs iam_role"),
        ({"bucket": "stage-bucket", "iam_role": "admin"}, "role ARN"),
        (
            {"bucket": "stage-bucket", "iam_role": "arn:aws:iam::123456789012:role/r", "colour": "x"},
            "no colour",
        ),
        (
            {"bucket": "stage-bucket", "iam_role": "arn:aws:iam::123456789012:role/r", "endpoint_url": "s3"},
            "URL",
        ),
    ],
)
async def test_an_incomplete_redshift_stage_is_refused(
    client: httpx.AsyncClient, stage: dict[str, Any], fragment: str
) -> None:
    response = await client.post("/api/v1/credentials", json=redshift_body(s3_stage=stage))

    assert response.status_code == 422, response.text
    assert fragment in response.text


async def test_a_redshift_stage_endpoint_in_a_refused_network_is_refused(client: httpx.AsyncClient) -> None:
    stage = {
        "bucket": "stage-bucket",
        "iam_role": "arn:aws:iam::123456789012:role/loader",
        "endpoint_url": "http://169.254.169.254",
    }

    response = await client.post("/api/v1/credentials", json=redshift_body(s3_stage=stage))

    assert response.status_code == 422 and response.json()["error"] == "DestinationRefused"
