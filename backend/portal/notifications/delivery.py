"""The delivery loop: a task in the API process that sends the outbox's due deliveries.

Every `interval_seconds` it claims up to `batch_size` pending deliveries whose `next_attempt_at`
has come (a conditional UPDATE pushes it a lease ahead, so two API processes never send one
delivery at once), sends them concurrently, each bounded by `timeout_seconds`, and records the
outcome: sent; or, after a failure, another try `backoff_seconds * 2**(attempts-1)` later (capped at
`max_backoff_seconds`) until `max_attempts`, then failed. A channel's failure is its delivery's
only: it never ends the loop, and a load never waits for it (deliveries are rows written with the
run's outcome; see outbox.py).

Tests drive `send_due(..., now=...)` with their own clock; the app starts the loop from its
lifespan with `start_delivery_loop(app)` when NOTIFICATIONS_ENABLED.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import structlog
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portal.core.config import Settings
from portal.core.crypto import CredentialCipher, CredentialDecryptionError
from portal.core.network_policy import DestinationRefusedError, check_host
from portal.db.base import utcnow
from portal.notifications import channels
from portal.notifications.models import ChannelKind, DeliveryStatus, NotificationChannel, NotificationDelivery

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class DeliveryPolicy:
    max_attempts: int = 6
    backoff_seconds: float = 30.0
    max_backoff_seconds: float = 3600.0
    timeout_seconds: float = 10.0
    interval_seconds: float = 5.0
    batch_size: int = 20
    # A claimed delivery is not claimed again before this (a process that died mid-send).
    lease_seconds: float = 300.0

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliveryPolicy:
        return cls(
            max_attempts=settings.notification_max_attempts,
            backoff_seconds=settings.notification_backoff_seconds,
            max_backoff_seconds=settings.notification_max_backoff_seconds,
            timeout_seconds=settings.notification_timeout_seconds,
        )

    def delay(self, attempts: int) -> timedelta:
        """Wait before the next try after `attempts` failed ones (1 -> backoff, 2 -> 2x, 3 -> 4x ...)."""
        seconds = self.backoff_seconds * 2 ** max(attempts - 1, 0)
        return timedelta(seconds=min(seconds, self.max_backoff_seconds))


async def send_due(
    session_factory: async_sessionmaker[AsyncSession],
    cipher: CredentialCipher,
    settings: Settings,
    policy: DeliveryPolicy,
    *,
    now: datetime | None = None,
) -> list[int]:
    """One pass: send every due delivery (up to `batch_size`); returns the ids it tried."""
    now = now or utcnow()
    claimed = await _claim(session_factory, now, policy)
    await asyncio.gather(
        *(_deliver(session_factory, cipher, settings, policy, delivery_id, now) for delivery_id in claimed)
    )
    return claimed


async def _claim(
    session_factory: async_sessionmaker[AsyncSession], now: datetime, policy: DeliveryPolicy
) -> list[int]:
    async with session_factory() as session:
        due = (
            await session.scalars(
                select(NotificationDelivery.id)
                .where(
                    NotificationDelivery.status == DeliveryStatus.PENDING,
                    NotificationDelivery.next_attempt_at <= now,
                )
                .order_by(NotificationDelivery.next_attempt_at, NotificationDelivery.id)
                .limit(policy.batch_size)
            )
        ).all()
        claimed = []
        lease = now + timedelta(seconds=policy.lease_seconds)
        for delivery_id in due:
            won = await session.scalar(
                update(NotificationDelivery)
                .where(
                    NotificationDelivery.id == delivery_id,
                    NotificationDelivery.status == DeliveryStatus.PENDING,
                    NotificationDelivery.next_attempt_at <= now,
                )
                .values(next_attempt_at=lease)
                .returning(NotificationDelivery.id)
                .execution_options(synchronize_session=False)
            )
            if won is not None:
                claimed.append(won)
        await session.commit()
    return claimed


async def _deliver(
    session_factory: async_sessionmaker[AsyncSession],
    cipher: CredentialCipher,
    settings: Settings,
    policy: DeliveryPolicy,
    delivery_id: int,
    now: datetime,
) -> None:
    try:
        async with session_factory() as session:
            delivery = await session.get(NotificationDelivery, delivery_id)
            if delivery is None:  # its channel was deleted meanwhile
                return
            channel = await session.get(NotificationChannel, delivery.channel_id)
            if channel is None:
                return
            await session.commit()  # no transaction stays open while the channel answers (or not)
            outcome = await attempt(channel, delivery, cipher, settings, policy)
            record(delivery, outcome, policy, now)
            await session.commit()
    except Exception:  # the app database briefly down, say: this one is tried again after its lease
        log.exception("notification_delivery_failed", delivery_id=delivery_id)


async def attempt(
    channel: NotificationChannel,
    delivery: NotificationDelivery,
    cipher: CredentialCipher,
    settings: Settings,
    policy: DeliveryPolicy,
) -> channels.Outcome:
    """Send `delivery` once over `channel` (network policy checked first); never raises."""
    if not channel.enabled:
        return channels.Outcome(ok=False, error="the channel is disabled")
    try:
        secret = cipher.decrypt(channel.secret_encrypted) if channel.secret_encrypted is not None else None
    except CredentialDecryptionError as exc:
        return channels.Outcome(ok=False, error=f"the channel's secret cannot be read: {exc.message}")
    refused = await _refused_host(channel, secret, settings)
    if refused is not None:
        return channels.Outcome(ok=False, error=refused)
    message = channels.Message(
        delivery_id=delivery.id,
        event=delivery.event,
        payload=delivery.payload,
        created_at=delivery.created_at.isoformat(),
    )
    outcome = await channels.send(
        channel.kind, channel.config, secret, message, timeout=policy.timeout_seconds
    )
    log.info(
        "notification_sent" if outcome.ok else "notification_attempt_failed",
        delivery_id=delivery.id,
        channel_id=channel.id,
        kind=channel.kind.value,
        notification_event=delivery.event,
        response_code=outcome.response_code,
        error=outcome.error,
    )
    return outcome


def record(
    delivery: NotificationDelivery,
    outcome: channels.Outcome,
    policy: DeliveryPolicy,
    now: datetime,
    *,
    retry: bool = True,
) -> None:
    """Write an attempt's outcome on `delivery` (the caller commits)."""
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_response_code = outcome.response_code
    delivery.last_error = outcome.error
    if outcome.ok:
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = now
        delivery.next_attempt_at = None
    elif retry and delivery.attempts < policy.max_attempts:
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = now + policy.delay(delivery.attempts)
    else:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None


