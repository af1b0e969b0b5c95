"""Channels (CRUD, secrets encrypted and write-only), job subscriptions, the delivery log and
"send test"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import structlog
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from portal.audit.context import AuditContext
from portal.audit.models import AuditAction
from portal.core.config import Settings
from portal.core.crypto import CredentialCipher
from portal.core.errors import ConflictError, EntityNotFoundError, ValidationFailedError
from portal.core.network_policy import check_host
from portal.db.base import utcnow
from portal.jobs.models import Job
from portal.notifications.delivery import DeliveryPolicy, attempt, channel_host, record
from portal.notifications.models import (
    TEST_EVENT,
    ChannelKind,
    DeliveryStatus,
    EventType,
    NotificationChannel,
    NotificationDelivery,
    NotificationSubscription,
)
from portal.notifications.schemas import (
    ChannelCreate,
    ChannelSubscription,
    ChannelUpdate,
    EmailConfig,
    JobNotifications,
    JobNotificationsUpdate,
    SlackConfig,
    WebhookConfig,
    http_url,
)

CHANNEL_RESOURCE = "notification_channel"
SUBSCRIPTION_RESOURCE = "job_notifications"
MIN_SIGNING_SECRET = 16
log = structlog.get_logger(__name__)


def audit_view(channel: NotificationChannel) -> dict[str, Any]:
    """The channel as the audit log records it: never the secret (nor its ciphertext)."""
    return {
        "name": channel.name,
        "kind": channel.kind.value,
        "config": channel.config,
        "enabled": channel.enabled,
        "all_jobs_events": list(channel.all_jobs_events),
        "secret": "set" if channel.secret_encrypted is not None else None,
    }


async def list_channels(
    session: AsyncSession, offset: int, limit: int
) -> tuple[Sequence[NotificationChannel], int]:
    total = await session.scalar(select(func.count()).select_from(NotificationChannel))
    rows = await session.scalars(
        select(NotificationChannel).order_by(NotificationChannel.name).offset(offset).limit(limit)
    )
    return rows.all(), int(total or 0)


async def get_channel(session: AsyncSession, channel_id: int) -> NotificationChannel:
    channel = await session.get(NotificationChannel, channel_id, populate_existing=True)
    if channel is None:
        raise EntityNotFoundError("NotificationChannel", channel_id)
    return channel


def _checked_secret(kind: ChannelKind, secret: str | None) -> str | None:
    """The secret a kind needs, refused (422, without echoing it) when missing or malformed."""
    if kind is ChannelKind.WEBHOOK and (secret is None or len(secret) < MIN_SIGNING_SECRET):
        raise ValidationFailedError(
            f"A webhook channel needs a signing secret of at least {MIN_SIGNING_SECRET} characters",
            problems=[{"field": "secret", "message": f"at least {MIN_SIGNING_SECRET} characters"}],
        )
    if kind is ChannelKind.SLACK:
        try:
            http_url(secret or "")
        except ValueError:
            raise ValidationFailedError(
                "A Slack channel needs its incoming webhook URL (http:// or https://) as the secret",
                problems=[{"field": "secret", "message": "an incoming webhook URL"}],
            ) from None
    return secret


async def _check_network(
    kind: ChannelKind, config: dict[str, Any], secret: str | None, settings: Settings
) -> None:
    host = channel_host(kind, config, secret)
    if host:  # resolving the name blocks; a refused network is a 422 DestinationRefused
        await run_in_threadpool(check_host, host, settings.network_denylist, settings.network_allowlist)


async def create_channel(
    session: AsyncSession,
    cipher: CredentialCipher,
    body: ChannelCreate,
    settings: Settings,
    audit: AuditContext,
) -> NotificationChannel:
    kind = ChannelKind(body.config.kind)
    secret = _checked_secret(kind, body.secret.get_secret_value() if body.secret else None)
    config = body.config.model_dump(mode="json")
    await _check_network(kind, config, secret, settings)
    channel = NotificationChannel(
        name=body.name,
        kind=kind,
        config=config,
        secret_encrypted=cipher.encrypt(secret) if secret else None,
        enabled=body.enabled,
        all_jobs_events=[e.value for e in body.all_jobs_events],
    )
    session.add(channel)
    await _flush_unique_name(session, body.name)
    audit.record(session, AuditAction.CREATE, CHANNEL_RESOURCE, channel.id, after=audit_view(channel))
    await session.commit()
    log.info("notification_channel_created", channel_id=channel.id, kind=kind.value)
    return channel


async def update_channel(
    session: AsyncSession,
    cipher: CredentialCipher,
    channel_id: int,
    body: ChannelUpdate,
    settings: Settings,
    audit: AuditContext,
) -> NotificationChannel:
    channel = await get_channel(session, channel_id)
    before = audit_view(channel)
    config: WebhookConfig | SlackConfig | EmailConfig | None = body.config
    kind = ChannelKind(config.kind) if config is not None else channel.kind
    new_secret = body.secret.get_secret_value() if body.secret is not None else None
    if new_secret is not None or kind is not channel.kind:
        _checked_secret(kind, new_secret)  # a new kind brings its own secret
    if config is not None or new_secret is not None:
        stored = (
            cipher.decrypt(channel.secret_encrypted)
            if new_secret is None and channel.secret_encrypted
            else None
        )
        shown = config.model_dump(mode="json") if config is not None else channel.config
        await _check_network(kind, shown, new_secret or stored, settings)
    if body.name is not None:
        channel.name = body.name
    if config is not None:
        channel.kind, channel.config = kind, config.model_dump(mode="json")
    if new_secret is not None:
        channel.secret_encrypted = cipher.encrypt(new_secret)
    elif kind is ChannelKind.EMAIL and before["kind"] != kind.value:
        channel.secret_encrypted = None  # another kind's secret is not an SMTP password
    if body.enabled is not None:
        channel.enabled = body.enabled
    if body.all_jobs_events is not None:
        channel.all_jobs_events = [e.value for e in body.all_jobs_events]
    channel.updated_at = utcnow()
    after = audit_view(channel)
    if new_secret is not None:  # a new secret differs from the old one, whatever both were
        after["secret"] = "replaced"
    await _flush_unique_name(session, channel.name)
    audit.record(session, AuditAction.UPDATE, CHANNEL_RESOURCE, channel.id, before=before, after=after)
    await session.commit()
    log.info("notification_channel_updated", channel_id=channel.id)
    return channel


async def delete_channel(session: AsyncSession, channel_id: int, audit: AuditContext) -> None:
    """Its subscriptions and its delivery log go with it."""
    channel = await get_channel(session, channel_id)
    audit.record(session, AuditAction.DELETE, CHANNEL_RESOURCE, channel_id, before=audit_view(channel))
    await session.delete(channel)
    await session.commit()
    log.info("notification_channel_deleted", channel_id=channel_id)


async def send_test(
    session: AsyncSession,
    cipher: CredentialCipher,
    channel_id: int,
    settings: Settings,
    policy: DeliveryPolicy,
) -> NotificationDelivery:
    """A `test` delivery sent now, once (no retry), its outcome in the channel's delivery log."""
    channel = await get_channel(session, channel_id)
    now = utcnow()
    delivery = NotificationDelivery(
        channel_id=channel.id,
        event=TEST_EVENT,
        payload={"event": TEST_EVENT, "channel": {"id": channel.id, "name": channel.name}},
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=None,  # never the loop's
        created_at=now,
    )
    session.add(delivery)
    await session.commit()  # no transaction stays open while the channel answers
    outcome = await attempt(channel, delivery, cipher, settings, policy)
    record(delivery, outcome, policy, utcnow(), retry=False)
    await session.commit()
    return delivery


