"""Destinations the portal refuses to connect to: refused networks (link-local, cloud metadata, a
configured deny/allow list) and duckdb files outside DUCKDB_DIR; checked before any connection."""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from portal.core.config import Settings
from portal.core.network_policy import (
    DestinationRefusedError,
    check_host,
    parse_networks,
    system_resolver,
)
from portal.db.sync import create_sync_engine, create_sync_session_factory
from portal.runner.errors import RunFailedError
from portal.runner.job_run import execute_attempt
from portal.runs.models import JobRun

DEFAULT_DENY = parse_networks(["169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128"])


def resolving_to(*addresses: str) -> Callable[[str], list[str]]:
    """A resolver double: every name resolves to `addresses` (what a hostile DNS record would do)."""
    return lambda _host: list(addresses)


@pytest.mark.parametrize(
    ("host", "resolve"),
    [
        ("169.254.169.254", system_resolver),
        ("fd00:ec2::254", system_resolver),
        ("fe80::1", system_resolver),
        ("metadata.example", resolving_to("10.0.0.5", "169.254.169.254")),  # any address counts
        ("mapped.example", resolving_to("::ffff:169.254.169.254")),
        ("zoned.example", resolving_to("fe80::1%eth0")),
    ],
)
def test_link_local_and_metadata_addresses_are_refused(
    host: str, resolve: Callable[[str], list[str]]
) -> None:
    with pytest.raises(DestinationRefusedError) as refused:
        check_host(host, DEFAULT_DENY, [], resolve)
    assert "NETWORK_DENYLIST" in refused.value.message and refused.value.status_code == 422


def test_loopback_and_unresolvable_names_pass_and_an_allowlist_is_exclusive() -> None:
    check_host("localhost", DEFAULT_DENY, [])
    check_host("127.0.0.1", DEFAULT_DENY, [])
    check_host("no-such-host.invalid", DEFAULT_DENY, [])  # nothing to reach; the driver says so
    allow = [ipaddress.ip_network("10.0.0.0/8")]
    check_host("db.example", DEFAULT_DENY, allow, resolving_to("10.1.2.3"))
    with pytest.raises(DestinationRefusedError, match="outside NETWORK_ALLOWLIST"):
        check_host("127.0.0.1", DEFAULT_DENY, allow)


def pg(**overrides: Any) -> dict[str, Any]:
    """A credential's body (`name=None` for the unsaved test, which takes none)."""
    body = {"name": "pg", "kind": "postgres", "host": "127.0.0.1", "port": 5432, "database": "postgres"}
    body = {"username": "postgres", "password": "", "options": {"sslmode": "disable"}, **body, **overrides}
    return {key: value for key, value in body.items() if value is not None}


def assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "DestinationRefused"
    assert "not allowed" in response.json()["message"]


async def test_the_api_refuses_a_metadata_host_before_connecting(client: httpx.AsyncClient) -> None:
    metadata = {"host": "169.254.169.254", "port": 80}
    assert_refused(await client.post("/api/v1/credentials/test", json=pg(name=None, **metadata)))
    assert_refused(await client.post("/api/v1/credentials", json=pg(**metadata)))
    created = await client.post("/api/v1/credentials", json=pg())
    assert created.status_code == 201, created.text
    assert_refused(await client.put(f"/api/v1/credentials/{created.json()['id']}", json=metadata))
    assert (await client.get(f"/api/v1/credentials/{created.json()['id']}")).json()["host"] == "127.0.0.1"


async def test_a_saved_credential_is_checked_again_when_tested_or_browsed(
    client: httpx.AsyncClient,
    make_client: Callable[[Settings], Any],
    make_settings: Callable[..., Settings],
) -> None:
    credential_id = (await client.post("/api/v1/credentials", json=pg())).json()["id"]
    assert (await client.post(f"/api/v1/credentials/{credential_id}/test")).json()["ok"] is True

    async with make_client(make_settings(network_denylist="127.0.0.0/8")) as strict:
        assert_refused(await strict.post(f"/api/v1/credentials/{credential_id}/test"))
        assert_refused(await strict.get(f"/api/v1/destinations/{credential_id}/schemas"))