def channel_host(kind: ChannelKind, config: dict[str, object], secret: str | None) -> str | None:
    """The host a channel connects to (a Slack channel's is in its secret URL)."""
    if kind is ChannelKind.WEBHOOK:
        return urlsplit(str(config.get("url", ""))).hostname
    if kind is ChannelKind.SLACK:
        return urlsplit(secret or "").hostname
    return str(config.get("host") or "") or None


async def _refused_host(channel: NotificationChannel, secret: str | None, settings: Settings) -> str | None:
    host = channel_host(channel.kind, channel.config, secret)
    if not host:
        return None
    try:  # resolving the name blocks
        await asyncio.to_thread(check_host, host, settings.network_denylist, settings.network_allowlist)
    except DestinationRefusedError as exc:
        return exc.message
    return None


async def run_delivery_loop(
    session_factory: async_sessionmaker[AsyncSession],
    cipher: CredentialCipher,
    settings: Settings,
    policy: DeliveryPolicy,
) -> None:
    """Forever: a pass, then `interval_seconds` of sleep (none while a full batch was due)."""
    while True:
        tried: list[int] = []
        try:
            tried = await send_due(session_factory, cipher, settings, policy)
        except Exception:  # e.g. the app database briefly down; try again next round
            log.exception("notification_pass_failed")
        if len(tried) < policy.batch_size:
            await asyncio.sleep(policy.interval_seconds)


def start_delivery_loop(app: FastAPI) -> asyncio.Task[None]:
    """Call in the lifespan after the session factory and cipher exist on `app.state`."""
    settings: Settings = app.state.settings
    return asyncio.create_task(
        run_delivery_loop(
            app.state.session_factory, app.state.cipher, settings, DeliveryPolicy.from_settings(settings)
        ),
        name="portal-notifications",
    )


async def stop_delivery_loop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
