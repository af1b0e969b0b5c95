"""Channels through the API: secrets write-only (never in a response, the audit log or a log line),
send test against real receivers (an HTTP server checking the signature, aiosmtpd), the delivery log,
a job's subscriptions."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from notification_receivers import SmtpReceiver, WebhookReceiver, closed_url
from run_factories import make_job
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth.principal import Role
from portal.notifications.models import NotificationChannel

API = "/api/v1/notification-channels"
SIGNING_SECRET = "whsec-0123456789abcdef-test"
SMTP_PASSWORD = "smtp-pass-Xy9!-test"


def webhook_body(url: str, name: str = "ops hook", **extra: Any) -> dict[str, Any]:
    return {"name": name, "config": {"kind": "webhook", "url": url}, "secret": SIGNING_SECRET, **extra}


async def create(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(API, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_webhook_channel_secret_is_write_only_and_encrypted(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    created = await create(client, webhook_body("https://hooks.example.com/portal"))

    assert created["has_secret"] is True
    assert created["config"] == {"kind": "webhook", "url": "https://hooks.example.com/portal"}
    for response in (await client.get(API), await client.get(f"{API}/{created['id']}")):
        assert response.status_code == 200
        assert SIGNING_SECRET not in response.text
    stored = await session.scalar(select(NotificationChannel.secret_encrypted))
    assert stored is not None and SIGNING_SECRET.encode() not in stored


async def test_channel_changes_are_audited_without_the_secret(client: httpx.AsyncClient) -> None:
    created = await create(client, webhook_body("https://hooks.example.com/a"))
    new_secret = "another-secret-0123456789"
    updated = await client.put(f"{API}/{created['id']}", json={"name": "renamed", "secret": new_secret})
    assert updated.status_code == 200, updated.text
    assert (await client.delete(f"{API}/{created['id']}")).status_code == 204

    audit = await client.get("/api/v1/audit-events", params={"resource_type": "notification_channel"})
    events = audit.json()["items"]
    assert sorted(e["action"] for e in events) == ["create", "delete", "update"]
    update = next(e for e in events if e["action"] == "update")
    assert update["changes"]["name"] == {"before": "ops hook", "after": "renamed"}
    assert update["changes"]["secret"] == {"before": "***", "after": "***"}  # replaced, never shown
    assert SIGNING_SECRET not in audit.text and new_secret not in audit.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"name": "w", "config": {"kind": "webhook", "url": "https://x.example/h"}, "secret": "short"},
            "secret",
        ),
        ({"name": "w", "config": {"kind": "webhook", "url": "https://x.example/h"}}, "secret"),
        ({"name": "s", "config": {"kind": "slack"}, "secret": "not a url"}, "secret"),
        (
            {
                "name": "w",
                "config": {"kind": "webhook", "url": "ftp://x.example/h"},
                "secret": SIGNING_SECRET,
            },
            "config",
        ),
        (
            {
                "name": "e",
                "config": {
                    "kind": "email",
                    "host": "smtp.example",
                    "from_address": "x",
                    "to_addresses": ["a@b.c"],
                },
            },
            "config",
        ),
        ({"name": "e", "config": {"kind": "fax"}}, "config"),
    ],
)
async def test_a_channel_missing_what_its_kind_needs_is_refused(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    response = await client.post(API, json=body)

    assert response.status_code == 422, response.text
    assert any(p["field"].startswith(field) for p in response.json()["details"]["problems"])
    assert "not a url" not in response.text  # a refused secret is not echoed back


async def test_a_taken_name_is_409_and_a_metadata_host_is_refused(client: httpx.AsyncClient) -> None:
    await create(client, webhook_body("https://hooks.example.com/a"))

    taken = await client.post(API, json=webhook_body("https://hooks.example.com/b"))
    metadata = await client.post(API, json=webhook_body("http://169.254.169.254/latest", name="imds"))

    assert taken.status_code == 409 and taken.json()["error"] == "ChannelNameTaken"
    assert metadata.status_code == 422 and metadata.json()["error"] == "DestinationRefused"


async def test_changing_the_kind_needs_that_kinds_secret(client: httpx.AsyncClient) -> None:
    created = await create(client, webhook_body("https://hooks.example.com/a"))

    to_slack = await client.put(f"{API}/{created['id']}", json={"config": {"kind": "slack"}})
    with_url = await client.put(
        f"{API}/{created['id']}",
        json={"config": {"kind": "slack"}, "secret": "https://hooks.slack.test/T/B/x"},
    )

    assert to_slack.status_code == 422
    assert with_url.status_code == 200 and with_url.json()["kind"] == "slack"
    assert "hooks.slack.test" not in with_url.text


async def test_send_test_posts_a_signed_event_the_receiver_verifies(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with WebhookReceiver(secret=SIGNING_SECRET) as receiver:
        created = await create(client, webhook_body(receiver.url))
        response = await client.post(f"{API}/{created['id']}/test")

    assert response.status_code == 200, response.text
    result = response.json()
    assert result["status"] == "sent" and result["last_response_code"] == 200 and result["attempts"] == 1
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request.verified
    assert request.headers["x-portal-event"] == "test"
    assert request.headers["x-portal-delivery"] == str(result["id"])
    document = json.loads(request.body)
    assert document["event"] == "test" and document["data"]["channel"]["id"] == created["id"]
    assert SIGNING_SECRET not in caplog.text
    log = (await client.get(f"{API}/{created['id']}/deliveries")).json()
    assert [d["id"] for d in log["items"]] == [result["id"]] and log["total"] == 1


async def test_a_receiver_with_another_secret_rejects_the_signature(client: httpx.AsyncClient) -> None:
    with WebhookReceiver(secret="the-receivers-own-secret-1234") as receiver:
        created = await create(client, webhook_body(receiver.url))
        await client.post(f"{API}/{created['id']}/test")

    assert [r.verified for r in receiver.requests] == [False]


async def test_send_test_to_a_dead_channel_reports_the_failure(client: httpx.AsyncClient) -> None:
    created = await create(client, webhook_body(closed_url()))

    response = await client.post(f"{API}/{created['id']}/test")

    assert response.status_code == 200
    result = response.json()
    assert result["status"] == "failed" and result["attempts"] == 1
    assert result["last_response_code"] is None and result["last_error"]
    assert result["next_attempt_at"] is None  # a test is tried once


async def test_slack_channel_posts_text_and_never_shows_its_url(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with WebhookReceiver(statuses=[500]) as receiver:
        slack_url = receiver.url + "/T000/B000/secret-part"
        created = await create(client, {"name": "slack", "config": {"kind": "slack"}, "secret": slack_url})
        failed = await client.post(f"{API}/{created['id']}/test")
        sent = await client.post(f"{API}/{created['id']}/test")

    assert failed.json()["status"] == "failed" and failed.json()["last_response_code"] == 500
    assert sent.json()["status"] == "sent"
    body = json.loads(receiver.requests[-1].body)
    assert list(body) == ["text"] and "Test notification" in body["text"]
    log = await client.get(f"{API}/{created['id']}/deliveries")
    for text in (created and json.dumps(created), failed.text, sent.text, log.text, caplog.text):
        assert "secret-part" not in text


NO_TLS_WARNING = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@NO_TLS_WARNING
async def test_email_channel_logs_in_and_sends_through_a_real_smtp_server(client: httpx.AsyncClient) -> None:
    with SmtpReceiver(username="portal", password=SMTP_PASSWORD) as smtp:
        config = {
            "kind": "email",
            "host": "127.0.0.1",
            "port": smtp.port,
            "security": "none",
            "username": "portal",
            "from_address": "portal@example.com",
            "to_addresses": ["ops@example.com", "lead@example.com"],
        }
        created = await create(client, {"name": "mail", "config": config, "secret": SMTP_PASSWORD})
        response = await client.post(f"{API}/{created['id']}/test")

    assert SMTP_PASSWORD not in json.dumps(created)
    assert response.json()["status"] == "sent", response.text
    assert response.json()["last_response_code"] == 250
    assert smtp.logins == [("portal", SMTP_PASSWORD)]
    [message] = smtp.messages
    assert message["Subject"] == "[ETL Portal] Test notification"
    assert message["X-Test-Envelope-To"] == "ops@example.com, lead@example.com"
    assert "The channel works" in message.get_payload()


@NO_TLS_WARNING
async def test_email_with_a_wrong_password_fails_with_the_smtp_code(client: httpx.AsyncClient) -> None:
    with SmtpReceiver(username="portal", password=SMTP_PASSWORD) as smtp:
        config = {
            "kind": "email", "host": "127.0.0.1", "port": smtp.port, "security": "none", "username": "portal",
            "from_address": "portal@example.com", "to_addresses": ["ops@example.com"],
        }  # fmt: skip
        created = await create(client, {"name": "mail", "config": config, "secret": "wrong-password"})
        result = (await client.post(f"{API}/{created['id']}/test")).json()

    assert result["status"] == "failed" and result["last_response_code"] == 535
    assert smtp.messages == [] and "wrong-password" not in json.dumps(result)


async def test_job_subscriptions_are_replaced_as_a_set_and_audited(
    client: httpx.AsyncClient, session: AsyncSession, client_as: Any
) -> None:
    job = await make_job(session)
    hook = await create(client, webhook_body("https://hooks.example.com/a"))
    everyone = await create(
        client, webhook_body("https://hooks.example.com/b", name="all", all_jobs_events=["run_failed"])
    )
    path = f"/api/v1/jobs/{job.id}/notifications"

    async with client_as(Role.OPERATOR) as operator:
        first = await operator.put(
            path,
            json={"subscriptions": [{"channel_id": hook["id"], "events": ["run_failed", "run_succeeded"]}]},
        )
        unknown = await operator.put(
            path, json={"subscriptions": [{"channel_id": 999, "events": ["run_failed"]}]}
        )
        twice = await operator.put(
            path,
            json={"subscriptions": [{"channel_id": hook["id"], "events": ["run_failed"]}] * 2},
        )
        cleared = await operator.put(path, json={"subscriptions": []})
    async with client_as(Role.VIEWER) as viewer:
        seen = await viewer.get(path)

    assert first.status_code == 200, first.text
    [subscription] = first.json()["subscriptions"]
    assert subscription["channel_id"] == hook["id"]
    assert subscription["events"] == ["run_succeeded", "run_failed"]  # in EventType order, once each
    assert [c["channel_id"] for c in first.json()["all_jobs"]] == [everyone["id"]]
    assert unknown.status_code == 422 and twice.status_code == 422
    assert cleared.json()["subscriptions"] == [] and seen.json() == cleared.json()
    assert (await client.get("/api/v1/jobs/999999/notifications")).status_code == 404
    audit = await client.get("/api/v1/audit-events", params={"resource_type": "job_notifications"})
    assert [e["resource_id"] for e in audit.json()["items"]] == [str(job.id)] * 2