async def list_deliveries(
    session: AsyncSession, channel_id: int, status: DeliveryStatus | None, offset: int, limit: int
) -> tuple[Sequence[NotificationDelivery], int]:
    await get_channel(session, channel_id)
    query = select(NotificationDelivery).where(NotificationDelivery.channel_id == channel_id)
    if status is not None:
        query = query.where(NotificationDelivery.status == status)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(query.order_by(NotificationDelivery.id.desc()).offset(offset).limit(limit))
    return rows.all(), int(total or 0)


async def job_notifications(session: AsyncSession, job_id: int) -> JobNotifications:
    if await session.get(Job, job_id) is None:
        raise EntityNotFoundError("Job", job_id)
    channels = (await session.scalars(select(NotificationChannel).order_by(NotificationChannel.name))).all()
    subscribed = {
        s.channel_id: s
        for s in await session.scalars(
            select(NotificationSubscription).where(NotificationSubscription.job_id == job_id)
        )
    }

    def entry(channel: NotificationChannel, events: list[str]) -> ChannelSubscription:
        return ChannelSubscription(
            channel_id=channel.id,
            channel_name=channel.name,
            channel_kind=channel.kind,
            channel_enabled=channel.enabled,
            events=[EventType(e) for e in events],
        )

    return JobNotifications(
        job_id=job_id,
        subscriptions=[entry(c, subscribed[c.id].events) for c in channels if c.id in subscribed],
        all_jobs=[entry(c, c.all_jobs_events) for c in channels if c.all_jobs_events],
    )


async def set_job_notifications(
    session: AsyncSession, job_id: int, body: JobNotificationsUpdate, audit: AuditContext
) -> JobNotifications:
    before = await job_notifications(session, job_id)  # 404 for an unknown job
    wanted = {s.channel_id: [e.value for e in s.events] for s in body.subscriptions}
    known = set(
        (
            await session.scalars(select(NotificationChannel.id).where(NotificationChannel.id.in_(wanted)))
        ).all()
    )
    unknown = sorted(set(wanted) - known)
    if unknown:
        raise ValidationFailedError(
            f"No notification channel {', '.join(map(str, unknown))}",
            problems=[{"field": "subscriptions", "message": f"unknown channel {i}"} for i in unknown],
        )
    await session.execute(delete(NotificationSubscription).where(NotificationSubscription.job_id == job_id))
    session.add_all(
        NotificationSubscription(job_id=job_id, channel_id=channel_id, events=events)
        for channel_id, events in wanted.items()
    )
    audit.record(
        session,
        AuditAction.UPDATE,
        SUBSCRIPTION_RESOURCE,
        job_id,
        before={"subscriptions": _audit_subscriptions(before)},
        after={"subscriptions": {str(k): v for k, v in sorted(wanted.items())}},
    )
    await session.commit()
    return await job_notifications(session, job_id)


def _audit_subscriptions(read: JobNotifications) -> dict[str, list[str]]:
    return {
        str(s.channel_id): [e.value for e in s.events]
        for s in sorted(read.subscriptions, key=lambda s: s.channel_id)
    }


async def _flush_unique_name(session: AsyncSession, name: str) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        raise ConflictError(
            f"A notification channel named {name!r} already exists", error="ChannelNameTaken", name=name
        ) from exc