async def test_the_runner_fails_a_load_to_a_refused_host(
    client: httpx.AsyncClient,
    session: AsyncSession,
    upload_csv: Callable[..., Awaitable[dict[str, Any]]],
    make_settings: Callable[..., Settings],
) -> None:
    file = await upload_csv(b"id,city\n1,Lyon\n")
    credential_id = (await client.post("/api/v1/credentials", json=pg())).json()["id"]
    job = await client.post(
        "/api/v1/jobs",
        json={
            "name": "j",
            "file_id": file["id"],
            "credential_id": credential_id,
            "target_schema": "public",
            "target_table": "cities",
        },
    )
    assert job.status_code == 201, job.text
    run = JobRun(job_id=job.json()["id"], status="PENDING", attempt=0)
    session.add(run)
    await session.commit()

    # The worker's settings: the host has become a refused network since the job was saved.
    worker_settings = make_settings(network_allowlist="10.0.0.0/8")
    engine = create_sync_engine(worker_settings)
    try:
        with pytest.raises(RunFailedError, match="outside NETWORK_ALLOWLIST"):
            execute_attempt(create_sync_session_factory(engine), worker_settings, run.id, 1)
    finally:
        engine.dispose()

    await session.refresh(run)
    assert run.status == "FAILED"
    assert run.error_message is not None and "127.0.0.1" in run.error_message


@pytest.mark.parametrize("path", ["/etc/evil.duckdb", "../outside.duckdb", "inner/../../outside.duckdb", "."])
async def test_a_duckdb_file_outside_the_duckdb_dir_is_refused(client: httpx.AsyncClient, path: str) -> None:
    body = {"name": "duck", "kind": "duckdb", "options": {"path": path}}
    for response in (
        await client.post("/api/v1/credentials", json=body),
        await client.post("/api/v1/credentials/test", json={"kind": "duckdb", "options": {"path": path}}),
    ):
        assert response.status_code == 422, response.text
        assert response.json()["error"] == "DuckdbPathRefused"


async def test_a_symlink_out_of_the_duckdb_dir_is_refused(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    settings.duckdb_dir.mkdir(parents=True)
    (settings.duckdb_dir / "escape").symlink_to(settings.duckdb_dir.parent)
    body = {"name": "duck", "kind": "duckdb", "options": {"path": "escape/x.duckdb"}}

    response = await client.post("/api/v1/credentials", json=body)

    assert response.status_code == 422 and response.json()["error"] == "DuckdbPathRefused"


async def test_a_duckdb_file_inside_the_dir_is_kept_there_and_shown_by_its_relative_name(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    created = await client.post(
        "/api/v1/credentials", json={"name": "duck", "kind": "duckdb", "options": {"path": "team/a.duckdb"}}
    )
    assert created.status_code == 201, created.text
    assert created.json()["options"] == {"path": "team/a.duckdb"}
    assert str(tmp_path) not in created.text

    tested = await client.post(f"/api/v1/credentials/{created.json()['id']}/test")
    assert tested.json()["ok"] is True
    assert (settings.duckdb_dir / "team" / "a.duckdb").is_file()


async def test_the_runner_fails_a_load_whose_redshift_stage_endpoint_is_refused(
    client: httpx.AsyncClient,
    session: AsyncSession,
    upload_csv: Callable[..., Awaitable[dict[str, Any]]],
    make_settings: Callable[..., Settings],
) -> None:
    file = await upload_csv(b"id,city\n1,Lyon\n")
    stage = {
        "bucket": "stage",
        "iam_role": "arn:aws:iam::123456789012:role/loader",
        "endpoint_url": "http://127.0.0.3:9000",
    }
    credential = await client.post(
        "/api/v1/credentials",
        json=pg(kind="redshift", name="rs", port=5439, options={"sslmode": "require", "s3_stage": stage}),
    )
    assert credential.status_code == 201, credential.text
    job = await client.post(
        "/api/v1/jobs",
        json={
            "name": "j",
            "file_id": file["id"],
            "credential_id": credential.json()["id"],
            "target_schema": "public",
            "target_table": "cities",
        },
    )
    assert job.status_code == 201, job.text
    run = JobRun(job_id=job.json()["id"], status="PENDING", attempt=0)
    session.add(run)
    await session.commit()

    # The cluster's host still passes; the stage's endpoint has become a refused network.
    worker_settings = make_settings(network_denylist="127.0.0.3/32")
    engine = create_sync_engine(worker_settings)
    try:
        with pytest.raises(RunFailedError, match="not allowed"):
            execute_attempt(create_sync_session_factory(engine), worker_settings, run.id, 1)
    finally:
        engine.dispose()

    await session.refresh(run)
    assert run.status == "FAILED"
    assert run.error_message is not None and "127.0.0.3" in run.error_message
