"""Sending one delivery over one channel: a signed webhook, a Slack-compatible webhook, an email.

Every send is bounded by `timeout` seconds and never raises: it returns an `Outcome` (ok, the HTTP
status or SMTP reply code, a short error). Error texts never carry the channel's secret.

Webhook signature (what a receiver checks, docs/notifications.md):

    signed = f"{X-Portal-Timestamp}.".encode() + raw_body
    X-Portal-Signature == "sha256=" + hmac.new(secret, signed, sha256).hexdigest()

and refuses a timestamp further than its allowed skew (5 minutes suggested) from its own clock, so a
captured request replayed later, or with another timestamp, fails.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpcore

from portal.notifications.models import ChannelKind, EventType

SIGNATURE_HEADER = "X-Portal-Signature"
TIMESTAMP_HEADER = "X-Portal-Timestamp"
EVENT_HEADER = "X-Portal-Event"
DELIVERY_HEADER = "X-Portal-Delivery"
USER_AGENT = "etl-portal-notifications/1"
_ERROR_CHARS = 500


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    response_code: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Message:
    """What a delivery says, whatever the channel."""

    delivery_id: int
    event: str
    payload: Mapping[str, Any]
    created_at: str  # ISO 8601


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The `X-Portal-Signature` value of `body` sent at `timestamp` (Unix seconds, as a string)."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, now: float, max_skew: float) -> bool:
    """The receiver's check (also what the tests' receiver runs)."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent_at) > max_skew:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


_TITLES = {
    EventType.RUN_SUCCEEDED.value: "Run succeeded",
    EventType.RUN_FAILED.value: "Run failed",
    EventType.RUN_COMPLETED_WITH_REJECTS.value: "Run completed with rejected rows",
    EventType.SCHEDULE_DISABLED.value: "Schedule disabled after failures",
    EventType.SCHEMA_DRIFT.value: "Schema drift found",
    EventType.CDC_LAG.value: "Change stream lagging",
    "test": "Test notification",
}


def describe(message: Message) -> tuple[str, str]:
    """(subject, text) for people: Slack's text and the email."""
    title = _TITLES.get(message.event, message.event)
    job = message.payload.get("job") or {}
    run = message.payload.get("run") or {}
    subject = f"[ETL Portal] {title}"
    if job:
        subject += f": {job.get('name')}"
    lines = [subject.removeprefix("[ETL Portal] ")]
    if summary := message.payload.get("reason") or message.payload.get("summary"):
        lines.append(str(summary))
    if run.get("status"):
        lines.append(
            f"Run #{run.get('id')} of job #{job.get('id')} ({run.get('trigger')}): {run.get('status')}; "
            f"rows read {run.get('rows_read')}, loaded {run.get('rows_loaded')}, "
            f"rejected {run.get('rows_rejected')}"
        )
        if run.get("error_message"):
            lines.append(f"Error: {run['error_message']}")
        if run.get("finished_at"):
            lines.append(f"Finished at {run['finished_at']}")
    elif run:
        lines.append(f"Run #{run.get('id')} of job #{job.get('id')}")
    if message.event == "test":
        lines.append("The channel works: this is what the portal sends when an event happens.")
    return subject, "\n".join(lines)


def webhook_body(message: Message) -> bytes:
    document = {
        "id": message.delivery_id,
        "event": message.event,
        "created_at": message.created_at,
        "data": dict(message.payload),
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode("utf-8")


async def send(
    kind: ChannelKind,
    config: Mapping[str, Any],
    secret: str | None,
    message: Message,
    *,
    timeout: float,
    clock: Callable[[], float] = time.time,
) -> Outcome:
    """Send `message`; never raises, never takes (much) longer than `timeout`."""
    try:
        if kind is ChannelKind.WEBHOOK:
            outcome = await _webhook(config, secret, message, timeout, clock)
        elif kind is ChannelKind.SLACK:
            outcome = await _slack(secret, message, timeout)
        else:
            outcome = await asyncio.wait_for(
                asyncio.to_thread(_email, config, secret, message, timeout), timeout * 2
            )
    except TimeoutError:
        outcome = Outcome(ok=False, error=f"no answer within {timeout:g} s")
    except Exception as exc:  # any failure is this delivery's, never the loop's
        outcome = Outcome(ok=False, error=_describe_error(exc))
    return _without_secret(outcome, secret)


async def _webhook(
    config: Mapping[str, Any],
    secret: str | None,
    message: Message,
    timeout: float,
    clock: Callable[[], float],
) -> Outcome:
    if not secret:
        return Outcome(ok=False, error="the channel has no signing secret")
    body = webhook_body(message)
    timestamp = str(int(clock()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        EVENT_HEADER: message.event,
        DELIVERY_HEADER: str(message.delivery_id),
    }
    return await _post(str(config["url"]), body, headers, timeout)


async def _slack(secret: str | None, message: Message, timeout: float) -> Outcome:
    if not secret:
        return Outcome(ok=False, error="the channel has no webhook URL")
    _, text = describe(message)
    body = json.dumps({"text": text}).encode("utf-8")
    return await _post(secret, body, {"Content-Type": "application/json", "User-Agent": USER_AGENT}, timeout)


async def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    # httpcore, not httpx: httpx logs every request's full URL at INFO, and a Slack URL is a secret.
    limits = {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
    async with httpcore.AsyncConnectionPool(retries=0) as pool:
        response = await asyncio.wait_for(
            pool.request(
                "POST", url, headers=list(headers.items()), content=body, extensions={"timeout": limits}
            ),
            timeout * 2,
        )
    if 200 <= response.status < 300:
        return Outcome(ok=True, response_code=response.status)
    text = response.content[:200].decode("utf-8", "replace").strip()
    return Outcome(
        ok=False, response_code=response.status, error=f"HTTP {response.status}: {text}".rstrip(": ")
    )


def _email(config: Mapping[str, Any], password: str | None, message: Message, timeout: float) -> Outcome:
    subject, text = describe(message)
    email = EmailMessage()
    email["Subject"] = subject
    email["From"] = config["from_address"]
    email["To"] = ", ".join(config["to_addresses"])
    email["X-Portal-Event"] = message.event
    email["X-Portal-Delivery"] = str(message.delivery_id)
    email.set_content(text)
    host, port, security = str(config["host"]), int(config["port"]), config.get("security", "starttls")
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    try:
        if security == "tls":
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            if security == "starttls":
                smtp.starttls(context=context)
            if config.get("username"):
                smtp.login(str(config["username"]), password or "")
            refused = smtp.send_message(email)
    except smtplib.SMTPResponseException as exc:
        reply = (
            exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        )
        return Outcome(ok=False, response_code=exc.smtp_code, error=f"SMTP {exc.smtp_code}: {reply}")
    except smtplib.SMTPRecipientsRefused as exc:
        return Outcome(ok=False, error=f"every recipient refused: {', '.join(exc.recipients)}")
    if refused:
        return Outcome(ok=True, response_code=250, error=f"refused recipients: {', '.join(refused)}")
    return Outcome(ok=True, response_code=250)  # send_message raises unless the server said 250


def _describe_error(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _without_secret(outcome: Outcome, secret: str | None) -> Outcome:
    """An error text never repeats the secret (a Slack URL in an exception message, say)."""
    error = outcome.error
    if error and secret and secret in error:
        error = error.replace(secret, "***")
    if error is not None:
        error = error[:_ERROR_CHARS]
    return Outcome(ok=outcome.ok, response_code=outcome.response_code, error=error)
