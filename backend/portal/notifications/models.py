"""Channels, per-job subscriptions and the delivery outbox."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db.base import Base, str_enum, utcnow


class ChannelKind(StrEnum):
    WEBHOOK = "webhook"  # JSON body signed with HMAC-SHA256 (X-Portal-Signature, X-Portal-Timestamp)
    SLACK = "slack"  # Slack-compatible incoming webhook: {"text": ...}
    EMAIL = "email"  # SMTP


class EventType(StrEnum):
    """What a channel can be told about: the three run outcomes; schedule_disabled (a schedule that
    disabled itself after failed runs, portal/schedules/failures.py); schema_drift (the drift check
    before a run, through outbox.enqueue_event_sync). cdc_lag is defined for the change streams of a
    later issue and never emitted yet."""

    RUN_SUCCEEDED = "run_succeeded"
    RUN_FAILED = "run_failed"
    RUN_COMPLETED_WITH_REJECTS = "run_completed_with_rejects"
    SCHEDULE_DISABLED = "schedule_disabled"
    SCHEMA_DRIFT = "schema_drift"
    CDC_LAG = "cdc_lag"


TEST_EVENT = "test"  # the event of a "send test" delivery (not subscribable)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up: max attempts reached (or a test that failed)


class NotificationChannel(Base):
    """Where notifications go. `config` holds what may be shown (URL of a webhook, SMTP host, port,
    security, user, from, to); the secret (webhook signing secret, Slack URL, SMTP password) is only
    stored encrypted (CredentialCipher) and never returned."""

    __tablename__ = "notification_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[ChannelKind] = mapped_column(str_enum(ChannelKind, 16))
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    secret_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    enabled: Mapped[bool] = mapped_column(default=True)
    # Events of every job this channel hears about (empty: only the jobs that subscribe it).
    all_jobs_events: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NotificationSubscription(Base):
    """A job subscribes a channel to some of its events."""

    __tablename__ = "notification_subscriptions"
    __table_args__ = (UniqueConstraint("job_id", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("notification_channels.id", ondelete="CASCADE"), index=True
    )
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationDelivery(Base):
    """The outbox: one row per (channel, event), written in the transaction that caused the event,
    sent by the delivery loop (status pending -> sent | failed)."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (Index("ix_notification_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("notification_channels.id", ondelete="CASCADE"), index=True
    )
    event: Mapped[str] = mapped_column(String(40))
    # No foreign keys: the log outlives the job and run it tells about.
    job_id: Mapped[int | None]
    job_run_id: Mapped[int | None]
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus, 16), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_response_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(1000))
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
